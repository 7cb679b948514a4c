"""Use cases of the meeting and workshop steps, over the unit of work (callers own it and commit).

Calling the calendar is the dialog's job, between two units of work: nothing is held open while
Microsoft 365 answers, and nothing is stored unless it accepted the event."""

from __future__ import annotations

from datetime import datetime

from . import agenda as agendas
from . import vote_service
from .errors import NotFound
from .events import Event
from .jobs import Job, JobKind, pass_deadline
from .kinds import meeting as rules
from .kinds.meeting import Meeting
from .model import Person, Step, Trajectory
from .ports import UnitOfWork
from .services import require_facilitator
from . import deadlines


async def load_step(uow: UnitOfWork, step_id: int) -> tuple[Trajectory, Step, Meeting | None]:
    trajectory = await uow.trajectories.by_step(step_id)
    step = trajectory.step(step_id) if trajectory else None
    if trajectory is None or step is None or not rules.is_meeting_step(step):
        raise NotFound(what="step")
    return trajectory, step, await uow.meetings.get(step_id)


async def load_for_facilitator(uow: UnitOfWork, step_id: int, actor: Person) -> tuple[Trajectory, Step, Meeting | None]:
    trajectory, step, meeting = await load_step(uow, step_id)
    require_facilitator(trajectory, actor)
    return trajectory, step, meeting


async def agenda(uow: UnitOfWork, trajectory: Trajectory, step: Step) -> agendas.Agenda:
    """The agenda from the nearest earlier closed ideas or vote step."""
    source = agendas.source_step(trajectory.steps, step)
    if source is None or source.id is None:
        return agendas.EMPTY
    if source.kind == "vote":
        return agendas.from_tally(source.title, (await vote_service.snapshot(uow, source)).tally)
    ideas = await uow.ideas.in_step(source.id)
    return agendas.from_ideas(source.title, ideas, await uow.clarifications.for_step(source.id))


def end_job(trajectory: Trajectory, meeting: Meeting) -> Job:
    assert trajectory.id is not None
    return Job(JobKind.MEETING_END, trajectory.id, meeting.step_id, rules.end_job_due(meeting),
               {"version": meeting.version})


async def store_scheduled(uow: UnitOfWork, trajectory: Trajectory, meeting: Meeting, expected_version: int,
                          now: datetime) -> None:
    """Store a (re)scheduled meeting and its end-of-meeting job; the previous job is void."""
    if expected_version == 0:
        await uow.meetings.add(meeting)
    else:
        await uow.meetings.save(meeting, expected_version)
    await uow.jobs.cancel_pending([meeting.step_id], now)  # sync steps have no other jobs
    await uow.jobs.add([end_job(trajectory, meeting)])


async def store_cancelled(uow: UnitOfWork, meeting: Meeting, expected_version: int, now: datetime) -> None:
    await uow.meetings.save(meeting, expected_version)
    await uow.jobs.cancel_pending([meeting.step_id], now)


async def record_outcomes(
    uow: UnitOfWork, step_id: int, version: int, actor: Person, outcomes: object, decisions: object, now: datetime
) -> tuple[Trajectory, list[Event]]:
    """Save the outcomes and decisions (the step's output) and close the step; with auto-advance the
    next step opens, as at a deadline."""
    trajectory, step, meeting = await load_for_facilitator(uow, step_id, actor)
    current = rules.check_scheduled(step, meeting, version)
    await uow.meetings.save(rules.with_outcomes(current, outcomes, decisions), version)
    events = pass_deadline(trajectory, step_id, now)
    await uow.trajectories.save(trajectory)
    await deadlines.schedule_after(uow, trajectory, events, now)
    return trajectory, events
