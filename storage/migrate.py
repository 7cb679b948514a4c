"""Bring the schema to the newest revision at start-up; no alembic.ini needed.

From a shell: ``python -m storage`` (see storage/__main__.py).
"""

from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from sqlalchemy.ext.asyncio import AsyncEngine

from .database import create_engine

MIGRATIONS = Path(__file__).parent / "migrations"
# Any constant bigint will do, as long as nothing else in the database uses it.
_PG_LOCK_KEY = 0x626C656E64  # "blend"


def alembic_config(url: str | None = None) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    if url is not None:
        config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


async def migrate(engine: AsyncEngine) -> None:
    """Upgrade to head in one transaction; safe to call from several instances at once."""
    async with engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            # Instances starting together queue here; the later ones then find nothing to do.
            # (SQLite needs no lock: the IMMEDIATE transaction already holds the write lock.)
            await conn.execute(sa.text("SELECT pg_advisory_xact_lock(:key)"), {"key": _PG_LOCK_KEY})
        await conn.run_sync(_upgrade)


def _upgrade(connection: sa.Connection) -> None:
    config = alembic_config()
    config.attributes["connection"] = connection
    # "heads": step kinds may add revisions on parallel branches before a merge revision joins them.
    command.upgrade(config, "heads")


async def migrate_url(url: str) -> None:
    engine = create_engine(url)
    try:
        await migrate(engine)
    finally:
        await engine.dispose()
