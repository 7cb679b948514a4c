"""Templates build valid drafts and hold only kinds that exist."""

from datetime import datetime, timezone

import pytest

from trajectory.errors import InvalidInput
from trajectory.kinds import STEP_KINDS
from trajectory.model import ChannelRef, Person
from trajectory.setup import new_trajectory, template_drafts
from trajectory.templates import DEFAULT_TEMPLATE, TEMPLATES

NOW = datetime(2026, 11, 25, 9, 0, tzinfo=timezone.utc)


@pytest.mark.parametrize("name", sorted(TEMPLATES))
def test_every_template_builds_a_valid_draft(name):
    trajectory = new_trajectory(ChannelRef("t", "team", "c"), Person("aad", "Alice"), "Title", NOW, template=name)
    template = TEMPLATES[name]
    assert trajectory.question == template.question
    assert [s.kind for s in trajectory.steps] == [s.kind for s in template.steps if s.kind in STEP_KINDS]
    assert trajectory.steps and all(s.kind in STEP_KINDS for s in trajectory.steps)
    assert trajectory.steps[0].kind == "ideas"


def test_reference_follows_the_blended_trajectory():
    kinds = [s.kind for s in TEMPLATES[DEFAULT_TEMPLATE].steps]
    assert kinds == ["ideas", "meeting", "vote", "workshop", "evaluation"]


def test_unknown_template_is_refused():
    with pytest.raises(InvalidInput):
        template_drafts("nope")
