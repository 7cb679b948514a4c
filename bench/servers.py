"""The bots under test as separate processes: start-up time to a healthy /healthz, CPU time and
RSS read from /proc, and throw-away databases (a SQLite file or a PostgreSQL schema)."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import sys
import time
import uuid
from contextlib import asynccontextmanager
from pathlib import Path
from typing import AsyncIterator

import aiohttp

REPO_ROOT = Path(__file__).resolve().parents[1]
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
DEFAULT_POSTGRES_URL = "postgresql+asyncpg://postgres@127.0.0.1:5432/test"

# name -> the command that runs it (from the repository root)
COMMANDS = {
    "blend": [sys.executable, str(REPO_ROOT / "app.py")],
    "stock": [sys.executable, "-m", "bench.reference_stock"],
    "ceiling": [sys.executable, "-m", "bench.reference_ceiling"],
}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process (the fields after the parenthesised command name)."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rpartition(")")[2].split()
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS


def rss_mb(pid: int) -> float:
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


class Server:
    def __init__(self, name: str, database_url: str, workdir: Path) -> None:
        self.name, self.database_url, self.workdir = name, database_url, workdir
        self.port = free_port()
        self.log_path = workdir / f"{name}.log"
        self.proc: asyncio.subprocess.Process | None = None
        self.startup_s = 0.0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def pid(self) -> int:
        assert self.proc is not None
        return self.proc.pid

    async def start(self, timeout: float = 60) -> None:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("APP_", "DATABASE_URL"))}
        env.update(PORT=str(self.port), DATABASE_URL=self.database_url, PYTHONUNBUFFERED="1",
                   PYTHONPATH=str(REPO_ROOT))
        log = open(self.log_path, "ab")
        began = time.perf_counter()
        self.proc = await asyncio.create_subprocess_exec(
            *COMMANDS[self.name], cwd=self.workdir, env=env, stdout=log, stderr=asyncio.subprocess.STDOUT,
            start_new_session=True)
        log.close()
        async with aiohttp.ClientSession() as session:
            while True:
                if self.proc.returncode is not None:
                    raise RuntimeError(f"{self.name} exited ({self.proc.returncode}):\n{self.log_tail()}")
                try:
                    async with session.get(f"{self.url}/healthz") as response:
                        if response.status == 200:
                            self.startup_s = time.perf_counter() - began
                            return
                except aiohttp.ClientError:
                    pass
                if time.perf_counter() - began > timeout:
                    raise RuntimeError(f"{self.name} did not become healthy:\n{self.log_tail()}")
                await asyncio.sleep(0.01)

    async def stop(self) -> None:
        if self.proc is None or self.proc.returncode is not None:
            return
        os.killpg(self.proc.pid, signal.SIGTERM)
        try:
            await asyncio.wait_for(self.proc.wait(), 10)
        except asyncio.TimeoutError:
            os.killpg(self.proc.pid, signal.SIGKILL)
            await self.proc.wait()

    def log_tail(self, lines: int = 40) -> str:
        if not self.log_path.exists():
            return ""
        return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])


@asynccontextmanager
async def database(kind: str, workdir: Path, postgres_url: str) -> AsyncIterator[str]:
    """A fresh database URL: a new SQLite file, or a new PostgreSQL schema dropped afterwards."""
    if kind == "sqlite":
        yield f"sqlite+aiosqlite:///{workdir / f'bench-{uuid.uuid4().hex[:8]}.db'}"
        return
    import asyncpg

    dsn = postgres_url.replace("postgresql+asyncpg://", "postgresql://")
    schema = f"bench_{uuid.uuid4().hex[:12]}"
    conn = await asyncpg.connect(dsn)
    try:
        await conn.execute(f'CREATE SCHEMA "{schema}"')
        separator = "&" if "?" in postgres_url else "?"
        yield f"{postgres_url}{separator}options=-csearch_path%3D{schema}"
    finally:
        await conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
        await conn.close()
