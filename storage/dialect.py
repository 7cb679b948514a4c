"""The one place that picks dialect-specific SQL (INSERT ... ON CONFLICT)."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

_INSERTS = {"postgresql": postgresql.insert, "sqlite": sqlite.insert}


def upsert_insert(session: AsyncSession, table: sa.Table) -> postgresql.Insert | sqlite.Insert:
    """An INSERT for ``table`` that supports ``on_conflict_do_nothing/do_update`` on this database."""
    name = session.get_bind().dialect.name
    try:
        return _INSERTS[name](table)
    except KeyError:
        raise NotImplementedError(f"no INSERT ... ON CONFLICT for {name}") from None
