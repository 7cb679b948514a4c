"""Evaluation: a short survey (Likert statements, one NPS question, open questions) members answer
once each and may change until the step closes; on close, a summary of the numbers and open answers.

Questions live in the step settings with stable short ids, so answers keep pointing at the right
question whatever happens to the wording before the step opens.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum
from typing import Any, Mapping, Protocol

from ..errors import InvalidInput, NotAuthor, StaleVersion, StepNotOpen
from ..model import Mode, Person, Step, StepState
from ..text import clean_text
from .base import StepKind

MAX_QUESTIONS = 12
MAX_QUESTION_LENGTH = 200
MAX_ANSWER_LENGTH = 1000
LIKERT_SCALE = (1, 2, 3, 4, 5)
NPS_SCALE = tuple(range(0, 11))
_ID = re.compile(r"^[a-z0-9_]{1,16}$")


class QuestionType(StrEnum):
    LIKERT = "likert"
    NPS = "nps"
    TEXT = "text"


@dataclass(frozen=True)
class Question:
    id: str
    type: QuestionType
    text: str

    def as_setting(self) -> dict[str, str]:
        return {"id": self.id, "type": self.type.value, "text": self.text}


_TYPES = frozenset(t.value for t in QuestionType)


# The reference template's evaluation of a blended trajectory.
DEFAULT_QUESTIONS: tuple[dict[str, str], ...] = (
    {"id": "async_helped", "type": "likert", "text": "The async steps helped me contribute."},
    {"id": "live_prepared", "type": "likert", "text": "The live moments were well prepared."},
    {"id": "understood", "type": "likert", "text": "I understood what others meant."},
    {"id": "recommend", "type": "nps", "text": "How likely are you to recommend this way of working to a colleague?"},
    {"id": "keep", "type": "text", "text": "What should we keep?"},
    {"id": "change", "type": "text", "text": "What should we change?"},
)


# ---------------------------------------------------------------- settings


def _flag(raw: object) -> bool:
    if isinstance(raw, str):
        return raw.strip().lower() in ("true", "1", "yes", "on")
    return bool(raw)


def _question(raw: object) -> Question:
    if not isinstance(raw, Mapping):
        raise InvalidInput(field="evaluation_question", reason="bad_question")
    qid, kind = raw.get("id"), raw.get("type")
    if not isinstance(qid, str) or not _ID.match(qid) or not isinstance(kind, str) or kind not in _TYPES:
        raise InvalidInput(field="evaluation_question", reason="bad_question")
    text = clean_text(raw.get("text"), field="evaluation_question", max_length=MAX_QUESTION_LENGTH)
    return Question(qid, QuestionType(kind), text)


def normalise_settings(settings: dict[str, Any]) -> dict[str, Any]:
    """``questions`` (1..12, unique ids, at most one NPS) and ``anonymous`` (default true)."""
    raw = settings.get("questions", DEFAULT_QUESTIONS)
    if not isinstance(raw, (list, tuple)) or not 1 <= len(raw) <= MAX_QUESTIONS:
        raise InvalidInput(field="evaluation_questions", reason="count", low=1, high=MAX_QUESTIONS)
    parsed = [_question(q) for q in raw]
    if len({q.id for q in parsed}) != len(parsed):
        raise InvalidInput(field="evaluation_questions", reason="duplicate_question")
    if sum(q.type is QuestionType.NPS for q in parsed) > 1:
        raise InvalidInput(field="evaluation_questions", reason="too_many_nps")
    return {"questions": [q.as_setting() for q in parsed], "anonymous": _flag(settings.get("anonymous", True))}


def questions_of(settings: dict[str, Any]) -> list[Question]:
    return [_question(q) for q in normalise_settings(settings)["questions"]]


def is_anonymous(settings: dict[str, Any]) -> bool:
    return bool(normalise_settings(settings)["anonymous"])


def edit_questions(
    current: list[Question], likert: list[str], nps: str, texts: list[str]
) -> list[dict[str, str]]:
    """The questions as the facilitator retyped them (statements, NPS, open questions, in that order).

    A question whose type and wording are unchanged keeps its id; a new or reworded one gets a
    fresh ``q<n>`` id. Wording is checked later by ``normalise_settings``.
    """
    unused: dict[tuple[QuestionType, str], list[str]] = {}
    for q in current:
        unused.setdefault((q.type, q.text), []).append(q.id)
    taken = {q.id for q in current}
    typed = [(QuestionType.LIKERT, s) for s in likert]
    typed += [(QuestionType.NPS, nps)] if nps.strip() else []
    typed += [(QuestionType.TEXT, s) for s in texts]
    result: list[dict[str, str]] = []
    fresh = 0
    for kind, raw in typed:
        text = " ".join(raw.split())  # one line each; the stored form of a retyped question
        if not text:
            continue
        kept = unused.get((kind, text))
        if kept:
            qid = kept.pop(0)
        else:
            fresh += 1
            while f"q{fresh}" in taken:
                fresh += 1
            qid = f"q{fresh}"
            taken.add(qid)
        result.append({"id": qid, "type": kind.value, "text": text})
    return result


KIND = StepKind(
    name="evaluation",
    mode=Mode.ASYNC,
    default_title="Evaluate",
    default_prompt="How did this way of working go for you? You can change your answers until the step closes.",
    normalise_settings=normalise_settings,
    defaults={"questions": [dict(q) for q in DEFAULT_QUESTIONS], "anonymous": True},
)


# ---------------------------------------------------------------- answers

Answer = int | str


@dataclass
class Response:
    """One member's answers to one evaluation step, replaced whole on every change."""

    step_id: int
    respondent: Person
    answers: dict[str, Answer]
    submitted_at: datetime
    updated_at: datetime
    version: int = 1
    id: int | None = None


