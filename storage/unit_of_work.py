"""One transaction per incoming activity: the repositories share one session, the caller commits."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, Callable

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from . import models as m
from .clarifications_repository import SqlClarificationRepository
from .dialect import upsert_insert
from .evaluation_repository import SqlResponseRepository
from .filed_repository import SqlFiledOutputRepository
from .jobs_repository import SqlJobRepository
from .meeting_repository import SqlMeetingRepository
from .participation import SqlParticipation
from .repositories import SqlChannelRepository, SqlIdeaRepository, SqlTrajectoryRepository
from .vote_repository import SqlVoteRepository


_CLAIMS: dict[str, Any] = {}  # dialect name -> the activity claim's INSERT ... ON CONFLICT DO NOTHING


class SqlUnitOfWork:
    """``async with SqlUnitOfWork(sessions) as uow: ...; await uow.commit()``.

    Leaving the block without ``commit()`` discards everything (including the activity claim).
    """

    trajectories: SqlTrajectoryRepository
    ideas: SqlIdeaRepository
    clarifications: SqlClarificationRepository
    channels: SqlChannelRepository
    votes: SqlVoteRepository
    jobs: SqlJobRepository
    responses: SqlResponseRepository
    meetings: SqlMeetingRepository
    filed: SqlFiledOutputRepository
    participation: SqlParticipation

    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self._sessions = sessions
        self._session: AsyncSession | None = None

    async def __aenter__(self) -> "SqlUnitOfWork":
        if self._session is not None:
            raise RuntimeError("a unit of work is entered once")
        self._session = session = self._sessions()
        self.trajectories = SqlTrajectoryRepository(session)
        self.ideas = SqlIdeaRepository(session)
        self.clarifications = SqlClarificationRepository(session)
        self.channels = SqlChannelRepository(session)
        self.votes = SqlVoteRepository(session)
        self.jobs = SqlJobRepository(session)
        self.responses = SqlResponseRepository(session)
        self.meetings = SqlMeetingRepository(session)
        self.filed = SqlFiledOutputRepository(session)
        self.participation = SqlParticipation(session)
        return self

    async def __aexit__(self, *exc: object) -> None:
        # close() rolls back whatever was not committed and returns the connection to the pool.
        await self.session.close()

    @property
    def session(self) -> AsyncSession:
        if self._session is None:
            raise RuntimeError("use the unit of work inside 'async with'")
        return self._session

    async def claim_activity(self, activity_id: str) -> bool:
        """Record ``activity_id``; False if it is already recorded (a re-delivery).

        ON CONFLICT DO NOTHING instead of a SELECT: on PostgreSQL a concurrent claim of the same
        id waits on the primary key until the first transaction ends, then sees the conflict
        (or wins, if the first rolled back). On SQLite the IMMEDIATE transaction serialises it.
        """
        name = self.session.get_bind().dialect.name
        if (insert := _CLAIMS.get(name)) is None:  # built once per database kind (every click claims)
            table = m.processed_activities
            insert = _CLAIMS[name] = (
                upsert_insert(self.session, table)
                .values(activity_id=sa.bindparam("activity_id"), received_at=sa.bindparam("received_at"))
                .on_conflict_do_nothing(index_elements=[table.c.activity_id])
                .returning(table.c.activity_id)
            )
        claimed = await self.session.execute(insert, {"activity_id": activity_id, "received_at": datetime.now(UTC)})
        return claimed.first() is not None

    async def commit(self) -> None:
        await self.session.commit()

    async def rollback(self) -> None:
        await self.session.rollback()


UnitOfWorkFactory = Callable[[], SqlUnitOfWork]


def unit_of_work_factory(sessions: async_sessionmaker[AsyncSession]) -> UnitOfWorkFactory:
    """What the app hands to handlers: ``uow_factory()`` opens a fresh unit of work."""
    return lambda: SqlUnitOfWork(sessions)
