"""The evaluation step's workbook: per statement the distribution and average (with a chart), the NPS
(promoters, passives, detractors, score) and the open answers, named only when the step was not
anonymous. The numbers are the domain's (kinds.evaluation.summarise)."""

from __future__ import annotations

from dataclasses import dataclass

from cards.formatting import number
from cards.texts import count, t
from trajectory.files import OutputFile
from trajectory.kinds import evaluation
from trajectory.kinds.evaluation import LIKERT_SCALE, NPS_SCALE, EvaluationSummary, LikertResult, NpsResult, TextResult
from trajectory.model import Step, Trajectory
from trajectory.ports import UnitOfWork

from .about import step_rows
from .model import Chart, StepSummary
from .reads import off_loop, once
from .workbook import Book, about, step_stem

MAX_LABEL = 60


def _short(text: str) -> str:
    return text if len(text) <= MAX_LABEL else text[: MAX_LABEL - 1] + "…"


def _signed(score: int) -> str:
    return f"+{score}" if score > 0 else str(score)


def chart_of(summary: EvaluationSummary) -> Chart | None:
    """The statements' averages; without statements, the NPS groups."""
    likert = [r for r in summary.results if isinstance(r, LikertResult) and r.average is not None]
    if likert:
        return Chart(title=t("output.evaluation.chart_averages"), labels=tuple(_short(r.question.text) for r in likert),
                     values=tuple(r.average or 0.0 for r in likert))
    nps = next((r for r in summary.results if isinstance(r, NpsResult) and r.n), None)
    if nps is not None:
        return Chart(title=t("output.evaluation.chart_nps"),
                     labels=(t("evaluation.summary.promoters"), t("evaluation.summary.passives"),
                             t("evaluation.summary.detractors")),
                     values=(float(nps.promoters), float(nps.passives), float(nps.detractors)))
    return None


@dataclass(frozen=True)
class _Read:
    summary: EvaluationSummary
    nps_spread: dict[str, tuple[int, ...]]  # per NPS question: how many answered 0, 1, ... 10


async def _read(uow: UnitOfWork, step: Step) -> _Read:
    responses = await uow.responses.for_step(step.id) if step.id is not None else []
    summary = evaluation.summarise(step.settings, responses)
    spread = {}
    for result in summary.results:
        if isinstance(result, NpsResult):
            given = [r.answers.get(result.question.id) for r in responses]
            spread[result.question.id] = tuple(sum(1 for v in given if type(v) is int and v == score)
                                               for score in NPS_SCALE)
    return _Read(summary, spread)


async def document(uow: UnitOfWork, trajectory: Trajectory, step: Step) -> OutputFile:
    read = await once(uow, "evaluation", step.id or 0, lambda: _read(uow, step))
    return await off_loop(_document, trajectory, step, read)


def _document(trajectory: Trajectory, step: Step, read: _Read) -> OutputFile:
    summary = read.summary
    book = Book()
    likert = [r for r in summary.results if isinstance(r, LikertResult)]
    nps = [r for r in summary.results if isinstance(r, NpsResult)]
    texts = [r for r in summary.results if isinstance(r, TextResult)]

    if likert:
        sheet = book.sheet(
            t("output.evaluation.statements_sheet"),
            [t("output.evaluation.statement"),
             *(t("output.evaluation.likert", n=v, label=t(f"evaluation.likert.{v}")) for v in LIKERT_SCALE),
             t("output.evaluation.answers"), t("output.evaluation.average")],
            [50, *([14] * len(LIKERT_SCALE)), 12, 12],
        )
        book.rows(sheet, ([r.question.text, *r.counts, r.n, r.average] for r in likert))
        if any(r.average is not None for r in likert):  # a statement nobody rated just has no bar
            book.bar_chart(sheet, Chart(title=t("output.evaluation.chart_averages"), labels=(), values=()),
                           label_column=1, value_column=len(LIKERT_SCALE) + 3, first_row=2, count=len(likert),
                           anchor="A" + str(len(likert) + 4))
    if nps:
        sheet = book.sheet(
            t("output.evaluation.nps_sheet"),
            [t("output.evaluation.question"), t("evaluation.summary.promoters"), t("evaluation.summary.passives"),
             t("evaluation.summary.detractors"), t("output.evaluation.answers"), t("output.evaluation.nps"),
             *(t("output.evaluation.nps_gave", n=score) for score in NPS_SCALE)],
            [50, 16, 16, 16, 12, 10, *([9] * len(NPS_SCALE))],
        )
        book.rows(sheet, ([r.question.text, r.promoters, r.passives, r.detractors, r.n, r.score,
                           *read.nps_spread[r.question.id]] for r in nps))
    if texts:
        named = [] if summary.anonymous else [t("output.evaluation.name")]
        sheet = book.sheet(
            t("output.evaluation.open_sheet"),
            [t("output.evaluation.question"), t("output.evaluation.answer"), *named],
            [40, 80, *([24] if named else [])],
        )
        book.rows(sheet, (
            [r.question.text, a.text, *([] if summary.anonymous else [a.name])]
            for r in texts for a in r.answers
        ))
    about(book, t("output.about.sheet"), [
        *step_rows(trajectory, step),
        (t("output.evaluation.respondents"), summary.respondents),
        (t("output.evaluation.anonymity"),
         t("evaluation.summary.anonymous" if summary.anonymous else "evaluation.summary.named")),
    ])
    return book.file(step_stem(step.position, step.title))


async def summary(uow: UnitOfWork, trajectory: Trajectory, step: Step) -> StepSummary:
    result = (await once(uow, "evaluation", step.id or 0, lambda: _read(uow, step))).summary
    if not result.respondents:
        return StepSummary(headline=t("evaluation.summary.nobody"))
    people = count(result.respondents, "person")
    nps = next((r for r in result.results if isinstance(r, NpsResult) and r.score is not None), None)
    headline = (t("output.evaluation.headline_nps", score=_signed(nps.score), people=people) if nps and nps.score is not None
                else t("output.evaluation.headline", people=people))
    lines = []
    for r in result.results:
        if isinstance(r, LikertResult) and r.average is not None:
            lines.append(t("output.evaluation.line_average", question=r.question.text, average=number(r.average)))
        elif isinstance(r, NpsResult) and r.n:
            lines.append(t("output.evaluation.line_nps", promoters=r.promoters, passives=r.passives,
                           detractors=r.detractors))
        elif isinstance(r, TextResult) and r.answers:
            lines.append(t("output.evaluation.line_open", question=r.question.text, answers=count(len(r.answers), "answer")))
    return StepSummary(headline=headline, lines=tuple(lines), chart=chart_of(result))
