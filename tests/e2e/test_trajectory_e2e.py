"""The reference trajectory through the Agents Playground, once per voting method: ideas (with an
anonymous question answered by the author) → online meeting → prioritisation (hidden results, a
changed ballot, a refused reveal) → live workshop → evaluation → finished. Both sync steps are
scheduled through the local .ics outbox. Nothing names the anonymous member, Erin: not a card, not a
message, not Blend's log. Once more in Dutch: everyone's Teams speaks nl-BE, so the commands are
Dutch, the trajectory is, and so are its cards, invitations and files.
(The deadline after a restart: tests/e2e/test_jobs_e2e.py.)"""

from __future__ import annotations

import json
from datetime import datetime, timezone

import pytest
from docx import Document
from icalendar import Calendar
from openpyxl import load_workbook

from cards.formatting import day
from cards.texts import language_of, translate
from conftest import card_of
from tests.cardcheck import assert_valid_card
from tests.fakes import find_actions, nodes

pytestmark = pytest.mark.e2e

CARD = "application/vnd.microsoft.card.adaptive"
IDEAS = [("Bob Builder", "Walking meetings"), ("Carol Coder", "Quiet Fridays"), ("Dave Devops", "Shared calendar")]

# Ballots by idea number (0, 1, 2). Carol votes twice; her second ballot counts. Every method makes
# "Quiet Fridays" (1) the winner; approval leaves 0 and 2 tied for second.
BALLOTS = {
    "dots": {"Bob Builder": {0: 3, 1: 2}, "Carol Coder": [{0: 5}, {1: 4, 2: 1}], "Erin Engineer": {1: 3, 0: 2}},
    "rank": {"Bob Builder": [0, 1], "Carol Coder": [[0, 2], [1, 2]], "Erin Engineer": [1, 0]},
    "score": {"Bob Builder": {0: 3, 1: 5}, "Carol Coder": [{0: 5}, {1: 4, 2: 2}], "Erin Engineer": {1: 5, 0: 3}},
    "approval": {"Bob Builder": [0, 1], "Carol Coder": [[0], [1]], "Erin Engineer": [1, 2]},
}


def ballot_inputs(method: str, options: list[int], ballot) -> dict:
    """The card inputs a member fills in for ``ballot`` (idea numbers → option ids)."""
    if method == "rank":
        return {f"vote_place_{place}": str(options[i]) for place, i in enumerate(ballot, start=1)}
    if method == "approval":
        return {f"vote_opt_{o}": "true" if n in ballot else "false" for n, o in enumerate(options)}
    return {f"vote_opt_{o}": str(ballot[n]) if n in ballot else "" for n, o in enumerate(options)}


# Every method in English; the Dutch run once (the e2e suite's time matters more than the product).
RUNS = [(method, "en-US") for method in sorted(BALLOTS)] + [("dots", "nl-BE")]


