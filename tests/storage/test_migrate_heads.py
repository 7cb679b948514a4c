"""A restart on a migrated database skips alembic (issue 9: start-up): storage.migrate reads the
migrations' heads itself, so that reading must agree with alembic's, and a database behind them
must still be upgraded."""

from __future__ import annotations

import sqlalchemy as sa
from alembic import command
from alembic.script import ScriptDirectory

from storage.migrate import alembic_config, heads, migrate


def test_the_heads_read_from_the_files_are_alembics():
    assert heads() == frozenset(ScriptDirectory.from_config(alembic_config()).get_heads())


async def test_a_database_behind_the_heads_is_upgraded(bare_engine):
    async with bare_engine.begin() as conn:
        await conn.run_sync(lambda c: _upgrade_to(c, "0002"))
    await migrate(bare_engine)
    async with bare_engine.connect() as conn:
        assert frozenset((await conn.scalars(sa.text("SELECT version_num FROM alembic_version"))).all()) == heads()


def _upgrade_to(connection: sa.Connection, revision: str) -> None:
    config = alembic_config()
    config.attributes["connection"] = connection
    command.upgrade(config, revision)
