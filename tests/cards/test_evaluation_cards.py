"""Every evaluation card passes the Adaptive Card 1.5 schema (Teams charts allowed), in all its states."""

from __future__ import annotations

import json
from datetime import datetime, timezone

import pytest

from cards import verbs
from cards.evaluation import EvaluationCardView, render_evaluation_card, render_evaluation_summary, setup_fields
from cards.setup import SetupView, StepFormView, render_setup_card
from tests.cardcheck import assert_valid_card
from tests.fakes import card_texts, find_actions, nodes
from trajectory.model import Person
from trajectory.kinds.evaluation import (
    DEFAULT_QUESTIONS,
    MAX_ANSWER_LENGTH,
    MAX_QUESTION_LENGTH,
    MAX_QUESTIONS,
    Response,
    likert_result,
    questions_of,
    summarise,
)

DEADLINE = datetime(2026, 12, 1, 16, 0, tzinfo=timezone.utc)
HOSTILE = "**bold** [link](https://evil.example) <at>Everyone</at> \u202e"
QUESTIONS = questions_of({"questions": list(DEFAULT_QUESTIONS)})
ANSWERS = {"async_helped": 4, "recommend": 9, "keep": HOSTILE}


def view(**overrides) -> EvaluationCardView:
    base = dict(step_id=9, trajectory_title="Offsite", step_title="Evaluate", prompt="How did it go?",
                questions=QUESTIONS, respondent_count=3, anonymous=True, is_open=True, deadline=DEADLINE,
                refresh_user_ids=["29:a", "29:b"])
    return EvaluationCardView(**{**base, **overrides})


def responses(n: int, text: str, questions) -> list[Response]:
    """Person i rates every statement 1 + i % 5, scores i % 11 and writes "<text> i"."""
    def value(q, i):
        return {"likert": 1 + i % 5, "nps": i % 11}.get(q["type"], f"{text} {i}")
    return [Response(9, Person(f"aad-{i}", f"Person {i}"), {q["id"]: value(q, i) for q in questions},
                     DEADLINE, DEADLINE) for i in range(n)]


def summary(n: int = 6, text: str = "keep it", anonymous: bool = True, questions=DEFAULT_QUESTIONS):
    settings = {"questions": list(questions), "anonymous": anonymous}
    return render_evaluation_summary("Evaluate", "Offsite", summarise(settings, responses(n, text, questions)))


MAX_QUESTIONS_OF_EACH = [
    *({"id": f"l{i}", "type": "likert", "text": "L" * MAX_QUESTION_LENGTH} for i in range(MAX_QUESTIONS - 1)),
    {"id": "n", "type": "nps", "text": "N" * MAX_QUESTION_LENGTH},
]
ALL_OPEN = [{"id": f"t{i}", "type": "text", "text": "T" * MAX_QUESTION_LENGTH} for i in range(MAX_QUESTIONS)]

CARDS = {
    "shared": lambda: render_evaluation_card(view()),
    "shared, nobody yet, no deadline": lambda: render_evaluation_card(view(respondent_count=0, deadline=None)),
    "shared, big team": lambda: render_evaluation_card(view(refresh_user_ids=[f"29:{n}" for n in range(300)])),
    "personal, first time": lambda: render_evaluation_card(view(mine={}, version=0)),
    "personal, answered": lambda: render_evaluation_card(view(mine=ANSWERS, version=2, notice="Saved.")),
    "personal, refused": lambda: render_evaluation_card(view(mine={}, notice="No.", notice_is_error=True,
                                                             anonymous=False)),
    "personal, every question at its longest": lambda: render_evaluation_card(view(
        questions=questions_of({"questions": ALL_OPEN}), prompt="P" * 1000, version=1,
        mine={f"t{i}": "a" * MAX_ANSWER_LENGTH for i in range(MAX_QUESTIONS)})),
    "closed": lambda: render_evaluation_card(view(is_open=False)),
    "summary": lambda: summary(),
    "summary, named": lambda: summary(anonymous=False, text=HOSTILE),
    "summary, nobody": lambda: summary(0),
    "summary, huge": lambda: summary(400, "y" * 900),
    "summary, longest numeric questions": lambda: summary(50, questions=MAX_QUESTIONS_OF_EACH),
    "summary, all open questions": lambda: summary(100, "z" * 900, questions=ALL_OPEN),
    "setup": lambda: render_setup_card(SetupView(
        trajectory_id=1, version=1, title="Offsite", question="Why?", time_zone="UTC",
        steps=[StepFormView("evaluation", "Evaluate", "", setup_fields(0, {"questions": list(DEFAULT_QUESTIONS),
                                                                           "anonymous": True}))],
        kinds=[("ideas", "Collect ideas (async)"), ("evaluation", "Evaluate (async)")])),
}


