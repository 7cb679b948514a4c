"""The idea step's card actions through the TestAdapter: add, edit, withdraw, refusals, summary."""

from __future__ import annotations

from cards import verbs
from tests.bot.conftest import ALICE, BOB, CAROL, DAVE, Harness
from tests.bot.conftest import card_of
from tests.bot.test_commands import active, only_text
from tests.cardcheck import assert_valid_card
from tests.fakes import card_texts, find_actions, nodes
from trajectory.model import StepState


async def started(h: Harness) -> int:
    """A running trajectory of one idea step: the ideas-only template, whatever other kinds exist."""
    sent = await h.say(ALICE, "new Offsite")
    ids = find_actions(sent[0].attachments[0].content, verbs.SETUP_SAVE)[0]["data"]
    await h.act(ALICE, verbs.SETUP_TEMPLATE, {**ids, "template": "ideas"})
    await h.say(ALICE, "start")
    return (await active(h)).steps[0].id


async def ideas(h: Harness, step_id: int) -> list[tuple[str, str]]:
    async with h.uow() as uow:
        return [(i.author.name, i.text) for i in await uow.ideas.active_for_step(step_id)]


async def ideas_with_ids(h: Harness, step_id: int) -> list[tuple[int, str, str]]:
    async with h.uow() as uow:
        return [(i.id, i.author.name, i.text) for i in await uow.ideas.active_for_step(step_id)]


async def test_members_add_ideas_and_see_their_own(harness: Harness):
    step_id = await started(harness)
    card = card_of(await harness.act(BOB, verbs.IDEAS_ADD, {"step_id": step_id, verbs.IDEA_TEXT: "Walking meetings"}))
    texts = card_texts(card)
    assert "Your idea was added." in texts and "Walking meetings" in texts
    assert find_actions(card, verbs.IDEAS_WITHDRAW)
    await harness.act(CAROL, verbs.IDEAS_ADD, {"step_id": step_id, verbs.IDEA_TEXT: "Quiet Fridays"})
    assert await ideas(harness, step_id) == [("Bob Builder", "Walking meetings"), ("Carol Coder", "Quiet Fridays")]
    # The channel card shows the live count and everyone's ideas with their authors (Blend replaces
    # the shared document), but no edit or withdraw button.
    shared = harness.messenger.updates[-1][1]
    assert_valid_card(shared)
    texts = card_texts(shared)
    assert "2 ideas from 2 people so far" in texts
    assert {"Walking meetings", "Bob Builder", "Quiet Fridays", "Carol Coder"} <= set(texts)
    assert not find_actions(shared, verbs.IDEAS_WITHDRAW) and not find_actions(shared, verbs.IDEAS_EDIT)
    # Carol's own view lists everyone's ideas too, but only hers can she edit or withdraw.
    mine = card_of(await harness.act(CAROL, verbs.IDEAS_REFRESH, {"step_id": step_id}))
    assert "Quiet Fridays" in card_texts(mine) and "Walking meetings" in card_texts(mine)
    carols = [i for i in await ideas_with_ids(harness, step_id) if i[1] == "Carol Coder"]
    assert [a["data"]["idea_id"] for a in find_actions(mine, verbs.IDEAS_WITHDRAW)] == [carols[0][0]]


async def test_edit_and_withdraw_with_versions(harness: Harness):
    step_id = await started(harness)
    await harness.act(BOB, verbs.IDEAS_ADD, {"step_id": step_id, verbs.IDEA_TEXT: "Walking meetings"})
    async with harness.uow() as uow:
        idea = (await uow.ideas.active_for_step(step_id))[0]
    edited = card_of(await harness.act(BOB, verbs.IDEAS_EDIT, {
        "idea_id": idea.id, "version": idea.version, f"{verbs.EDIT_TEXT_PREFIX}{idea.id}": "Walking 1:1s"}))
    assert "Your idea was changed." in card_texts(edited)
    # A stale card (old version) is refused and refreshed, not applied.
    stale = card_of(await harness.act(BOB, verbs.IDEAS_WITHDRAW, {"idea_id": idea.id, "version": idea.version}))
    assert any("out of date" in t for t in card_texts(stale))
    assert await ideas(harness, step_id) == [("Bob Builder", "Walking 1:1s")]
    await harness.act(BOB, verbs.IDEAS_WITHDRAW, {"idea_id": idea.id, "version": idea.version + 1})
    assert await ideas(harness, step_id) == []


