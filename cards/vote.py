"""Cards of the vote step: the channel card, each member's ballot (Universal Actions refresh), the results.

Size: a ballot holds at most ``MAX_OPTIONS`` options (trajectory.kinds.vote) and every card must stay
under Teams' 28 KB. People's texts (options) are the only part that can grow, so a card is rendered
with one length limit for them, shortened step by step (with "…") until the whole card fits
``CARD_BUDGET``: short options are never cut, long ones only when the card would not fit
otherwise. Dropdown titles and chart labels are short by design (the full text is listed once on
the card). The chart shows the top options; the numbered list under it shows them all, ties marked,
and is what clients without charts (and screen readers) get.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from fractions import Fraction
from typing import Callable

from . import verbs
from .base import Json, card, execute, heading, line, notice, refresh, user_text, when
from .formatting import fixed
from .setup import step_input
from .texts import count, t
from trajectory.kinds.vote import MAX_DOTS, MAX_OPTIONS, MAX_TOP_K, SCORE_MAX, SCORE_MIN, Method
from trajectory.kinds.vote_tally import Tally

CARD_BUDGET = 27 * 1024  # bytes of JSON as sent (ASCII-escaped); Teams refuses cards over 28 KB
LIMITS = (500, 375, 280, 210, 160, 120, 90, 70, 50, 36, 24, 16, 12)  # tried in turn for people's texts
MAX_CHART_BARS = 10
CHART_LABEL_CHARS = 40
CHOICE_TITLE_CHARS = 40  # ranking dropdowns: number + the start of the text
# Live results share the card with the ballot: the top options only (all of them come at close).
MAX_LIVE_ROWS = 10


@dataclass(frozen=True)
class OptionView:
    id: int
    number: int  # 1-based, the order on the ballot
    label: str


@dataclass(frozen=True)
class ResultRow:
    rank: int
    number: int  # the option's number on the ballot
    label: str
    tied: bool
    value: str  # "6 dots", "5 points", "average 4.33 (3 scores, total 13)", ...
    chart_value: int | float  # a count, or an average score


@dataclass(frozen=True)
class ResultsView:
    method: str
    rows: list[ResultRow]
    voters: int
    members: int
    voter_names: list[str] | None = None  # only when the vote is not anonymous


@dataclass(frozen=True)
class VoteCardView:
    step_id: int
    trajectory_title: str
    question: str
    step_title: str
    prompt: str
    method: str
    dots: int
    cap: int | None
    top_k: int  # already limited by the number of options
    anonymous: bool
    options: list[OptionView]
    offered: int  # candidates before the ballot was cut to MAX_OPTIONS
    voters: int
    members: int
    is_open: bool
    hidden: bool = True  # results not visible (yet)
    deadline: datetime | None = None
    refresh_user_ids: list[str] = field(default_factory=list)
    results: ResultsView | None = None  # set when results may be shown
    empty_reason: str | None = None  # "no_ideas" / "no_source" when the ballot has no options
    # Set only in the view of one member (a refresh or their own action).
    personal: bool = False
    mine: dict[int, int] = field(default_factory=dict)  # option id -> value, as stored
    version: int = 0  # of the member's ballot; 0 = none yet
    can_reveal: bool = False
    notice: str | None = None
    notice_is_error: bool = False


# ---------------------------------------------------------------- fitting people's texts


def _flat(text: str) -> str:
    return " ".join(text.split())


def shorten(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: max(1, limit - 1)].rstrip() + "\u2026"


def size(content: Json) -> int:
    """Bytes as botbuilder sends it (json.dumps defaults: ASCII-escaped)."""
    return len(json.dumps(content))


def fitted(render: Callable[[int], Json]) -> Json:
    """The first rendering, with ever shorter texts, that fits the card budget (else the shortest)."""
    for limit in LIMITS:
        content = render(limit)
        if size(content) <= CARD_BUDGET:
            return content
    return content


# ---------------------------------------------------------------- setup card


def setup_fields(index: int, settings: dict) -> list[Json]:
    """The vote step's own inputs on the setup card (values as stored, checked by the domain)."""

    def number(name: str, label: str, low: int, high: int, value: object) -> Json:
        field_: Json = {"type": "Input.Number", "id": step_input(index, name), "label": label, "min": low, "max": high}
        if isinstance(value, int) and not isinstance(value, bool):
            field_["value"] = value
        return field_

    def toggle(name: str, title: str, default: bool) -> Json:
        on = settings.get(name, default)
        return {"type": "Input.Toggle", "id": step_input(index, name), "title": title,
                "value": "true" if on is True or on == "true" else "false", "valueOn": "true", "valueOff": "false"}

    options = settings.get("options") or []
    return [
        {"type": "Input.ChoiceSet", "id": step_input(index, "method"), "label": t("vote.setup.method"),
         "choices": [{"title": t(f"vote.method.{m.value}"), "value": m.value} for m in Method],
         "value": str(settings.get("method", Method.DOTS.value))},
        {"type": "ColumnSet", "columns": [
            {"type": "Column", "width": "stretch", "items": [field_]} for field_ in (
                number("dots", t("vote.setup.dots"), 1, MAX_DOTS, settings.get("dots", 5)),
                number("cap", t("vote.setup.cap"), 1, MAX_DOTS, settings.get("cap")),
                number("top_k", t("vote.setup.top_k"), 1, MAX_TOP_K, settings.get("top_k", 3)))
        ]},
        number("source", t("vote.setup.source"), 1, 99, settings.get("source")),
        {"type": "Input.Text", "id": step_input(index, "options"), "label": t("vote.setup.options"),
         "isMultiline": True, "maxLength": MAX_OPTIONS * 201,
         "value": "\n".join(str(o) for o in options) if isinstance(options, list) else str(options)},
        toggle("anonymous", t("vote.setup.anonymous"), True),
        toggle("hidden_results", t("vote.setup.hidden_results"), True),
    ]