@pytest.mark.parametrize("name", sorted(CARDS))
def test_card_is_valid(name):
    assert_valid_card(CARDS[name]())


@pytest.mark.parametrize("name", ["personal, answered", "summary, named"])
def test_people_text_never_reaches_markdown(name):
    card = CARDS[name]()
    markdown = json.dumps([n for n in nodes(card) if n.get("type") in ("TextBlock", "FactSet")])
    assert "evil.example" not in markdown
    assert HOSTILE in card_texts(card) or any(HOSTILE in t for t in card_texts(card))


def test_shared_card_has_no_inputs_and_a_manual_refresh_button():
    card = CARDS["shared, big team"]()
    assert card["refresh"]["userIds"] == []
    assert find_actions(card, verbs.EVALUATION_REFRESH)
    assert not any(n.get("type", "").startswith("Input.") for n in nodes(card))
    texts = card_texts(card)
    assert "3 people answered so far" in texts and "{{DATE(2026-12-01T16:00:00Z, SHORT)}}" in json.dumps(card)


def test_personal_card_is_prefilled_and_carries_the_version():
    card = CARDS["personal, answered"]()
    inputs = {n["id"]: n.get("value") for n in nodes(card) if n.get("type", "").startswith("Input.")}
    prefix = verbs.EVALUATION_ANSWER_PREFIX
    assert inputs[f"{prefix}async_helped"] == "4" and inputs[f"{prefix}recommend"] == "9"
    assert inputs[f"{prefix}keep"] == HOSTILE and inputs[f"{prefix}change"] == ""
    assert len(inputs) == len(DEFAULT_QUESTIONS)
    (submit,) = find_actions(card, verbs.EVALUATION_SUBMIT)
    assert submit["data"] == {"step_id": 9, "version": 2}
    assert any("You answered" in t for t in card_texts(card))


def test_summary_numbers_chart_and_text_fallback():
    card = CARDS["summary"]()  # six people: ratings 1..5 then 1; NPS 0..5
    charts = [n for n in nodes(card) if n.get("type", "").startswith("Chart.")]
    assert len(charts) == 4  # three statements and the NPS
    assert [d["y"] for d in charts[0]["data"]] == [2, 1, 1, 1, 1]
    texts = card_texts(card)
    assert "Average 2.7 of 5 \u00b7 6 answers" in texts
    assert any("Strongly disagree: 2" in t and "Strongly agree: 1" in t for t in texts)
    assert "NPS -100 \u00b7 6 answers" in texts
    assert "6 people answered." in texts and "Answers were anonymous." in texts


def test_summary_without_answers_says_so():
    texts = card_texts(CARDS["summary, nobody"]())
    assert "Nobody answered." in texts and texts.count("No answers.") == len(DEFAULT_QUESTIONS)


@pytest.mark.parametrize("name, total", [("summary, huge", 400), ("summary, all open questions", 100)])
def test_long_summaries_stop_in_time_and_say_how_many_more(name, total):
    card = CARDS[name]()
    assert len(json.dumps(card)) < 28 * 1024
    assert any(t.endswith("more.") for t in card_texts(card))
    shown = sum(1 for n in nodes(card) if n.get("type") == "TextRun" and n["text"][:9] in ("y" * 9, "z" * 9))
    assert 0 < shown < total * 2
