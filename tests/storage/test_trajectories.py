"""The trajectory repository: mapping, optimistic concurrency, the one-active-per-channel rule."""

from __future__ import annotations

import asyncio
from datetime import timedelta, timezone

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError, StatementError

from storage import models as m
from trajectory import engine as transitions
from trajectory.errors import NotFound, StaleVersion, TrajectoryExists
from trajectory.model import CardRef, StepState, TrajectoryState
from trajectory.setup import StepDraft, edit_draft

from .conftest import ANN, BOB, NOW, channel, draft


async def test_round_trip_with_steps_facilitators_and_aware_times(uow_factory):
    trajectory = draft(steps=3)
    # A deadline given in another offset comes back as the same instant, in UTC.
    trajectory.steps[2].deadline = (NOW + timedelta(days=5)).astimezone(timezone(timedelta(hours=2)))
    async with uow_factory() as uow:
        added = await uow.trajectories.add(trajectory)
        await uow.commit()
    assert added is trajectory and trajectory.id is not None
    assert all(s.id is not None for s in trajectory.steps)

    async with uow_factory() as uow:
        loaded = await uow.trajectories.get(trajectory.id)
    assert loaded == trajectory
    assert loaded.facilitators == [ANN, BOB]
    assert [s.position for s in loaded.steps] == [0, 1, 2]
    assert [s.settings for s in loaded.steps] == [{"max_per_person": n} for n in (1, 2, 3)]
    assert loaded.created_at.tzinfo is not None and loaded.created_at.utcoffset() == timedelta(0)
    assert loaded.steps[2].deadline == NOW + timedelta(days=5)
    assert loaded.steps[2].deadline.utcoffset() == timedelta(0)
    assert loaded.state is TrajectoryState.DRAFT and loaded.version == 1


async def test_unknown_ids_load_nothing(uow_factory):
    async with uow_factory() as uow:
        assert await uow.trajectories.get(12345) is None
        assert await uow.trajectories.by_step(12345) is None
        assert await uow.trajectories.active_in_channel("nowhere") is None


async def test_naive_datetimes_are_refused(uow_factory):
    trajectory = draft()
    trajectory.created_at = NOW.replace(tzinfo=None)
    async with uow_factory() as uow:
        with pytest.raises(StatementError, match="naive datetime"):
            await uow.trajectories.add(trajectory)


async def test_loading_takes_two_queries_whatever_the_number_of_steps(uow_factory, engine):
    async with uow_factory() as uow:
        small, big, empty = draft("c-small"), draft("c-big", steps=8), draft("c-empty")
        empty.steps = []
        for trajectory in (small, big, empty):
            await uow.trajectories.add(trajectory)
        await uow.commit()

    statements: list[str] = []

    def count(conn, cursor, statement, *args):
        if statement.lstrip().upper().startswith("SELECT"):  # not SQLite's BEGIN IMMEDIATE
            statements.append(statement)

    sa.event.listen(engine.sync_engine, "before_cursor_execute", count)
    try:
        for trajectory in (small, big, empty):
            statements.clear()
            async with uow_factory() as uow:  # the trajectory joined with its steps; its facilitators
                loaded = await uow.trajectories.get(trajectory.id)
                assert [(s.id, s.position, s.title, s.settings) for s in loaded.steps] == \
                    [(s.id, s.position, s.title, s.settings) for s in trajectory.steps]
                assert loaded.facilitators == trajectory.facilitators and loaded.title == trajectory.title
                if trajectory.steps:
                    assert (await uow.trajectories.by_step(trajectory.steps[-1].id)).id == trajectory.id
            assert len(statements) == (2 if not trajectory.steps else 4)
    finally:
        sa.event.remove(engine.sync_engine, "before_cursor_execute", count)


async def test_save_bumps_the_version_and_a_stale_copy_is_refused(uow_factory):
    async with uow_factory() as uow:
        trajectory = await uow.trajectories.add(draft(steps=2))
        await uow.commit()

    # Two people load the same version (one after the other: on SQLite a unit of work holds
    # the write lock, so two open at once in one task would wait on each other).
    async with uow_factory() as uow:
        theirs = await uow.trajectories.get(trajectory.id)
    async with uow_factory() as uow:
        mine = await uow.trajectories.get(trajectory.id)
        events = transitions.start(mine, NOW + timedelta(minutes=1))
        assert events  # the engine asserted the step ids were set
        await uow.trajectories.save(mine)
        await uow.commit()
    assert mine.version == 2

    async with uow_factory() as uow:
        transitions.cancel(theirs, NOW + timedelta(minutes=2))
        with pytest.raises(StaleVersion):
            await uow.trajectories.save(theirs)
    assert theirs.version == 1

    async with uow_factory() as uow:
        stored = await uow.trajectories.get(trajectory.id)
    assert stored.version == 2 and stored.state is TrajectoryState.RUNNING
    assert stored.started_at == NOW + timedelta(minutes=1)
    assert [s.state for s in stored.steps] == [StepState.OPEN, StepState.PENDING]
    assert stored.steps[0].opened_at == NOW + timedelta(minutes=1)
    assert [s.id for s in stored.steps] == [s.id for s in trajectory.steps]  # updated in place


