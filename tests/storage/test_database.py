"""Engines, migrations and the health check."""

from __future__ import annotations

import asyncio
import os

import asyncpg
import pytest
import sqlalchemy as sa
from alembic.script import ScriptDirectory
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from storage.database import _server_settings, create_engine, normalise_url, ping
from storage.migrate import alembic_config, migrate
from storage.models import metadata

PG_URL = os.environ.get("BLEND_TEST_POSTGRES_URL", "")

TABLES = {
    "teams",
    "channels",
    "members",
    "trajectories",
    "facilitators",
    "steps",
    "ideas",
    "processed_activities",
    "clarifications",
    "summary_cards",
    "vote_options",
    "vote_state",
    "ballots",
    "ballot_choices",
    "jobs",
    "reminder_sends",
    "responses",
    "meetings",
    "filed_outputs",
    "alembic_version",
}


def test_urls_get_async_drivers():
    assert normalise_url("postgres://u:p@h/db").drivername == "postgresql+asyncpg"
    assert normalise_url("postgresql://u@h/db").drivername == "postgresql+asyncpg"
    assert normalise_url("sqlite:///x.db").drivername == "sqlite+aiosqlite"
    url = normalise_url("postgresql://u@h/db?sslmode=require")
    assert dict(url.query) == {"ssl": "require"}


def test_libpq_options_become_server_settings():
    assert _server_settings("-csearch_path=t1 -c statement_timeout=5000 --lock-timeout=10") == {
        "search_path": "t1",
        "statement_timeout": "5000",
        "lock_timeout": "10",
    }


async def _table_names(engine) -> set[str]:
    async with engine.connect() as conn:
        return set(await conn.run_sync(lambda c: sa.inspect(c).get_table_names()))


async def test_migrate_creates_every_table_and_is_idempotent(bare_engine):
    await migrate(bare_engine)
    await migrate(bare_engine)  # a restart: nothing to do, no error
    assert await _table_names(bare_engine) == TABLES
    heads = set(ScriptDirectory.from_config(alembic_config()).get_heads())
    async with bare_engine.connect() as conn:
        assert set((await conn.scalars(sa.text("SELECT version_num FROM alembic_version"))).all()) == heads


async def test_instances_starting_together_migrate_once(bare_engine):
    # Connections of one engine stand in for instances. Without the lock PostgreSQL hangs here
    # (concurrent CREATE TABLEs wait on each other), hence the timeout.
    await asyncio.wait_for(asyncio.gather(*(migrate(bare_engine) for _ in range(3))), 10)
    assert await _table_names(bare_engine) == TABLES


async def test_models_match_the_migrations(engine):
    def diff(conn: sa.Connection) -> list:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        return compare_metadata(context, metadata)

    def active_index_predicate(conn: sa.Connection) -> str:
        indexes = {i["name"]: i for i in sa.inspect(conn).get_indexes("trajectories")}
        options = indexes["uq_trajectories_active_channel"]["dialect_options"]
        return str(next(v for k, v in options.items() if k.endswith("_where")))

    async with engine.connect() as conn:
        assert await conn.run_sync(diff) == []
        # compare_metadata does not look at partial-index predicates.
        predicate = await conn.run_sync(active_index_predicate)
    assert "'draft'" in predicate and "'running'" in predicate


async def test_sqlite_enforces_foreign_keys_and_uses_wal(engine, backend):
    if backend != "sqlite":
        return
    async with engine.connect() as conn:
        assert await conn.scalar(sa.text("PRAGMA foreign_keys")) == 1
        assert await conn.scalar(sa.text("PRAGMA journal_mode")) == "wal"


async def test_ping(engine):
    assert await ping(engine) is True


async def test_ping_is_false_when_the_database_is_unreachable(tmp_path):
    nowhere = create_engine("postgresql://nobody@127.0.0.1:1/none")
    assert await ping(nowhere, timeout=2) is False
    await nowhere.dispose()
    # A "database file" SQLite cannot open: it is a folder.
    broken = create_engine(f"sqlite:///{tmp_path}/data.db")
    (tmp_path / "data.db").mkdir()
    assert await ping(broken) is False
    await broken.dispose()


@pytest.mark.postgres
@pytest.mark.skipif(not PG_URL, reason="BLEND_TEST_POSTGRES_URL not set")
async def test_postgres_pings_only_a_connection_back_from_idle_and_replaces_one_that_is_gone(monkeypatch):
    from storage import database

    engine = create_engine(PG_URL, pool_size=1, max_overflow=0)
    pings = []
    real_ping = engine.dialect.do_ping
    monkeypatch.setattr(engine.dialect, "do_ping", lambda conn: (pings.append(1), real_ping(conn))[1])

    async def backend_pid() -> int:
        async with engine.connect() as conn:
            return (await conn.execute(sa.text("SELECT pg_backend_pid()"))).scalar_one()

    try:
        first = await backend_pid()
        assert await backend_pid() == first and pings == []  # back within seconds: in use, no ping
        monkeypatch.setattr(database, "IDLE_PING_S", 0.0)
        assert await backend_pid() == first and len(pings) == 1  # back from idle: pinged, alive
        # A server or proxy drops it while it sits in the pool.
        killer = await asyncpg.connect(PG_URL.replace("postgresql+asyncpg://", "postgresql://"))
        try:
            await killer.execute("SELECT pg_terminate_backend($1)", first)
        finally:
            await killer.close()
        replaced = await backend_pid()  # the ping fails, the pool connects afresh, the caller never knows
        assert replaced != first and len(pings) == 2
    finally:
        await engine.dispose()
