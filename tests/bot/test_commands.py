"""Facilitator commands through botbuilder's TestAdapter, on a real database."""

from __future__ import annotations

from cards import verbs
from tests.bot.conftest import ALICE, BOB, CAROL, CHANNEL, Harness, invoke
from tests.cardcheck import assert_valid_card
from tests.fakes import card_texts, find_actions
from trajectory.model import StepState, TrajectoryState


def only_card(sent) -> dict:
    cards = [a.attachments[0].content for a in sent if a.attachments]
    assert len(cards) == 1, sent
    assert_valid_card(cards[0])
    return cards[0]


def only_text(sent) -> str:
    messages = [a for a in sent if a.type == "message" and a.text and not a.attachments]
    assert len(messages) == 1, sent
    # Sentences may quote titles people typed: sent as plain text, never rendered as markdown.
    assert messages[0].text_format == "plain"
    return messages[0].text


async def active(h: Harness):
    async with h.uow() as uow:
        return await uow.trajectories.active_in_channel(CHANNEL)


async def test_help_in_personal_chat(harness: Harness):
    card = only_card(await harness.say(ALICE, "help", in_channel=False))
    assert any("new <title>" in t or "new \\<title\\>" in t for t in card_texts(card))


async def test_unknown_command_gets_help_not_silence(harness: Harness):
    card = only_card(await harness.say(BOB, "dance"))
    assert "dance" in card_texts(card)[0]


async def test_channel_commands_in_personal_chat_are_explained(harness: Harness):
    assert "channel" in only_text(await harness.say(ALICE, "new Offsite", in_channel=False))


async def test_new_creates_a_draft_with_a_setup_card(harness: Harness):
    card = only_card(await harness.say(ALICE, "new Team offsite 2027"))
    assert find_actions(card, verbs.SETUP_START)
    trajectory = await active(harness)
    assert trajectory.title == "Team offsite 2027" and trajectory.state is TrajectoryState.DRAFT
    assert [p.aad_id for p in trajectory.facilitators] == [ALICE.aad_id]
    # The roster was remembered: co-facilitator choices are the other team members.
    choices = [c["title"] for c in next(i for i in card["body"] if i.get("id") == "co_facilitators")["choices"]]
    assert choices == ["Bob Builder", "Carol Coder", "Dave Devops"]


async def test_new_without_title_and_second_trajectory_are_refused(harness: Harness):
    assert "title" in only_text(await harness.say(ALICE, "new"))
    only_card(await harness.say(ALICE, "new First"))
    assert "already has a trajectory" in only_text(await harness.say(BOB, "new Second"))
    assert (await active(harness)).title == "First"


async def test_members_get_a_polite_refusal_for_facilitator_commands(harness: Harness):
    await harness.say(ALICE, "new Offsite")
    for command in ("start", "next", "close", "cancel"):
        assert "Only the facilitators" in only_text(await harness.say(BOB, command))
    assert (await active(harness)).state is TrajectoryState.DRAFT
    assert harness.messenger.posts == {}


async def test_start_posts_the_first_step_card(harness: Harness):
    await harness.say(ALICE, "new Offsite")
    assert "has started" in only_text(await harness.say(ALICE, "start"))
    trajectory = await active(harness)
    step = trajectory.steps[0]
    assert step.state is StepState.OPEN and step.card is not None
    posted = harness.messenger.posts[step.card.activity_id]
    assert_valid_card(posted)
    assert find_actions(posted, verbs.IDEAS_ADD)
    # Per-user refresh for the whole (small) team.
    assert sorted(posted["refresh"]["userIds"]) == sorted(p.user_id for p in harness.messenger.roster)


async def test_status_shows_participation_and_names_only_to_facilitators(harness: Harness):
    assert "no trajectory" in only_text(await harness.say(BOB, "status"))
    await harness.say(ALICE, "new Offsite")
    await harness.say(ALICE, "start")
    step_id = (await active(harness)).steps[0].id
    sent = await harness.send(invoke(BOB, verbs.IDEAS_ADD, {"step_id": step_id, verbs.IDEA_TEXT: "Idea"}))
    assert sent
    for_member = card_texts(only_card(await harness.say(CAROL, "status")))
    assert any("Offsite" in t for t in for_member) and "open" in for_member
    assert "1 of 4 members" in for_member and "Not yet" not in for_member
    for_facilitator = card_texts(only_card(await harness.say(ALICE, "status")))
    assert "Alice Admin, Carol Coder, Dave Devops" in for_facilitator


async def test_cancel_and_then_a_new_one(harness: Harness):
    await harness.say(ALICE, "new Offsite")
    assert "cancelled" in only_text(await harness.say(ALICE, "cancel"))
    assert await active(harness) is None
    only_card(await harness.say(BOB, "new Bob's own"))


async def test_duplicate_delivery_of_a_command_is_applied_once(harness: Harness):
    await harness.say(ALICE, "new Offsite")
    first = await harness.say(ALICE, "start", activity_id="start-1")
    again = await harness.say(ALICE, "start", activity_id="start-1")
    assert first and not again
    assert len(harness.messenger.posts) == 1


async def test_missing_identity_changes_nothing(harness: Harness):
    assert "who you are" in only_text(await harness.say(None, "new Offsite"))
    assert await active(harness) is None
