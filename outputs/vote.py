"""The vote step's workbook: the ranking (ties share a rank and say so) with a native bar chart, the
per-method detail (how many ballots gave each option which dots, place, score or approval), and, only
when the vote was not anonymous, each voter's ballot. The tally is the domain's (vote_tally.tally)."""

from __future__ import annotations


from cards.formatting import listing, number
from cards.texts import count, t
from trajectory import vote_service
from trajectory.files import OutputFile
from trajectory.kinds import vote
from trajectory.kinds.vote import Method
from trajectory.kinds.vote_tally import OptionResult, Tally
from trajectory.model import Step, Trajectory
from trajectory.ports import UnitOfWork

from .about import step_rows
from .model import Chart, StepSummary
from .reads import off_loop, once
from .workbook import Book, about, step_stem

CHART_TOP = 10  # options in the chart (the report's too): the rest is in the table
SUMMARY_TOP = 5
MAX_LABEL = 60  # a chart's or ballot column's option label


def _value(method: Method, result: OptionResult) -> float | None:
    """What the ranking is by: the average for scores (None when nobody scored it), else the points."""
    if method is Method.SCORE:
        return round(float(result.average), 2) if result.average is not None else None
    return float(result.points)


def _value_text(method: Method, result: OptionResult) -> str:
    if method is Method.SCORE:
        if result.average is None:
            return t("output.vote.unscored")
        return t("output.vote.average", average=number(float(result.average), digits=2))
    noun = {Method.DOTS: "dot", Method.RANK: "point", Method.APPROVAL: "approval"}[method]
    return count(result.points, noun)


def _short(label: str) -> str:
    return label if len(label) <= MAX_LABEL else label[: MAX_LABEL - 1] + "…"


def chart_of(counted: Tally) -> Chart | None:
    top = counted.results[:CHART_TOP]
    if not top or not counted.has_votes:
        return None
    return Chart(title=t("output.vote.chart", method=t(f"vote.method.{counted.method.value}")),
                 labels=tuple(_short(r.option.label) for r in top),
                 values=tuple(_value(counted.method, r) or 0.0 for r in top))


def _detail_values(method: Method, rules: vote.Rules, spread: dict[int, dict[int, int]]) -> list[int]:
    """The values a detail column is shown for: places 1..k, scores 1..5, dots given, approval."""
    if method is Method.RANK:
        return list(range(1, rules.top_k + 1))
    if method is Method.SCORE:
        return list(range(vote.SCORE_MIN, vote.SCORE_MAX + 1))
    if method is Method.APPROVAL:
        return [1]
    given = {value for by_value in spread.values() for value in by_value}
    return sorted(given) or [1]


async def document(uow: UnitOfWork, trajectory: Trajectory, step: Step) -> OutputFile:
    snap = await once(uow, "vote", step.id or 0, lambda: vote_service.snapshot(uow, step))
    return await off_loop(_document, trajectory, step, snap)


def _document(trajectory: Trajectory, step: Step, snap: vote_service.VoteSnapshot) -> OutputFile:
    counted, method = snap.tally, snap.tally.method
    rules = vote.rules_for(step, snap.options)
    anonymous = vote.is_anonymous(step)
    known = {o.id for o in snap.options}
    # How many ballots gave each option each value (the same ballots the tally counts).
    spread: dict[int, dict[int, int]] = {o.id: {} for o in snap.options if o.id is not None}
    for ballot in snap.ballots:
        for option_id, value in ballot.choices.items():
            if option_id in known and value > 0:
                by_value = spread[option_id]
                by_value[value] = by_value.get(value, 0) + 1

    book = Book()
    value_header = t(f"output.vote.value.{method.value}")
    extra = [t("output.vote.sum")] if method is Method.SCORE else []
    ranking = book.sheet(
        t("output.vote.ranking_sheet"),
        [t("output.vote.rank"), t("output.vote.tied"), t("output.vote.option"), value_header, *extra,
         t("output.vote.ballots")],
        [8, 10, 60, 16, *([12] if extra else []), 12],
    )
    tied = t("output.vote.tied_mark")
    book.rows(ranking, (
        [r.rank, tied if r.tied else None, r.option.label, _value(method, r),
         *([r.points] if extra else []), r.count]
        for r in counted.results
    ))
    chart = chart_of(counted)
    if chart is not None:
        top = min(CHART_TOP, len(counted.results))
        book.bar_chart(ranking, chart, label_column=3, value_column=4, first_row=2, count=top,
                       anchor=f"{'H' if extra else 'G'}2")

    values = _detail_values(method, rules, spread)
    header_key = {Method.DOTS: "output.vote.detail.dots", Method.RANK: "output.vote.detail.place",
                  Method.SCORE: "output.vote.detail.score", Method.APPROVAL: "output.vote.detail.approved"}[method]
    detail = book.sheet(
        t("output.vote.detail_sheet"),
        [t("output.vote.option"), *(t(header_key, n=v) for v in values), t("output.vote.share")],
        [60, *([14] * len(values)), 14],
    )
    book.rows(detail, (
        [r.option.label, *(spread.get(r.option.id or 0, {}).get(v, 0) for v in values),
         round(100 * r.count / counted.voters, 1) if counted.voters else 0]
        for r in counted.results
    ))

    if not anonymous:
        # Names only for a vote that said it names its voters.
        options = sorted(snap.options, key=lambda o: o.position)
        ballots = sorted((b for b in snap.ballots if not b.is_empty), key=lambda b: (b.voter.name.casefold(), b.voter.aad_id))
        voters = book.sheet(
            t("output.vote.ballots_sheet"),
            [t("output.vote.voter"), *(f"{o.position + 1}. {_short(o.label)}" for o in options)],
            [24, *([14] * len(options))],
        )
        book.rows(voters, ([b.voter.name, *(b.choices.get(o.id or 0) for o in options)] for b in ballots))

    about(book, t("output.about.sheet"), [
        *step_rows(trajectory, step),
        (t("output.vote.method"), t(f"vote.method.{method.value}")),
        (t("output.vote.voters"), counted.voters),
        (t("output.vote.options"), len(snap.options)),
        (t("output.vote.anonymity"), t("vote.anonymous" if anonymous else "vote.named")),
    ])
    return book.file(step_stem(step.position, step.title))


async def summary(uow: UnitOfWork, trajectory: Trajectory, step: Step) -> StepSummary:
    snap = await once(uow, "vote", step.id or 0, lambda: vote_service.snapshot(uow, step))
    counted, method = snap.tally, snap.tally.method
    if not snap.options:
        return StepSummary(headline=t("output.vote.no_options"))
    if not counted.has_votes:
        return StepSummary(headline=t("output.vote.nobody"))
    first = [r for r in counted.results if r.rank == 1]
    value = _value_text(method, first[0])
    if len(first) == 1:
        headline = t("output.vote.top", option=first[0].option.label, value=value)
    else:
        headline = t("output.vote.top_tied", options=listing(r.option.label for r in first), value=value)
    lines = [t("output.vote.how", method=t(f"vote.method.{method.value}"), voters=count(counted.voters, "person"))]
    for r in counted.results[:SUMMARY_TOP]:
        key = "output.vote.line_tied" if r.tied else "output.vote.line"
        lines.append(t(key, rank=r.rank, option=r.option.label, value=_value_text(method, r)))
    return StepSummary(headline=headline, lines=tuple(lines), chart=chart_of(counted))