# ---------------------------------------------------------------- results


def _place(n: int) -> str:
    return t(f"vote.place.{n}") if n <= 3 else t("vote.place.n", n=n)


def _value(method: Method, points: int, scores: int, average: Fraction | None) -> tuple[str, int | float]:
    if method is Method.SCORE:
        if average is None:
            return t("vote.results.unscored"), 0
        shown = round(float(average), 2)
        return t("vote.results.average", average=fixed(shown, 2), scores=count(scores, "score"), total=points), shown
    noun = {Method.DOTS: "dot", Method.RANK: "point", Method.APPROVAL: "approval"}[method]
    return count(points, noun), points


def results_view(tally: Tally, members: int, voter_names: list[str] | None = None) -> ResultsView:
    """The tally as rows to show (ranks shared by ties, values worded per method)."""
    rows = []
    for result in tally.results:
        value, chart_value = _value(tally.method, result.points, result.count, result.average)
        rows.append(ResultRow(rank=result.rank, number=result.option.position + 1, label=result.option.label,
                              tied=result.tied, value=value, chart_value=chart_value))
    return ResultsView(method=tally.method.value, rows=rows, voters=tally.voters,
                       members=max(members, tally.voters), voter_names=voter_names)


def _chart(results: ResultsView, limit: int) -> Json:
    shown = results.rows[:MAX_CHART_BARS]
    labels: list[str] = []
    for row in shown:
        label = shorten(_flat(row.label), min(limit, CHART_LABEL_CHARS))
        labels.append(label if label not in labels else f"{label} #{row.number}")  # bars need distinct labels
    return {"type": "Chart.HorizontalBar", "title": t(f"vote.chart.{results.method}"), "fallback": "drop",
            "data": [{"x": label, "y": row.chart_value} for label, row in zip(labels, shown)]}


def _result_row(row: ResultRow, limit: int) -> Json:
    tail = f" \u00b7 {row.value}" + (f" {t('vote.results.tied')}" if row.tied else "")
    return {"type": "RichTextBlock", "inlines": [
        {"type": "TextRun", "text": f"{row.rank}. ", "weight": "Bolder"},
        {"type": "TextRun", "text": shorten(row.label, limit)},
        {"type": "TextRun", "text": tail, "isSubtle": True},
    ]}


