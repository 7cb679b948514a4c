"""Clarifications on ideas: members ask the author a question or leave a comment; the author answers.

Asynchronous work makes it hard to know what someone meant, so every idea of an ideas step can be
questioned while the step is open and, after it closed, on its summary. A question goes to the
idea's author privately; the answer is shown on the idea to everyone. The asker may stay anonymous:
then their name is not even stored (only their aad id, for the per-person limit and "yours").
A clarification never changes the idea's text.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Protocol

from ..errors import ClarificationLimit, IdeaGone, InvalidInput, NotIdeaAuthor, OwnIdea, StaleVersion, StepNotOpen
from ..model import Person, Step, StepState
from ..text import clean_text
from .ideas import KIND as IDEAS, Idea, IdeaState

MAX_CLARIFICATION_LENGTH = 500
MAX_ANSWER_LENGTH = 1000
# Per member and step, anonymous ones included: enough for a real conversation, not for flooding
# an author's chat with bot messages.
MAX_CLARIFICATIONS_PER_PERSON = 20


class ClarificationKind(StrEnum):
    QUESTION = "question"  # the author is asked privately to answer
    COMMENT = "comment"  # shown on the idea; the author may reply


@dataclass
class Clarification:
    step_id: int
    idea_id: int  # the idea it was asked about (kept when that idea is merged into another)
    asker: Person  # name "" when anonymous: an anonymous asker's name is never stored
    anonymous: bool
    kind: ClarificationKind
    text: str
    created_at: datetime
    answer: str | None = None
    answered_at: datetime | None = None
    version: int = 1
    id: int | None = None

    @property
    def asker_name(self) -> str | None:
        """What a card may show: the name, or None for "Anonymous"."""
        return None if self.anonymous else self.asker.name


class ClarificationRepository(Protocol):
    async def add(self, clarification: Clarification) -> Clarification: ...
    async def get(self, clarification_id: int) -> Clarification | None: ...
    async def save_answer(self, clarification: Clarification, expected_version: int) -> None:
        """Write the answer back if the stored version is ``expected_version``, else StaleVersion."""
    async def for_step(self, step_id: int) -> list[Clarification]:
        """Every clarification on the step's ideas, oldest first (created_at, id)."""
    async def count_by_asker(self, step_id: int, aad_id: str) -> int: ...
    async def for_ideas(self, idea_ids: list[int]) -> list[Clarification]:
        """Every clarification on these ideas, oldest first (created_at, id)."""


def takes_clarifications(step: Step) -> bool:
    """On the open step's card, and on the summary once it closed (not when cancelled)."""
    return step.kind == IDEAS.name and step.state in (StepState.OPEN, StepState.CLOSED)


def _require_clarifiable(step: Step, idea: Idea) -> None:
    if not takes_clarifications(step) or idea.step_id != step.id:
        raise StepNotOpen(step_id=step.id)
    if idea.state is not IdeaState.ACTIVE:
        raise IdeaGone(idea_id=idea.id)


def parse_kind(raw: object) -> ClarificationKind:
    if raw is None or raw == "":
        return ClarificationKind.QUESTION
    try:
        return ClarificationKind(str(raw))
    except ValueError:
        raise InvalidInput(field="clarification_kind", reason="not_a_choice") from None


def parse_flag(raw: object) -> bool:
    """Input.Toggle sends "true"/"false"; anything unexpected counts as not anonymous."""
    if isinstance(raw, bool):
        return raw
    return isinstance(raw, str) and raw.strip().lower() == "true"


def ask(
    step: Step, idea: Idea, asker: Person, kind: ClarificationKind, raw_text: object, anonymous: bool,
    asked_so_far: int, now: datetime,
) -> Clarification:
    """A question or comment on ``idea`` (already resolved to the idea that stands for a merge)."""
    _require_clarifiable(step, idea)
    if idea.author.aad_id == asker.aad_id:
        raise OwnIdea(idea_id=idea.id)
    text = clean_text(raw_text, field="clarification", max_length=MAX_CLARIFICATION_LENGTH)
    if asked_so_far >= MAX_CLARIFICATIONS_PER_PERSON:
        raise ClarificationLimit(limit=MAX_CLARIFICATIONS_PER_PERSON)
    assert step.id is not None and idea.id is not None
    stored_asker = Person(aad_id=asker.aad_id, name="" if anonymous else asker.name)
    return Clarification(step_id=step.id, idea_id=idea.id, asker=stored_asker, anonymous=anonymous, kind=kind,
                         text=text, created_at=now)


def answer(
    step: Step, idea: Idea, clarification: Clarification, actor: Person, raw_text: object, version: int,
    now: datetime,
) -> Clarification:
    """The author of the idea answers (or replies to a comment); answering again replaces the answer."""
    if clarification.idea_id != idea.id:
        raise NotIdeaAuthor(clarification_id=clarification.id)
    _require_clarifiable(step, idea)
    if idea.author.aad_id != actor.aad_id:
        raise NotIdeaAuthor(clarification_id=clarification.id)
    if clarification.version != version:
        raise StaleVersion(clarification_id=clarification.id)
    clarification.answer = clean_text(raw_text, field="answer", max_length=MAX_ANSWER_LENGTH)
    clarification.answered_at = now
    return clarification
