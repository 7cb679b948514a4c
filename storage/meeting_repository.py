"""Meetings of sync steps (trajectory.kinds.meeting.MeetingRepository) over SQL.

Runs in the caller's session (the unit of work); nothing here commits.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from trajectory.errors import StaleVersion
from trajectory.kinds.meeting import Meeting, MeetingState

from . import models as m

_table = m.meetings
_FIELDS = ("event_id", "join_url", "web_link", "ics_path", "start", "end", "time_zone", "organizer", "location",
           "online", "agenda_html", "outcomes", "decisions")


def _to_meeting(row: sa.Row[Any]) -> Meeting:
    return Meeting(step_id=row.step_id, state=MeetingState(row.state), version=row.version, id=row.id,
                   **{name: getattr(row, name) for name in _FIELDS})


def _values(meeting: Meeting) -> dict[str, Any]:
    return {**{name: getattr(meeting, name) for name in _FIELDS}, "state": meeting.state.value}


class SqlMeetingRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def get(self, step_id: int) -> Meeting | None:
        row = (await self._session.execute(sa.select(_table).where(_table.c.step_id == step_id))).first()
        return _to_meeting(row) if row else None

    async def add(self, meeting: Meeting) -> Meeting:
        """The step's first meeting; StaleVersion when another was stored first (unique step_id)."""
        try:
            async with self._session.begin_nested():  # losing the race leaves a usable transaction
                insert = sa.insert(_table).values(step_id=meeting.step_id, version=meeting.version, **_values(meeting))
                meeting.id = (await self._session.execute(insert.returning(_table.c.id))).scalar_one()
        except IntegrityError:
            if await self.get(meeting.step_id) is None:
                raise  # not the race (e.g. an unknown step): a bug, not a refusal
            raise StaleVersion(step_id=meeting.step_id) from None
        return meeting

    async def save(self, meeting: Meeting, expected_version: int) -> None:
        """UPDATE ... WHERE version = expected; the stored version becomes expected + 1."""
        update = (
            sa.update(_table)
            .where(_table.c.step_id == meeting.step_id, _table.c.version == expected_version)
            .values(version=expected_version + 1, **_values(meeting))
        )
        if (await self._session.execute(update)).rowcount != 1:
            raise StaleVersion(step_id=meeting.step_id)
        meeting.version = expected_version + 1
