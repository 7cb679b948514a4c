"""Clarifications end to end: Blend as a process, the Agents Playground as Teams.

A member asks the author of an idea a question anonymously through the channel card; Blend opens a
1:1 chat with the author (seen on the Playground's log stream: createConversation, then the card);
the author answers on that private card through the invoke route, and the channel card is updated
with the answer (updateMessage on the websocket). A re-delivered question changes nothing, the
facilitator merges a duplicate, and after close the summary in the thread keeps taking questions.
The asker's name reaches nothing Blend sends, nor its log."""

from __future__ import annotations

import json

import pytest

from conftest import card_of, card_json
from storage.database import create_engine, session_factory
from storage.unit_of_work import SqlUnitOfWork
from tests.cardcheck import assert_valid_card
from tests.fakes import find_actions

pytestmark = pytest.mark.e2e

CARD = "application/vnd.microsoft.card.adaptive"
QUESTION = "Do you mean outdoors, or around the office?"


async def stored(database_url: str, step_id: int):
    engine = create_engine(database_url)
    try:
        async with SqlUnitOfWork(session_factory(engine)) as uow:
            return await uow.ideas.active_for_step(step_id), await uow.clarifications.for_step(step_id)
    finally:
        await engine.dispose()


async def test_question_answer_merge_and_summary_through_the_playground(blend, database_url, playground_factory):
    pg = await playground_factory(blend.port)
    await pg.post_to_channel("new Clarify offsite")
    mark = len(pg.conversation_events)
    await pg.post_to_channel("start")
    opened = await pg.wait_for_card("Add idea", since=mark)
    thread, card_id = pg.thread_of(opened), opened["message"]["messageId"]
    step_id = find_actions(card_of(opened), "ideas.add")[0]["data"]["step_id"]
    log_mark = len(pg.log_events)  # from here on, nothing Blend sends may name Carol (the setup card lists the roster)

    async def click(who: str, verb: str, data: dict, conversation: str = thread, message: str = card_id) -> dict:
        status, body = await pg.invoke(conversation, message, who, verb, data, trigger="manual")
        assert status == 200, body
        if body["type"] == CARD:
            assert_valid_card(body["value"])
        return body

    for who, text in [("Bob Builder", "Walking meetings"), ("Dave Devops", "Meetings while walking")]:
        await click(who, "ideas.add", {"step_id": step_id, "idea_text": text})
    walking, duplicate = [i.id for i in (await stored(database_url, step_id))[0]]

    # Carol asks Bob anonymously, from the Ask form under his idea on her view of the card.
    carols = (await click("Carol Coder", "ideas.refresh", {"step_id": step_id}))["value"]
    assert [a["data"] for a in find_actions(carols, "ideas.clarify")] == [{"idea_id": walking}, {"idea_id": duplicate}]
    calls_before = len(pg.connector_calls())
    asked = await click("Carol Coder", "ideas.clarify", {
        "idea_id": walking, f"clarify_text_{walking}": QUESTION, f"clarify_kind_{walking}": "question",
        f"clarify_anon_{walking}": "true"})
    assert "Your question was sent to the author." in json.dumps(asked["value"])

    # Blend opened a 1:1 chat with Bob and posted the question card there (only on the log stream:
    # the Playground's current user is Alice).
    calls = pg.connector_calls(0)[calls_before:]
    (created,) = [c for c in calls if c["activityName"] == "createConversation"]
    assert created["request"]["body"]["members"] == [{"id": pg.user("Bob")["id"]}]
    chat = created["response"]["body"]["id"]
    (posted,) = [c for c in pg.connector_calls() if c["activityName"] == "message" and c.get("conversationId") == chat]
    private_card = posted["request"]["body"]["attachments"][0]["content"]
    assert_valid_card(private_card)
    assert QUESTION in json.dumps(private_card) and "Question from Anonymous" in json.dumps(private_card)
    (answer_action,) = find_actions(private_card, "ideas.answer")

    # The channel card shows the open question.
    await pg.wait_for_bot_message(lambda ev: ev["action"] == "updateMessage" and QUESTION in card_json(ev))

    # Teams re-delivers Carol's click: no second question, no second private message.
    again = await pg.resend_last_activity_to_bot(
        lambda r: r.activity.get("type") == "invoke" and r.activity["value"]["action"]["verb"] == "ideas.clarify")
    assert again.status == 200
    assert len((await stored(database_url, step_id))[1]) == 1
    assert len([c for c in pg.connector_calls() if c["activityName"] == "createConversation"
                and not c["request"]["body"].get("isGroup")]) == 1

    # Dave can't answer for Bob (Bob's chat isn't his: he forges the action on the channel card);
    # Bob answers on his private card through the invoke route.
    cid = answer_action["data"]["clarification_id"]
    answer = {**answer_action["data"], f"answer_text_{cid}": "Outdoors, around the park."}
    refused = await click("Dave Devops", "ideas.answer", answer)
    assert refused["value"] == "Only the author of the idea can answer this."
    mark = len(pg.conversation_events)
    answered = await click("Bob Builder", "ideas.answer", answer, chat, posted["messageId"])
    assert "Your answer is shown on the idea" in json.dumps(answered["value"])
    update = await pg.wait_for_bot_message(
        lambda ev: ev["action"] == "updateMessage" and "Outdoors, around the park." in card_json(ev), since=mark)
    assert QUESTION in card_json(update) and "Bob Builder answered" in card_json(update)
    assert_valid_card(card_of(update))

    # Alice (facilitator) merges Dave's duplicate into Bob's idea; Dave may not.
    alices = (await click("Alice Admin", "ideas.refresh", {"step_id": step_id}))["value"]
    choose = next(a for a in find_actions(alices, "ideas.merge_choose") if a["data"]["idea_id"] == duplicate)
    refused = await click("Dave Devops", "ideas.merge_choose", choose["data"])
    assert "Only the facilitators" in json.dumps(refused["value"])
    form = (await click("Alice Admin", "ideas.merge_choose", choose["data"]))["value"]
    (merge,) = find_actions(form, "ideas.merge")
    mark = len(pg.conversation_events)
    merged = await click("Alice Admin", "ideas.merge", {**merge["data"], "merge_target": str(walking)})
    assert "The ideas were merged." in json.dumps(merged["value"])
    await pg.wait_for_bot_message(lambda ev: ev["action"] == "updateMessage" and "Merged with:" in card_json(ev),
                                  since=mark)
    assert [i.id for i in (await stored(database_url, step_id))[0]] == [walking]

    # Close the step: the summary in the thread shows the idea, the merge, the question and answer...
    mark = len(pg.conversation_events)
    await pg.post_to_channel("next")
    summary = await pg.wait_for_card("Ideas collected in", since=mark)
    assert_valid_card(card_of(summary))
    for text in ("Walking meetings", "Meetings while walking", QUESTION, "Outdoors, around the park."):
        assert text in card_json(summary)
    # ...and takes new questions: Dave asks there, the summary is updated in place.
    summary_id = summary["message"]["messageId"]
    mark = len(pg.conversation_events)
    await click("Dave Devops", "ideas.clarify", {
        "idea_id": walking, f"clarify_text_{walking}": "Also when it rains?", f"clarify_kind_{walking}": "comment",
        f"clarify_anon_{walking}": "false"}, thread, summary_id)
    updated = await pg.wait_for_bot_message(
        lambda ev: ev["action"] == "updateMessage" and "Also when it rains?" in card_json(ev), since=mark)
    assert updated["message"]["messageId"] == summary_id and "Comment from Dave Devops" in card_json(updated)

    # Carol stayed anonymous: her name is in nothing Blend sent, nor in Blend's log.
    sent = json.dumps([c["request"] for c in pg.connector_calls(log_mark)]
                      + [r.response for r in pg.bot_requests(log_mark)])
    assert "Carol" not in sent and pg.user("Carol")["aadObjectId"] not in sent
    assert "Carol" not in blend.log_path.read_text()
    assert all(r.status in (200, 201) for r in pg.bot_requests()), [(r.activity.get("type"), r.status)
                                                                     for r in pg.bot_requests()]
