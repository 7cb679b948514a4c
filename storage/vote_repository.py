"""Vote steps (trajectory.kinds.vote.VoteRepository) over SQL: frozen options, ballots, reveal state.

Runs in the caller's session (the unit of work); nothing here commits.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from trajectory.errors import StaleVersion
from trajectory.kinds.vote import Ballot, VoteOption, VoteState
from trajectory.model import Person

from . import models as m
from .dialect import upsert_insert


def _to_ballot(row: sa.Row[Any]) -> Ballot:
    # JSON object keys are strings; the domain's option ids are ints.
    return Ballot(
        step_id=row.step_id,
        voter=Person(aad_id=row.voter_aad_id, name=row.voter_name, user_id=row.voter_user_id),
        choices={int(k): int(v) for k, v in (row.choices or {}).items()},
        updated_at=row.updated_at,
        version=row.version,
        id=row.id,
    )


def _choices(ballot: Ballot) -> dict[str, int]:
    return {str(k): int(v) for k, v in sorted(ballot.choices.items())}


class SqlVoteRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def freeze(self, state: VoteState, options: list[VoteOption]) -> bool:
        """Store the step's state row and options once; False if another open got there first.

        The state row is the lock: INSERT ... ON CONFLICT DO NOTHING on its primary key, so of two
        concurrent opens (a retried deadline job and a facilitator's "next") one writes the options.
        """
        insert = upsert_insert(self._session, m.vote_state).values(
            step_id=state.step_id, frozen_at=state.frozen_at, offered=state.offered, revealed_at=state.revealed_at
        )
        insert = insert.on_conflict_do_nothing(index_elements=[m.vote_state.c.step_id])
        won = (await self._session.execute(insert.returning(m.vote_state.c.step_id))).first() is not None
        if won and options:
            rows = [{"step_id": o.step_id, "position": o.position, "label": o.label, "idea_id": o.idea_id}
                    for o in options]
            await self._session.execute(sa.insert(m.vote_options), rows)
        return won

    async def state(self, step_id: int) -> VoteState | None:
        row = (await self._session.execute(sa.select(m.vote_state).where(m.vote_state.c.step_id == step_id))).first()
        if row is None:
            return None
        return VoteState(step_id=row.step_id, frozen_at=row.frozen_at, offered=row.offered,
                         revealed_at=row.revealed_at)

    async def options(self, step_id: int) -> list[VoteOption]:
        table = m.vote_options
        select = sa.select(table).where(table.c.step_id == step_id).order_by(table.c.position)
        return [VoteOption(step_id=r.step_id, position=r.position, label=r.label, idea_id=r.idea_id, id=r.id)
                for r in await self._session.execute(select)]

    async def reveal(self, step_id: int, now: datetime) -> bool:
        table = m.vote_state
        update = (
            sa.update(table).where(table.c.step_id == step_id, table.c.revealed_at.is_(None)).values(revealed_at=now)
        )
        return (await self._session.execute(update)).rowcount == 1

    async def ballot(self, step_id: int, aad_id: str) -> Ballot | None:
        table = m.ballots
        select = sa.select(table).where(table.c.step_id == step_id, table.c.voter_aad_id == aad_id)
        row = (await self._session.execute(select)).first()
        return _to_ballot(row) if row else None

    async def ballots(self, step_id: int) -> list[Ballot]:
        table = m.ballots
        select = sa.select(table).where(table.c.step_id == step_id).order_by(table.c.id)
        return [_to_ballot(r) for r in await self._session.execute(select)]

    async def save_ballot(self, ballot: Ballot, expected_version: int) -> None:
        """Insert the first ballot (``expected_version`` 0) or replace the stored one if its version is
        still ``expected_version``; StaleVersion otherwise. Sets ``ballot.version`` (and ``id``)."""
        if expected_version == 0:
            await self._insert(ballot)
            return
        table = m.ballots
        update = (
            sa.update(table)
            .where(table.c.step_id == ballot.step_id, table.c.voter_aad_id == ballot.voter.aad_id,
                   table.c.version == expected_version)
            .values(choices=_choices(ballot), voter_name=ballot.voter.name, voter_user_id=ballot.voter.user_id,
                    updated_at=ballot.updated_at, version=table.c.version + 1)
        )
        if (await self._session.execute(update)).rowcount != 1:
            raise StaleVersion(step_id=ballot.step_id)
        ballot.version = expected_version + 1

    async def _insert(self, ballot: Ballot) -> None:
        values = {
            "step_id": ballot.step_id,
            "voter_aad_id": ballot.voter.aad_id,
            "voter_name": ballot.voter.name,
            "voter_user_id": ballot.voter.user_id,
            "choices": _choices(ballot),
            "updated_at": ballot.updated_at,
            "version": 1,
        }
        try:
            # A savepoint, so that losing the race to a concurrent first ballot leaves a usable
            # transaction; on PostgreSQL the loser waits on the unique index, then conflicts.
            async with self._session.begin_nested():
                insert = sa.insert(m.ballots).values(values).returning(m.ballots.c.id)
                ballot.id = (await self._session.execute(insert)).scalar_one()
        except IntegrityError:
            if await self.ballot(ballot.step_id, ballot.voter.aad_id) is None:
                raise  # not the race (e.g. an unknown step): a bug, not a refusal
            raise StaleVersion(step_id=ballot.step_id) from None
        ballot.version = 1
