"""Bring the schema to the newest revision at start-up; no alembic.ini needed.

From a shell: ``python -m storage`` (see storage/__main__.py).
"""

from __future__ import annotations

import ast
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

from .database import create_engine

if TYPE_CHECKING:
    from alembic.config import Config

MIGRATIONS = Path(__file__).parent / "migrations"
# Any constant bigint will do, as long as nothing else in the database uses it.
_PG_LOCK_KEY = 0x626C656E64  # "blend"


def alembic_config(url: str | None = None) -> Config:
    from alembic.config import Config

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
        if not await conn.run_sync(_at_heads):
            await conn.run_sync(_upgrade)


@cache
def heads() -> frozenset[str]:
    """The newest revisions, read from the migration files' ``revision``/``down_revision`` lines
    without alembic: a restart on a migrated database then never imports alembic and mako
    (0.15-0.4 s). tests/storage checks this against alembic's own reading."""
    revisions: set[str] = set()
    parents: set[str] = set()
    for path in (MIGRATIONS / "versions").glob("*.py"):
        for node in ast.parse(path.read_text(encoding="utf-8")).body:
            target = node.targets[0] if isinstance(node, ast.Assign) and len(node.targets) == 1 else (
                node.target if isinstance(node, ast.AnnAssign) and node.value is not None else None)
            if not isinstance(target, ast.Name) or target.id not in ("revision", "down_revision"):
                continue
            value = ast.literal_eval(node.value)  # type: ignore[arg-type]
            if target.id == "revision":
                revisions.add(value)
            elif value is not None:
                parents.update([value] if isinstance(value, str) else value)
    return frozenset(revisions - parents)


def _at_heads(connection: sa.Connection) -> bool:
    if not sa.inspect(connection).has_table("alembic_version"):
        return False
    stamped = connection.execute(sa.text("SELECT version_num FROM alembic_version")).scalars().all()
    return frozenset(stamped) == heads()


def _upgrade(connection: sa.Connection) -> None:
    from alembic import command

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
