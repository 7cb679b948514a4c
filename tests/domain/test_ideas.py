"""Rules of the idea-collection step."""

from datetime import datetime, timezone

import pytest

from trajectory.errors import InvalidInput, LimitReached, NotAuthor, StepNotOpen
from trajectory.kinds import STEP_KINDS
from trajectory.kinds.ideas import IdeaState, edit_idea, new_idea, withdraw_idea
from trajectory.model import Mode, Person, Step, StepState

NOW = datetime(2026, 11, 25, 9, 0, tzinfo=timezone.utc)
ALICE = Person("aad-alice", "Alice")
BOB = Person("aad-bob", "Bob")


def open_step(limit=2):
    return Step(kind="ideas", mode=Mode.ASYNC, title="Ideas", settings={"max_per_person": limit},
                state=StepState.OPEN, id=3)


def test_new_idea_is_cleaned():
    idea = new_idea(open_step(), ALICE, "  Better coffee\r\n\n\n\nplease\x07 ", 0, NOW)
    assert idea.text == "Better coffee\n\nplease"
    assert idea.step_id == 3 and idea.author == ALICE and idea.state is IdeaState.ACTIVE


@pytest.mark.parametrize("text, reason", [("", "empty"), ("   \n", "empty"), ("x" * 501, "too_long"),
                                          (None, "empty"), (["a"], "not_text")])
def test_bad_idea_text(text, reason):
    with pytest.raises(InvalidInput) as refused:
        new_idea(open_step(), ALICE, text, 0, NOW)
    assert refused.value.params["reason"] == reason


def test_limit_per_person():
    with pytest.raises(LimitReached):
        new_idea(open_step(limit=2), ALICE, "third", 2, NOW)


@pytest.mark.parametrize("state", [StepState.PENDING, StepState.CLOSED, StepState.CANCELLED])
def test_only_open_steps_take_ideas(state):
    step = open_step()
    step.state = state
    with pytest.raises(StepNotOpen):
        new_idea(step, ALICE, "idea", 0, NOW)


def test_only_the_author_edits_or_withdraws():
    step = open_step()
    idea = new_idea(step, ALICE, "idea", 0, NOW)
    with pytest.raises(NotAuthor):
        edit_idea(step, idea, BOB, "mine now", NOW)
    with pytest.raises(NotAuthor):
        withdraw_idea(step, idea, BOB, NOW)
    edit_idea(step, idea, ALICE, "better idea", NOW)
    assert idea.text == "better idea"
    withdraw_idea(step, idea, ALICE, NOW)
    assert idea.state is IdeaState.WITHDRAWN
    with pytest.raises(NotAuthor):  # a withdrawn idea can't be edited back to life
        edit_idea(step, idea, ALICE, "again", NOW)


def test_every_kind_normalises_its_own_defaults():
    for name, kind in STEP_KINDS.items():
        assert kind.name == name
        assert kind.normalise_settings(dict(kind.defaults)) == kind.defaults
