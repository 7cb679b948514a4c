"""Clarifications and merges through the TestAdapter: questions go privately to the author, answers
show on the idea for everyone, anonymity holds on every card, facilitators merge duplicates."""

from __future__ import annotations

import json
from typing import Any

from cards import verbs
from tests.bot.conftest import ALICE, BOB, CAROL, DAVE, Harness, activity
from tests.bot.test_commands import active, only_text
from tests.bot.test_ideas import card_of, started
from tests.cardcheck import assert_valid_card
from tests.fakes import card_texts, find_actions
from trajectory.kinds.clarifications import MAX_CLARIFICATIONS_PER_PERSON
from trajectory.model import StepState

Q = "What do you mean by walking?"


class Session:
    """The harness plus a record of every invoke answer, so a test can scan everything anyone saw."""

    def __init__(self, h: Harness) -> None:
        self.h = h
        self.answers: list[Any] = []

    async def act(self, user, verb, data, activity_id=None) -> dict:
        body = await self.h.act(user, verb, data, activity_id)
        self.answers.append(body)
        return body

    async def private(self, user, verb, data, activity_id=None) -> dict:
        """A click on a card in the member's 1:1 chat with the bot (no team channel in the activity)."""
        sent = await self.h.send(activity(user, kind="invoke", name="adaptiveCard/action", activity_id=activity_id,
                                          value={"action": {"type": "Action.Execute", "verb": verb, "data": data},
                                                 "trigger": "manual"}, in_channel=False))
        (response,) = [a for a in sent if a.type == "invokeResponse"]
        body = response.value.body
        self.answers.append(body)
        return body

    def everything(self) -> str:
        m = self.h.messenger
        seen = [m.posts, m.updates, m.replies, m.reply_posts, [(p.name, c) for p, c in m.private], self.answers]
        return json.dumps(seen, ensure_ascii=False, default=str)

    async def add(self, user, text: str) -> int:
        step_id = (await active(self.h)).steps[0].id
        await self.act(user, verbs.IDEAS_ADD, {"step_id": step_id, verbs.IDEA_TEXT: text})
        async with self.h.uow() as uow:
            return next(i.id for i in await uow.ideas.active_for_step(step_id) if i.text == text)

    async def ask(self, user, idea_id: int, text: str, kind="question", anonymous=False, activity_id=None) -> dict:
        return await self.act(user, verbs.IDEAS_CLARIFY, {
            "idea_id": idea_id, f"{verbs.CLARIFY_TEXT_PREFIX}{idea_id}": text,
            f"{verbs.CLARIFY_KIND_PREFIX}{idea_id}": kind,
            f"{verbs.CLARIFY_ANONYMOUS_PREFIX}{idea_id}": "true" if anonymous else "false"}, activity_id)

    async def clarifications(self, step_id: int):
        async with self.h.uow() as uow:
            return await uow.clarifications.for_step(step_id)

    def shared(self) -> dict:
        """The channel's live card as it stands now."""
        ref = self.h.messenger.updates[-1][0]
        return self.h.messenger.posts[ref.activity_id]


def answer_data(private_card: dict) -> dict:
    (action,) = find_actions(private_card, verbs.IDEAS_ANSWER)
    return dict(action["data"])


