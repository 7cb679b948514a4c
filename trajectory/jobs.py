"""Deadlines and reminders as stored jobs: which jobs a step gets when it opens, what a passed
deadline does, and who is reminded. Pure: ``now`` is passed in; storage and the runner live elsewhere.

Jobs are rows, not timers: they survive a restart and any instance may run them. A job is
identified by (step_id, kind, due_at), so planning the same step twice stores nothing new.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any, Iterable, Protocol

from . import engine
from .events import Event, StepOpened
from .kinds import kind_of
from .model import Mode, Person, Step, StepState, Trajectory


class JobKind(StrEnum):
    DEADLINE = "deadline"
    REMINDER = "reminder"
    MEETING_END = "meeting_end"  # a sync step's meeting ended: ask the facilitators for the outcomes
    FILE_STEP = "file_step"  # a step closed: file its document in the channel's Files
    FILE_REPORT = "file_report"  # the trajectory closed: file the final report (step_id: its last step)


# Jobs that only make sense while their step is open; a transition voids them. Filing jobs are for
# closed steps and must survive the transitions after them.
VOIDABLE = (JobKind.DEADLINE, JobKind.REMINDER, JobKind.MEETING_END)


class JobState(StrEnum):
    PENDING = "pending"
    RUNNING = "running"  # claimed by an instance until its lease ends
    DONE = "done"
    CANCELLED = "cancelled"  # its step closed before it was due
    FAILED = "failed"  # raised on every attempt; kept with its last error


class LeaseLost(Exception):
    """The job's lease ran out and another instance may have claimed it: stop, change nothing."""


@dataclass
class Job:
    kind: JobKind
    trajectory_id: int
    step_id: int
    due_at: datetime
    payload: dict[str, Any] = field(default_factory=dict)
    state: JobState = JobState.PENDING
    attempts: int = 0
    last_error: str | None = None
    id: int | None = None


class JobRepository(Protocol):
    async def add(self, jobs: list[Job]) -> None:
        """Store new jobs; one already stored (same step, kind and due time) is left as it is."""
    async def cancel_pending(self, step_ids: list[int], now: datetime) -> int:
        """Void the pending VOIDABLE jobs of these steps (never the filing jobs)."""
    async def claim_due(self, now: datetime, worker: str, lease_until: datetime, limit: int) -> list[Job]:
        """Pending jobs due by ``now`` and running jobs whose lease ended, now running for ``worker``."""
    async def checkpoint(self, job: Job, worker: str, payload: dict[str, Any], lease_until: datetime) -> None:
        """Store progress and extend the lease; LeaseLost if ``worker`` no longer holds the job."""
    async def finish(self, job: Job, worker: str, now: datetime, error: str | None = None) -> None:
        """Mark the job done; LeaseLost if ``worker`` no longer holds it."""
    async def release(self, job: Job, worker: str, error: str, retry_at: datetime, give_up: bool) -> None:
        """After a failed attempt: pending again from ``retry_at``, or failed for good."""
    async def for_step(self, step_id: int) -> list[Job]: ...
    async def sent_to(self, job_id: int) -> set[str]:
        """aad ids a reminder job has already been delivered to."""
    async def record_send(
        self, job: Job, worker: str, aad_id: str, error: str | None, now: datetime, lease_until: datetime
    ) -> None:
        """Record one reminder delivery (or its failure) and extend the lease; LeaseLost as above."""


def plan_for_step(trajectory: Trajectory, step: Step, now: datetime) -> list[Job]:
    """The jobs of a step that opens at ``now``: its deadline, and a reminder ``h`` hours before it
    for each of the trajectory's reminder hours that is still ahead. A deadline already past when
    the step opens schedules nothing: the facilitator opened it knowingly and closes it by hand."""
    if step.deadline is None or step.mode is not Mode.ASYNC or step.deadline <= now or step.id is None:
        return []
    assert trajectory.id is not None
    jobs = [Job(JobKind.DEADLINE, trajectory.id, step.id, step.deadline)]
    if kind_of(step.kind).collects_contributions:
        for hours in reminder_hours(trajectory):
            due = step.deadline - timedelta(hours=hours)
            if due >= now:
                jobs.append(Job(JobKind.REMINDER, trajectory.id, step.id, due, {"hours": hours}))
    return jobs


def reminder_hours(trajectory: Trajectory) -> list[int]:
    hours = trajectory.settings.get("reminder_hours") or []
    return sorted({int(h) for h in hours if isinstance(h, int) and h > 0}, reverse=True)


def plan_after(trajectory: Trajectory, events: Iterable[Event], now: datetime) -> tuple[list[Job], list[int]]:
    """After a transition: jobs for the steps that opened, and the steps whose pending jobs are void
    (every step that is not open: a job of a closed or cancelled step must never fire)."""
    new_jobs: list[Job] = []
    for event in events:
        if isinstance(event, StepOpened):
            step = trajectory.step(event.step_id)
            if step is not None:
                new_jobs += plan_for_step(trajectory, step, now)
    void = [s.id for s in trajectory.steps if s.id is not None and s.state is not StepState.OPEN]
    return new_jobs, void


def pass_deadline(trajectory: Trajectory, step_id: int, now: datetime) -> list[Event]:
    """The deadline of ``step_id`` has passed: close it and, with auto-advance, open the next step
    (or finish after the last). Refused (StepNotOpen) if the step is no longer the open one."""
    events = engine.close_current(trajectory, step_id, now)
    if trajectory.settings.get("auto_advance"):
        events += engine.advance(trajectory, now)
    return events


def reminder_is_due(trajectory: Trajectory, step: Step, hours: int, now: datetime) -> bool:
    """Whether a reminder ``hours`` before the step's deadline should still go out at ``now``: not
    once the step closed or its deadline passed, nor when a later reminder is due too (after an
    outage only the latest one is sent)."""
    if step.state is not StepState.OPEN or step.deadline is None or now >= step.deadline:
        return False
    return not any(h < hours and step.deadline - timedelta(hours=h) <= now for h in reminder_hours(trajectory))


def reminder_recipients(roster: Iterable[Person], contributors: set[str], already: set[str]) -> list[Person]:
    """Team members who have not contributed and have not been reminded by this job yet (and can be
    messaged: a Teams user id is needed for a 1:1 chat)."""
    return [p for p in roster if p.user_id and p.aad_id not in contributors and p.aad_id not in already]
