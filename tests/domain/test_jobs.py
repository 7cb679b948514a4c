"""Deadlines and reminders, pure: which jobs a step gets, what a passed deadline does, who is reminded."""

from datetime import timedelta

import pytest

from tests.domain.test_engine import ALICE, BOB, CHANNEL, NOW, persisted
from trajectory import engine
from trajectory.errors import InvalidTransition, StepNotOpen
from trajectory.events import StepClosed, StepOpened, TrajectoryClosed
from trajectory.jobs import (
    Job,
    JobKind,
    pass_deadline,
    plan_after,
    plan_for_step,
    reminder_is_due,
    reminder_recipients,
)
from trajectory.model import Mode, Person, StepState, TrajectoryState
from trajectory.setup import new_trajectory

HOUR = timedelta(hours=1)


def running(steps=3, auto_advance=False, reminder_hours=(24, 2), deadline_in=48 * HOUR):
    trajectory = persisted(new_trajectory(CHANNEL, ALICE, "Offsite", NOW), steps)
    trajectory.settings = {"auto_advance": auto_advance, "reminder_hours": list(reminder_hours)}
    for i, step in enumerate(trajectory.steps):
        step.deadline = NOW + deadline_in * (i + 1)
    engine.start(trajectory, NOW)
    return trajectory


def plan(trajectory, step, now):
    return [(j.kind, j.due_at, j.payload) for j in plan_for_step(trajectory, step, now)]


def test_a_step_with_a_deadline_gets_the_deadline_and_one_reminder_per_hour_setting():
    trajectory = running()
    step = trajectory.steps[0]
    assert plan(trajectory, step, NOW) == [
        (JobKind.DEADLINE, step.deadline, {}),
        (JobKind.REMINDER, step.deadline - 24 * HOUR, {"hours": 24}),
        (JobKind.REMINDER, step.deadline - 2 * HOUR, {"hours": 2}),
    ]
    job = plan_for_step(trajectory, step, NOW)[0]
    assert (job.trajectory_id, job.step_id) == (trajectory.id, step.id)


def test_reminder_times_already_past_when_the_step_opens_are_skipped():
    trajectory = running(deadline_in=10 * HOUR)
    step = trajectory.steps[0]
    assert plan(trajectory, step, NOW) == [
        (JobKind.DEADLINE, step.deadline, {}),
        (JobKind.REMINDER, step.deadline - 2 * HOUR, {"hours": 2}),
    ]
    # A reminder exactly now still goes out; a minute later it is past.
    assert len(plan(trajectory, step, step.deadline - 2 * HOUR)) == 2
    assert len(plan(trajectory, step, step.deadline - 2 * HOUR + timedelta(minutes=1))) == 1


def test_no_jobs_without_a_deadline_for_a_sync_step_or_a_deadline_already_past():
    trajectory = running()
    step = trajectory.steps[0]
    assert plan(trajectory, step, step.deadline) == []  # opened late: the facilitator closes it by hand
    step.deadline = None
    assert plan(trajectory, step, NOW) == []
    step.deadline, step.mode = NOW + HOUR, Mode.SYNC
    assert plan(trajectory, step, NOW) == []


def test_no_reminders_when_none_are_wanted():
    trajectory = running(reminder_hours=())
    assert [k for k, _, _ in plan(trajectory, trajectory.steps[0], NOW)] == [JobKind.DEADLINE]


def test_after_a_transition_jobs_are_planned_for_the_opened_step_and_voided_for_the_others():
    trajectory = running()
    events = engine.advance(trajectory, NOW + HOUR)
    new_jobs, void = plan_after(trajectory, events, NOW + HOUR)
    assert {j.step_id for j in new_jobs} == {trajectory.steps[1].id}
    assert void == [trajectory.steps[0].id, trajectory.steps[2].id]
    cancelled = engine.cancel(trajectory, NOW + 2 * HOUR)
    assert plan_after(trajectory, cancelled, NOW + 2 * HOUR) == ([], [s.id for s in trajectory.steps])


