"""The agenda of a meeting or workshop, from the asynchronous work before it. Pure.

After an ideas step: its ideas with their clarifications, the ideas with open (unanswered) questions
first and, under each idea, its open questions first — what is still unclear is what a meeting is
for. After a vote: the ranking of its tally. The result is a small structure; ``to_html`` renders it
for the invitation (everything escaped), cards render it as TextRuns.
"""

from __future__ import annotations

import html
from dataclasses import dataclass
from typing import Iterable

from .kinds.clarifications import Clarification, ClarificationKind
from .kinds.ideas import Idea, final_target
from .kinds.vote_tally import Tally
from .model import Step, StepState

# An invitation is read, not scrolled: past these the agenda says how many more there are.
MAX_ITEMS = 25
MAX_NOTES_PER_ITEM = 5


@dataclass(frozen=True)
class Note:
    """A question or comment on an idea, and its answer if any."""

    text: str
    answer: str | None
    is_question: bool

    @property
    def is_open(self) -> bool:
        return self.is_question and self.answer is None


@dataclass(frozen=True)
class Item:
    text: str
    by: str = ""  # the idea's author
    rank: int | None = None  # vote results: 1 = best (ties share a rank)
    points: int | None = None
    tied: bool = False
    notes: tuple[Note, ...] = ()
    more_notes: int = 0

    @property
    def open_questions(self) -> int:
        return sum(1 for n in self.notes if n.is_open)


@dataclass(frozen=True)
class Agenda:
    source_title: str  # the step the agenda comes from ("" when there is none)
    kind: str  # "ideas" | "ranking" | "none"
    items: tuple[Item, ...] = ()
    more_items: int = 0

    @property
    def is_empty(self) -> bool:
        return not self.items


EMPTY = Agenda(source_title="", kind="none")


def source_step(steps: Iterable[Step], step: Step) -> Step | None:
    """The nearest earlier closed ideas or vote step: what the meeting builds on."""
    earlier = [s for s in steps if s.position < step.position and s.state is StepState.CLOSED
               and s.kind in ("ideas", "vote")]
    return max(earlier, key=lambda s: s.position, default=None)


def from_ideas(source_title: str, ideas: list[Idea], clarifications: list[Clarification]) -> Agenda:
    """Active ideas (merged duplicates' questions follow the idea they went into), open questions first."""
    merged_into = {i.id: i.merged_into for i in ideas if i.id is not None}
    by_idea: dict[int, list[Note]] = {}
    for c in clarifications:
        target = final_target(c.idea_id, merged_into)
        by_idea.setdefault(target, []).append(
            Note(text=c.text, answer=c.answer, is_question=c.kind is ClarificationKind.QUESTION))
    items = []
    for idea in (i for i in ideas if i.is_active and i.id is not None):
        notes = sorted(by_idea.get(idea.id, []), key=lambda n: not n.is_open)  # stable: oldest first within
        items.append(Item(text=idea.text, by=idea.author.name, notes=tuple(notes[:MAX_NOTES_PER_ITEM]),
                          more_notes=max(0, len(notes) - MAX_NOTES_PER_ITEM)))
    items.sort(key=lambda item: item.open_questions == 0)
    return Agenda(source_title=source_title, kind="ideas", items=tuple(items[:MAX_ITEMS]),
                  more_items=max(0, len(items) - MAX_ITEMS))


def from_tally(source_title: str, counted: Tally) -> Agenda:
    items = [Item(text=r.option.label, rank=r.rank, points=r.points, tied=r.tied) for r in counted.results]
    return Agenda(source_title=source_title, kind="ranking", items=tuple(items[:MAX_ITEMS]),
                  more_items=max(0, len(items) - MAX_ITEMS))


def to_html(agenda: Agenda, labels: dict[str, str]) -> str:
    """Plain, readable HTML for the invitation's body. ``labels`` holds the words (cards/texts.py
    keys "meeting.agenda.*", passed in: the domain has no catalog). Everything typed is escaped."""
    e = html.escape
    if agenda.is_empty:
        return f"<p>{e(labels['none'])}</p>"
    tag = "ul" if agenda.kind == "ranking" else "ol"  # ranks are shown (ties share one), not counted
    parts = [f"<p><b>{e(labels['title'])}</b> ({e(agenda.source_title)})</p>", f"<{tag}>"]
    for item in agenda.items:
        head = e(item.text)
        if item.rank is not None:
            tie = f" {e(labels['tied'])}" if item.tied else ""
            head = f"{item.rank}. {head} &mdash; {e(labels['points'].format(points=item.points))}{tie}"
        elif item.by:
            head = f"{head} <i>({e(item.by)})</i>"
        parts.append(f"<li>{head}")
        if item.notes:
            parts.append("<ul>")
            for note in item.notes:
                prefix = labels["open"] if note.is_open else labels["question" if note.is_question else "comment"]
                answer = f"<br>{e(labels['answer'])} {e(note.answer)}" if note.answer else ""
                parts.append(f"<li>{e(prefix)} {e(note.text)}{answer}</li>")
            if item.more_notes:
                parts.append(f"<li>{e(labels['more'].format(n=item.more_notes))}</li>")
            parts.append("</ul>")
        parts.append("</li>")
    parts.append(f"</{tag}>")
    if agenda.more_items:
        parts.append(f"<p>{e(labels['more'].format(n=agenda.more_items))}</p>")
    return "".join(parts)