async def test_forged_and_hostile_actions_change_nothing(harness: Harness):
    step_id = await started(harness)
    await harness.act(BOB, verbs.IDEAS_ADD, {"step_id": step_id, verbs.IDEA_TEXT: "Bob's idea"})
    async with harness.uow() as uow:
        idea = (await uow.ideas.active_for_step(step_id))[0]
    # Carol forges Bob's idea id into her card data: identity comes from the activity.
    refused = card_of(await harness.act(CAROL, verbs.IDEAS_EDIT, {
        "idea_id": idea.id, "version": idea.version, f"{verbs.EDIT_TEXT_PREFIX}{idea.id}": "hijacked"}))
    assert "Only the author can change this idea." in card_texts(refused)
    await harness.act(CAROL, verbs.IDEAS_WITHDRAW, {"idea_id": idea.id, "version": idea.version})
    too_long = card_of(await harness.act(DAVE, verbs.IDEAS_ADD, {"step_id": step_id, verbs.IDEA_TEXT: "x" * 5000}))
    assert any("too long" in t for t in card_texts(too_long))
    for verb, data in [("ideas.explode", {}), (verbs.IDEAS_ADD, "not a dict"), (verbs.IDEAS_ADD, {"step_id": "abc"}),
                       (verbs.IDEAS_ADD, {"step_id": 99999, verbs.IDEA_TEXT: "x"}), (None, None),
                       (verbs.IDEAS_EDIT, {"idea_id": [1], "version": 1})]:
        body = await harness.act(DAVE, verb, data)
        assert body["type"] == "application/vnd.microsoft.activity.message" and body["value"], (verb, data)
    assert await ideas(harness, step_id) == [("Bob Builder", "Bob's idea")]


async def test_limit_per_person(harness: Harness):
    step_id = await started(harness)
    for n in range(5):
        await harness.act(BOB, verbs.IDEAS_ADD, {"step_id": step_id, verbs.IDEA_TEXT: f"idea {n}"})
    refused = card_of(await harness.act(BOB, verbs.IDEAS_ADD, {"step_id": step_id, verbs.IDEA_TEXT: "one more"}))
    assert any("limit of 5" in t for t in card_texts(refused))
    assert len(await ideas(harness, step_id)) == 5


async def test_duplicate_invoke_is_applied_once(harness: Harness):
    step_id = await started(harness)
    data = {"step_id": step_id, verbs.IDEA_TEXT: "Only once"}
    await harness.act(BOB, verbs.IDEAS_ADD, data, activity_id="f:dup")
    again = card_of(await harness.act(BOB, verbs.IDEAS_ADD, data, activity_id="f:dup"))
    assert "Only once" in card_texts(again)
    assert await ideas(harness, step_id) == [("Bob Builder", "Only once")]


async def test_next_closes_the_step_with_a_summary(harness: Harness):
    step_id = await started(harness)
    await harness.act(BOB, verbs.IDEAS_ADD, {"step_id": step_id, verbs.IDEA_TEXT: "Walking meetings"})
    await harness.act(CAROL, verbs.IDEAS_ADD, {"step_id": step_id, verbs.IDEA_TEXT: "[click](https://evil.example)"})
    assert "complete" in only_text(await harness.say(ALICE, "next"))
    (ref, summary), = harness.messenger.replies
    assert_valid_card(summary)
    texts = card_texts(summary)
    assert "Walking meetings" in texts and "[click](https://evil.example)" in texts
    assert "Bob Builder" in texts and "Carol Coder" in texts
    # The idea text went into a TextRun (no markdown), never into a TextBlock.
    assert not any(b.get("type") == "TextBlock" and "evil" in b.get("text", "")
                   for b in nodes(summary))
    closed_card = harness.messenger.posts[ref.activity_id]
    assert not find_actions(closed_card, verbs.IDEAS_ADD)
    late = await harness.act(DAVE, verbs.IDEAS_ADD, {"step_id": step_id, verbs.IDEA_TEXT: "too late"})
    assert any(t.startswith("This step is closed") for t in card_texts(late["value"]))
    async with harness.uow() as uow:
        stored = await uow.trajectories.by_step(step_id)
    assert stored.steps[0].state is StepState.CLOSED
    assert len(await ideas(harness, step_id)) == 2


async def test_a_refused_click_stores_nothing_not_even_its_activity(harness: Harness):
    step_id = await started(harness)
    refused = card_of(await harness.act(BOB, verbs.IDEAS_ADD, {"step_id": step_id, verbs.IDEA_TEXT: "x" * 5000},
                                        activity_id="f:refused"))
    assert any("too long" in t for t in card_texts(refused))
    # The claim went with the refusal: the same activity id is not taken for a re-delivery.
    await harness.act(BOB, verbs.IDEAS_ADD, {"step_id": step_id, verbs.IDEA_TEXT: "Fixed"}, activity_id="f:refused")
    assert await ideas(harness, step_id) == [("Bob Builder", "Fixed")]
