"""Use cases of deadlines and reminders over the persistence ports. Like services.py they never
commit: the caller's unit of work holds the transition and the job bookkeeping in one transaction."""

from __future__ import annotations

from datetime import datetime

from .errors import InvalidTransition, StepNotOpen
from .events import Event
from .jobs import Job, pass_deadline, plan_after
from .model import Trajectory
from .ports import UnitOfWork


async def schedule_after(uow: UnitOfWork, trajectory: Trajectory, events: list[Event], now: datetime) -> None:
    """Store the jobs of steps that just opened; void the pending jobs of steps that are not open."""
    new_jobs, void = plan_after(trajectory, events, now)
    if void:
        await uow.jobs.cancel_pending(void, now)
    if new_jobs:
        await uow.jobs.add(new_jobs)


async def close_at_deadline(uow: UnitOfWork, job: Job, now: datetime) -> tuple[Trajectory | None, list[Event]]:
    """Apply a passed deadline. No events when the step is no longer the open one (closed early by
    a facilitator, or by an earlier run of this job): that is what makes a late or repeated job a
    no-op. A concurrent save raises StaleVersion; the job is then retried and sees the new state."""
    trajectory = await uow.trajectories.get(job.trajectory_id)
    if trajectory is None:
        return None, []
    try:
        events = pass_deadline(trajectory, job.step_id, now)
    except (StepNotOpen, InvalidTransition):
        return trajectory, []
    await uow.trajectories.save(trajectory)
    await schedule_after(uow, trajectory, events, now)
    return trajectory, events
