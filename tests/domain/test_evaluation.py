"""Rules of the evaluation step: settings, answers, and the summary numbers."""

from datetime import datetime, timedelta, timezone

import pytest

from trajectory.errors import InvalidInput, NotAuthor, StaleVersion, StepNotOpen
from trajectory.kinds import STEP_KINDS
from trajectory.kinds.evaluation import (
    DEFAULT_QUESTIONS,
    MAX_ANSWER_LENGTH,
    MAX_QUESTIONS,
    Question,
    QuestionType,
    Response,
    TextAnswer,
    answer,
    clean_answers,
    edit_questions,
    likert_result,
    normalise_settings,
    nps_result,
    questions_of,
    summarise,
)
from trajectory.model import Mode, Person, Step, StepState
from trajectory.setup import StepDraft, build_step

NOW = datetime(2026, 11, 25, 9, 0, tzinfo=timezone.utc)
ALICE = Person("aad-alice", "Alice")
BOB = Person("aad-bob", "Bob")
CAROL = Person("aad-carol", "Carol")
LIKERT = Question("l", QuestionType.LIKERT, "Useful?")
NPS = Question("n", QuestionType.NPS, "Recommend?")
QUESTIONS = [
    {"id": "l", "type": "likert", "text": "Useful?"},
    {"id": "n", "type": "nps", "text": "Recommend?"},
    {"id": "t", "type": "text", "text": "Keep?"},
]


def open_step(anonymous=True, questions=QUESTIONS):
    return Step(kind="evaluation", mode=Mode.ASYNC, title="Evaluate", state=StepState.OPEN, id=7,
                settings={"questions": questions, "anonymous": anonymous})


def response(person, answers, minutes=0):
    at = NOW + timedelta(minutes=minutes)
    return Response(step_id=7, respondent=person, answers=answers, submitted_at=at, updated_at=at)


# ---------------------------------------------------------------- settings


def test_the_kind_is_registered_with_the_reference_questions():
    kind = STEP_KINDS["evaluation"]
    assert kind.mode is Mode.ASYNC
    step = build_step(StepDraft(kind="evaluation", title=""), 0)
    assert step.title == kind.default_title
    assert step.settings == {"questions": list(DEFAULT_QUESTIONS), "anonymous": True}
    types = [q.type for q in questions_of(step.settings)]
    assert types.count(QuestionType.NPS) == 1 and QuestionType.LIKERT in types and QuestionType.TEXT in types


def test_settings_are_cleaned_and_anonymity_read_from_a_toggle():
    settings = normalise_settings({"questions": [{"id": "a", "type": "text", "text": "  Why?\x07 "}],
                                   "anonymous": "false"})
    assert settings == {"questions": [{"id": "a", "type": "text", "text": "Why?"}], "anonymous": False}


@pytest.mark.parametrize("questions, reason", [
    ([], "count"),
    ("not a list", "count"),
    ([{"id": f"q{n}", "type": "text", "text": "?"} for n in range(MAX_QUESTIONS + 1)], "count"),
    ([{"id": "a", "type": "nps", "text": "1"}, {"id": "b", "type": "nps", "text": "2"}], "too_many_nps"),
    ([{"id": "a", "type": "text", "text": "1"}, {"id": "a", "type": "likert", "text": "2"}], "duplicate_question"),
    ([{"id": "a", "type": "stars", "text": "1"}], "bad_question"),
    ([{"id": "Not An Id!", "type": "text", "text": "1"}], "bad_question"),
    ([{"id": "a", "type": ["likert"], "text": "1"}], "bad_question"),
    (["just text"], "bad_question"),
    ([{"id": "a", "type": "text", "text": " "}], "empty"),
    ([{"id": "a", "type": "text", "text": "x" * 201}], "too_long"),
])
def test_bad_questions_are_refused(questions, reason):
    with pytest.raises(InvalidInput) as refused:
        normalise_settings({"questions": questions})
    assert refused.value.params["reason"] == reason


