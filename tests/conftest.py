"""Shared fixtures: a migrated database per test (SQLite, and PostgreSQL when
BLEND_TEST_POSTGRES_URL is set) and a guard against any network call off this machine."""

from __future__ import annotations

import ipaddress
import os
import socket
import uuid

import pytest

from storage.database import create_engine, session_factory
from storage.migrate import migrate

POSTGRES_URL = os.environ.get("BLEND_TEST_POSTGRES_URL", "")
DATABASES = ["sqlite"] + (["postgres"] if POSTGRES_URL else [])


def _is_loopback(host) -> bool:
    if isinstance(host, bytes):
        host = host.decode()
    if host is None or host == "localhost":
        return True
    try:
        return ipaddress.ip_address(str(host).split("%")[0]).is_loopback
    except ValueError:
        return False


@pytest.fixture(autouse=True)
def no_network_except_loopback(monkeypatch):
    """Fail the test on any DNS lookup or connection to a non-loopback host.

    The violation is raised where it happens *and* reported at teardown, because code under
    test (e.g. on_turn_error) may swallow the exception.
    """
    violations: list[str] = []
    real_getaddrinfo = socket.getaddrinfo
    real_connect = socket.socket.connect
    real_connect_ex = socket.socket.connect_ex

    def check(host, what):
        if not _is_loopback(host):
            violations.append(f"{what} {host!r}")
            raise OSError(f"test tried to reach the network: {what} {host!r}")

    def getaddrinfo(host, *args, **kwargs):
        check(host, "getaddrinfo")
        return real_getaddrinfo(host, *args, **kwargs)

    def connect(sock, address):
        if sock.family in (socket.AF_INET, socket.AF_INET6):
            check(address[0], "connect")
        return real_connect(sock, address)

    def connect_ex(sock, address):
        if sock.family in (socket.AF_INET, socket.AF_INET6):
            check(address[0], "connect")
        return real_connect_ex(sock, address)

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    monkeypatch.setattr(socket.socket, "connect", connect)
    monkeypatch.setattr(socket.socket, "connect_ex", connect_ex)
    yield violations
    assert not violations, f"non-loopback network access: {violations}"


@pytest.fixture(params=DATABASES)
async def database_url(request, tmp_path):
    """A fresh, empty database: a SQLite file, or a throw-away schema in PostgreSQL."""
    if request.param == "sqlite":
        yield f"sqlite+aiosqlite:///{tmp_path}/blend.db"
        return
    import asyncpg

    schema = f"t_{uuid.uuid4().hex[:12]}"
    dsn = POSTGRES_URL.replace("postgresql+asyncpg://", "postgresql://")
    conn = await asyncpg.connect(dsn)
    await conn.execute(f'CREATE SCHEMA "{schema}"')
    await conn.close()
    separator = "&" if "?" in POSTGRES_URL else "?"
    # asyncpg takes the search path through server_settings; SQLAlchemy passes `options` through.
    yield f"{POSTGRES_URL}{separator}options=-csearch_path%3D{schema}"
    conn = await asyncpg.connect(dsn)
    await conn.execute(f'DROP SCHEMA "{schema}" CASCADE')
    await conn.close()


@pytest.fixture
async def engine(database_url):
    engine = create_engine(database_url)
    await migrate(engine)
    yield engine
    await engine.dispose()


@pytest.fixture
def sessions(engine):
    return session_factory(engine)
