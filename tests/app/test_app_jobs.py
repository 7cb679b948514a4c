"""The composed app runs the job runner in the background: it starts on a migrated database, posts
through the real adapter when a stored deadline is due, and stops with the app."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta, timezone

from aiohttp.test_utils import TestClient, TestServer

from app import JOBS, create_app
from settings import Settings, load_settings
from storage.database import create_engine, session_factory
from storage.migrate import migrate
from storage.unit_of_work import SqlUnitOfWork
from tests.http.test_proactive import Connector, channel, connector  # noqa: F401 - fixture
from trajectory import deadlines, engine as transitions
from trajectory.model import ChannelRef, Person, StepState
from trajectory.setup import StepDraft, edit_draft, new_trajectory

ALICE = Person("aad-alice", "Alice", "29:alice")


async def seed_overdue_step(database_url: str, service_url: str) -> int:
    """A trajectory started two hours ago whose first step's deadline passed an hour ago."""
    started = datetime.now(timezone.utc) - timedelta(hours=2)
    engine = create_engine(database_url)
    try:
        await migrate(engine)
        async with SqlUnitOfWork(session_factory(engine)) as uow:
            info = channel(service_url)
            await uow.channels.upsert(info)
            trajectory = new_trajectory(ChannelRef("tenant-1", "19:team", "19:dev"), ALICE, "Offsite", started)
            edit_draft(trajectory, title="Offsite", question="Q?", co_facilitators=[], now=started,
                       steps=[StepDraft("ideas", "Round 1", deadline=started + timedelta(hours=1)),
                              StepDraft("ideas", "Round 2")], settings={"reminder_hours": []})
            await uow.trajectories.add(trajectory)
            events = transitions.start(trajectory, started)
            await uow.trajectories.save(trajectory)
            await deadlines.schedule_after(uow, trajectory, events, started)
            await uow.commit()
            return trajectory.id
    finally:
        await engine.dispose()


async def test_the_app_runs_due_jobs_in_the_background_and_stops_cleanly(database_url, connector):  # noqa: F811
    trajectory_id = await seed_overdue_step(database_url, connector.url)
    app = create_app(Settings(database_url=database_url, job_interval_seconds=0.05))
    loop = app[JOBS]
    async with TestClient(TestServer(app)):
        for _ in range(200):  # until the runner has posted the summary (or 10 s)
            if any(p == "/v3/conversations" for _, p, _ in connector.calls):
                break
            await asyncio.sleep(0.05)
        assert loop._task is not None and not loop._task.done()
    assert loop._task is None  # stopped with the app
    engine = create_engine(database_url)
    try:
        async with SqlUnitOfWork(session_factory(engine)) as uow:
            trajectory = await uow.trajectories.get(trajectory_id)
    finally:
        await engine.dispose()
    assert [s.state for s in trajectory.steps] == [StepState.CLOSED, StepState.PENDING]
    # The summary went to the channel through the stored reference (no card was posted before).
    assert any(m == "POST" and p == "/v3/conversations" for m, p, _ in connector.calls)


def test_job_settings_come_from_the_environment():
    settings = load_settings(env={"BLEND_JOB_INTERVAL_SECONDS": "0.5", "BLEND_SEND_RATE_PER_SECOND": "20"})
    assert (settings.job_interval_seconds, settings.send_rate_per_second) == (0.5, 20)
    defaults = load_settings(env={})
    assert (defaults.job_interval_seconds, defaults.send_rate_per_second) == (5.0, 48)
    for bad in ("0", "-1", "soon"):
        try:
            load_settings(env={"BLEND_JOB_INTERVAL_SECONDS": bad})
        except ValueError as error:
            assert "BLEND_JOB_INTERVAL_SECONDS" in str(error)
        else:
            raise AssertionError(f"{bad!r} accepted")
