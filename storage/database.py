"""Engines and sessions for SQLite (local, single instance) and PostgreSQL (hosted)."""

from __future__ import annotations

import asyncio
import shlex
import time
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import URL, make_url
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine

from .fair_pool import FairAsyncPool
from .sqlite_on_loop import BUSY_TIMEOUT_MS as SQLITE_BUSY_TIMEOUT_MS, use_loop_statements

PING_TIMEOUT_S = 3.0
DEFAULT_POOL_SIZE = 20  # PostgreSQL connections per instance (BLEND_DATABASE_POOL_SIZE)
IDLE_PING_S = 10.0  # a pooled PostgreSQL connection idle this long is pinged before use


def normalise_url(url: str) -> URL:
    """Pick the async driver for URLs written the usual way (``postgres://``, ``sqlite:///``)."""
    parsed = make_url(url)
    backend = parsed.get_backend_name()
    if backend in ("postgres", "postgresql"):
        parsed = parsed.set(drivername="postgresql+asyncpg")
        if "sslmode" in parsed.query:
            # Hosted providers hand out libpq URLs; asyncpg calls the same option ``ssl``.
            mode = parsed.query["sslmode"]
            parsed = parsed.difference_update_query(["sslmode"]).update_query_dict({"ssl": mode})
    elif backend == "sqlite" and parsed.get_driver_name() != "aiosqlite":
        parsed = parsed.set(drivername="sqlite+aiosqlite")
    return parsed


def create_engine(url: str, *, pool_size: int = DEFAULT_POOL_SIZE, **kwargs: Any) -> AsyncEngine:
    """An async engine for ``url``; ``pool_size``: PostgreSQL connections kept open (SQLite has one);
    extra keyword arguments go to ``create_async_engine``."""
    parsed = normalise_url(url)
    if parsed.get_backend_name() == "sqlite":
        return _sqlite_engine(parsed, **kwargs)
    if isinstance(options := parsed.query.get("options"), str):
        # libpq's ``options=-c name=value`` (e.g. a search_path); asyncpg wants server_settings.
        parsed = parsed.difference_update_query(["options"])
        connect_args = kwargs.setdefault("connect_args", {})
        connect_args["server_settings"] = {**_server_settings(options), **connect_args.get("server_settings", {})}
    if kwargs.setdefault("poolclass", FairAsyncPool) is FairAsyncPool:  # arrival order (storage/fair_pool.py)
        # A steady pool, no overflow: with SQLAlchemy's default (5, and up to 10 more opened and
        # closed as needed) 16 concurrent clicks kept opening connections, each a new server
        # process with every statement prepared anew; kept open: 10-20% more clicks per second.
        kwargs.setdefault("pool_size", pool_size)
        kwargs.setdefault("max_overflow", 0)
    engine = create_async_engine(parsed, **kwargs)
    _ping_after_idle(engine)
    return engine


def _ping_after_idle(engine: AsyncEngine) -> None:
    """Hosted servers and proxies drop idle connections, so a connection that sat in the pool for
    IDLE_PING_S is pinged before use and replaced if it is gone. Not every checkout, as
    ``pool_pre_ping`` would: asyncpg's ping is three round trips (BEGIN, a query, ROLLBACK), as
    many as a fifth of a click's (issue 9); a connection back within seconds is in use, not idle."""

    @sa.event.listens_for(engine.sync_engine, "checkin")
    def _idle_from(_dbapi_connection: Any, record: Any) -> None:
        if record is not None:
            record.info["blend_idle_since"] = time.monotonic()

    @sa.event.listens_for(engine.sync_engine, "checkout")
    def _ping(dbapi_connection: Any, record: Any, _proxy: Any) -> None:
        since = record.info.pop("blend_idle_since", None)
        if since is None or time.monotonic() - since < IDLE_PING_S:
            return
        try:
            engine.dialect.do_ping(dbapi_connection)
        except Exception as error:  # noqa: BLE001 - gone: the pool discards it and connects afresh
            raise sa.exc.DisconnectionError(f"idle connection lost: {type(error).__name__}") from error


