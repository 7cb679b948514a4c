"""Clarifications on ideas over SQL (trajectory.kinds.clarifications.ClarificationRepository)."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from trajectory.errors import StaleVersion
from trajectory.kinds.clarifications import Clarification, ClarificationKind
from trajectory.model import Person

from . import models as m


# What every idea click reads (the clarifications on one page of ideas), built once: composing a
# statement costs several times executing it from SQLAlchemy's cache (issue 9).
_ABOUT_IDEAS = (sa.select(m.clarifications)
                .where(m.clarifications.c.idea_id.in_(sa.bindparam("idea_ids", expanding=True)))
                .order_by(m.clarifications.c.created_at, m.clarifications.c.id))


def _to_clarification(row: sa.Row[Any]) -> Clarification:
    return Clarification(
        step_id=row.step_id,
        idea_id=row.idea_id,
        asker=Person(aad_id=row.asker_aad_id, name=row.asker_name),
        anonymous=row.anonymous,
        kind=ClarificationKind(row.kind),
        text=row.text,
        created_at=row.created_at,
        answer=row.answer,
        answered_at=row.answered_at,
        version=row.version,
        id=row.id,
    )


class SqlClarificationRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def add(self, clarification: Clarification) -> Clarification:
        c = clarification
        values = {
            "step_id": c.step_id,
            "idea_id": c.idea_id,
            "asker_aad_id": c.asker.aad_id,
            # Belt and braces: the domain already blanks it, and a CHECK constraint refuses a name.
            "asker_name": "" if c.anonymous else c.asker.name,
            "anonymous": c.anonymous,
            "kind": c.kind.value,
            "text": c.text,
            "answer": c.answer,
            "answered_at": c.answered_at,
            "created_at": c.created_at,
            "version": c.version,
        }
        insert = sa.insert(m.clarifications).values(values).returning(m.clarifications.c.id)
        c.id = (await self._session.execute(insert)).scalar_one()
        return c

    async def get(self, clarification_id: int) -> Clarification | None:
        select = sa.select(m.clarifications).where(m.clarifications.c.id == clarification_id)
        row = (await self._session.execute(select)).first()
        return _to_clarification(row) if row else None

    async def save_answer(self, clarification: Clarification, expected_version: int) -> None:
        table = m.clarifications
        update = (
            sa.update(table)
            .where(table.c.id == clarification.id, table.c.version == expected_version)
            .values(answer=clarification.answer, answered_at=clarification.answered_at, version=table.c.version + 1)
        )
        if (await self._session.execute(update)).rowcount != 1:
            raise StaleVersion(clarification_id=clarification.id)
        clarification.version = expected_version + 1

    async def for_step(self, step_id: int) -> list[Clarification]:
        table = m.clarifications
        select = sa.select(table).where(table.c.step_id == step_id).order_by(table.c.created_at, table.c.id)
        return [_to_clarification(r) for r in await self._session.execute(select)]

    async def for_ideas(self, idea_ids: list[int]) -> list[Clarification]:
        if not idea_ids:
            return []
        return [_to_clarification(r) for r in await self._session.execute(_ABOUT_IDEAS, {"idea_ids": idea_ids})]

    async def count_by_asker(self, step_id: int, aad_id: str) -> int:
        table = m.clarifications
        select = sa.select(sa.func.count()).where(table.c.step_id == step_id, table.c.asker_aad_id == aad_id)
        return (await self._session.execute(select)).scalar_one()
