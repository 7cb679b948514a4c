"""The reference trajectory's online meeting through the Agents Playground, scheduled with the local
.ics outbox (no Microsoft 365 in local mode): a member is refused, the facilitator schedules it, the
channel card says where the invitation file is and the file holds the agenda; a re-delivered click
writes nothing new; rescheduling rewrites the file; outcomes close the step and the vote opens."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from conftest import card_of
from tests.cardcheck import assert_valid_card
from tests.fakes import find_actions, nodes

pytestmark = pytest.mark.e2e

CARD = "application/vnd.microsoft.card.adaptive"


async def test_the_meeting_step_through_the_local_ics_outbox(blend, database_url, playground_factory):
    pg = await playground_factory(blend.port)

    async def click(who, verb, data, conversation, message, activity_id=None) -> dict:
        status, body = await pg.invoke(conversation, message, who, verb, data, trigger="manual")
        assert status == 200, body
        assert body["type"] == CARD, body
        assert_valid_card(body["value"])
        return body["value"]

    mark = len(pg.conversation_events)
    await pg.post_to_channel("new Offsite")
    setup = await pg.wait_for_card("Set up", since=mark)
    ids = find_actions(card_of(setup), "setup.start")[0]["data"]
    mark = len(pg.conversation_events)
    await click("Alice Admin", "setup.start", ids, pg.thread_of(setup), setup["message"]["messageId"])
    ideas_card = await pg.wait_for_card("Add idea", since=mark)
    ideas_at = (pg.thread_of(ideas_card), ideas_card["message"]["messageId"])
    step_id = find_actions(card_of(ideas_card), "ideas.add")[0]["data"]["step_id"]
    await click("Bob Builder", "ideas.add", {"step_id": step_id, "idea_text": "Quiet <b>Fridays</b>"}, *ideas_at)

    mark = len(pg.conversation_events)
    await pg.post_to_channel("next")
    meeting = await pg.wait_for_card("meeting.schedule", since=mark)
    at = (pg.thread_of(meeting), meeting["message"]["messageId"])
    (schedule,) = find_actions(card_of(meeting), "meeting.schedule")
    form = {**schedule["data"], "meeting_date": "2030-06-03", "meeting_time": "10:00", "meeting_duration": "45",
            "meeting_time_zone": "Europe/Brussels", "meeting_organizer": ""}

    refused = await click("Bob Builder", "meeting.schedule", form, *at)
    assert "Only the facilitators" in json.dumps(refused)
    outbox = Path(blend.workdir) / "outbox"
    assert not list(outbox.glob("*.ics")) if outbox.exists() else True

    mark = len(pg.conversation_events)
    scheduled = await click("Alice Admin", "meeting.schedule", form, *at)
    text = json.dumps(scheduled)
    assert "Scheduled." in text and "the invitation was written to" in text
    (ics,) = outbox.glob("*.ics")
    assert str(ics.resolve()) in text or str(ics) in text or ics.name in text
    invitation = ics.read_text()
    assert "DTSTART;TZID=Europe/Brussels:20300603T100000" in invitation.replace("\r\n ", "")
    assert "Fridays" in invitation  # the agenda
    updated = await pg.wait_for_card("meeting.reschedule", since=mark)  # the channel card too
    assert ics.name in json.dumps(card_of(updated))
    # The same click again (a stale card now): nothing new is written.
    again = await click("Alice Admin", "meeting.schedule", form, *at)
    assert "out of date" in json.dumps(again) and len(list(outbox.glob("*.ics"))) == 1

    (move,) = find_actions(scheduled, "meeting.reschedule")
    moved = await click("Alice Admin", "meeting.reschedule", {**form, "meeting_time": "14:00", **move["data"]}, *at)
    assert "Moved." in json.dumps(moved), [n.get("text") for n in nodes(moved) if n.get("type") in ("TextRun", "TextBlock")]
    assert "20300603T140000" in ics.read_text().replace("\r\n ", "")

    (save,) = find_actions(moved, "meeting.outcomes")
    mark = len(pg.conversation_events)
    saved = await click("Alice Admin", "meeting.outcomes", {**save["data"], "meeting_outcomes": "We like Fridays.",
                                                            "meeting_decisions": ""}, *at)
    assert "Saved. The step is closed." in json.dumps(saved)
    mark = len(pg.conversation_events)
    await pg.post_to_channel("next")
    await pg.wait_for_card("vote.refresh", since=mark)
    assert all(r.status in (200, 201) for r in pg.bot_requests())
