"""The final report: one document that tells a trajectory's whole story — its question, then each step
with its mode, dates, participation, results (the chart drawn as a picture) and a link to its file.

Pure: a view model in, the file out. Gathering the view (through the unit of work, with each kind's
summary and contributors) lives in dialogs/filing.py. Runs inside ``speaking(trajectory.language)``.
Only counts and each kind's own summary go in: no member's name, so anonymous steps stay anonymous."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from cards.formatting import moment, number
from cards.texts import current_language, t
from trajectory.files import DOCX, OutputFile
from trajectory.model import Mode, StepState

from . import document as docs
from .model import StepSummary
from .safety import file_name


@dataclass(frozen=True)
class FileLink:
    """A step's filed document: a link when it is in SharePoint, its name when in the local outbox."""

    name: str
    web_url: str | None = None


@dataclass(frozen=True)
class Participation:
    contributors: int
    members: int


@dataclass(frozen=True)
class ReportStep:
    position: int  # 0-based
    title: str
    kind: str
    mode: Mode
    state: StepState
    opened_at: datetime | None = None
    closed_at: datetime | None = None
    participation: Participation | None = None  # None for live steps (nothing to count)
    summary: StepSummary | None = None  # None when the step never ran or could not be summarised
    file: FileLink | None = None


@dataclass(frozen=True)
class ReportView:
    title: str
    question: str
    time_zone: str
    written_at: datetime
    steps: tuple[ReportStep, ...]
    started_at: datetime | None = None
    closed_at: datetime | None = None
    members: int = 0


def report_name(title: str) -> str:
    return file_name(t("report.file_name", title=title), "docx")


def _moment(value: datetime | None, view: ReportView) -> str:
    return moment(value, view.time_zone, current_language()) if value is not None else t("report.no_date")


def _participation(step: ReportStep) -> str:
    if step.mode is Mode.SYNC:
        return t("report.participation.live")
    if step.participation is None:
        return t("report.no_date")
    n, total = step.participation.contributors, step.participation.members
    if total <= 0:
        return t("report.participation.count", n=n)
    percent = number(100 * n / total, current_language(), digits=0)
    return t("report.participation.value", n=n, total=total, percent=percent)


def _file(step: ReportStep) -> str | tuple[str, str | None]:
    if step.file is None:
        return t("report.file.none")
    if step.file.web_url:
        return step.file.name, step.file.web_url
    return t("report.file.local", name=step.file.name)


def _step(doc, view: ReportView, step: ReportStep) -> None:
    doc.add_heading(t("report.step_heading", n=step.position + 1, title=step.title), level=1)
    rows: list[tuple[str, str | tuple[str, str | None]]] = [
        (t("report.kind"), t(f"kind.{step.kind}")),
        (t("report.mode"), t(f"report.mode.{step.mode.value}")),
    ]
    if step.state is not StepState.CLOSED:
        rows.append((t("report.state"), t(f"report.state.{step.state.value}")))
    if step.opened_at is not None:
        rows += [(t("report.opened"), _moment(step.opened_at, view)),
                 (t("report.closed"), _moment(step.closed_at, view))]
        rows.append((t("report.participation"), _participation(step)))
    rows.append((t("report.file"), _file(step)))
    docs.facts(doc, rows)
    if step.opened_at is None:
        return
    doc.add_heading(t("report.results"), level=2)
    if step.summary is None:
        doc.add_paragraph(t("report.no_results"))
        return
    doc.add_paragraph().add_run(docs.clean(step.summary.headline)).bold = True
    docs.bullets(doc, step.summary.lines)
    if step.summary.chart is not None and step.summary.chart.labels:
        lang = current_language()
        docs.picture(doc, docs.chart_png(step.summary.chart, lambda v: number(v, lang)))


def build(view: ReportView) -> OutputFile:
    doc = docs.document(t("report.title", title=view.title))
    doc.add_heading(t("report.question"), level=1)
    docs.paragraphs(doc, view.question or t("report.no_question"))
    rows: list[tuple[str, str | tuple[str, str | None]]] = [
        (t("report.started"), _moment(view.started_at, view)),
        (t("report.ended"), _moment(view.closed_at, view)),
        (t("report.steps_done"), t("report.steps_done.value", done=sum(s.state is StepState.CLOSED for s in view.steps),
                                   total=len(view.steps))),
    ]
    if view.members:
        rows.append((t("report.members"), str(view.members)))
    docs.facts(doc, rows)
    for step in view.steps:
        _step(doc, view, step)
    doc.add_paragraph(t("report.written", when=_moment(view.written_at, view)), style="Caption")
    return OutputFile(name=report_name(view.title), content=docs.to_bytes(doc), content_type=DOCX)