def test_retyped_questions_keep_their_ids():
    current = questions_of({"questions": list(DEFAULT_QUESTIONS)})
    likert = [q.text for q in current if q.type is QuestionType.LIKERT]
    edited = edit_questions(current, [likert[1], "  A brand   new statement ", "", likert[0]],
                            "How likely are you to recommend this way of working to a colleague?",
                            ["What should we keep?"])
    assert [(q["id"], q["type"]) for q in edited] == [
        ("live_prepared", "likert"), ("q1", "likert"), ("async_helped", "likert"), ("recommend", "nps"),
        ("keep", "text")]
    assert edited[1]["text"] == "A brand new statement"
    # Reworded means new: the id of a changed question is not reused.
    again = edit_questions(questions_of({"questions": edited}), ["Reworded"], "", ["Other", "What should we keep?"])
    assert [q["id"] for q in again] == ["q2", "q3", "keep"]
    assert normalise_settings({"questions": again})["questions"] == again


# ---------------------------------------------------------------- answers


def test_answers_are_checked_and_blanks_are_unanswered():
    answers = clean_answers(open_step(), {"l": "4", "n": 0, "t": "  Keep the\r\nasync steps\x00 "})
    assert answers == {"l": 4, "n": 0, "t": "Keep the\nasync steps"}
    assert clean_answers(open_step(), {"l": 5, "n": "", "t": ""}) == {"l": 5}


@pytest.mark.parametrize("raw, field, reason", [
    ({"l": 0}, "evaluation_likert", "out_of_range"),
    ({"l": "6"}, "evaluation_likert", "out_of_range"),
    ({"l": "3.5"}, "evaluation_likert", "not_a_number"),
    ({"l": True}, "evaluation_likert", "not_a_number"),
    ({"n": 11}, "evaluation_nps", "out_of_range"),
    ({"n": -1}, "evaluation_nps", "out_of_range"),
    ({"n": [9]}, "evaluation_nps", "not_a_number"),
    ({"t": "x" * (MAX_ANSWER_LENGTH + 1)}, "evaluation_text", "too_long"),
    ({"t": 12}, "evaluation_text", "not_text"),
    ({"zzz": "1", "l": 3}, "evaluation_answer", "unknown_question"),
    ({}, "evaluation_answers", "no_answer"),
    ({"l": "", "n": " ", "t": "  \n"}, "evaluation_answers", "no_answer"),
])
def test_bad_answers_are_refused(raw, field, reason):
    with pytest.raises(InvalidInput) as refused:
        clean_answers(open_step(), raw)
    assert (refused.value.params["field"], refused.value.params["reason"]) == (field, reason)


def test_a_response_is_created_then_replaced_whole_with_a_version_check():
    step = open_step()
    first = answer(step, None, BOB, 0, {"l": "2", "t": "more coffee"}, NOW)
    assert (first.step_id, first.respondent, first.answers, first.version) == (7, BOB, {"l": 2, "t": "more coffee"}, 1)
    with pytest.raises(StaleVersion):
        answer(step, None, BOB, 1, {"l": "2"}, NOW)  # claims a response that doesn't exist
    with pytest.raises(StaleVersion):
        answer(step, first, BOB, 0, {"l": "3"}, NOW)  # an old card
    later = NOW + timedelta(hours=1)
    changed = answer(step, first, BOB, 1, {"n": "9"}, later)
    assert changed.answers == {"n": 9} and changed.updated_at == later and changed.submitted_at == NOW
    with pytest.raises(NotAuthor):
        answer(step, first, CAROL, 1, {"l": "1"}, NOW)


@pytest.mark.parametrize("state", [StepState.PENDING, StepState.CLOSED, StepState.CANCELLED])
def test_only_an_open_evaluation_takes_answers(state):
    step = open_step()
    step.state = state
    with pytest.raises(StepNotOpen):
        answer(step, None, BOB, 0, {"l": "3"}, NOW)
    ideas = open_step()
    ideas.kind = "ideas"
    with pytest.raises(StepNotOpen):
        answer(ideas, None, BOB, 0, {"l": "3"}, NOW)


