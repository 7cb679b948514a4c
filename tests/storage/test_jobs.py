"""The jobs table: stored once, voided, claimed with a lease (SKIP LOCKED on PostgreSQL), finished once."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest

from trajectory import engine
from trajectory.jobs import Job, JobKind, JobState, LeaseLost, plan_for_step

from .conftest import ANN, BOB, NOW, draft

MINUTE = timedelta(minutes=1)
LEASE = timedelta(minutes=2)


async def started(uow_factory, steps: int = 3, channel_id: str = "19:chan@thread.tacv2"):
    async with uow_factory() as uow:
        trajectory = await uow.trajectories.add(draft(channel_id, steps=steps))
        engine.start(trajectory, NOW)
        await uow.trajectories.save(trajectory)
        await uow.commit()
    return trajectory


async def store(uow_factory, jobs: list[Job]) -> None:
    async with uow_factory() as uow:
        await uow.jobs.add(jobs)
        await uow.commit()


def deadlines(trajectory, count: int) -> list[Job]:
    """``count`` distinct deadline jobs of the first step, due one minute apart from NOW."""
    step = trajectory.steps[0]
    return [Job(JobKind.DEADLINE, trajectory.id, step.id, NOW + i * MINUTE) for i in range(count)]


async def claim(uow_factory, worker: str, now, limit: int = 10) -> list[Job]:
    async with uow_factory() as uow:
        jobs = await uow.jobs.claim_due(now, worker, now + LEASE, limit)
        await uow.commit()
    return jobs


async def test_a_job_is_stored_once_and_voided_with_its_step(uow_factory):
    trajectory = await started(uow_factory)
    step = trajectory.steps[0]
    planned = plan_for_step(trajectory, step, NOW)
    # The deadline is a day ahead: both default reminders (24 h and 2 h before) are still to come.
    assert [j.kind for j in planned] == [JobKind.DEADLINE, JobKind.REMINDER, JobKind.REMINDER]
    await store(uow_factory, planned)
    await store(uow_factory, plan_for_step(trajectory, step, NOW))  # planned again: nothing new
    async with uow_factory() as uow:
        stored = await uow.jobs.for_step(step.id)
        assert [(j.kind, j.due_at, j.payload, j.state) for j in stored] == [
            (JobKind.REMINDER, NOW, {"hours": 24}, JobState.PENDING),
            (JobKind.REMINDER, step.deadline - timedelta(hours=2), {"hours": 2}, JobState.PENDING),
            (JobKind.DEADLINE, step.deadline, {}, JobState.PENDING),
        ]
        assert await uow.jobs.cancel_pending([trajectory.steps[1].id], NOW) == 0
        assert await uow.jobs.cancel_pending([step.id], NOW) == 3
        await uow.commit()
    async with uow_factory() as uow:
        assert {j.state for j in await uow.jobs.for_step(step.id)} == {JobState.CANCELLED}
    assert await claim(uow_factory, "w1", step.deadline + MINUTE) == []


async def test_only_due_jobs_are_claimed_and_a_claimed_job_is_not_claimed_again(uow_factory):
    trajectory = await started(uow_factory)
    await store(uow_factory, deadlines(trajectory, 3))
    first = await claim(uow_factory, "w1", NOW + MINUTE)
    assert [j.due_at for j in first] == [NOW, NOW + MINUTE]
    assert all(j.state is JobState.RUNNING and j.attempts == 1 for j in first)
    assert await claim(uow_factory, "w2", NOW + MINUTE) == []  # held under w1's lease
    async with uow_factory() as uow:
        await uow.jobs.finish(first[0], "w1", NOW + MINUTE)
        await uow.commit()
    # The lease of the unfinished one runs out: another worker gets it, with a new attempt.
    later = NOW + MINUTE + LEASE
    second = await claim(uow_factory, "w2", later)
    assert [(j.id, j.attempts) for j in second] == [(first[1].id, 2), (first[1].id + 1, 1)]
    # The first worker, late, can no longer finish or checkpoint it.
    async with uow_factory() as uow:
        with pytest.raises(LeaseLost):
            await uow.jobs.finish(first[1], "w1", later)
        with pytest.raises(LeaseLost):
            await uow.jobs.checkpoint(first[1], "w1", {"x": 1}, later + LEASE)
        with pytest.raises(LeaseLost):
            await uow.jobs.finish(first[0], "w1", later)  # already done
    async with uow_factory() as uow:
        await uow.jobs.checkpoint(second[0], "w2", {"phase": "announce"}, later + LEASE)
        await uow.jobs.finish(second[0], "w2", later, error="2 reminders could not be sent")
        await uow.commit()
    async with uow_factory() as uow:
        states = {j.id: (j.state, j.payload, j.last_error) for j in await uow.jobs.for_step(trajectory.steps[0].id)}
    assert states[second[0].id] == (JobState.DONE, {"phase": "announce"}, "2 reminders could not be sent")
    assert states[first[0].id][0] is JobState.DONE


async def test_a_released_job_waits_for_its_retry_time_and_can_fail_for_good(uow_factory):
    trajectory = await started(uow_factory)
    await store(uow_factory, deadlines(trajectory, 1))
    [job] = await claim(uow_factory, "w1", NOW)
    async with uow_factory() as uow:
        await uow.jobs.release(job, "w1", "ConnectionError", NOW + 5 * MINUTE, give_up=False)
        await uow.commit()
    assert await claim(uow_factory, "w1", NOW + 4 * MINUTE) == []
    [again] = await claim(uow_factory, "w2", NOW + 5 * MINUTE)
    assert again.attempts == 2 and again.last_error == "ConnectionError"
    async with uow_factory() as uow:
        await uow.jobs.release(again, "w2", "still broken", NOW + 6 * MINUTE, give_up=True)
        await uow.commit()
    assert await claim(uow_factory, "w1", NOW + timedelta(days=1)) == []
    async with uow_factory() as uow:
        [stored] = await uow.jobs.for_step(trajectory.steps[0].id)
    assert (stored.state, stored.last_error) == (JobState.FAILED, "still broken")


async def test_reminder_deliveries_are_recorded_per_member(uow_factory):
    trajectory = await started(uow_factory)
    await store(uow_factory, deadlines(trajectory, 1))
    [job] = await claim(uow_factory, "w1", NOW)
    async with uow_factory() as uow:
        await uow.jobs.record_send(job, "w1", ANN.aad_id, None, NOW, NOW + LEASE)
        await uow.jobs.record_send(job, "w1", BOB.aad_id, "HTTP 429", NOW, NOW + LEASE)
        await uow.commit()
    async with uow_factory() as uow:
        assert await uow.jobs.sent_to(job.id) == {ANN.aad_id}
        assert await uow.jobs.failed_sends(job.id) == 1
        await uow.jobs.record_send(job, "w1", BOB.aad_id, None, NOW, NOW + LEASE)  # a retry got through
        with pytest.raises(LeaseLost):
            await uow.jobs.record_send(job, "w2", "aad-x", None, NOW, NOW + LEASE)
        await uow.commit()
    async with uow_factory() as uow:
        assert await uow.jobs.sent_to(job.id) == {ANN.aad_id, BOB.aad_id}
        assert await uow.jobs.failed_sends(job.id) == 0


async def test_concurrent_claimers_never_get_the_same_job(uow_factory):
    trajectory = await started(uow_factory)
    await store(uow_factory, deadlines(trajectory, 40))

    async def worker(name: str) -> list[int]:
        mine: list[int] = []
        while batch := await claim(uow_factory, name, NOW + timedelta(hours=1), limit=3):
            mine += [j.id for j in batch]
            await asyncio.sleep(0)
        return mine

    results = await asyncio.gather(*(worker(f"w{i}") for i in range(4)))
    claimed = [job_id for ids in results for job_id in ids]
    assert len(claimed) == len(set(claimed)) == 40


async def test_postgres_claimers_skip_locked_rows_instead_of_waiting(uow_factory, backend):
    if backend != "postgres":
        pytest.skip("SKIP LOCKED is PostgreSQL's; SQLite serialises writers (BEGIN IMMEDIATE)")
    trajectory = await started(uow_factory)
    await store(uow_factory, deadlines(trajectory, 6))
    later = NOW + timedelta(hours=1)
    async with uow_factory() as first:
        held = await first.jobs.claim_due(later, "w1", later + LEASE, 3)  # locked, not committed yet
        async with uow_factory() as second:
            other = await asyncio.wait_for(second.jobs.claim_due(later, "w2", later + LEASE, 10), 5)
            await second.commit()
        await first.commit()
    assert [len(held), len(other)] == [3, 3]
    assert not {j.id for j in held} & {j.id for j in other}
