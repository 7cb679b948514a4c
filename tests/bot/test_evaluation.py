"""The evaluation step through the TestAdapter: a trajectory of ideas then evaluation, set up on the
setup card; members answer and change their answers; refusals change nothing; the results on close."""

from __future__ import annotations

from cards import verbs
from tests.bot.conftest import ALICE, BOB, CAROL, DAVE, Harness
from tests.bot.conftest import card_of, setup
from tests.bot.test_commands import active, only_card
from tests.cardcheck import assert_valid_card
from tests.fakes import card_texts, find_actions, nodes
from trajectory.model import StepState

P = verbs.EVALUATION_ANSWER_PREFIX
NAMES = [p.name for p in (ALICE, BOB, CAROL, DAVE)]


async def ideas_only_draft(h: Harness) -> tuple[dict, dict]:
    """A draft of one idea step (the ideas-only template, whatever the default template holds)."""
    card = only_card(await h.say(ALICE, "new Offsite"))
    card, ids = await setup(h, verbs.SETUP_TEMPLATE, find_actions(card, verbs.SETUP_SAVE)[0]["data"], template="ideas")
    assert [s.kind for s in (await active(h)).steps] == ["ideas"]
    return card, ids


async def ideas_then_evaluation(h: Harness, **evaluation_fields) -> tuple[int, int]:
    """Draft → steps [ideas, evaluation] through the setup card → start → next: the evaluation is open."""
    card, ids = await ideas_only_draft(h)
    card, ids = await setup(h, verbs.SETUP_ADD_STEP, ids, new_step_kind="evaluation")
    assert "Evaluate (async)" in " ".join(card_texts(card))
    if evaluation_fields:
        card, ids = await setup(h, verbs.SETUP_SAVE, ids, **evaluation_fields)
        assert "Saved." in card_texts(card), card_texts(card)
    await h.say(ALICE, "start")
    await h.say(ALICE, "next")
    trajectory = await active(h)
    ideas, evaluation = trajectory.steps
    assert (ideas.kind, evaluation.kind, evaluation.state) == ("ideas", "evaluation", StepState.OPEN)
    return ideas.id, evaluation.id


async def responses(h: Harness, step_id: int) -> dict[str, tuple[dict, int]]:
    async with h.uow() as uow:
        return {r.respondent.name: (r.answers, r.version) for r in await uow.responses.for_step(step_id)}


async def submit(h: Harness, user, step_id: int, version: int, activity_id: str | None = None, **answers) -> dict:
    data = {"step_id": step_id, "version": version, **{f"{P}{k}": v for k, v in answers.items()}}
    return card_of(await h.act(user, verbs.EVALUATION_SUBMIT, data, activity_id))


async def results_card(h: Harness, step_id: int) -> dict:
    """The results, posted in the thread of the evaluation's card."""
    async with h.uow() as uow:
        ref = (await uow.trajectories.by_step(step_id)).step(step_id).card
    (results,) = [card for at, card in h.messenger.replies if at == ref]
    assert_valid_card(results)
    return results


def inputs(card: dict) -> dict[str, str]:
    return {n["id"]: n.get("value") for n in nodes(card) if n.get("type", "").startswith("Input.")}