def results_blocks(results: ResultsView, limit: int = LIMITS[0], *, live: bool = False) -> list[Json]:
    """Participation, a chart of the top options and the numbered list (shared ranks, ties marked).

    ``live`` (results shown while voting goes on, beside a ballot): the top options, no names.
    """
    body: list[Json] = []
    if not live:  # a live view already counts the voters above
        body.append(line(t("vote.results.participation", voters=results.voters, members=results.members),
                         weight="Bolder"))
    if results.voter_names and not live:
        body.append({"type": "RichTextBlock", "inlines": [
            {"type": "TextRun", "text": t("vote.results.voted"), "isSubtle": True},
            {"type": "TextRun", "text": ", ".join(results.voter_names)}]})
    if results.voters == 0 or not results.rows:
        body.append(line(t("vote.results.none"), isSubtle=True))
        return body
    body.append(_chart(results, limit))
    rows = results.rows[:MAX_LIVE_ROWS] if live else results.rows
    body += [_result_row(row, limit) for row in rows]
    if len(results.rows) > len(rows):
        body.append(line(t("vote.results.more", count=len(results.rows) - len(rows)), isSubtle=True))
    return body


def render_vote_results(step_title: str, trajectory_title: str, results: ResultsView) -> Json:
    """The card posted in the step's thread when the vote closes."""

    def render(limit: int) -> Json:
        body = heading(t("vote.results.header", step=step_title), subtle_line=trajectory_title)
        body.append(line(t(f"vote.method.{results.method}"), isSubtle=True, spacing="None"))
        return card(body + results_blocks(results, limit))

    return fitted(render)


# ---------------------------------------------------------------- the step card


def _explain(view: VoteCardView) -> str:
    method = Method(view.method)
    if method is Method.DOTS:
        dots = count(view.dots, "dot")
        return t("vote.explain.dots_cap", dots=dots, cap=view.cap) if view.cap else t("vote.explain.dots", dots=dots)
    if method is Method.RANK:
        return t("vote.explain.rank", k=view.top_k) if view.top_k > 1 else t("vote.explain.rank_one")
    return t(f"vote.explain.{method.value}")


def _header(view: VoteCardView) -> list[Json]:
    body = heading(view.step_title, subtle_line=view.trajectory_title)
    body.append(user_text(view.question, weight="Bolder"))
    if view.prompt:
        body.append(user_text(view.prompt))
    return body


def _about(view: VoteCardView) -> list[Json]:
    # Blend's own sentences (numbers only, no typed text): safe as markdown.
    body = [line(f"**{t(f'vote.method.{view.method}')}** \u00b7 {_explain(view)}", spacing="Medium")]
    privacy = [t("vote.anonymous") if view.anonymous else t("vote.named")]
    if view.hidden:
        privacy.append(t("vote.hidden"))
    body.append(line(" ".join(privacy), isSubtle=True, spacing="None"))
    if view.offered > len(view.options):
        body.append(line(t("vote.truncated", shown=len(view.options), total=view.offered), isSubtle=True))
    tally = t("vote.voters", voters=view.voters, members=view.members) if view.voters else t("vote.voters_zero")
    body.append(line(f"{t('vote.options', options=count(len(view.options), 'option'))} {tally}", isSubtle=True))
    if view.deadline is not None:
        body.append(line(t("vote.closes", when=when(view.deadline)), isSubtle=True, spacing="None"))
    return body


def _option_text(option: OptionView, limit: int) -> Json:
    """An option as a TextRun (people's text: no markdown), numbered as on the ballot."""
    return {"type": "RichTextBlock", "inlines": [
        {"type": "TextRun", "text": f"{option.number}. ", "weight": "Bolder"},
        {"type": "TextRun", "text": shorten(option.label, limit)},
    ]}


def _row(option: OptionView, limit: int, control: Json) -> Json:
    """The option's text beside its input."""
    return {"type": "ColumnSet", "columns": [
        {"type": "Column", "width": "stretch", "items": [_option_text(option, limit)]},
        {"type": "Column", "width": "100px", "items": [control]},
    ]}


def _input_id(option: OptionView) -> str:
    return f"{verbs.VOTE_OPTION_PREFIX}{option.id}"


def _dots_inputs(view: VoteCardView, limit: int) -> list[Json]:
    top = view.cap or view.dots
    return [_row(o, limit, {"type": "Input.Number", "id": _input_id(o), "min": 0, "max": top,
                            "value": view.mine.get(o.id, 0)}) for o in view.options]


def _score_inputs(view: VoteCardView, limit: int) -> list[Json]:
    rows = []
    for o in view.options:
        # Blank = not scored (a dropdown could not be cleared once picked).
        control: Json = {"type": "Input.Number", "id": _input_id(o), "min": SCORE_MIN, "max": SCORE_MAX,
                         "placeholder": t("vote.score_placeholder")}
        if o.id in view.mine:
            control["value"] = view.mine[o.id]
        rows.append(_row(o, limit, control))
    return rows


