"""The meeting and workshop steps' document: the time (the trajectory's zone and language), the place
or Teams link, who was invited, the agenda as the invitation carried it, and the outcomes and decisions
recorded after it; and their part of the final report."""

from __future__ import annotations

from html.parser import HTMLParser

from cards.formatting import clock, day
from cards.texts import current_language, t
from trajectory.files import DOCX, OutputFile
from trajectory.kinds.meeting import Meeting, MeetingState
from trajectory.model import Step, Trajectory
from trajectory.ports import UnitOfWork

from . import document as docs
from .model import StepSummary
from .reads import off_loop
from .safety import file_name

MAX_SUMMARY_LINE = 300


class _AgendaText(HTMLParser):
    """The invitation's agenda (trajectory/agenda.py to_html: p, b, i, ol, ul, li, br) back into lines
    with their list depth: the document shows the agenda exactly as it was sent."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.lines: list[tuple[int, str]] = []
        self._depth, self._text = 0, ""

    def _flush(self) -> None:
        if self._text.strip():
            self.lines.append((self._depth, " ".join(self._text.split())))
        self._text = ""

    def handle_starttag(self, tag: str, attrs: object) -> None:
        if tag in ("p", "li", "ol", "ul", "br"):
            self._flush()
        if tag in ("ol", "ul"):
            self._depth += 1

    def handle_endtag(self, tag: str) -> None:
        if tag in ("p", "li", "ol", "ul"):
            self._flush()
        if tag in ("ol", "ul"):
            self._depth = max(self._depth - 1, 0)

    def handle_data(self, data: str) -> None:
        self._text += data


def agenda_lines(agenda_html: str) -> list[tuple[int, str]]:
    parser = _AgendaText()
    parser.feed(agenda_html or "")
    parser.close()
    parser._flush()
    return parser.lines


def stem(step: Step) -> str:
    """“02 Online meeting”: files sort in the trajectory's order."""
    return f"{step.position + 1:02d} {step.title}"


def _when(meeting: Meeting, zone: str) -> str:
    lang = current_language()
    return t("output.meeting.time", day=day(meeting.start, zone, lang), start=clock(meeting.start, zone, lang),
             end=clock(meeting.end, zone, lang), zone=zone)


def _place(meeting: Meeting) -> str:
    if meeting.location and meeting.online:
        return t("output.meeting.place_and_online", place=meeting.location)
    return meeting.location or t("output.meeting.online")


async def _read(uow: UnitOfWork, trajectory: Trajectory, step: Step) -> tuple[Meeting | None, list[str]]:
    assert step.id is not None
    meeting = await uow.meetings.get(step.id)
    roster = await uow.channels.members(trajectory.channel.team_id)
    return meeting, sorted((p.name for p in roster if p.name), key=str.casefold)


async def document(uow: UnitOfWork, trajectory: Trajectory, step: Step) -> OutputFile:
    meeting, invited = await _read(uow, trajectory, step)
    return await off_loop(_document, trajectory, step, meeting, invited)


def _document(trajectory: Trajectory, step: Step, meeting: Meeting | None, invited: list[str]) -> OutputFile:
    zone = trajectory.time_zone
    doc = docs.document(step.title, t("output.meeting.subtitle", title=trajectory.title))
    if step.prompt:
        docs.paragraphs(doc, step.prompt)
    rows: list[tuple[str, str | tuple[str, str | None]]] = [
        (t("output.meeting.kind"), t(f"output.meeting.kind.{step.kind}"))]
    if meeting is None:
        rows.append((t("output.meeting.when"), t("output.meeting.not_scheduled")))
    else:
        when = _when(meeting, zone)
        if meeting.state is MeetingState.CANCELLED:
            when = t("output.meeting.cancelled", when=when)
        rows += [(t("output.meeting.when"), when), (t("output.meeting.where"), _place(meeting))]
        if meeting.join_url:
            rows.append((t("output.meeting.link"), (t("output.meeting.join"), meeting.join_url)))
        rows.append((t("output.meeting.organizer"), meeting.organizer))
    docs.facts(doc, rows)

    doc.add_heading(t("output.meeting.invited"), level=1)
    if meeting is None:
        doc.add_paragraph(t("output.meeting.nobody_invited"))
    elif invited:
        doc.add_paragraph(t("output.meeting.invited_members", n=len(invited)))
        docs.bullets(doc, invited)
    else:
        doc.add_paragraph(t("output.meeting.invited_channel"))

    doc.add_heading(t("output.meeting.agenda"), level=1)
    lines = agenda_lines(meeting.agenda_html) if meeting is not None else []
    if not lines:
        doc.add_paragraph(t("output.meeting.no_agenda"))
    for depth, text in lines:
        doc.add_paragraph(docs.clean(text), style=None if depth == 0 else
                          ("List Bullet" if depth == 1 else "List Bullet 2"))

    for key, text in (("outcomes", meeting.outcomes if meeting else ""),
                      ("decisions", meeting.decisions if meeting else "")):
        doc.add_heading(t(f"output.meeting.{key}"), level=1)
        if text.strip():
            docs.paragraphs(doc, text)
        else:
            doc.add_paragraph(t("output.meeting.nothing_recorded"))
    return OutputFile(name=file_name(stem(step), "docx"), content=docs.to_bytes(doc), content_type=DOCX)


def _short(text: str) -> str:
    flat = " ".join(docs.clean(text).split())
    return flat if len(flat) <= MAX_SUMMARY_LINE else flat[:MAX_SUMMARY_LINE - 1] + "…"


async def summary(uow: UnitOfWork, trajectory: Trajectory, step: Step) -> StepSummary:
    meeting, _ = await _read(uow, trajectory, step)
    if meeting is None:
        return StepSummary(headline=t("output.meeting.not_scheduled"))
    when = _when(meeting, trajectory.time_zone)
    if meeting.state is MeetingState.CANCELLED:
        return StepSummary(headline=t("output.meeting.cancelled", when=when))
    lines = [t("output.meeting.where_line", place=_place(meeting))]
    if meeting.outcomes.strip():
        lines.append(t("output.meeting.outcomes_line", text=_short(meeting.outcomes)))
    if meeting.decisions.strip():
        lines.append(t("output.meeting.decisions_line", text=_short(meeting.decisions)))
    if not meeting.outcomes.strip() and not meeting.decisions.strip():
        lines.append(t("output.meeting.nothing_recorded"))
    # "next" may close the step before the meeting it planned: then it is not said to have been held.
    early = step.closed_at is not None and step.closed_at < meeting.start
    return StepSummary(headline=t("output.meeting.planned" if early else "output.meeting.held", when=when),
                       lines=tuple(lines))