class ResponseRepository(Protocol):
    """Persistence of responses (storage/evaluation_repository.py); one per (step, respondent)."""

    async def add(self, response: Response) -> Response:
        """Insert a first response; StaleVersion if the member already has one (a race)."""
    async def get(self, step_id: int, aad_id: str) -> Response | None: ...
    async def save(self, response: Response, expected_version: int) -> None:
        """Replace the answers if the stored version is ``expected_version``, else StaleVersion."""
    async def for_step(self, step_id: int) -> list[Response]: ...
    async def respondents(self, step_id: int) -> set[str]:
        """aad ids of the members who answered."""


def _require_open(step: Step) -> None:
    if step.state is not StepState.OPEN or step.kind != KIND.name:
        raise StepNotOpen(step_id=step.id)


def _score(raw: object, scale: tuple[int, ...], field: str) -> int:
    if isinstance(raw, bool) or not isinstance(raw, (int, str)):
        raise InvalidInput(field=field, reason="not_a_number")
    try:
        value = int(raw.strip()) if isinstance(raw, str) else raw
    except ValueError:
        raise InvalidInput(field=field, reason="not_a_number") from None
    if value not in scale:
        raise InvalidInput(field=field, reason="out_of_range", low=scale[0], high=scale[-1])
    return value


def clean_answers(step: Step, raw: Mapping[str, object]) -> dict[str, Answer]:
    """Checked answers by question id. Blank means unanswered; at least one answer is needed."""
    by_id = {q.id: q for q in questions_of(step.settings)}
    answers: dict[str, Answer] = {}
    for qid, value in raw.items():
        question = by_id.get(qid)
        if question is None:
            raise InvalidInput(field="evaluation_answer", reason="unknown_question")
        if value is None or (isinstance(value, str) and not value.strip()):
            continue
        if question.type is QuestionType.LIKERT:
            answers[qid] = _score(value, LIKERT_SCALE, "evaluation_likert")
        elif question.type is QuestionType.NPS:
            answers[qid] = _score(value, NPS_SCALE, "evaluation_nps")
        else:
            text = clean_text(value, field="evaluation_text", max_length=MAX_ANSWER_LENGTH, required=False)
            if text:
                answers[qid] = text
    if not answers:
        raise InvalidInput(field="evaluation_answers", reason="no_answer")
    return answers


