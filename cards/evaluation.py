"""Cards of the evaluation step: the shared card in the channel, a member's own survey, the results."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from . import verbs
from .base import Json, card, execute, heading, line, notice, refresh, user_text, when
from .formatting import fixed
from .setup import step_input
from .texts import count, t
from trajectory.kinds.evaluation import (
    LIKERT_SCALE,
    MAX_ANSWER_LENGTH,
    MAX_QUESTION_LENGTH,
    MAX_QUESTIONS,
    NPS_SCALE,
    EvaluationSummary,
    LikertResult,
    NpsResult,
    Question,
    QuestionType,
    TextResult,
)

# Like the ideas summary: open answers stop at a size budget (Teams rejects big messages) and the
# card says how many more there are. The numbers of every question are always shown.
SUMMARY_BUDGET_BYTES = 24 * 1024
_MORE_LINE_BYTES = 200


@dataclass(frozen=True)
class EvaluationCardView:
    step_id: int
    trajectory_title: str
    step_title: str
    prompt: str
    questions: list[Question]
    respondent_count: int
    anonymous: bool
    is_open: bool
    deadline: datetime | None = None
    refresh_user_ids: list[str] = field(default_factory=list)
    # Set only in the view of one member (a refresh or their own action): their answers (empty
    # when they have not answered) and the version of their response (0: none yet).
    mine: dict[str, Any] | None = None
    version: int = 0
    notice: str | None = None
    notice_is_error: bool = False


# ---------------------------------------------------------------- setup


def setup_fields(index: int, settings: dict[str, Any]) -> list[Json]:
    """The evaluation's own inputs on the setup card: three lists of questions and the anonymity."""
    questions = [q for q in settings.get("questions", []) if isinstance(q, dict)]

    def texts(kind: str) -> list[str]:
        return [str(q.get("text", "")) for q in questions if q.get("type") == kind]

    lines = MAX_QUESTIONS * (MAX_QUESTION_LENGTH + 1)
    return [
        {"type": "Input.Text", "id": step_input(index, "likert"), "label": t("evaluation.setup.likert"),
         "value": "\n".join(texts("likert")), "isMultiline": True, "maxLength": lines},
        {"type": "Input.Text", "id": step_input(index, "nps"), "label": t("evaluation.setup.nps"),
         "value": next(iter(texts("nps")), ""), "maxLength": MAX_QUESTION_LENGTH},
        {"type": "Input.Text", "id": step_input(index, "open"), "label": t("evaluation.setup.open"),
         "value": "\n".join(texts("text")), "isMultiline": True, "maxLength": lines},
        {"type": "Input.Toggle", "id": step_input(index, "anonymous"), "title": t("evaluation.setup.anonymous"),
         "value": "true" if settings.get("anonymous", True) else "false", "valueOn": "true", "valueOff": "false"},
    ]


# ---------------------------------------------------------------- the live card


def _header(view: EvaluationCardView) -> list[Json]:
    body = heading(view.step_title, subtle_line=view.trajectory_title)
    if view.prompt:
        body.append(user_text(view.prompt))
    return body


def _input(question: Question, value: Any) -> Json:
    input_id = f"{verbs.EVALUATION_ANSWER_PREFIX}{question.id}"
    current = "" if value is None else str(value)
    if question.type is QuestionType.LIKERT:
        return {"type": "Input.ChoiceSet", "id": input_id, "style": "expanded", "value": current,
                "choices": [{"title": t(f"evaluation.likert.{v}"), "value": str(v)} for v in LIKERT_SCALE]}
    if question.type is QuestionType.NPS:
        labels = {0: t("evaluation.nps.0"), 10: t("evaluation.nps.10")}
        return {"type": "Input.ChoiceSet", "id": input_id, "style": "compact", "value": current,
                "placeholder": t("evaluation.nps.placeholder"),
                "choices": [{"title": labels.get(v, str(v)), "value": str(v)} for v in NPS_SCALE]}
    return {"type": "Input.Text", "id": input_id, "isMultiline": True, "maxLength": MAX_ANSWER_LENGTH,
            "value": current, "placeholder": t("evaluation.text.placeholder")}


def _survey(view: EvaluationCardView, mine: dict[str, Any]) -> list[Json]:
    body: list[Json] = []
    if view.version:
        body.append(line(t("evaluation.answered"), weight="Bolder", separator=True))
    for number, question in enumerate(view.questions, start=1):
        # The wording is the facilitator's: a TextRun, never markdown.
        label = user_text(f"{number}. {question.text}", weight="Bolder")
        label["spacing"] = "Medium"
        body += [label, _input(question, mine.get(question.id))]
    title = t("evaluation.update" if view.version else "evaluation.submit")
    body.append({"type": "ActionSet", "actions": [
        execute(title, verbs.EVALUATION_SUBMIT, {"step_id": view.step_id, "version": view.version}, style="positive"),
    ]})
    return body


