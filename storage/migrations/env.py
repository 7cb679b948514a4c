"""Alembic environment for async engines.

At start-up ``storage.migrate.migrate`` passes an open connection in ``config.attributes``; run
from the command line (``python -m storage.migrate``), it builds an async engine from the URL.
"""

from __future__ import annotations

import asyncio

from alembic import context
from sqlalchemy import Connection

from storage.database import create_engine
from storage.models import UTCDateTime, metadata

config = context.config


def _render_item(type_: str, obj: object, autogen_context: object) -> str | bool:
    # New revisions spell the column type out, so they do not import (and follow) the models.
    if type_ == "type" and isinstance(obj, UTCDateTime):
        return "sa.DateTime(timezone=True)"
    return False


def _run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=metadata,
        render_as_batch=connection.dialect.name == "sqlite",  # SQLite cannot ALTER most things
        render_item=_render_item,
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


async def _run_with_own_engine() -> None:
    engine = create_engine(config.get_main_option("sqlalchemy.url"))
    try:
        async with engine.begin() as conn:
            await conn.run_sync(_run)
    finally:
        await engine.dispose()


def _run_offline() -> None:
    context.configure(
        url=config.get_main_option("sqlalchemy.url"), target_metadata=metadata, literal_binds=True
    )
    with context.begin_transaction():
        context.run_migrations()


if context.is_offline_mode():
    _run_offline()
elif (connection := config.attributes.get("connection")) is not None:
    _run(connection)
else:
    asyncio.run(_run_with_own_engine())
