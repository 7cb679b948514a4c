"""The meeting repository on a running trajectory with an open meeting step (SQLite and PostgreSQL)."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from datetime import timedelta

import pytest
import sqlalchemy as sa

from storage import models as m
from storage.unit_of_work import SqlUnitOfWork
from trajectory import engine as transitions
from trajectory import meeting_service
from trajectory.errors import StaleVersion
from trajectory.jobs import JobKind, JobState
from trajectory.kinds.meeting import Meeting, MeetingState, cancelled
from trajectory.setup import StepDraft, edit_draft

from .conftest import NOW, draft

START = NOW + timedelta(days=1)


@pytest.fixture
def uows(sessions):
    return lambda: SqlUnitOfWork(sessions)


@pytest.fixture
async def running(uows):
    """A running trajectory whose first step is an open meeting."""
    trajectory = draft()
    edit_draft(trajectory, title="Retro", question="How?", co_facilitators=[], now=NOW,
               steps=[StepDraft(kind="meeting", title="Talk"), StepDraft(kind="ideas", title="Ideas")])
    async with uows() as uow:
        await uow.trajectories.add(trajectory)
        transitions.start(trajectory, NOW)
        await uow.trajectories.save(trajectory)
        await uow.commit()
    return trajectory


def meeting(step_id: int, **overrides) -> Meeting:
    base = dict(step_id=step_id, event_id="AAMk-1", start=START, end=START + timedelta(hours=1),
                time_zone="Europe/Brussels", organizer="alice@contoso.example", location="", online=True,
                join_url="https://teams.microsoft.com/l/x", web_link=None, ics_path=None,
                agenda_html="<p>Agenda \u2013 \u00e9</p>")
    return Meeting(**{**base, **overrides})


async def test_add_get_save_round_trip(uows, running):
    step_id = running.steps[0].id
    async with uows() as uow:
        assert await uow.meetings.get(step_id) is None
        added = await uow.meetings.add(meeting(step_id))
        await uow.commit()
    assert added.id is not None
    async with uows() as uow:
        loaded = await uow.meetings.get(step_id)
    assert loaded == added and loaded.start == START and loaded.start.tzinfo is not None
    assert (loaded.state, loaded.version, loaded.outcomes) == (MeetingState.SCHEDULED, 1, "")

    async with uows() as uow:
        await uow.meetings.save(cancelled(loaded), expected_version=1)
        await uow.commit()
    async with uows() as uow:
        stored = await uow.meetings.get(step_id)
        assert (stored.state, stored.version) == (MeetingState.CANCELLED, 2)
        with pytest.raises(StaleVersion):  # an old card
            await uow.meetings.save(replace(stored, outcomes="x"), expected_version=1)


async def test_one_meeting_per_step_even_in_a_race(uows, running):
    step_id = running.steps[0].id
    async with uows() as uow:
        await uow.meetings.add(meeting(step_id))
        with pytest.raises(StaleVersion):
            await uow.meetings.add(meeting(step_id, event_id="other"))
        await uow.commit()  # the transaction survived the lost insert (a savepoint)
    async with uows() as uow:
        assert (await uow.meetings.get(step_id)).event_id == "AAMk-1"


async def test_concurrent_saves_of_one_version_let_one_win(uows, running):
    step_id = running.steps[0].id
    async with uows() as uow:
        first = await uow.meetings.add(meeting(step_id))
        await uow.commit()

    async def move(hours: int) -> str:
        try:
            async with uows() as uow:
                await uow.meetings.save(replace(first, start=START + timedelta(hours=hours)), expected_version=1)
                await uow.commit()
            return "saved"
        except StaleVersion:
            return "stale"

    assert sorted(await asyncio.gather(move(1), move(2))) == ["saved", "stale"]
    async with uows() as uow:
        assert (await uow.meetings.get(step_id)).version == 2


async def test_store_scheduled_replaces_the_end_of_meeting_job(uows, running):
    step_id = running.steps[0].id
    async with uows() as uow:
        await meeting_service.store_scheduled(uow, running, meeting(step_id), 0, NOW)
        await uow.commit()
    async with uows() as uow:
        current = await uow.meetings.get(step_id)
        moved = replace(current, start=START + timedelta(hours=2), end=START + timedelta(hours=3), version=2)
        await meeting_service.store_scheduled(uow, running, moved, 1, NOW)
        await uow.commit()
    async with uows() as uow:
        jobs = await uow.jobs.for_step(step_id)
        rows = (await uow.session.execute(sa.select(m.meetings.c.version))).scalars().all()
    assert rows == [2]
    assert sorted((j.kind, j.payload["version"], j.state) for j in jobs) == [
        (JobKind.MEETING_END, 1, JobState.CANCELLED), (JobKind.MEETING_END, 2, JobState.PENDING)]