def test_close_current_closes_only_the_open_step_and_opens_nothing():
    trajectory = running()
    first = trajectory.steps[0]
    assert engine.close_current(trajectory, first.id, NOW + HOUR) == [StepClosed(first.id)]
    assert first.state is StepState.CLOSED and first.closed_at == NOW + HOUR
    assert trajectory.current_step is None and trajectory.state is TrajectoryState.RUNNING
    assert [s.state for s in trajectory.steps[1:]] == [StepState.PENDING, StepState.PENDING]
    # A second (late, repeated) close of the same step is refused and changes nothing.
    with pytest.raises(StepNotOpen):
        engine.close_current(trajectory, first.id, NOW + 2 * HOUR)
    assert first.closed_at == NOW + HOUR


def test_close_current_refuses_a_step_that_is_not_the_open_one():
    trajectory = running()
    engine.advance(trajectory, NOW + HOUR)  # the facilitator pressed next before the deadline
    with pytest.raises(StepNotOpen):
        engine.close_current(trajectory, trajectory.steps[0].id, NOW + 2 * HOUR)
    with pytest.raises(StepNotOpen):
        engine.close_current(trajectory, trajectory.steps[2].id, NOW + 2 * HOUR)  # pending, not open
    assert trajectory.steps[1].state is StepState.OPEN
    engine.close(trajectory, NOW + 3 * HOUR)
    with pytest.raises(InvalidTransition):
        engine.close_current(trajectory, trajectory.steps[1].id, NOW + 3 * HOUR)


def test_advance_with_no_open_step_opens_the_next_and_finishes_after_the_last():
    trajectory = running(steps=2)
    first, second = trajectory.steps
    engine.close_current(trajectory, first.id, NOW + HOUR)
    assert engine.advance(trajectory, NOW + 2 * HOUR) == [StepOpened(second.id)]
    assert second.state is StepState.OPEN and first.closed_at == NOW + HOUR
    engine.close_current(trajectory, second.id, NOW + 3 * HOUR)
    assert engine.advance(trajectory, NOW + 4 * HOUR) == [TrajectoryClosed(trajectory.id)]
    assert trajectory.state is TrajectoryState.CLOSED
    assert [s.state for s in trajectory.steps] == [StepState.CLOSED, StepState.CLOSED]


def test_a_passed_deadline_closes_the_step_and_with_auto_advance_opens_the_next():
    manual = running()
    assert pass_deadline(manual, manual.steps[0].id, NOW + HOUR) == [StepClosed(manual.steps[0].id)]
    assert manual.current_step is None
    auto = running(auto_advance=True)
    first, second, _ = auto.steps
    assert pass_deadline(auto, first.id, NOW + HOUR) == [StepClosed(first.id), StepOpened(second.id)]
    with pytest.raises(StepNotOpen):
        pass_deadline(auto, first.id, NOW + HOUR)


def test_the_last_deadline_with_auto_advance_finishes_the_trajectory():
    auto = running(steps=1, auto_advance=True)
    step = auto.steps[0]
    assert pass_deadline(auto, step.id, NOW + HOUR) == [StepClosed(step.id), TrajectoryClosed(auto.id)]
    assert auto.state is TrajectoryState.CLOSED


def test_a_reminder_goes_out_only_while_the_step_is_open_and_no_later_reminder_is_due():
    trajectory = running()
    step = trajectory.steps[0]
    assert reminder_is_due(trajectory, step, 24, step.deadline - 24 * HOUR)
    # After an outage both reminders are due: only the later (2 h) one is sent.
    assert not reminder_is_due(trajectory, step, 24, step.deadline - HOUR)
    assert reminder_is_due(trajectory, step, 2, step.deadline - HOUR)
    assert not reminder_is_due(trajectory, step, 2, step.deadline)
    engine.advance(trajectory, NOW + HOUR)
    assert not reminder_is_due(trajectory, step, 2, step.deadline - HOUR)


def test_reminders_go_to_members_who_have_not_contributed_nor_been_reminded():
    carol, ghost = Person("aad-carol", "Carol", "29:carol"), Person("aad-ghost", "Ghost", "")
    roster = [ALICE, BOB, carol, ghost]
    assert reminder_recipients(roster, {BOB.aad_id}, set()) == [ALICE, carol]
    assert reminder_recipients(roster, {BOB.aad_id}, {ALICE.aad_id}) == [carol]
    assert reminder_recipients(roster, {p.aad_id for p in roster}, set()) == []


def test_job_defaults():
    job = Job(JobKind.DEADLINE, 1, 2, NOW)
    assert (str(job.state), job.attempts, job.payload, job.id) == ("pending", 0, {}, None)