async def test_anonymous_question_reaches_the_author_privately_and_the_answer_everyone(harness: Harness):
    s = Session(harness)
    step_id = await started(harness)
    idea_id = await s.add(BOB, "Walking meetings")

    asked = card_of(await s.ask(CAROL, idea_id, Q, anonymous=True))
    assert "Your question was sent to the author. The answer will show on the idea." in card_texts(asked)
    assert "Question from Anonymous (you): " in card_texts(asked)  # only Carol's own view says "you"

    # Bob, and only Bob, gets a private card with the idea, the question and a form to answer.
    ((to, private),) = harness.messenger.private
    assert to == BOB
    assert_valid_card(private)
    texts = card_texts(private)
    assert "Walking meetings" in texts and Q in texts and "Question from Anonymous" in texts
    (c,) = await s.clarifications(step_id)
    assert c.anonymous and c.asker.name == "" and c.asker.aad_id == CAROL.aad_id
    data = answer_data(private)
    assert data == {"clarification_id": c.id, "version": 1, "view": "private"}

    # The channel card shows the open question under the idea.
    assert Q in card_texts(s.shared()) and "Waiting for Bob Builder's answer" in card_texts(s.shared())

    # Dave is not the author: refused, nothing stored; his private click gets a sentence, not Bob's card.
    refused = await s.private(DAVE, verbs.IDEAS_ANSWER, {**data, f"{verbs.ANSWER_TEXT_PREFIX}{c.id}": "I know!"})
    assert refused["value"] == "Only the author of the idea can answer this."
    assert (await s.clarifications(step_id))[0].answer is None

    # Bob answers on his private card: it says thank you, and the channel card shows Q and A.
    answered = await s.private(BOB, verbs.IDEAS_ANSWER,
                               {**data, f"{verbs.ANSWER_TEXT_PREFIX}{c.id}": "Meetings on foot."})
    card = card_of(answered)
    assert "Thank you! Your answer is shown on the idea, for everyone." in card_texts(card)
    assert answer_data(card)["version"] == 2  # he can still change it
    shared = s.shared()
    assert_valid_card(shared)
    expected = {Q, "Meetings on foot.", "\u21b3 Bob Builder answered: ", "Question from Anonymous: "}
    assert expected <= set(card_texts(shared))
    (c,) = await s.clarifications(step_id)
    assert (c.answer, c.version) == ("Meetings on foot.", 2)

    # Carol sees the answer on her view of the card.
    mine = card_of(await s.act(CAROL, verbs.IDEAS_REFRESH, {"step_id": step_id}))
    assert "Meetings on foot." in card_texts(mine)

    # A stale answer (version 1 again) is refused and changes nothing.
    stale = card_of(await s.private(BOB, verbs.IDEAS_ANSWER, {**data, f"{verbs.ANSWER_TEXT_PREFIX}{c.id}": "old"}))
    assert any("out of date" in t for t in card_texts(stale))
    assert (await s.clarifications(step_id))[0].answer == "Meetings on foot."

    # Anonymity: Carol's name appears on no card anyone saw, nor in any reply to anyone.
    everything = s.everything()
    assert "Carol" not in everything and CAROL.aad_id not in everything


async def test_comments_are_shown_without_a_private_message_and_the_author_replies_on_the_card(harness: Harness):
    s = Session(harness)
    step_id = await started(harness)
    idea_id = await s.add(BOB, "Walking meetings")
    commented = card_of(await s.ask(DAVE, idea_id, "Great in summer", kind="comment"))
    assert "Your comment is on the idea." in card_texts(commented)
    assert harness.messenger.private == []
    assert "Comment from Dave Devops: " in card_texts(s.shared())

    # Bob's own view of the channel card has a reply form under the comment; not Carol's.
    bobs = card_of(await s.act(BOB, verbs.IDEAS_REFRESH, {"step_id": step_id}))
    (reply,) = find_actions(bobs, verbs.IDEAS_ANSWER)
    assert not find_actions(card_of(await s.act(CAROL, verbs.IDEAS_REFRESH, {"step_id": step_id})), verbs.IDEAS_ANSWER)
    cid = reply["data"]["clarification_id"]
    replied = card_of(await s.act(BOB, verbs.IDEAS_ANSWER,
                                  {**reply["data"], f"{verbs.ANSWER_TEXT_PREFIX}{cid}": "Rain too"}))
    assert "Rain too" in card_texts(replied) and "\u21b3 Bob Builder replied: " in card_texts(s.shared())


async def test_refusals_are_friendly_and_change_nothing(harness: Harness):
    s = Session(harness)
    step_id = await started(harness)
    idea_id = await s.add(BOB, "Walking meetings")
    for user, text, expected in [
        (CAROL, "", "The question or comment is empty."),
        (CAROL, "x" * 501, "too long (501 characters; at most 500)"),
        (BOB, "Asking myself", "This is your own idea"),
    ]:
        refused = card_of(await s.ask(user, idea_id, text))
        assert any(expected in t for t in card_texts(refused)), (text, card_texts(refused))
    bad_kind = card_of(await s.ask(CAROL, idea_id, "ok?", kind="insult"))
    assert any("pick one of the choices" in t for t in card_texts(bad_kind))
    # Forged or unknown ids, wrong types: a sentence, nothing stored.
    for verb, data in [(verbs.IDEAS_CLARIFY, {"idea_id": 999_999}), (verbs.IDEAS_CLARIFY, {"idea_id": "x"}),
                       (verbs.IDEAS_CLARIFY, {}), (verbs.IDEAS_ANSWER, {"clarification_id": 999_999, "version": 1}),
                       (verbs.IDEAS_ANSWER, {"clarification_id": [1], "version": 1}),
                       (verbs.IDEAS_MERGE, {"idea_id": 999_999, "version": 1, verbs.MERGE_TARGET: str(idea_id)}),
                       (verbs.IDEAS_MERGE_CHOOSE, {"idea_id": True, "version": 1}),
                       (verbs.IDEAS_UNMERGE, {"idea_id": 999_999, "version": 1})]:
        body = await s.act(CAROL, verb, data)
        assert body["type"] == "application/vnd.microsoft.activity.message" and body["value"], (verb, data)
    forged_private = await s.private(CAROL, verbs.IDEAS_ANSWER, {"clarification_id": 999_999, "version": 1,
                                                                 "view": "private"})
    assert "can't find that question" in forged_private["value"]
    assert await s.clarifications(step_id) == [] and harness.messenger.private == []


