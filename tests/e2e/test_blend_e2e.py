"""The walking skeleton end to end: Blend as a process, the Agents Playground as Teams.

A facilitator creates and starts a trajectory, three members add ideas through the card, one edits
and one withdraws, a duplicate delivery changes nothing, the facilitator closes the step, and the
summary card and the database hold exactly the right ideas."""

from __future__ import annotations

import json

import pytest

from conftest import card_json
from storage.database import create_engine, session_factory
from storage.unit_of_work import SqlUnitOfWork
from tests.cardcheck import assert_valid_card
from tests.fakes import find_actions

pytestmark = pytest.mark.e2e

IDEA_TEXT = "idea_text"


async def stored_ideas(database_url: str, step_id: int) -> list[tuple[str, str, str]]:
    engine = create_engine(database_url)
    try:
        async with SqlUnitOfWork(session_factory(engine)) as uow:
            return [(i.author.name, i.text, str(i.state)) for i in await uow.ideas.active_for_step(step_id)]
    finally:
        await engine.dispose()


async def test_reference_idea_collection_through_the_playground(blend, database_url, playground_factory):
    pg = await playground_factory(blend.port)

    # The facilitator creates a trajectory: the setup card comes back in the thread.
    mark = len(pg.conversation_events)
    sent = await pg.post_to_channel("new Team offsite 2027")
    assert sent.status in (200, 201), sent
    setup = await pg.wait_for_card("Set up", since=mark)
    assert_valid_card(setup["message"]["attachments"][0]["content"])

    # A member may not start it.
    mark = len(pg.conversation_events)
    await pg.post_to_channel("start", as_user="Bob Builder")
    refusal = await pg.wait_for_bot_message(lambda ev: "Only the facilitators" in (ev["message"].get("text") or ""),
                                            since=mark)
    assert refusal

    # The facilitator starts it: the idea card opens as a new channel post.
    mark = len(pg.conversation_events)
    await pg.post_to_channel("start")
    card_event = await pg.wait_for_card("Add idea", since=mark)
    thread, card_id = pg.thread_of(card_event), card_event["message"]["messageId"]
    card = card_event["message"]["attachments"][0]["content"]
    assert_valid_card(card)
    step_id = find_actions(card, "ideas.add")[0]["data"]["step_id"]
    assert sorted(card["refresh"]["userIds"]) == sorted({u["id"] for u in [pg.current_user, *pg.users()]})

    # Three members add ideas through the card (Action.Execute through the real adapter).
    personal = {}
    for who, text in [("Bob Builder", "Walking meetings"), ("Carol Coder", "Quiet Fridays"),
                      ("Dave Devops", "A shared team calendar"), ("Carol Coder", "Pair programming days")]:
        status, body = await pg.invoke(thread, card_id, who, "ideas.add", {"step_id": step_id, IDEA_TEXT: text},
                                       trigger="manual")
        assert status == 200, body
        assert body["type"] == "application/vnd.microsoft.card.adaptive"
        assert_valid_card(body["value"])
        assert "Your idea was added." in json.dumps(body["value"])
        personal[who] = body["value"]

    # The channel's shared card was updated with the live count and everyone's ideas (no edit buttons).
    update = await pg.wait_for_bot_message(
        lambda ev: ev["action"] == "updateMessage" and "4 ideas from 3 people" in card_json(ev))
    assert "Walking meetings" in card_json(update) and "Bob Builder" in card_json(update)
    assert not find_actions(update["message"]["attachments"][0]["content"], "ideas.withdraw")

    # Bob edits his idea; Carol withdraws one of hers - with the ids and versions their cards carry.
    bob_edit = find_actions(personal["Bob Builder"], "ideas.edit")[0]["data"]
    status, body = await pg.invoke(thread, card_id, "Bob Builder", "ideas.edit",
                                   {**bob_edit, f"idea_edit_{bob_edit['idea_id']}": "Walking 1:1 meetings"})
    assert status == 200 and "Your idea was changed." in json.dumps(body["value"])
    carol_withdraw = find_actions(personal["Carol Coder"], "ideas.withdraw")[0]["data"]
    status, body = await pg.invoke(thread, card_id, "Carol Coder", "ideas.withdraw", carol_withdraw)
    assert status == 200 and "Your idea was withdrawn." in json.dumps(body["value"])

    # Teams re-delivers an idea submission with the same activity id: nothing changes.
    before = await stored_ideas(database_url, step_id)
    again = await pg.resend_last_activity_to_bot(
        lambda r: r.activity.get("type") == "invoke" and r.activity["value"]["action"]["verb"] == "ideas.add")
    assert again.status == 200
    assert await stored_ideas(database_url, step_id) == before

    # The facilitator closes the step: the summary lists exactly the remaining ideas.
    mark = len(pg.conversation_events)
    await pg.post_to_channel("next")
    summary = await pg.wait_for_card("Ideas collected in", since=mark)
    assert_valid_card(summary["message"]["attachments"][0]["content"])
    summary_text = card_json(summary)
    expected = [("Bob Builder", "Walking 1:1 meetings", "active"), ("Carol Coder", "Pair programming days", "active"),
                ("Dave Devops", "A shared team calendar", "active")]
    for _, text, _ in expected:
        assert text in summary_text
    assert "Quiet Fridays" not in summary_text and "Walking meetings\"" not in summary_text
    assert sorted(await stored_ideas(database_url, step_id)) == sorted(expected)
    assert all(r.status in (200, 201) for r in pg.bot_requests()), [(r.activity.get("type"), r.status) for r in pg.bot_requests()]
