"""Blend itself as a separate process (``python app.py``), the way a newcomer runs it."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from pathlib import Path

import aiohttp

REPO_ROOT = Path(__file__).resolve().parents[2]


class BlendProcess:
    def __init__(self, port: int, database_url: str, workdir: Path, extra_env: dict[str, str] | None = None) -> None:
        self.port, self.database_url, self.workdir = port, database_url, workdir
        self.extra_env = extra_env or {}
        self.log_path = workdir / "blend.log"
        self._proc: asyncio.subprocess.Process | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    async def start(self, timeout: float = 30) -> None:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("APP_", "DATABASE_URL"))}
        env.update({"PORT": str(self.port), "DATABASE_URL": self.database_url, "PYTHONUNBUFFERED": "1",
                    **self.extra_env})
        log = open(self.log_path, "ab")
        self._proc = await asyncio.create_subprocess_exec(
            sys.executable, str(REPO_ROOT / "app.py"), cwd=self.workdir, env=env,
            stdout=log, stderr=asyncio.subprocess.STDOUT, start_new_session=True)
        log.close()
        deadline = asyncio.get_running_loop().time() + timeout
        async with aiohttp.ClientSession() as session:
            while True:
                if self._proc.returncode is not None:
                    raise RuntimeError(f"Blend exited ({self._proc.returncode}):\n{self.log_tail()}")
                try:
                    async with session.get(f"{self.url}/healthz") as response:
                        if response.status == 200:
                            return
                except aiohttp.ClientError:
                    pass
                if asyncio.get_running_loop().time() > deadline:
                    raise RuntimeError(f"Blend did not become healthy:\n{self.log_tail()}")
                await asyncio.sleep(0.1)

    async def stop(self) -> None:
        if self._proc is None or self._proc.returncode is not None:
            return
        os.killpg(self._proc.pid, signal.SIGTERM)
        try:
            await asyncio.wait_for(self._proc.wait(), 10)
        except asyncio.TimeoutError:
            os.killpg(self._proc.pid, signal.SIGKILL)
            await self._proc.wait()

    async def kill(self) -> None:
        """SIGKILL, as when a machine dies: no shutdown, leases and open transactions left behind."""
        if self._proc is not None and self._proc.returncode is None:
            os.killpg(self._proc.pid, signal.SIGKILL)
            await self._proc.wait()

    def log_tail(self, lines: int = 60) -> str:
        if not self.log_path.exists():
            return ""
        return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