def answer(
    step: Step, existing: Response | None, actor: Person, version: int, raw: Mapping[str, object], now: datetime
) -> Response:
    """The member's new or replaced response. ``version`` is the one their card showed (0: none yet)."""
    _require_open(step)
    if existing is not None and existing.respondent.aad_id != actor.aad_id:
        raise NotAuthor()
    if version != (existing.version if existing else 0):
        raise StaleVersion()
    answers = clean_answers(step, raw)
    if existing is None:
        assert step.id is not None
        return Response(step_id=step.id, respondent=actor, answers=answers, submitted_at=now, updated_at=now)
    existing.respondent, existing.answers, existing.updated_at = actor, answers, now
    return existing


# ---------------------------------------------------------------- summary


def _round(numerator: int, denominator: int, places: str) -> Decimal:
    # Half away from zero (2.25 -> 2.3, -12.5 -> -13), not Python's round-half-to-even.
    return (Decimal(numerator) / Decimal(denominator)).quantize(Decimal(places), rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class LikertResult:
    question: Question
    counts: tuple[int, int, int, int, int]  # how many chose 1, 2, 3, 4, 5
    n: int
    average: float | None  # one decimal; None without answers


@dataclass(frozen=True)
class NpsResult:
    question: Question
    promoters: int  # 9-10
    passives: int  # 7-8
    detractors: int  # 0-6
    n: int
    score: int | None  # % promoters - % detractors, -100..100; None without answers


@dataclass(frozen=True)
class TextAnswer:
    text: str
    name: str | None  # None when the step is anonymous


@dataclass(frozen=True)
class TextResult:
    question: Question
    answers: list[TextAnswer]


QuestionResult = LikertResult | NpsResult | TextResult


@dataclass(frozen=True)
class EvaluationSummary:
    respondents: int
    anonymous: bool
    results: list[QuestionResult]


def likert_result(question: Question, values: list[int]) -> LikertResult:
    counts = tuple(values.count(v) for v in LIKERT_SCALE)
    n = len(values)
    average = float(_round(sum(values), n, "0.1")) if n else None
    return LikertResult(question, counts, n, average)  # type: ignore[arg-type]


def nps_result(question: Question, values: list[int]) -> NpsResult:
    promoters = sum(v >= 9 for v in values)
    detractors = sum(v <= 6 for v in values)
    n = len(values)
    score = int(_round(100 * (promoters - detractors), n, "1")) if n else None
    return NpsResult(question, promoters, n - promoters - detractors, detractors, n, score)


def _open_answers(question: Question, responses: list[Response], anonymous: bool) -> TextResult:
    found = [(r.respondent.name, r.answers[question.id]) for r in responses
             if isinstance(r.answers.get(question.id), str)]
    if anonymous:
        # Sorted by text, not by submission: the order must not hint at who wrote what.
        return TextResult(question, [TextAnswer(text, None) for _, text in sorted(found, key=lambda f: (f[1].casefold(), f[1]))])
    ordered = sorted(found, key=lambda f: (f[0].casefold(), f[1].casefold()))
    return TextResult(question, [TextAnswer(text, name) for name, text in ordered])


def _scores(question: Question, responses: list[Response], scale: tuple[int, ...]) -> list[int]:
    values = [r.answers.get(question.id) for r in responses]
    return [v for v in values if isinstance(v, int) and not isinstance(v, bool) and v in scale]


def summarise(settings: dict[str, Any], responses: list[Response]) -> EvaluationSummary:
    """Per question, in the step's order: Likert distribution and average, NPS, open answers."""
    anonymous = is_anonymous(settings)
    results: list[QuestionResult] = []
    for question in questions_of(settings):
        if question.type is QuestionType.LIKERT:
            results.append(likert_result(question, _scores(question, responses, LIKERT_SCALE)))
        elif question.type is QuestionType.NPS:
            results.append(nps_result(question, _scores(question, responses, NPS_SCALE)))
        else:
            results.append(_open_answers(question, responses, anonymous))
    return EvaluationSummary(respondents=len(responses), anonymous=anonymous, results=results)