def _server_settings(options: str) -> dict[str, str]:
    settings: dict[str, str] = {}
    words = iter(shlex.split(options))
    for word in words:
        if word == "-c":
            word = next(words, "")
        elif word.startswith("-c"):
            word = word[2:]
        elif word.startswith("--"):
            word = word[2:].replace("-", "_")
        else:
            continue
        name, _, value = word.partition("=")
        if name:
            settings[name] = value
    return settings


def _sqlite_engine(url: URL, **kwargs: Any) -> AsyncEngine:
    database = url.database or ""
    if database and database != ":memory:" and not database.startswith("file:"):
        Path(database).expanduser().parent.mkdir(parents=True, exist_ok=True)
        # One connection: SQLite has one writer and every unit of work takes the write lock, so
        # waiting in the pool's queue (woken at once on check-in) replaces busy_timeout's polling
        # (sleeps of up to 100 ms), which cut concurrent card actions to a few per second.
        # FairAsyncPool: that queue serves clicks in arrival order (storage/fair_pool.py).
        kwargs = {"poolclass": FairAsyncPool, "pool_size": 1, "max_overflow": 0,
                  "pool_timeout": SQLITE_BUSY_TIMEOUT_MS / 1000, **kwargs}
    # The pool's rollback on check-in is a trip to aiosqlite's thread even after a commit, when there is
    # nothing to roll back: _on_reset rolls back only a transaction still open.
    kwargs = {"pool_reset_on_return": None, **kwargs}
    engine = create_async_engine(url, **kwargs)

    @sa.event.listens_for(engine.sync_engine.pool, "reset")
    def _on_reset(dbapi_connection: Any, _record: Any, state: Any) -> None:
        if state.asyncio_safe and not state.transaction_was_reset and dbapi_connection.driver_connection.in_transaction:
            dbapi_connection.rollback()

    @sa.event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy, not the sqlite3 module, decide when transactions begin (see _on_begin).
        dbapi_connection.isolation_level = None
        # Statements run on the event loop, and on aiosqlite's thread where they could wait
        # (storage/sqlite_on_loop.py): so no busy timeout here (a lock held by another connection
        # sends the statement to the thread, where writers wait for each other up to
        # SQLITE_BUSY_TIMEOUT_MS) and no automatic checkpoint (its fsync runs on the thread).
        use_loop_statements(dbapi_connection)
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA busy_timeout = 0")
        cursor.execute("PRAGMA foreign_keys = ON")
        # WAL: readers do not block the writer nor the writer the readers.
        cursor.execute("PRAGMA journal_mode = WAL")
        cursor.execute("PRAGMA synchronous = NORMAL")
        cursor.execute("PRAGMA wal_autocheckpoint = 0")
        cursor.close()

    @sa.event.listens_for(engine.sync_engine, "begin")
    def _on_begin(conn: sa.Connection) -> None:
        # IMMEDIATE takes the write lock at BEGIN, where busy_timeout applies. A deferred
        # transaction that reads and then writes fails at once if another writer got there
        # first, and every unit of work writes (it claims its activity). This also makes DDL
        # and SAVEPOINTs transactional.
        deferred = conn.get_execution_options().get("blend_read_only", False)
        conn.exec_driver_sql("BEGIN" if deferred else "BEGIN IMMEDIATE")

    return engine


def session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    # Repositories hand out dataclasses, not ORM objects: nothing would be worth expiring.
    return async_sessionmaker(engine, expire_on_commit=False, autoflush=False)


async def ping(engine: AsyncEngine, timeout: float = PING_TIMEOUT_S) -> bool:
    """Whether the database answers ``SELECT 1`` in time; for /healthz, so it never raises."""

    async def select_one() -> bool:
        async with engine.connect() as conn:
            conn = await conn.execution_options(blend_read_only=True)
            return (await conn.scalar(sa.text("SELECT 1"))) == 1

    try:
        return await asyncio.wait_for(select_one(), timeout)
    except Exception:  # noqa: BLE001 - any failure means "not healthy"
        return False