async def test_members_answer_change_their_answers_and_the_results_have_the_numbers(harness: Harness):
    _, step_id = await ideas_then_evaluation(harness)
    shared_ref = (await active(harness)).steps[1].card
    posted = harness.messenger.posts[shared_ref.activity_id]
    assert find_actions(posted, verbs.EVALUATION_REFRESH) and "Nobody has answered yet: be the first!" in card_texts(posted)
    assert sorted(posted["refresh"]["userIds"]) == sorted(p.user_id for p in harness.messenger.roster)

    # A member's own view: the survey, empty, version 0.
    mine = card_of(await harness.act(BOB, verbs.EVALUATION_REFRESH, {"step_id": step_id}))
    assert find_actions(mine, verbs.EVALUATION_SUBMIT)[0]["data"] == {"step_id": step_id, "version": 0}
    assert inputs(mine)[f"{P}async_helped"] == ""

    card = await submit(harness, BOB, step_id, 0, async_helped="2", recommend="6", keep="Walking meetings")
    assert "Thank you! Your answers were saved." in card_texts(card)
    assert inputs(card)[f"{P}async_helped"] == "2" and inputs(card)[f"{P}keep"] == "Walking meetings"
    assert find_actions(card, verbs.EVALUATION_SUBMIT)[0]["data"]["version"] == 1
    await submit(harness, CAROL, step_id, 0, async_helped="5", live_prepared="4", recommend="10", change="")
    await submit(harness, DAVE, step_id, 0, async_helped="4", recommend="9", change="Fewer meetings")
    assert "3 people answered so far" in card_texts(harness.messenger.posts[shared_ref.activity_id])

    # Bob changes his mind: the answers are replaced whole (his open answer is gone).
    changed = await submit(harness, BOB, step_id, 1, async_helped="3", recommend="8")
    assert any("You answered" in t for t in card_texts(changed))
    assert (await responses(harness, step_id))["Bob Builder"] == ({"async_helped": 3, "recommend": 8}, 2)
    again = card_of(await harness.act(BOB, verbs.EVALUATION_REFRESH, {"step_id": step_id}))
    assert inputs(again)[f"{P}async_helped"] == "3" and inputs(again)[f"{P}keep"] == ""

    # Status counts respondents, and names no one for an anonymous evaluation.
    status = card_texts(only_card(await harness.say(ALICE, "status")))
    assert "3 of 4 members" in status and "Not yet" not in status

    assert "complete" in " ".join(a.text or "" for a in await harness.say(ALICE, "next"))
    results = await results_card(harness, step_id)
    texts = card_texts(results)
    assert "3 people answered." in texts and "Answers were anonymous." in texts
    # Statement 1: 3, 5, 4 -> 4.0; statement 2: only Carol; statement 3: nobody.
    assert "Average 4.0 of 5 \u00b7 3 answers" in texts and "Average 4.0 of 5 \u00b7 1 answer" in texts
    assert "No answers." in texts
    assert any(t.startswith("Strongly disagree: 0 \u00b7 Disagree: 0 \u00b7 Neither agree nor disagree: 1 "
                            "\u00b7 Agree: 1 \u00b7 Strongly agree: 1") for t in texts)
    # NPS: 8 passive, 10 and 9 promoters -> 67.
    assert "NPS +67 \u00b7 3 answers" in texts
    assert "Fewer meetings" in texts and "Walking meetings" not in texts
    closed = harness.messenger.posts[shared_ref.activity_id]
    assert not find_actions(closed, verbs.EVALUATION_SUBMIT) and "This evaluation is closed: 3 people answered." in card_texts(closed)

    late = await submit(harness, ALICE, step_id, 0, async_helped="1")
    assert "This evaluation is closed: 3 people answered." in card_texts(late)
    assert not find_actions(late, verbs.EVALUATION_SUBMIT)
    assert "Alice Admin" not in await responses(harness, step_id)


async def test_invalid_and_forged_answers_are_refused_and_change_nothing(harness: Harness):
    ideas_id, step_id = await ideas_then_evaluation(harness)
    await submit(harness, BOB, step_id, 0, async_helped="4", keep="Keep this")
    before = await responses(harness, step_id)
    shared_updates = len(harness.messenger.updates)

    for user, version, answers, words in [
        (BOB, 1, {"recommend": "11"}, "must be between 0 and 10"),
        (BOB, 1, {"async_helped": "0"}, "must be between 1 and 5"),
        (BOB, 1, {"async_helped": "three"}, "must be a number"),
        (BOB, 1, {"zzz": "4"}, "not part of this evaluation"),
        (BOB, 1, {"async_helped": "", "keep": "  "}, "answer at least one question"),
        (BOB, 1, {"keep": "x" * 1001}, "too long"),
        (BOB, 7, {"async_helped": "1"}, "out of date"),  # a version Bob's card never had
        (CAROL, 1, {"async_helped": "1"}, "out of date"),  # Carol forges Bob's version: she has none
    ]:
        card = await submit(harness, user, step_id, version, **answers)
        texts = card_texts(card)
        assert any(words in t for t in texts), (answers, texts)
        # The refusal comes back on the member's own, reloaded view.
        assert find_actions(card, verbs.EVALUATION_SUBMIT)
    assert await responses(harness, step_id) == before
    assert len(harness.messenger.updates) == shared_updates

    # Card data names a step; it cannot make an idea step take answers, or invent a step.
    for data in [{"step_id": ideas_id, "version": 0, f"{P}async_helped": "1"},
                 {"step_id": 99999, "version": 0, f"{P}async_helped": "1"},
                 {"step_id": "abc", "version": 0}, {"step_id": step_id, "version": [1]}, {"step_id": step_id}]:
        body = await harness.act(DAVE, verbs.EVALUATION_SUBMIT, data)
        assert body["type"] == "application/vnd.microsoft.activity.message" and body["value"], data
    assert await responses(harness, step_id) == before


async def test_a_duplicate_invoke_is_applied_once(harness: Harness):
    _, step_id = await ideas_then_evaluation(harness)
    await submit(harness, BOB, step_id, 0, async_helped="4")
    first = await submit(harness, BOB, step_id, 1, "f:dup", async_helped="2")
    again = await submit(harness, BOB, step_id, 1, "f:dup", async_helped="2")
    # Applied once: the re-delivery is not a second change (which would be refused as stale).
    assert (await responses(harness, step_id))["Bob Builder"] == ({"async_helped": 2}, 2)
    for card in (first, again):
        assert "Thank you! Your answers were saved." in card_texts(card)
        assert inputs(card)[f"{P}async_helped"] == "2"