def _approval_inputs(view: VoteCardView, limit: int) -> list[Json]:
    # The toggle's title is Blend's word ("Yes"), not the option: toggle titles may render markdown.
    return [_row(o, limit, {"type": "Input.Toggle", "id": _input_id(o), "title": t("vote.approve"),
                            "value": "true" if view.mine.get(o.id) else "false",
                            "valueOn": "true", "valueOff": "false"}) for o in view.options]


def _rank_inputs(view: VoteCardView, limit: int) -> list[Json]:
    body = [_option_text(o, limit) for o in view.options]
    # Each place is a dropdown of every option: titles are the number and the start of the text.
    title_chars = min(limit // 4, CHOICE_TITLE_CHARS)
    choices = [{"title": t("vote.no_pick"), "value": ""}] + [
        {"title": shorten(f"{o.number}. {_flat(o.label)}", title_chars), "value": str(o.id)} for o in view.options]
    placed = {place: option_id for option_id, place in view.mine.items()}
    for place in range(1, view.top_k + 1):
        body.append({"type": "Input.ChoiceSet", "id": f"{verbs.VOTE_PLACE_PREFIX}{place}",
                     "label": t("vote.place", place=_place(place)), "choices": choices,
                     "placeholder": t("vote.pick"), "value": str(placed.get(place, ""))})
    return body


_INPUTS = {Method.DOTS: _dots_inputs, Method.RANK: _rank_inputs, Method.SCORE: _score_inputs,
           Method.APPROVAL: _approval_inputs}


def _ballot(view: VoteCardView, limit: int) -> list[Json]:
    body: list[Json] = [line(t("vote.your_ballot"), weight="Bolder", separator=True, spacing="Medium")]
    body.append(line(t("vote.you_voted") if view.mine else t("vote.not_voted"), isSubtle=True, spacing="None"))
    body += _INPUTS[Method(view.method)](view, limit)
    data = {"step_id": view.step_id, "version": view.version}
    submit = execute(t("vote.update") if view.version else t("vote.submit"), verbs.VOTE_SUBMIT, data, style="positive")
    body.append({"type": "ActionSet", "actions": [submit]})
    return body


def _notice(view: VoteCardView) -> list[Json]:
    return [notice(view.notice, attention=view.notice_is_error)] if view.notice else []


def _closed(view: VoteCardView) -> Json:
    body = _header(view) + _notice(view)
    if not view.options:
        body.append(line(t(f"vote.no_options.{view.empty_reason or 'no_source'}"), isSubtle=True))
        return card(body)
    body.append(line(t("vote.closed", voters=view.voters, members=view.members), weight="Bolder"))
    if view.personal:
        body.append(line(t("vote.you_voted") if view.mine else t("vote.not_voted"), isSubtle=True))
    return card(body)


def _open(view: VoteCardView, limit: int) -> Json:
    body = _header(view)
    if not view.options:
        body.append(line(t("vote.no_options", reason=t(f"vote.no_options.{view.empty_reason or 'no_source'}")),
                         weight="Bolder"))
        return card(body + _notice(view))
    body += _about(view) + _notice(view)
    if view.results is not None:
        body.append(line(t("vote.results.live"), weight="Bolder", separator=True, spacing="Medium"))
        body += results_blocks(view.results, limit, live=True)
    actions: list[Json] = []
    if view.personal:
        body += _ballot(view, limit)
        if view.can_reveal:
            actions.append(execute(t("vote.reveal"), verbs.VOTE_REVEAL, {"step_id": view.step_id}, inputs="none"))
    else:
        # Where Teams does not refresh automatically (over 60 members), a member asks for their ballot.
        actions.append(execute(t("vote.show_mine"), verbs.VOTE_REFRESH, {"step_id": view.step_id}, inputs="none"))
    return card(body, actions, refresh(verbs.VOTE_REFRESH, {"step_id": view.step_id}, view.refresh_user_ids))


def render_vote_card(view: VoteCardView) -> Json:
    """The channel card; with ``personal`` set, one member's view of it with their ballot."""
    if not view.is_open:
        return _closed(view)
    return fitted(lambda limit: _open(view, limit))
