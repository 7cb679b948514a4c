"""Vote steps (trajectory.kinds.vote.VoteRepository) over SQL: frozen options, ballots, reveal state.

Runs in the caller's session (the unit of work); nothing here commits.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from trajectory.errors import StaleVersion
from trajectory.kinds.vote import Ballot, VoteOption, VoteState
from trajectory.kinds.vote_tally import Totals
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


def _state(row: sa.Row[Any]) -> VoteState:
    return VoteState(step_id=row.step_id, frozen_at=row.frozen_at, offered=row.offered, revealed_at=row.revealed_at)


def _voted(ballot: Ballot) -> bool:
    """What the tally counts as a voter: a ballot with a choice above 0."""
    return any(value > 0 for value in ballot.choices.values())


def _choices(ballot: Ballot) -> dict[str, int]:
    return {str(k): int(v) for k, v in sorted(ballot.choices.items())}


# The statements of a vote click, built once with bound parameters: composing a statement costs
# several times what executing a cached one does (issue 9). ``step_id`` is bound by name.
_STEP = sa.bindparam("step_id")
_OPTIONS = sa.select(m.vote_options).where(m.vote_options.c.step_id == _STEP).order_by(m.vote_options.c.position)
_BALLOT = sa.select(m.ballots).where(m.ballots.c.step_id == _STEP, m.ballots.c.voter_aad_id == sa.bindparam("aad_id"))
_COUNTED = (m.ballot_choices.c.step_id == _STEP, m.ballot_choices.c.value > 0)
# Over the (step_id, voted) index: ~5 ms at 100,000 ballots on SQLite, where COUNT(DISTINCT ballot_id)
# over their choices took ~230 ms.
_VOTER_COUNT = sa.select(sa.func.count()).select_from(m.ballots).where(m.ballots.c.step_id == _STEP,
                                                                       m.ballots.c.voted == sa.true())
# The state row and the voters; the one-row subquery gives a row even when the state has none.
_ONE = sa.select(sa.literal(1).label("one")).subquery()
_STATE_AND_VOTERS = sa.select(_VOTER_COUNT.scalar_subquery().label("voters"), m.vote_state).select_from(
    _ONE.outerjoin(m.vote_state, m.vote_state.c.step_id == _STEP))
# A row per (option, value) with its ballots, and one (NULL, NULL, voters) row.
_TOTALS = sa.union_all(
    sa.select(m.ballot_choices.c.option_id, m.ballot_choices.c.value, sa.func.count().label("n")).where(*_COUNTED)
    .group_by(m.ballot_choices.c.option_id, m.ballot_choices.c.value),
    sa.select(sa.null(), sa.null(), _VOTER_COUNT.scalar_subquery()),
)
# (Parameters of an UPDATE may not be named after its table's columns.)
_UPDATE_BALLOT = (
    sa.update(m.ballots)
    .where(m.ballots.c.step_id == sa.bindparam("in_step"), m.ballots.c.voter_aad_id == sa.bindparam("voter"),
           m.ballots.c.version == sa.bindparam("expected_version"))
    .values(choices=sa.bindparam("new_choices", type_=m.ballots.c.choices.type),
            voter_name=sa.bindparam("new_name"), voter_user_id=sa.bindparam("new_user_id"),
            updated_at=sa.bindparam("new_updated_at", type_=m.ballots.c.updated_at.type),
            voted=sa.bindparam("new_voted"), version=m.ballots.c.version + 1)
    .returning(m.ballots.c.id)
)
_DELETE_CHOICES = sa.delete(m.ballot_choices).where(m.ballot_choices.c.step_id == _STEP,
                                                    m.ballot_choices.c.ballot_id == sa.bindparam("ballot_id"))
_INSERT_CHOICES = sa.insert(m.ballot_choices)


def _voters(*columns: sa.ColumnElement[Any]) -> sa.Select[Any]:
    return sa.select(*columns).where(m.ballots.c.step_id == _STEP, m.ballots.c.voted == sa.true())


_VOTER_IDS = _voters(m.ballots.c.voter_aad_id)
_VOTER_NAMES = _voters(m.ballots.c.voter_name)
_INSERTS_BALLOT: dict[str, Any] = {}  # per dialect: INSERT ... ON CONFLICT DO NOTHING RETURNING id


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
        return _state(row) if row is not None else None

    async def options(self, step_id: int) -> list[VoteOption]:
        return [VoteOption(step_id=r.step_id, position=r.position, label=r.label, idea_id=r.idea_id, id=r.id)
                for r in await self._session.execute(_OPTIONS, {"step_id": step_id})]

    async def reveal(self, step_id: int, now: datetime) -> bool:
        table = m.vote_state
        update = (
            sa.update(table).where(table.c.step_id == step_id, table.c.revealed_at.is_(None)).values(revealed_at=now)
        )
        return (await self._session.execute(update)).rowcount == 1

    async def ballot(self, step_id: int, aad_id: str) -> Ballot | None:
        row = (await self._session.execute(_BALLOT, {"step_id": step_id, "aad_id": aad_id})).first()
        return _to_ballot(row) if row else None

    async def ballots(self, step_id: int) -> list[Ballot]:
        table = m.ballots
        select = sa.select(table).where(table.c.step_id == step_id).order_by(table.c.id)
        return [_to_ballot(r) for r in await self._session.execute(select)]

    async def voter_count(self, step_id: int) -> int:
        return int((await self._session.execute(_VOTER_COUNT, {"step_id": step_id})).scalar_one())

    async def state_and_voter_count(self, step_id: int) -> tuple[VoteState | None, int]:
        """Both in one statement (a card with hidden results needs only these)."""
        row = (await self._session.execute(_STATE_AND_VOTERS, {"step_id": step_id})).one()
        return _state(row) if row.step_id is not None else None, int(row.voters)

    async def voter_ids(self, step_id: int) -> set[str]:
        return set((await self._session.execute(_VOTER_IDS, {"step_id": step_id})).scalars())

    async def voter_names(self, step_id: int) -> list[str]:
        return sorted((await self._session.execute(_VOTER_NAMES, {"step_id": step_id})).scalars())

    async def totals(self, step_id: int) -> Totals:
        rows = (await self._session.execute(_TOTALS, {"step_id": step_id})).all()
        return Totals(voters=next(int(r.n) for r in rows if r.option_id is None),
                      given={(r.option_id, r.value): int(r.n) for r in rows if r.option_id is not None})

    async def save_ballot(self, ballot: Ballot, expected_version: int) -> None:
        """Insert the first ballot (``expected_version`` 0) or replace the stored one if its version is
        still ``expected_version``; StaleVersion otherwise. Sets ``ballot.version`` (and ``id``).
        Its choices are stored again a row each (``ballot_choices``), for counting."""
        if expected_version == 0:
            await self._insert(ballot)
        else:
            await self._update(ballot, expected_version)
        await self._save_choices(ballot, replacing=expected_version != 0)

    async def _update(self, ballot: Ballot, expected_version: int) -> None:
        values = {"in_step": ballot.step_id, "voter": ballot.voter.aad_id, "expected_version": expected_version,
                  "new_choices": _choices(ballot), "new_name": ballot.voter.name,
                  "new_user_id": ballot.voter.user_id, "new_updated_at": ballot.updated_at,
                  "new_voted": _voted(ballot)}
        ballot_id = (await self._session.execute(_UPDATE_BALLOT, values)).scalar_one_or_none()
        if ballot_id is None:
            raise StaleVersion(step_id=ballot.step_id)
        ballot.id, ballot.version = ballot_id, expected_version + 1

    async def _insert(self, ballot: Ballot) -> None:
        values = {
            "step_id": ballot.step_id,
            "voter_aad_id": ballot.voter.aad_id,
            "voter_name": ballot.voter.name,
            "voter_user_id": ballot.voter.user_id,
            "choices": _choices(ballot),
            "updated_at": ballot.updated_at,
            "version": 1,
            "voted": _voted(ballot),
        }
        # Losing the race to a concurrent first ballot of the same member inserts nothing (on
        # PostgreSQL the loser waits on the unique index first) and leaves the transaction usable.
        ballot_id = (await self._session.execute(self._insert_ballot(), values)).scalar_one_or_none()
        if ballot_id is None:
            raise StaleVersion(step_id=ballot.step_id)
        ballot.id, ballot.version = ballot_id, 1

    def _insert_ballot(self) -> Any:
        dialect = self._session.get_bind().dialect.name
        if dialect not in _INSERTS_BALLOT:
            _INSERTS_BALLOT[dialect] = upsert_insert(self._session, m.ballots).on_conflict_do_nothing(
                index_elements=[m.ballots.c.step_id, m.ballots.c.voter_aad_id]).returning(m.ballots.c.id)
        return _INSERTS_BALLOT[dialect]

    async def _save_choices(self, ballot: Ballot, replacing: bool) -> None:
        if replacing:
            await self._session.execute(_DELETE_CHOICES, {"step_id": ballot.step_id, "ballot_id": ballot.id})
        rows = [{"step_id": ballot.step_id, "ballot_id": ballot.id, "option_id": option_id, "value": int(value)}
                for option_id, value in sorted(ballot.choices.items())]
        if rows:
            await self._session.execute(_INSERT_CHOICES, rows)
