"""People's text never lands in a markdown TextBlock: every card the bot shows in a whole flow (ideas,
questions, answers, the summary, the vote, the results) is scanned for the markdown members typed."""

from __future__ import annotations

import json
from typing import Any

from botbuilder.schema import Activity

from cards import verbs
from tests.bot.conftest import BOB, CAROL, DAVE, Harness
from tests.bot.test_clarify import Session, answer_data
from tests.bot.test_commands import active
from tests.bot.test_vote import open_vote
from tests.fakes import nodes

LINK = "[win](https://evil.example/x)"
HOSTILE = [f"Free {LINK} **now**", f"Ask _me_ {LINK}", f"# Head {LINK}"]
MARKERS = ("](https://evil.example", "**now**", "_me_", "# Head")


def cards_in(value: Any) -> list[dict]:
    """Every Adaptive Card inside answers, posts and sent activities."""
    if isinstance(value, Activity):
        value = [a.content for a in value.attachments or []] + [value.value]
    if hasattr(value, "serialize"):
        value = value.serialize()
    if hasattr(value, "body") and not isinstance(value, dict):
        value = value.body
    return [n for n in nodes(json.loads(json.dumps(value, default=lambda o: getattr(o, "__dict__", str(o)))))
            if n.get("type") == "AdaptiveCard"]


def markdown_leaks(cards: list[dict]) -> list[str]:
    return [block["text"] for card in cards for block in nodes(card)
            if block.get("type") == "TextBlock" and isinstance(block.get("text"), str)
            and any(marker in block["text"] for marker in MARKERS)]


async def test_no_member_text_reaches_a_markdown_text_block(harness: Harness):
    session = Session(harness)
    sent: list[Any] = []
    original_send = harness.send

    async def send(act):
        out = await original_send(act)
        sent.extend(out)
        return out

    harness.send = send  # type: ignore[method-assign]
    vote_step = await open_vote(harness, ideas=[(BOB, HOSTILE[0]), (CAROL, "Plain idea"), (DAVE, HOSTILE[2])])
    async with harness.uow() as uow:
        ideas_step = (await active(harness)).steps[0].id
        idea_ids = [i.id for i in await uow.ideas.in_step(ideas_step)]
    await session.act(CAROL, verbs.VOTE_REFRESH, {"step_id": vote_step})
    await session.ask(CAROL, idea_ids[0], HOSTILE[1])  # after close: the summary takes questions
    private = [card for person, card in harness.messenger.private if person.aad_id == BOB.aad_id]
    if private:
        data = answer_data(private[-1])
        await session.private(BOB, verbs.IDEAS_ANSWER, {**data, f"{verbs.ANSWER_TEXT_PREFIX}{data['clarification_id']}": HOSTILE[1]})
    m = harness.messenger
    cards = cards_in([list(m.posts.values()), [c for _, c in m.updates], [c for _, c in m.replies],
                      list(m.reply_posts.values()), [c for _, c in m.private], session.answers])
    cards += [card for activity in sent for card in cards_in(activity)]
    assert len(cards) > 5
    everything = json.dumps(cards)
    assert "evil.example" in everything  # the text is shown (as TextRuns), just never as markdown
    assert markdown_leaks(cards) == []


def test_the_scan_sees_a_leak():
    leaky = {"type": "AdaptiveCard", "body": [{"type": "TextBlock", "text": f"Idea: {LINK}"},
                                              {"type": "RichTextBlock", "inlines": [{"type": "TextRun", "text": LINK}]}]}
    assert markdown_leaks(cards_in([leaky])) == [f"Idea: {LINK}"]