async def test_limit_per_member_says_so(harness: Harness):
    s = Session(harness)
    step_id = await started(harness)
    ideas = [await s.add(BOB, f"idea {n}") for n in range(2)]
    for n in range(MAX_CLARIFICATIONS_PER_PERSON):
        await s.ask(CAROL, ideas[n % 2], f"q{n}", anonymous=n % 2 == 0)
    refused = card_of(await s.ask(CAROL, ideas[0], "one more"))
    assert any(f"You've sent {MAX_CLARIFICATIONS_PER_PERSON} questions and comments" in t for t in card_texts(refused))
    assert len(await s.clarifications(step_id)) == MAX_CLARIFICATIONS_PER_PERSON


async def test_a_redelivered_question_is_stored_and_sent_once(harness: Harness):
    s = Session(harness)
    step_id = await started(harness)
    idea_id = await s.add(BOB, "Walking meetings")
    await s.ask(CAROL, idea_id, Q, activity_id="f:dup-q")
    again = card_of(await s.ask(CAROL, idea_id, Q, activity_id="f:dup-q"))
    assert Q in card_texts(again)
    assert len(await s.clarifications(step_id)) == 1 and len(harness.messenger.private) == 1
    (c,) = await s.clarifications(step_id)
    data = {"clarification_id": c.id, "version": 1, "view": "private", f"{verbs.ANSWER_TEXT_PREFIX}{c.id}": "Once"}
    await s.private(BOB, verbs.IDEAS_ANSWER, data, activity_id="f:dup-a")
    twice = card_of(await s.private(BOB, verbs.IDEAS_ANSWER, data, activity_id="f:dup-a"))
    assert "Once" in card_texts(twice)
    (c,) = await s.clarifications(step_id)
    assert c.version == 2  # applied once: a second application would have been refused as stale


