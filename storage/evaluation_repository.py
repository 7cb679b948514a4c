"""Responses to evaluation steps (trajectory.kinds.evaluation.ResponseRepository) over SQL.

Runs in the caller's session (the unit of work); nothing here commits.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from trajectory.errors import StaleVersion
from trajectory.kinds.evaluation import Response
from trajectory.model import Person

from . import models as m

_table = m.responses


def _to_response(row: sa.Row[Any]) -> Response:
    return Response(
        step_id=row.step_id,
        respondent=Person(aad_id=row.respondent_aad_id, name=row.respondent_name, user_id=row.respondent_user_id),
        answers=dict(row.answers or {}),
        submitted_at=row.submitted_at,
        updated_at=row.updated_at,
        version=row.version,
        id=row.id,
    )


class SqlResponseRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def add(self, response: Response) -> Response:
        """Insert a first response; StaleVersion when the member already has one (the unique
        (step, respondent) constraint decides a race between two first submissions)."""
        values = {
            "step_id": response.step_id,
            "respondent_aad_id": response.respondent.aad_id,
            "respondent_name": response.respondent.name,
            "respondent_user_id": response.respondent.user_id,
            "answers": dict(response.answers),
            "submitted_at": response.submitted_at,
            "updated_at": response.updated_at,
            "version": response.version,
        }
        try:
            # A savepoint, so that losing the race leaves a usable transaction.
            async with self._session.begin_nested():
                insert = sa.insert(_table).values(values).returning(_table.c.id)
                response.id = (await self._session.execute(insert)).scalar_one()
        except IntegrityError:
            if await self.get(response.step_id, response.respondent.aad_id) is None:
                raise  # not the race (e.g. an unknown step): a bug, not a refusal
            raise StaleVersion(step_id=response.step_id) from None
        return response

    async def get(self, step_id: int, aad_id: str) -> Response | None:
        select = sa.select(_table).where(_table.c.step_id == step_id, _table.c.respondent_aad_id == aad_id)
        row = (await self._session.execute(select)).first()
        return _to_response(row) if row else None

    async def save(self, response: Response, expected_version: int) -> None:
        """Replace the answers if the stored version is ``expected_version``, else StaleVersion."""
        update = (
            sa.update(_table)
            .where(
                _table.c.step_id == response.step_id,
                _table.c.respondent_aad_id == response.respondent.aad_id,
                _table.c.version == expected_version,
            )
            .values(
                answers=dict(response.answers),
                respondent_name=response.respondent.name,
                respondent_user_id=response.respondent.user_id,
                updated_at=response.updated_at,
                version=_table.c.version + 1,
            )
        )
        if (await self._session.execute(update)).rowcount != 1:
            raise StaleVersion(step_id=response.step_id)
        response.version = expected_version + 1

    async def for_step(self, step_id: int) -> list[Response]:
        select = sa.select(_table).where(_table.c.step_id == step_id).order_by(_table.c.id)
        return [_to_response(r) for r in await self._session.execute(select)]

    async def respondents(self, step_id: int) -> set[str]:
        select = sa.select(_table.c.respondent_aad_id).where(_table.c.step_id == step_id)
        return set((await self._session.execute(select)).scalars())
