"""Idea collection: members add ideas to a question, edit or withdraw them while the step is open."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from ..errors import InvalidInput, LimitReached, NotAuthor, StepNotOpen
from ..model import Mode, Person, Step, StepState
from ..text import clean_text
from .base import StepKind

MAX_IDEA_LENGTH = 500
# A member's own ideas are listed on their card with an edit form each; more than this would
# push the card past Teams' message size.
MAX_IDEAS_PER_PERSON = 10
DEFAULT_IDEAS_PER_PERSON = 5


class IdeaState(StrEnum):
    ACTIVE = "active"
    WITHDRAWN = "withdrawn"


@dataclass
class Idea:
    step_id: int
    author: Person
    text: str
    created_at: datetime
    updated_at: datetime
    state: IdeaState = IdeaState.ACTIVE
    version: int = 1
    id: int | None = None


def normalise_settings(settings: dict[str, Any]) -> dict[str, Any]:
    raw = settings.get("max_per_person", DEFAULT_IDEAS_PER_PERSON)
    try:
        limit = int(raw)
    except (TypeError, ValueError):
        raise InvalidInput(field="max_per_person", reason="not_a_number") from None
    if not 1 <= limit <= MAX_IDEAS_PER_PERSON:
        raise InvalidInput(field="max_per_person", reason="out_of_range", low=1, high=MAX_IDEAS_PER_PERSON)
    return {"max_per_person": limit}


KIND = StepKind(
    name="ideas",
    mode=Mode.ASYNC,
    default_title="Collect ideas",
    default_prompt="Add your ideas. You can edit or withdraw them until the step closes.",
    normalise_settings=normalise_settings,
    defaults={"max_per_person": DEFAULT_IDEAS_PER_PERSON},
)


def _require_open(step: Step) -> None:
    if step.state is not StepState.OPEN or step.kind != KIND.name:
        raise StepNotOpen(step_id=step.id)


def new_idea(step: Step, author: Person, raw_text: object, active_by_author: int, now: datetime) -> Idea:
    """A new idea, if the step is open and the author is under their limit."""
    _require_open(step)
    text = clean_text(raw_text, field="idea", max_length=MAX_IDEA_LENGTH)
    limit = normalise_settings(step.settings)["max_per_person"]
    if active_by_author >= limit:
        raise LimitReached(limit=limit)
    assert step.id is not None
    return Idea(step_id=step.id, author=author, text=text, created_at=now, updated_at=now)


def _require_author(idea: Idea, actor: Person) -> None:
    if idea.author.aad_id != actor.aad_id or idea.state is not IdeaState.ACTIVE:
        raise NotAuthor(idea_id=idea.id)


def edit_idea(step: Step, idea: Idea, actor: Person, raw_text: object, now: datetime) -> Idea:
    _require_open(step)
    _require_author(idea, actor)
    idea.text = clean_text(raw_text, field="idea", max_length=MAX_IDEA_LENGTH)
    idea.updated_at = now
    return idea


def withdraw_idea(step: Step, idea: Idea, actor: Person, now: datetime) -> Idea:
    _require_open(step)
    _require_author(idea, actor)
    idea.state = IdeaState.WITHDRAWN
    idea.updated_at = now
    return idea
