"""Idea collection: members add ideas to a question, edit or withdraw them while the step is open."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any, Mapping

from ..errors import (
    IdeaMerged,
    InvalidInput,
    LimitReached,
    StepFull,
    MergeIntoItself,
    MergeTargetUnavailable,
    MergeTooLate,
    NotAuthor,
    StepNotOpen,
)
from ..model import Mode, Person, Step, StepState, Trajectory, TrajectoryState
from ..text import clean_text
from .base import StepKind

MAX_IDEA_LENGTH = 500
# Ideas a step holds at most, everyone's together: bounds the cards, pages and stored rows.
MAX_IDEAS_PER_STEP = 500
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
    # Set when a facilitator merged this idea into a duplicate: it is no longer "active" (not
    # listed on its own, not offered in a vote) but shown with the idea it was merged into.
    merged_into: int | None = None

    @property
    def is_active(self) -> bool:
        """Active and not merged: what the card lists on its own and a vote offers."""
        return self.state is IdeaState.ACTIVE and self.merged_into is None


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


def require_room(active_in_step: int) -> None:
    """Refuse a new idea once the step holds MAX_IDEAS_PER_STEP active ones."""
    if active_in_step >= MAX_IDEAS_PER_STEP:
        raise StepFull(limit=MAX_IDEAS_PER_STEP)


def _require_author(idea: Idea, actor: Person) -> None:
    if idea.author.aad_id != actor.aad_id or idea.state is not IdeaState.ACTIVE:
        raise NotAuthor(idea_id=idea.id)
    if idea.merged_into is not None:
        # Its text now stands for the idea it was merged into; changing it would change that meaning.
        raise IdeaMerged(idea_id=idea.id)


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


# ---------------------------------------------------------------- merging duplicates


def can_merge(trajectory: Trajectory, step: Step) -> bool:
    """While the step is open, and after it closed until a later async step (the vote) opens:
    a vote freezes its options from the active ideas when it opens, so merging stops there."""
    if step.kind != KIND.name or trajectory.state is not TrajectoryState.RUNNING:
        return False
    if step.state is StepState.OPEN:
        return True
    if step.state is not StepState.CLOSED:
        return False
    later = [s for s in trajectory.steps if s.position > step.position and s.mode is Mode.ASYNC]
    return all(s.state is StepState.PENDING for s in later)


def final_target(idea_id: int, merged_into: Mapping[int, int | None]) -> int:
    """Follow a chain of merges (a into b, b into c) to the idea that stands for all of them."""
    seen = {idea_id}
    current = idea_id
    while (following := merged_into.get(current)) is not None:
        if following in seen:  # a cycle can't be stored (see merge_idea); never loop on bad data
            break
        seen.add(following)
        current = following
    return current


def merge_idea(trajectory: Trajectory, step: Step, idea: Idea, target: Idea, now: datetime) -> Idea:
    """Mark ``idea`` as a duplicate of ``target``. The caller checks the facilitator.

    Only an active idea goes into an active one of the same step: merging into a merged idea is
    refused rather than followed, so the facilitator sees what they merge into (and no cycle forms).
    """
    if not can_merge(trajectory, step):
        raise MergeTooLate(step_id=step.id)
    if idea.id == target.id:
        raise MergeIntoItself(idea_id=idea.id)
    if not idea.is_active:
        raise IdeaMerged(idea_id=idea.id) if idea.merged_into is not None else MergeTargetUnavailable(idea_id=idea.id)
    if target.step_id != idea.step_id or idea.step_id != step.id or not target.is_active:
        raise MergeTargetUnavailable(idea_id=target.id)
    idea.merged_into = target.id
    idea.updated_at = now
    return idea


def unmerge_idea(trajectory: Trajectory, step: Step, idea: Idea, now: datetime) -> Idea:
    """Undo a merge (a facilitator's mistake): the idea stands on its own again."""
    if not can_merge(trajectory, step):
        raise MergeTooLate(step_id=step.id)
    if idea.merged_into is None or idea.state is not IdeaState.ACTIVE or idea.step_id != step.id:
        raise MergeTargetUnavailable(idea_id=idea.id)
    idea.merged_into = None
    idea.updated_at = now
    return idea


def merge_groups(ideas: list[Idea]) -> dict[int, list[Idea]]:
    """For each active idea (by id), the ideas merged into it, directly or down a chain, in order."""
    merged_into = {i.id: i.merged_into for i in ideas if i.id is not None}
    groups: dict[int, list[Idea]] = {i.id: [] for i in ideas if i.id is not None and i.merged_into is None}
    for idea in ideas:
        if idea.id is not None and idea.merged_into is not None:
            target = final_target(idea.id, merged_into)
            if target in groups:  # a target that is gone: the duplicate is not shown
                groups[target].append(idea)
    return groups