async def test_a_full_run_is_saved_step_by_step(uow_factory):
    async with uow_factory() as uow:
        trajectory = await uow.trajectories.add(draft(steps=3))
        await uow.commit()
    actions = [transitions.start, transitions.advance, transitions.close]
    for minute, action in enumerate(actions, start=1):
        async with uow_factory() as uow:
            loaded = await uow.trajectories.get(trajectory.id)
            action(loaded, NOW + timedelta(minutes=minute))
            await uow.trajectories.save(loaded)
            await uow.commit()
    async with uow_factory() as uow:
        stored = await uow.trajectories.get(trajectory.id)
        assert await uow.trajectories.active_in_channel(trajectory.channel.channel_id) is None
    assert stored.state is TrajectoryState.CLOSED and stored.version == 4
    assert [s.state for s in stored.steps] == [StepState.CLOSED, StepState.CLOSED, StepState.SKIPPED]
    assert stored.closed_at == NOW + timedelta(minutes=3)


async def test_replace_steps_swaps_the_steps_and_rewrites_facilitators(uow_factory):
    async with uow_factory() as uow:
        trajectory = await uow.trajectories.add(draft(steps=3))
        await uow.commit()
    old_ids = {s.id for s in trajectory.steps}

    async with uow_factory() as uow:
        loaded = await uow.trajectories.get(trajectory.id)
        edit_draft(
            loaded,
            title="Renamed",
            question="Why?",
            steps=[StepDraft(kind="ideas", title="Only"), StepDraft(kind="ideas", title="Two")],
            co_facilitators=[],
            now=NOW,
        )
        await uow.trajectories.save(loaded, replace_steps=True)
        await uow.commit()
    assert all(s.id is not None and s.id not in old_ids for s in loaded.steps)

    async with uow_factory() as uow:
        stored = await uow.trajectories.get(trajectory.id)
        assert await uow.trajectories.by_step(next(iter(old_ids))) is None
    assert stored == loaded
    assert [s.title for s in stored.steps] == ["Only", "Two"]
    assert stored.facilitators == [ANN] and stored.title == "Renamed" and stored.version == 2


async def test_new_steps_need_replace_steps(uow_factory):
    async with uow_factory() as uow:
        trajectory = await uow.trajectories.add(draft())
        edit_draft(trajectory, title="t", question="q", steps=[StepDraft(kind="ideas", title="x")],
                   co_facilitators=[], now=NOW)  # fmt: skip
        with pytest.raises(ValueError):
            await uow.trajectories.save(trajectory)
        assert trajectory.version == 1
        assert (await uow.trajectories.get(trajectory.id)).version == 1  # nothing was written


async def test_active_in_channel_and_by_step(uow_factory):
    async with uow_factory() as uow:
        old = await uow.trajectories.add(draft("c-1"))
        transitions.cancel(old, NOW)
        await uow.trajectories.save(old)
        current = await uow.trajectories.add(draft("c-1", steps=2))
        other = await uow.trajectories.add(draft("c-2"))
        await uow.commit()

    async with uow_factory() as uow:
        assert (await uow.trajectories.active_in_channel("c-1")).id == current.id
        assert (await uow.trajectories.active_in_channel("c-2")).id == other.id
        owner = await uow.trajectories.by_step(current.steps[1].id)
        assert owner == current
        assert (await uow.trajectories.by_step(old.steps[0].id)).id == old.id


async def test_the_database_allows_one_active_trajectory_per_channel(uow_factory):
    async with uow_factory() as uow:
        first = await uow.trajectories.add(draft("c-1"))
        await uow.commit()
    row = {
        "tenant_id": "t", "team_id": "team", "channel_id": "c-1", "title": "x", "question": "q",
        "created_by_aad_id": "a", "created_by_name": "A", "created_by_user_id": "", "created_at": NOW,
        "version": 1,
    }  # fmt: skip
    async with uow_factory() as uow:
        for inactive in ("closed", "cancelled", "closed"):
            await uow.session.execute(sa.insert(m.trajectories).values(**row, state=inactive))
        with pytest.raises(IntegrityError):
            await uow.session.execute(sa.insert(m.trajectories).values(**row, state="running"))
    # Through the repository the refusal is the domain's, naming the trajectory in the way.
    async with uow_factory() as uow:
        with pytest.raises(TrajectoryExists) as refused:
            await uow.trajectories.add(draft("c-1"))
        assert refused.value.params == {"title": first.title}
        await uow.trajectories.add(draft("c-2"))  # the transaction is still usable
        await uow.commit()


async def test_racing_creators_get_one_trajectory(uow_factory):
    async def create() -> str:
        async with uow_factory() as uow:
            try:
                await uow.trajectories.add(draft("c-race"))
                await asyncio.sleep(0.05)  # hold the transaction open while the other tries
                await uow.commit()
                return "created"
            except TrajectoryExists:
                return "refused"

    assert sorted(await asyncio.gather(create(), create())) == ["created", "refused"]


async def test_set_step_card(uow_factory):
    async with uow_factory() as uow:
        trajectory = await uow.trajectories.add(draft(steps=2))
        await uow.trajectories.set_step_card(trajectory.steps[1].id, CardRef("conv-1", "act-1"))
        with pytest.raises(NotFound):
            await uow.trajectories.set_step_card(999_999, CardRef("c", "a"))
        await uow.commit()
    async with uow_factory() as uow:
        loaded = await uow.trajectories.get(trajectory.id)
        assert [s.card for s in loaded.steps] == [None, CardRef("conv-1", "act-1")]
        # A save never erases the card (set_step_card owns it).
        loaded.steps[1].card = None
        transitions.start(loaded, NOW)
        await uow.trajectories.save(loaded)
        await uow.commit()
    async with uow_factory() as uow:
        assert (await uow.trajectories.get(trajectory.id)).steps[1].card == CardRef("conv-1", "act-1")
