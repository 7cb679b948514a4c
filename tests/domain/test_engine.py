"""The trajectory's transitions and the setup rules, with no infrastructure at all."""

from datetime import datetime, timedelta, timezone

import pytest

from trajectory import engine
from trajectory.errors import InvalidInput, InvalidTransition
from trajectory.events import StepClosed, StepOpened, TrajectoryCancelled, TrajectoryClosed, TrajectoryStarted
from trajectory.model import ChannelRef, Mode, Person, StepState, TrajectoryState
from trajectory.setup import StepDraft, edit_draft, new_trajectory
from trajectory.templates import DEFAULT_TEMPLATE, TEMPLATES

NOW = datetime(2026, 11, 25, 9, 0, tzinfo=timezone.utc)
ALICE = Person("aad-alice", "Alice", "29:alice")
BOB = Person("aad-bob", "Bob", "29:bob")
CHANNEL = ChannelRef("tenant", "team", "channel")


def persisted(trajectory, step_count=3):
    """Give the draft ids as storage would, with ``step_count`` idea steps."""
    edit_draft(trajectory, title=trajectory.title, question="Q?", co_facilitators=[], now=NOW,
               steps=[StepDraft("ideas", f"Step {i}") for i in range(step_count)])
    trajectory.id = 7
    for number, step in enumerate(trajectory.steps, start=1):
        step.id = number
    return trajectory


def test_new_trajectory_from_template():
    trajectory = new_trajectory(CHANNEL, ALICE, "  Offsite 2027 ", NOW)
    assert trajectory.title == "Offsite 2027"
    assert trajectory.state is TrajectoryState.DRAFT
    assert trajectory.facilitators == [ALICE]
    # The default template's steps whose kinds exist (more as kinds are registered), ideas first.
    assert [s.kind for s in trajectory.steps] == [d.kind for d in TEMPLATES[DEFAULT_TEMPLATE].available_steps()]
    assert trajectory.steps[0].mode is Mode.ASYNC
    assert trajectory.steps[0].settings == {"max_per_person": 5}


@pytest.mark.parametrize("title", ["", "   ", "x" * 121, None, 42])
def test_new_trajectory_refuses_bad_titles(title):
    with pytest.raises(InvalidInput):
        new_trajectory(CHANNEL, ALICE, title, NOW)


def test_start_next_until_finished():
    trajectory = persisted(new_trajectory(CHANNEL, ALICE, "T", NOW), 2)
    assert engine.start(trajectory, NOW) == [TrajectoryStarted(7), StepOpened(1)]
    assert trajectory.current_step.id == 1
    later = NOW + timedelta(hours=1)
    assert engine.advance(trajectory, later) == [StepClosed(1), StepOpened(2)]
    assert trajectory.steps[0].closed_at == later and trajectory.steps[1].opened_at == later
    assert engine.advance(trajectory, later) == [StepClosed(2), TrajectoryClosed(7)]
    assert trajectory.state is TrajectoryState.CLOSED
    assert [s.state for s in trajectory.steps] == [StepState.CLOSED, StepState.CLOSED]


def test_close_skips_the_remaining_steps():
    trajectory = persisted(new_trajectory(CHANNEL, ALICE, "T", NOW), 3)
    engine.start(trajectory, NOW)
    assert engine.close(trajectory, NOW) == [StepClosed(1), TrajectoryClosed(7)]
    assert [s.state for s in trajectory.steps] == [StepState.CLOSED, StepState.SKIPPED, StepState.SKIPPED]


def test_cancel_from_draft_and_running():
    draft = persisted(new_trajectory(CHANNEL, ALICE, "T", NOW), 2)
    assert engine.cancel(draft, NOW) == [TrajectoryCancelled(7)]
    assert all(s.state is StepState.CANCELLED for s in draft.steps)
    running = persisted(new_trajectory(CHANNEL, ALICE, "T", NOW), 2)
    engine.start(running, NOW)
    engine.cancel(running, NOW)
    assert running.state is TrajectoryState.CANCELLED
    assert running.steps[0].closed_at == NOW and running.steps[1].closed_at is None


@pytest.mark.parametrize("action", [engine.advance, engine.close])
def test_transitions_need_a_running_trajectory(action):
    trajectory = persisted(new_trajectory(CHANNEL, ALICE, "T", NOW))
    with pytest.raises(InvalidTransition):
        action(trajectory, NOW)


def test_no_transition_after_the_end():
    trajectory = persisted(new_trajectory(CHANNEL, ALICE, "T", NOW), 1)
    engine.start(trajectory, NOW)
    engine.close(trajectory, NOW)
    for action in (engine.start, engine.advance, engine.close, engine.cancel):
        with pytest.raises(InvalidTransition):
            action(trajectory, NOW)


def test_edit_draft_keeps_creator_and_dedupes_co_facilitators():
    trajectory = new_trajectory(CHANNEL, ALICE, "T", NOW)
    edit_draft(trajectory, title="New", question="Why?", steps=[StepDraft("ideas", "A")],
               co_facilitators=[BOB, BOB, ALICE], now=NOW)
    assert trajectory.facilitators == [ALICE, BOB]
    assert trajectory.is_facilitator("aad-bob") and not trajectory.is_facilitator("aad-carol")


@pytest.mark.parametrize("steps, reason", [
    ([], "count"),
    ([StepDraft("ideas", "A", deadline=NOW - timedelta(minutes=1))], "in_the_past"),
    ([StepDraft("ideas", "A", deadline=NOW + timedelta(days=2)),
      StepDraft("ideas", "B", deadline=NOW + timedelta(days=1))], "out_of_order"),
    ([StepDraft("poll", "A")], "unknown_kind"),
    ([StepDraft("ideas", "A", settings={"max_per_person": 0})], "out_of_range"),
    ([StepDraft("ideas", "A", settings={"max_per_person": "lots"})], "not_a_number"),
])
def test_edit_draft_refusals_leave_the_draft_unchanged(steps, reason):
    trajectory = new_trajectory(CHANNEL, ALICE, "T", NOW)
    before = (trajectory.title, trajectory.question, list(trajectory.steps))
    with pytest.raises(InvalidInput) as refused:
        edit_draft(trajectory, title="X", question="Y", steps=steps, co_facilitators=[], now=NOW)
    assert refused.value.params["reason"] == reason
    assert (trajectory.title, trajectory.question, trajectory.steps) == before


def test_edit_after_start_is_refused():
    trajectory = persisted(new_trajectory(CHANNEL, ALICE, "T", NOW), 1)
    engine.start(trajectory, NOW)
    with pytest.raises(InvalidTransition):
        edit_draft(trajectory, title="X", question="Y", steps=[StepDraft("ideas", "A")], co_facilitators=[], now=NOW)