def render_evaluation_card(view: EvaluationCardView) -> Json:
    body = _header(view)
    if not view.is_open:
        body.append(line(t("evaluation.closed", people=count(view.respondent_count, "person")), weight="Bolder"))
        return card(body)
    body.append(line(t("evaluation.questions", questions=count(len(view.questions), "question")), isSubtle=True))
    body.append(line(t("evaluation.anonymous" if view.anonymous else "evaluation.named"), isSubtle=True,
                     spacing="None"))
    tally = t("evaluation.count", people=count(view.respondent_count, "person"))
    body.append(line(tally if view.respondent_count else t("evaluation.count_zero"), weight="Bolder"))
    if view.deadline is not None:
        body.append(line(t("evaluation.closes", when=when(view.deadline)), isSubtle=True, spacing="None"))
    if view.notice:
        body.append(notice(view.notice, attention=view.notice_is_error))
    actions: list[Json] = []
    if view.mine is not None:
        body += _survey(view, view.mine)
    else:
        # Where Teams does not refresh automatically (over 60 members), a member asks for their view.
        actions.append(execute(t("evaluation.fill_in"), verbs.EVALUATION_REFRESH, {"step_id": view.step_id},
                               inputs="none", style="positive"))
    return card(body, actions, refresh(verbs.EVALUATION_REFRESH, {"step_id": view.step_id}, view.refresh_user_ids))


# ---------------------------------------------------------------- results


def _shares(parts: list[tuple[str, int]]) -> Json:
    text = " \u00b7 ".join(t("evaluation.summary.share", label=label, n=n) for label, n in parts)
    return line(text, isSubtle=True, size="Small", spacing="None")


def _likert(result: LikertResult) -> list[Json]:
    if not result.n:
        return [line(t("evaluation.summary.no_answers"), isSubtle=True)]
    labels = [t(f"evaluation.likert.{v}") for v in LIKERT_SCALE]
    chart = {"type": "Chart.HorizontalBar", "colorSet": "diverging", "displayMode": "AbsoluteWithAxis",
             "data": [{"x": label, "y": n} for label, n in zip(labels, result.counts)]}
    average = t("evaluation.summary.average", average=fixed(result.average, 1), answers=count(result.n, "answer"))
    # The chart is Teams-only; the counts in words are there for every client (and screen readers).
    return [chart, line(average, weight="Bolder"), _shares(list(zip(labels, result.counts)))]


def _signed(score: int) -> str:
    return f"{score:+d}" if score else "0"


def _nps(result: NpsResult) -> list[Json]:
    if not result.n or result.score is None:
        return [line(t("evaluation.summary.no_answers"), isSubtle=True)]
    parts = [(t("evaluation.summary.promoters"), result.promoters, "good"),
             (t("evaluation.summary.passives"), result.passives, "warning"),
             (t("evaluation.summary.detractors"), result.detractors, "attention")]
    chart = {"type": "Chart.HorizontalBar", "displayMode": "AbsoluteWithAxis",
             "data": [{"x": label, "y": n, "color": color} for label, n, color in parts]}
    score = t("evaluation.summary.nps", score=_signed(result.score), answers=count(result.n, "answer"))
    return [chart, line(score, weight="Bolder"), _shares([(label, n) for label, n, _ in parts])]


def _open_answer(text: str, name: str | None) -> Json:
    items = [user_text(text)]
    if name:
        items.append(user_text(name, isSubtle=True, size="Small"))
    return {"type": "Container", "separator": True, "items": items}


def _size(node: Any) -> int:
    return len(json.dumps(node))  # as botbuilder sends it (ASCII-escaped): the worst case


def _block(result: LikertResult | NpsResult | TextResult, number: int) -> Json:
    items: list[Json] = [user_text(f"{number}. {result.question.text}", weight="Bolder")]
    if isinstance(result, LikertResult):
        items += _likert(result)
    elif isinstance(result, NpsResult):
        items += _nps(result)
    elif not result.answers:
        items.append(line(t("evaluation.summary.no_answers"), isSubtle=True))
    return {"type": "Container", "separator": True, "spacing": "Large", "items": items}


def render_evaluation_summary(step_title: str, trajectory_title: str, summary: EvaluationSummary) -> Json:
    body = heading(t("evaluation.summary.header", step=step_title), subtle_line=trajectory_title)
    if summary.respondents:
        body.append(line(t("evaluation.summary.respondents", people=count(summary.respondents, "person")),
                         weight="Bolder"))
    else:
        body.append(line(t("evaluation.summary.nobody"), isSubtle=True))
    body.append(line(t("evaluation.summary.anonymous" if summary.anonymous else "evaluation.summary.named"),
                     isSubtle=True, spacing="None"))
    blocks = [_block(result, number) for number, result in enumerate(summary.results, start=1)]
    # Numbers first: every block's fixed part is counted before any open answer is added, and
    # each open question keeps room for its "…and N more" line.
    open_questions = [r for r in summary.results if isinstance(r, TextResult) and r.answers]
    budget = SUMMARY_BUDGET_BYTES - _MORE_LINE_BYTES * len(open_questions)
    used = _size(card(body + blocks))
    for block, result in zip(blocks, summary.results):
        if not isinstance(result, TextResult) or not result.answers:
            continue
        shown = 0
        for answer in result.answers:
            row = _open_answer(answer.text, answer.name)
            if used + _size(row) > budget:
                break
            block["items"].append(row)
            used += _size(row) + 1
            shown += 1
        if shown < len(result.answers):
            more = line(t("evaluation.summary.more", count=len(result.answers) - shown), isSubtle=True)
            block["items"].append(more)
            used += _size(more) + 1
    return card(body + blocks)