@pytest.mark.parametrize(("method", "locale"), RUNS, ids=[f"{m}-{loc}" for m, loc in RUNS])
async def test_a_whole_trajectory(method, locale, blend, database_url, playground_factory):
    pg = await playground_factory(blend.port, locale=locale)
    lang = language_of(locale)

    def say(key: str, **params) -> str:
        """What Blend says in this run's language."""
        return translate(lang, key, **params)

    def dumps(value) -> str:
        return json.dumps(value, ensure_ascii=False)

    title = f"Offsite ({method})"
    steps = [say(f"template.reference.step{n}.title") for n in range(1, 6)]

    async def click(who, verb, data, conversation, message) -> dict:
        status, body = await pg.invoke(conversation, message, who, verb, data, trigger="manual")
        assert status == 200, body
        if body["type"] == CARD:
            assert_valid_card(body["value"])
        return body

    async def schedule(card_event: dict, day: str, extra: dict) -> None:
        """The facilitator schedules a sync step at 10:00 Brussels time (local mode: the .ics outbox)."""
        at = (pg.thread_of(card_event), card_event["message"]["messageId"])
        (action,) = find_actions(card_of(card_event), "meeting.schedule")
        done = await click("Alice Admin", "meeting.schedule", {
            **action["data"], "meeting_date": day, "meeting_time": "10:00", "meeting_duration": "60",
            "meeting_time_zone": "Europe/Brussels", "meeting_organizer": "", **extra}, *at)
        assert say("meeting.scheduled") in dumps(done["value"]), done

    # Set up from the reference template: ideas → meeting → vote (with this method) → workshop → evaluation.
    mark = len(pg.conversation_events)
    await pg.post_to_channel(f"{say('command.new')} {title}")
    setup = await pg.wait_for_card("setup.start", since=mark)
    assert say("setup.start") in dumps(card_of(setup))
    setup_at = (pg.thread_of(setup), setup["message"]["messageId"])
    form = {n["id"]: n["value"] for n in nodes(card_of(setup)) if n.get("type", "").startswith("Input.") and "value" in n}
    assert [k for k in form if k.endswith("_method")] == ["step_2_method"]
    form.update({"step_2_method": method, "step_2_top_k": 2})
    ids = find_actions(card_of(setup), "setup.start")[0]["data"]
    mark = len(pg.conversation_events)
    started = await click("Alice Admin", "setup.start", {**ids, **form}, *setup_at)
    assert say("started", title=title, step=steps[0]) in dumps(started["value"]), started
    ideas_card = await pg.wait_for_card(say("ideas.add"), since=mark)
    ideas_at = (pg.thread_of(ideas_card), ideas_card["message"]["messageId"])
    step_id = find_actions(card_of(ideas_card), "ideas.add")[0]["data"]["step_id"]
    watch = len(pg.log_events)  # from here on nothing may name Erin (the setup card lists the roster)

    # Ideas, and Erin asks Bob a question anonymously; Bob answers on his private card.
    for who, text in IDEAS:
        await click(who, "ideas.add", {"step_id": step_id, "idea_text": text}, *ideas_at)
    erins = (await click("Erin Engineer", "ideas.refresh", {"step_id": step_id}, *ideas_at))["value"]
    walking = find_actions(erins, "ideas.clarify")[0]["data"]["idea_id"]
    calls = len(pg.connector_calls())
    await click("Erin Engineer", "ideas.clarify", {"idea_id": walking, f"clarify_text_{walking}": "Indoors too?",
                                                   f"clarify_kind_{walking}": "question",
                                                   f"clarify_anon_{walking}": "true"}, *ideas_at)
    (chat,) = [c["response"]["body"]["id"] for c in pg.connector_calls()[calls:] if c["activityName"] == "createConversation"]
    (private,) = [c for c in pg.connector_calls() if c["activityName"] == "message" and c.get("conversationId") == chat]
    (answer,) = find_actions(private["request"]["body"]["attachments"][0]["content"], "ideas.answer")
    cid = answer["data"]["clarification_id"]
    await click("Bob Builder", "ideas.answer", {**answer["data"], f"answer_text_{cid}": "Yes, in the atrium."},
                chat, private["messageId"])

    # Next: the summary, then the online meeting's scheduling card (its agenda: the ideas and the
    # answered question); "next" closes it unscheduled and opens the vote on the three ideas.
    mark = len(pg.conversation_events)
    await pg.post_to_channel(say("command.next"))
    summary = await pg.wait_for_card(say("summary.header", step=steps[0]), since=mark)
    assert "Yes, in the atrium." in json.dumps(card_of(summary))
    meeting = await pg.wait_for_card("meeting.schedule", since=mark)
    assert "Yes, in the atrium." in json.dumps(card_of(meeting))
    await schedule(meeting, "2030-06-03", {})
    mark = len(pg.conversation_events)
    await pg.post_to_channel(say("command.next"))
    vote_card = await pg.wait_for_card("vote.refresh", since=mark)
    vote_at = (pg.thread_of(vote_card), vote_card["message"]["messageId"])
    vote_step = find_actions(card_of(vote_card), "vote.refresh")[0]["data"]["step_id"]

    for who, ballots in BALLOTS[method].items():
        for ballot in (ballots if who == "Carol Coder" else [ballots]):
            mine = (await click(who, "vote.refresh", {"step_id": vote_step}, *vote_at))["value"]
            texts = json.dumps(mine)
            options = sorted(int(n["id"].rsplit("_", 1)[1]) for n in nodes(mine) if n.get("id", "").startswith("vote_opt_")) \
                if method != "rank" else sorted(int(c["value"]) for n in nodes(mine) if n.get("id") == "vote_place_1"
                                                 for c in n["choices"] if c["value"])
            assert len(options) == 3 and all(text in texts for _, text in IDEAS)
            (submit,) = find_actions(mine, "vote.submit")
            saved = await click(who, "vote.submit", {**submit["data"], **ballot_inputs(method, options, ballot)}, *vote_at)
            assert say("vote.saved") in dumps(saved["value"]), saved

    # Hidden until close: nobody sees results, and a member can't reveal them.
    bobs = await click("Bob Builder", "vote.refresh", {"step_id": vote_step}, *vote_at)
    assert say("vote.results.live") not in dumps(bobs["value"])
    assert say("vote.voters", voters=3, members=6) in dumps(bobs["value"])
    refused = await click("Bob Builder", "vote.reveal", {"step_id": vote_step}, *vote_at)
    assert say("error.not_facilitator", names="Alice Admin") in dumps(refused["value"])

    # Next: results (chart + ranked text), then the evaluation.
    mark = len(pg.conversation_events)
    await pg.post_to_channel(say("command.next"))
    results = await pg.wait_for_card(say("vote.results.header", step=steps[2]), since=mark)
    body = card_of(results)
    assert any(n.get("type", "").startswith("Chart.") for n in nodes(body))
    ranked = [n["text"] for n in nodes(body) if n.get("type") == "TextRun" and n["text"] in dict(IDEAS).values()]
    assert ranked[0] == "Quiet Fridays", ranked
    if method == "approval":
        assert dumps(body).count(say("vote.results.tied")) == 2
    assert say("vote.results.participation", voters=3, members=6) in dumps(body)

    # The workshop's scheduling card has the ranking as its agenda; "next" goes on to the evaluation.
    workshop = await pg.wait_for_card("meeting.schedule", since=mark)
    assert "Quiet Fridays" in json.dumps(card_of(workshop))
    await schedule(workshop, "2030-06-10", {"meeting_location": "Room 4.01, Ghent", "meeting_online": "false"})

    # Both invitations are standard iCalendar files in the local outbox, with every member invited.
    invitations = [Calendar.from_ical(f.read_bytes()) for f in sorted((blend.workdir / "outbox").glob("*.ics"))]
    events = sorted((e for c in invitations for e in c.walk("VEVENT")), key=lambda e: e.decoded("DTSTART"))
    assert [e.decoded("DTSTART").astimezone(timezone.utc) for e in events] == [
        datetime(2030, 6, 3, 8, 0, tzinfo=timezone.utc), datetime(2030, 6, 10, 8, 0, tzinfo=timezone.utc)]
    assert str(events[1]["LOCATION"]) == "Room 4.01, Ghent" and "Quiet Fridays" in str(events[1]["DESCRIPTION"])
    # Written in the trajectory's language, the date as its readers write it ("maandag 3 juni 2030").
    assert say("meeting.invitation.when", day=day(events[0].decoded("DTSTART"), "Europe/Brussels", lang),
               start="10:00", end="11:00", zone="Europe/Brussels") in str(events[0]["DESCRIPTION"])
    assert all(len(e.get("ATTENDEE")) == 6 for e in events)
    mark = len(pg.conversation_events)
    await pg.post_to_channel(say("command.next"))
    evaluation = await pg.wait_for_card("evaluation.refresh", since=mark)
    eval_at = (pg.thread_of(evaluation), evaluation["message"]["messageId"])
    eval_step = find_actions(card_of(evaluation), "evaluation.refresh")[0]["data"]["step_id"]
    for who, (likert, nps, text) in {"Bob Builder": ("4", "9", "Keep the async ideas."),
                                     "Erin Engineer": ("5", "10", "Keep the questions.")}.items():
        mine = (await click(who, "evaluation.refresh", {"step_id": eval_step}, *eval_at))["value"]
        inputs = [n for n in nodes(mine) if n.get("id", "").startswith("evaluation_answer_")]
        answers = {}
        for n in inputs:
            if n["type"] == "Input.Text":
                answers[n["id"]] = text
            elif any(c["value"] == "10" for c in n.get("choices", [])):
                answers[n["id"]] = nps
            else:
                answers[n["id"]] = likert
        (submit,) = find_actions(mine, "evaluation.submit")
        saved = await click(who, "evaluation.submit", {**submit["data"], **answers}, *eval_at)
        assert say("evaluation.saved") in dumps(saved["value"]), saved

    mark = len(pg.conversation_events)
    await pg.post_to_channel(say("command.next"))
    evaluated = await pg.wait_for_card(say("evaluation.summary.header", step=steps[4]), since=mark)
    summary_text = json.dumps(card_of(evaluated))
    assert "NPS +100" in summary_text and "Keep the questions." in summary_text
    finished = await pg.wait_for_bot_message(lambda ev: say("finished", title=title) in (ev["message"].get("text") or ""),
                                             since=mark)
    assert finished

    # The job loop files each step's output and then the final report in the local outbox (no Graph):
    # one folder for the trajectory with the five step files and the report, each opening in its library.
    ready = await pg.wait_for_card(say("files.report.header"), timeout=90, since=mark)
    assert_valid_card(card_of(ready))
    (folder,) = [f for f in (blend.workdir / "outbox" / "files").iterdir() if f.is_dir()]
    files = sorted(f.name for f in folder.iterdir() if not f.name.startswith("."))
    assert files == sorted([f"0{n} {step}.{'docx' if n in (2, 4) else 'xlsx'}" for n, step in enumerate(steps, start=1)]
                           + [f"{say('report.file_name', title=title)}.docx"]), files
    books = {name: load_workbook(folder / name) for name in files if name.endswith(".xlsx")}
    docs = {name: Document(str(folder / name)) for name in files if name.endswith(".docx")}
    book_text = {name: "\n".join(str(c.value) for ws in book for row in ws.iter_rows() for c in row)
                 for name, book in books.items()}
    assert all(text in book_text[files[0]] for _, text in IDEAS)
    assert not any("Erin" in text for text in book_text.values())  # her question, ballot and answers: anonymous
    assert "Room 4.01, Ghent" in "\n".join(c.text for t in docs[files[3]].tables
                                            for r in t.rows for c in r.cells)
    report = docs[files[5]]
    report_text = "\n".join([p.text for p in report.paragraphs]
                            + [c.text for t in report.tables for r in t.rows for c in r.cells])
    assert "Quiet Fridays" in report_text and len(report.inline_shapes) >= 1  # the vote's chart
    assert "Erin" not in report_text

    # Erin asked, voted and answered anonymously: her name and id are in nothing Blend sent or logged.
    sent = json.dumps([c["request"] for c in pg.connector_calls(watch)] + [r.response for r in pg.bot_requests(watch)])
    erin = pg.user("Erin Engineer")
    assert "Erin" not in sent and erin["aadObjectId"] not in sent
    log = blend.log_path.read_text()
    assert "Erin" not in log and erin["aadObjectId"] not in log
    assert all(r.status in (200, 201) for r in pg.bot_requests()), [(r.activity.get("type"), r.status) for r in pg.bot_requests()]
