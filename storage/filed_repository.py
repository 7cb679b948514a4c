"""What Blend filed in the channel's Files (trajectory.filing.FiledOutputRepository) over SQL.

Runs in the caller's session (the unit of work); nothing here commits.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from trajectory.filing import FiledOutput

from . import models as m
from .dialect import upsert_insert

_table = m.filed_outputs


def _to_filed(row: sa.Row[Any]) -> FiledOutput:
    return FiledOutput(trajectory_id=row.trajectory_id, step_id=row.step_id, name=row.name, item_id=row.item_id,
                       web_url=row.web_url, filed_at=row.filed_at)


class SqlFiledOutputRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def get(self, trajectory_id: int, step_id: int | None) -> FiledOutput | None:
        step = _table.c.step_id.is_(None) if step_id is None else _table.c.step_id == step_id
        select = sa.select(_table).where(_table.c.trajectory_id == trajectory_id, step)
        row = (await self._session.execute(select)).first()
        return _to_filed(row) if row else None

    async def record(self, filed: FiledOutput) -> None:
        """One row per (trajectory, step): a re-run's file replaces the record (two partial unique
        indexes, since NULL step ids never collide in a plain one)."""
        values = {"trajectory_id": filed.trajectory_id, "step_id": filed.step_id, "name": filed.name,
                  "item_id": filed.item_id, "web_url": filed.web_url, "filed_at": filed.filed_at}
        insert = upsert_insert(self._session, _table).values(**values)
        if filed.step_id is None:
            keys, where = [_table.c.trajectory_id], sa.text("step_id IS NULL")
        else:
            keys, where = [_table.c.trajectory_id, _table.c.step_id], sa.text("step_id IS NOT NULL")
        insert = insert.on_conflict_do_update(
            index_elements=keys, index_where=where,
            set_={"name": filed.name, "item_id": filed.item_id, "web_url": filed.web_url, "filed_at": filed.filed_at})
        await self._session.execute(insert)

    async def for_trajectory(self, trajectory_id: int) -> list[FiledOutput]:
        select = sa.select(_table).where(_table.c.trajectory_id == trajectory_id).order_by(_table.c.id)
        return [_to_filed(r) for r in await self._session.execute(select)]