# ---------------------------------------------------------------- summary


def test_likert_distribution_and_average():
    result = likert_result(LIKERT, [5, 4, 4, 2, 5, 1])
    assert result.counts == (1, 1, 0, 2, 2) and result.n == 6
    assert result.average == 3.5


@pytest.mark.parametrize("values, average", [
    ([2, 3, 2, 2], 2.3),  # 2.25 rounds half up, not to even
    ([1, 2, 2], 1.7),  # 1.666...
    ([4, 4, 5], 4.3),  # 4.333...
    ([3], 3.0),
    ([1, 1, 1, 1, 1, 1, 1, 2], 1.1),  # 1.125
])
def test_average_rounds_to_one_decimal_half_up(values, average):
    assert likert_result(LIKERT, values).average == average


def test_likert_without_answers():
    result = likert_result(LIKERT, [])
    assert (result.counts, result.n, result.average) == ((0, 0, 0, 0, 0), 0, None)


@pytest.mark.parametrize("values, promoters, passives, detractors, score", [
    ([], 0, 0, 0, None),
    ([0, 3, 6, 6], 0, 0, 4, -100),
    ([9, 10, 10], 3, 0, 0, 100),
    ([7, 8], 0, 2, 0, 0),
    ([10, 9, 8, 7, 6, 0], 2, 2, 2, 0),
    ([10, 9, 8, 7, 6], 2, 2, 1, 20),
    ([10, 6, 6], 1, 0, 2, -33),  # -33.3
    ([10, 10, 6], 2, 0, 1, 33),
    ([9, 8, 8, 8, 8, 8, 8, 8], 1, 7, 0, 13),  # 12.5 rounds away from zero
    ([6, 8, 8, 8, 8, 8, 8, 8], 0, 7, 1, -13),  # -12.5 likewise
    ([9, 9, 6], 2, 0, 1, 33),
    ([9, 6, 6], 1, 0, 2, -33),
    ([10, 7, 7], 1, 2, 0, 33),
    ([10, 10, 7], 2, 1, 0, 67),  # 66.7
])
def test_nps(values, promoters, passives, detractors, score):
    result = nps_result(NPS, values)
    assert (result.promoters, result.passives, result.detractors, result.n, result.score) == (
        promoters, passives, detractors, len(values), score)


def test_summary_in_question_order_with_unanswered_questions_left_out():
    responses = [
        response(CAROL, {"l": 5, "n": 10, "t": "Walking meetings"}),
        response(ALICE, {"l": 3, "t": "async first"}, 1),
        response(BOB, {"n": 2}, 2),
        response(Person("aad-dave", "Dave"), {"l": 99, "n": "9", "zzz": 1}, 3),  # junk is ignored
    ]
    summary = summarise(open_step().settings, responses)
    assert summary.respondents == 4 and summary.anonymous
    likert, nps, text = summary.results
    assert (likert.question.id, likert.counts, likert.n, likert.average) == ("l", (0, 0, 1, 0, 1), 2, 4.0)
    assert (nps.promoters, nps.passives, nps.detractors, nps.n, nps.score) == (1, 0, 1, 2, 0)
    # Anonymous: no names, and sorted by text rather than in the order people answered.
    assert text.answers == [TextAnswer("async first", None), TextAnswer("Walking meetings", None)]


def test_named_summary_lists_open_answers_with_names():
    responses = [response(CAROL, {"t": "zebra"}), response(ALICE, {"t": "yak"}), response(BOB, {"l": 1})]
    text = summarise(open_step(anonymous=False).settings, responses).results[2]
    assert text.answers == [TextAnswer("yak", "Alice"), TextAnswer("zebra", "Carol")]


def test_summary_without_responses():
    summary = summarise(open_step().settings, [])
    assert summary.respondents == 0
    likert, nps, text = summary.results
    assert likert.average is None and nps.score is None and nps.n == 0 and text.answers == []