async def test_facilitator_merges_a_duplicate_and_its_questions_follow(harness: Harness):
    s = Session(harness)
    step_id = await started(harness)
    walking = await s.add(BOB, "Walking meetings")
    duplicate = await s.add(DAVE, "Meetings while walking")
    await s.ask(CAROL, duplicate, "Outside?", anonymous=True)

    # Members see no merge buttons and are refused when they forge one.
    dave_view = card_of(await s.act(DAVE, verbs.IDEAS_REFRESH, {"step_id": step_id}))
    assert not find_actions(dave_view, verbs.IDEAS_MERGE_CHOOSE)
    async with harness.uow() as uow:
        version = (await uow.ideas.get(duplicate)).version
    refused = card_of(await s.act(DAVE, verbs.IDEAS_MERGE, {"idea_id": duplicate, "version": version,
                                                            verbs.MERGE_TARGET: str(walking)}))
    assert any("Only the facilitators" in t for t in card_texts(refused))
    refused = card_of(await s.act(CAROL, verbs.IDEAS_MERGE_CHOOSE, {"idea_id": duplicate, "version": version}))
    assert any("Only the facilitators" in t for t in card_texts(refused))

    # Alice facilitates: her view has a merge button per idea, the form lists the other ideas.
    alice_view = card_of(await s.act(ALICE, verbs.IDEAS_REFRESH, {"step_id": step_id}))
    (choose,) = [a for a in find_actions(alice_view, verbs.IDEAS_MERGE_CHOOSE) if a["data"]["idea_id"] == duplicate]
    form = card_of(await s.act(ALICE, verbs.IDEAS_MERGE_CHOOSE, choose["data"]))
    (target_input,) = [b for b in form["body"] if b.get("id") == verbs.MERGE_TARGET]
    assert [c["value"] for c in target_input["choices"]] == [str(walking)]
    (do,) = find_actions(form, verbs.IDEAS_MERGE)
    into_itself = card_of(await s.act(ALICE, verbs.IDEAS_MERGE, {**do["data"], verbs.MERGE_TARGET: str(duplicate)}))
    assert "An idea can't be merged into itself." in card_texts(into_itself)
    merged = card_of(await s.act(ALICE, verbs.IDEAS_MERGE, {**do["data"], verbs.MERGE_TARGET: str(walking)}))
    assert "The ideas were merged." in card_texts(merged)

    # Gone from what the vote reads; shown with the target, its question too; Dave can't edit it now.
    async with harness.uow() as uow:
        assert [i.id for i in await uow.ideas.active_for_step(step_id)] == [walking]
    shared = s.shared()
    texts = card_texts(shared)
    assert "Merged with: " in texts and "Meetings while walking" in texts and "Outside?" in texts
    assert "1 idea from 2 people so far" in texts
    assert [a["data"]["idea_id"] for a in find_actions(shared, verbs.IDEAS_CLARIFY)] == [walking]
    late_edit = card_of(await s.act(DAVE, verbs.IDEAS_EDIT, {"idea_id": duplicate, "version": version + 1,
                                                             f"{verbs.EDIT_TEXT_PREFIX}{duplicate}": "mine again"}))
    assert any("merged this idea with a duplicate" in t for t in card_texts(late_edit))
    # Dave, the author of the merged idea, still answers the question asked about it.
    (c,) = await s.clarifications(step_id)
    await s.private(DAVE, verbs.IDEAS_ANSWER, {"clarification_id": c.id, "version": 1, "view": "private",
                                               f"{verbs.ANSWER_TEXT_PREFIX}{c.id}": "Yes, outside"})
    assert "\u21b3 Dave Devops answered: " in card_texts(s.shared())
    # A question asked on a stale card showing the merged idea goes to the idea that stands for it.
    await s.ask(CAROL, duplicate, "And in winter?", anonymous=True)
    assert harness.messenger.private[-1][0] == BOB

    # The facilitator can undo it.
    alice_view = card_of(await s.act(ALICE, verbs.IDEAS_REFRESH, {"step_id": step_id}))
    (undo,) = find_actions(alice_view, verbs.IDEAS_UNMERGE)
    await s.act(ALICE, verbs.IDEAS_UNMERGE, undo["data"])
    async with harness.uow() as uow:
        assert [i.id for i in await uow.ideas.active_for_step(step_id)] == [walking, duplicate]
    assert "Carol" not in s.everything()


async def test_the_summary_shows_clarifications_and_takes_questions_after_close(harness: Harness):
    s = Session(harness)
    step_id = await started(harness)
    walking = await s.add(BOB, "Walking meetings")
    duplicate = await s.add(DAVE, "Meetings while walking")
    await s.ask(CAROL, walking, Q)
    async with harness.uow() as uow:
        version = (await uow.ideas.get(duplicate)).version
    await s.act(ALICE, verbs.IDEAS_MERGE, {"idea_id": duplicate, "version": version, verbs.MERGE_TARGET: str(walking)})

    only_text(await harness.say(ALICE, "next"))
    async with harness.uow() as uow:
        trajectory = await uow.trajectories.by_step(step_id)
    assert trajectory.steps[0].state is StepState.CLOSED
    (ref, summary), = [(r, c) for r, c in harness.messenger.replies if isinstance(c, dict)]
    assert_valid_card(summary)
    texts = card_texts(summary)
    assert {"Walking meetings", Q, "Question from Carol Coder: ", "Meetings while walking"} <= set(texts)
    # The frozen live card points to the summary, where questions go on.
    assert "Questions and answers continue on the summary in this thread." in card_texts(
        harness.messenger.posts[ref.activity_id])

    # The trajectory ended with this step: nothing follows, so merging is over.
    alice = card_of(await s.act(ALICE, verbs.IDEAS_REFRESH, {"step_id": step_id, "summary": True}))
    assert not find_actions(alice, verbs.IDEAS_MERGE_CHOOSE) and "Meetings while walking" in card_texts(alice)

    # Bob answers on the summary (his view of it); Dave asks a new question there.
    bobs = card_of(await s.act(BOB, verbs.IDEAS_REFRESH, {"step_id": step_id, "summary": True}))
    (form,) = find_actions(bobs, verbs.IDEAS_ANSWER)
    cid = form["data"]["clarification_id"]
    after = card_of(await s.act(BOB, verbs.IDEAS_ANSWER,
                                {**form["data"], f"{verbs.ANSWER_TEXT_PREFIX}{cid}": "On foot"}))
    assert "Ideas collected in \u201cCollect ideas\u201d" in card_texts(after)  # still the summary
    await s.ask(DAVE, walking, "Also after lunch?")
    (summary_id,) = harness.messenger.reply_posts
    updated = harness.messenger.reply_posts[summary_id]
    assert_valid_card(updated)
    assert {"On foot", "Also after lunch?"} <= set(card_texts(updated))
    assert harness.messenger.private[-1][0] == BOB


