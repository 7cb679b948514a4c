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


def _loopback(host: object) -> bool:
    if host in ("localhost", "", None):
        return True
    try:
        return ipaddress.ip_address(str(host).split("%")[0]).is_loopback
    except ValueError:
        return False


@pytest.fixture(autouse=True)
def no_network(monkeypatch):
    """A test fails on any connection that leaves the machine (fakes over real services)."""
    real_connect, real_getaddrinfo = socket.socket.connect, socket.getaddrinfo

    def guarded_getaddrinfo(host, *args, **kwargs):
        if not _loopback(host):
            raise AssertionError(f"unexpected network lookup: {host}")
        return real_getaddrinfo(host, *args, **kwargs)

    def guarded_connect(sock, address):
        if isinstance(address, tuple) and not _loopback(address[0]):
            raise AssertionError(f"unexpected network call: {address}")
        return real_connect(sock, address)

    monkeypatch.setattr(socket, "getaddrinfo", guarded_getaddrinfo)
    monkeypatch.setattr(socket.socket, "connect", guarded_connect)


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
