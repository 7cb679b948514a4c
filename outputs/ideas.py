"""The ideas step's workbook: every idea (numbered as on the card, its merged duplicates under it) and
every question, comment and answer; and its part of the final report. Two queries, whatever the size."""

from __future__ import annotations

from dataclasses import dataclass

from cards.texts import count, current_language, t
from trajectory.files import OutputFile
from trajectory.kinds.clarifications import Clarification, ClarificationKind
from trajectory.kinds.ideas import Idea, merge_groups
from trajectory.model import Step, Trajectory
from trajectory.ports import UnitOfWork

from .about import step_rows
from .model import StepSummary
from .reads import off_loop, once
from .times import moments
from .workbook import Book, step_stem
from .workbook import about as about_sheet


def is_anonymous(step: Step) -> bool:
    """Ideas steps name their authors today; a step stored as anonymous never shows a name in a file."""
    return bool(step.settings.get("anonymous", False))


@dataclass(frozen=True)
class _Read:
    ideas: list[Idea]  # active and merged, oldest first
    groups: dict[int, list[Idea]]  # each active idea's merged duplicates
    numbers: dict[int, int]  # active idea id -> its number on the card
    clarifications: list[tuple[int, Idea, Clarification]]  # (number it is shown under, idea asked about, it)


async def _read(uow: UnitOfWork, step: Step) -> _Read:
    assert step.id is not None
    ideas = await uow.ideas.in_step(step.id)
    groups = merge_groups(ideas)
    numbers = {idea.id: n for n, idea in enumerate((i for i in ideas if i.merged_into is None), start=1)
               if idea.id is not None}
    group_of = {m.id: target for target, merged in groups.items() for m in merged}
    by_id = {i.id: i for i in ideas}
    shown = []
    for c in await uow.clarifications.for_step(step.id):
        about, target = by_id.get(c.idea_id), group_of.get(c.idea_id, c.idea_id)
        if about is not None and target in numbers:  # as on the card: not those of withdrawn ideas
            shown.append((numbers[target], about, c))
    shown.sort(key=lambda entry: entry[0])  # stable: oldest first within an idea
    return _Read(ideas, groups, numbers, shown)


def _kind(c: Clarification) -> str:
    return t("output.ideas.question" if c.kind is ClarificationKind.QUESTION else "output.ideas.comment")


async def document(uow: UnitOfWork, trajectory: Trajectory, step: Step) -> OutputFile:
    read = await once(uow, "ideas", step.id or 0, lambda: _read(uow, step))
    return await off_loop(_document, trajectory, step, read)


def _document(trajectory: Trajectory, step: Step, read: _Read) -> OutputFile:
    anonymous = is_anonymous(step)
    moment = moments(trajectory.time_zone, current_language())
    asked: dict[int, int] = {}
    for number, _, _ in read.clarifications:
        asked[number] = asked.get(number, 0) + 1

    book = Book()
    named = [] if anonymous else [t("output.ideas.author")]
    ideas = book.sheet(
        t("output.ideas.sheet"),
        [t("output.ideas.number"), t("output.ideas.idea"), *named, t("output.ideas.added"),
         t("output.ideas.merged_into"), t("output.ideas.clarifications")],
        [8, 60, *([24] if named else []), 20, 14, 14],
    )

    def idea_row(idea: Idea, number: int | None, merged_into: int | None) -> list[object]:
        author = [] if anonymous else [idea.author.name]
        return [number, idea.text, *author, moment(idea.created_at), merged_into,
                asked.get(number, 0) if number is not None else None]

    def idea_rows():
        for idea in read.ideas:
            if idea.id in read.numbers:
                number = read.numbers[idea.id]
                yield idea_row(idea, number, None)
                for duplicate in read.groups.get(idea.id, ()):
                    yield idea_row(duplicate, None, number)

    book.rows(ideas, idea_rows())

    asker = [] if anonymous else [t("output.ideas.asked_by")]
    questions = book.sheet(
        t("output.ideas.clarifications_sheet"),
        [t("output.ideas.number"), t("output.ideas.about"), t("output.ideas.kind"), t("output.ideas.text"),
         *asker, t("output.ideas.asked_at"), t("output.ideas.answer"), t("output.ideas.answered_at")],
        [8, 40, 12, 50, *([24] if asker else []), 20, 50, 20],
    )
    nobody = t("output.anonymous")
    book.rows(questions, (
        [number, about.text, _kind(c), c.text, *([] if anonymous else [c.asker_name or nobody]),
         moment(c.created_at), c.answer,
         moment(c.answered_at) if c.answered_at is not None else None]
        for number, about, c in read.clarifications
    ))
    about_sheet(book, t("output.about.sheet"), [
        *step_rows(trajectory, step),
        (t("output.ideas.sheet"), len(read.numbers)),
        (t("output.ideas.contributors"), len({i.author.aad_id for i in read.ideas})),
    ])
    return book.file(step_stem(step.position, step.title))


async def summary(uow: UnitOfWork, trajectory: Trajectory, step: Step) -> StepSummary:
    read = await once(uow, "ideas", step.id or 0, lambda: _read(uow, step))
    active = len(read.numbers)
    if not read.ideas:
        return StepSummary(headline=t("output.ideas.none"))
    authors = len({i.author.aad_id for i in read.ideas})  # authors of merged duplicates took part too
    lines = []
    merged = sum(len(duplicates) for duplicates in read.groups.values())
    if merged:
        lines.append(t(f"output.ideas.merged.{'one' if merged == 1 else 'other'}", n=merged))
    if read.clarifications:
        answered = sum(1 for _, _, c in read.clarifications if c.answer)
        lines.append(t("output.ideas.asked", asked=len(read.clarifications), answered=answered))
    return StepSummary(headline=t("output.ideas.headline", ideas=count(active, "idea"),
                                  people=count(authors, "person")), lines=tuple(lines))