async def test_nothing_to_ask_once_the_trajectory_is_cancelled(harness: Harness):
    s = Session(harness)
    step_id = await started(harness)
    idea_id = await s.add(BOB, "Walking meetings")
    await harness.say(ALICE, "cancel")
    refused = card_of(await s.ask(CAROL, idea_id, Q))
    assert "This step is not open (any more)." in card_texts(refused)
    assert await s.clarifications(step_id) == []


async def test_later_votes_follow_the_merge_and_merging_ends_when_the_vote_opens(harness: Harness):
    from tests.bot.test_vote import ideas_then_vote_draft

    s = Session(harness)
    await ideas_then_vote_draft(harness, method="approval")
    await harness.say(ALICE, "start")
    step_id = (await active(harness)).steps[0].id
    walking = await s.add(BOB, "Walking meetings")
    duplicate = await s.add(DAVE, "Meetings while walking")
    coffee = await s.add(CAROL, "Better coffee")
    async with harness.uow() as uow:
        version = (await uow.ideas.get(duplicate)).version
    await s.act(ALICE, verbs.IDEAS_MERGE, {"idea_id": duplicate, "version": version, verbs.MERGE_TARGET: str(walking)})
    await harness.say(ALICE, "next")
    vote = (await active(harness)).steps[1]
    assert (vote.kind, vote.state) == ("vote", StepState.OPEN)
    async with harness.uow() as uow:
        assert [o.idea_id for o in await uow.votes.options(vote.id)] == [walking, coffee]
    # The vote froze its options: no more merges (nor undoing one) on the summary.
    summary = card_of(await s.act(ALICE, verbs.IDEAS_REFRESH, {"step_id": step_id, "summary": True}))
    assert not find_actions(summary, verbs.IDEAS_MERGE_CHOOSE) and not find_actions(summary, verbs.IDEAS_UNMERGE)
    async with harness.uow() as uow:
        coffee_version = (await uow.ideas.get(coffee)).version
    late = card_of(await s.act(ALICE, verbs.IDEAS_MERGE, {"idea_id": coffee, "version": coffee_version,
                                                          verbs.MERGE_TARGET: str(walking)}))
    assert any("can't be merged any more" in t for t in card_texts(late))
    async with harness.uow() as uow:
        assert [i.id for i in await uow.ideas.active_for_step(step_id)] == [walking, coffee]


async def test_after_a_deadline_closed_the_step_the_summary_takes_questions_and_merges(harness: Harness):
    """Closed by its deadline (the job runner's paced messenger), the next step not open yet: the
    summary is remembered and updated, and the facilitator may still merge before the next step."""
    from bot.sending import Sender
    from tests.bot.test_jobs import FakeChannels, runner_for, running
    from tests.bot.test_sending import FakeTime

    s = Session(harness)
    trajectory = await running(harness, [1, 5], reminder_hours=())
    step_id = trajectory.steps[0].id
    walking = await s.add(BOB, "Walking meetings")
    duplicate = await s.add(DAVE, "Meetings while walking")
    harness.clock.advance(hours=1, seconds=3)
    clock = FakeTime()
    assert await runner_for(harness, FakeChannels(harness.messenger, Sender(clock, clock.sleep))).run_until_idle() == 1
    (summary_id,) = harness.messenger.reply_posts  # the paced messenger handed back the summary's ref

    await s.ask(CAROL, walking, Q, anonymous=True)
    assert Q in card_texts(harness.messenger.reply_posts[summary_id])
    async with harness.uow() as uow:
        version = (await uow.ideas.get(duplicate)).version
    merged = card_of(await s.act(ALICE, verbs.IDEAS_MERGE, {"idea_id": duplicate, "version": version,
                                                           verbs.MERGE_TARGET: str(walking)}))
    assert "The ideas were merged." in card_texts(merged)
    updated = harness.messenger.reply_posts[summary_id]
    assert_valid_card(updated)
    assert "Merged with: " in card_texts(updated) and "Carol" not in s.everything()