async def test_anonymous_results_name_nobody(harness: Harness):
    _, step_id = await ideas_then_evaluation(harness)
    for user, text in [(BOB, "Honest view"), (CAROL, "Zero meetings"), (DAVE, "a third view")]:
        await submit(harness, user, step_id, 0, keep=text, recommend="3")
    await harness.say(ALICE, "next")
    results = await results_card(harness, step_id)
    texts = card_texts(results)
    assert "NPS -100 \u00b7 3 answers" in texts
    for text in texts:  # every text in the card: no name, not even a first name
        assert not any(part in text for name in NAMES for part in name.split()), text
    # Sorted by text, not in the order people answered.
    keep = [t for t in texts if t in ("Honest view", "Zero meetings", "a third view")]
    assert keep == ["a third view", "Honest view", "Zero meetings"]


async def test_facilitator_edits_the_questions_and_a_named_evaluation_shows_names(harness: Harness):
    _, step_id = await ideas_then_evaluation(
        harness,
        step_1_likert="The async steps helped me contribute.\nThe pace was right.\n",
        step_1_nps="",
        step_1_open="What should we keep?",
        step_1_anonymous="false",
    )
    async with harness.uow() as uow:
        step = (await uow.trajectories.by_step(step_id)).step(step_id)
    assert step.settings == {"anonymous": False, "questions": [
        {"id": "async_helped", "type": "likert", "text": "The async steps helped me contribute."},
        {"id": "q1", "type": "likert", "text": "The pace was right."},
        {"id": "keep", "type": "text", "text": "What should we keep?"},
    ]}
    mine = card_of(await harness.act(CAROL, verbs.EVALUATION_REFRESH, {"step_id": step_id}))
    assert set(inputs(mine)) == {f"{P}async_helped", f"{P}q1", f"{P}keep"}
    assert any("your name is shown" in t for t in card_texts(mine))
    refused = await submit(harness, CAROL, step_id, 0, recommend="9")  # the removed NPS question
    assert any("not part of this evaluation" in t for t in card_texts(refused))
    await submit(harness, CAROL, step_id, 0, q1="5", keep="The pace")
    await submit(harness, BOB, step_id, 0, q1="2", keep="Async first")
    # Not anonymous: facilitators see who hasn't answered yet.
    assert "Alice Admin, Dave Devops" in card_texts(only_card(await harness.say(ALICE, "status")))
    await harness.say(ALICE, "next")
    results = await results_card(harness, step_id)
    texts = card_texts(results)
    assert texts.index("Async first") < texts.index("Bob Builder") < texts.index("The pace") < texts.index("Carol Coder")
    assert "Average 3.5 of 5 \u00b7 2 answers" in texts and "Open answers are shown with the name of who wrote them." in texts


async def test_bad_questions_on_the_setup_card_are_explained(harness: Harness):
    card, ids = await ideas_only_draft(harness)
    card, ids = await setup(harness, verbs.SETUP_ADD_STEP, ids, new_step_kind="evaluation")
    for fields, words in [({"step_1_likert": "", "step_1_nps": "", "step_1_open": ""}, "between 1 and 12"),
                          ({"step_1_likert": "\n".join(f"S{n}" for n in range(13))}, "between 1 and 12"),
                          ({"step_1_open": "x" * 201}, "too long")]:
        refused, _ = await setup(harness, verbs.SETUP_SAVE, ids, **fields)
        assert any(words in t for t in card_texts(refused)), (fields, card_texts(refused))
    step = (await active(harness)).steps[1]
    assert [q["id"] for q in step.settings["questions"]] == [
        "async_helped", "live_prepared", "understood", "recommend", "keep", "change"]


async def test_an_answer_is_one_unit_of_work_and_only_a_first_one_updates_the_channel_card(harness: Harness):
    import sqlalchemy as sa

    _, step_id = await ideas_then_evaluation(harness)
    engine = harness.sessions.kw["bind"].sync_engine
    checkouts: list[object] = []

    def count(*args) -> None:
        checkouts.append(args)

    updates = len(harness.messenger.updates)
    sa.event.listen(engine, "checkout", count)
    try:
        await submit(harness, BOB, step_id, 0, async_helped="4")
        assert len(checkouts) == 1 and len(harness.messenger.updates) == updates + 1  # the count changed
        await submit(harness, BOB, step_id, 1, async_helped="5")
        assert len(checkouts) == 2 and len(harness.messenger.updates) == updates + 1  # it did not
    finally:
        sa.event.remove(engine, "checkout", count)
    assert any("1 person answered so far" in text for text in card_texts(harness.messenger.updates[-1][1]))
