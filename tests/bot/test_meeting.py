"""The meeting and workshop steps through the TestAdapter, with a fake calendar (FakeScheduler) and
directory: scheduling, a re-delivered click, refusals, each calendar failure, rescheduling, cancelling,
the end-of-meeting job and the outcomes that close the step."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone

import pytest

from cards import verbs
from tests.bot.conftest import ALICE, BOB, CHANNEL, TEAM, TENANT, Harness, invoke
from tests.bot.conftest import card_of
from tests.bot.test_commands import active, only_text
from tests.bot.test_jobs import runner_for
from tests.cardcheck import assert_valid_card
from tests.fakes import card_texts, find_actions, nodes
from trajectory.jobs import JobKind, JobState
from trajectory.kinds.meeting import MeetingState
from trajectory.meetings import Attendee, SchedulingFailure
from trajectory.model import ChannelRef, StepState
from trajectory.setup import StepDraft, edit_draft, new_trajectory

ATTENDEES = [Attendee("Alice Admin", "alice@contoso.example"), Attendee("Bob Builder", "bob@contoso.example")]


def text_of(card: dict) -> str:
    return " ".join(card_texts(card))


async def opened(h: Harness, kind: str = "meeting", auto_advance: bool = False, settings=None):
    """ideas → <kind> → vote, started; one idea with an open question; then ``next``: <kind> is open."""
    h.directory.attendees = list(ATTENDEES)
    now = h.clock()
    trajectory = new_trajectory(ChannelRef(TENANT, TEAM, CHANNEL), ALICE, "Offsite", now)
    edit_draft(trajectory, title="Offsite", question="What next?", co_facilitators=[], now=now,
               steps=[StepDraft("ideas", "Ideas"), StepDraft(kind, "Talk it through", settings=settings or {}),
                      StepDraft("vote", "Prioritise")],
               settings={"auto_advance": auto_advance})
    async with h.uow() as uow:
        await uow.trajectories.add(trajectory)
        await uow.commit()
    assert "has started" in only_text(await h.say(ALICE, "start"))
    ideas = (await active(h)).steps[0]
    await h.act(BOB, verbs.IDEAS_ADD, {"step_id": ideas.id, verbs.IDEA_TEXT: "Quiet Fridays"})
    async with h.uow() as uow:
        (idea,) = await uow.ideas.in_step(ideas.id)
    await h.act(ALICE, verbs.IDEAS_CLARIFY, {"idea_id": idea.id, f"{verbs.CLARIFY_TEXT_PREFIX}{idea.id}": "All day?",
                                             f"{verbs.CLARIFY_KIND_PREFIX}{idea.id}": "question",
                                             f"{verbs.CLARIFY_ANONYMOUS_PREFIX}{idea.id}": "false"})
    await h.say(ALICE, "next")
    trajectory = await active(h)
    step = trajectory.steps[1]
    assert (step.kind, step.state) == (kind, StepState.OPEN)
    return trajectory, step


def channel_card(h: Harness, step) -> dict:
    card = h.messenger.posts[step.card.activity_id]
    assert_valid_card(card)
    return card


def form(step_id: int, version: int = 0, **typed) -> dict:
    values = {verbs.MEETING_DATE: "2026-11-26", verbs.MEETING_TIME: "10:00", verbs.MEETING_DURATION: "90",
              verbs.MEETING_TIME_ZONE: "Europe/Brussels", verbs.MEETING_ORGANIZER: ""}
    return {"step_id": step_id, "version": version, **values, **typed}


async def stored(h: Harness, step_id: int):
    async with h.uow() as uow:
        return await uow.meetings.get(step_id)


START = datetime(2026, 11, 26, 9, 0, tzinfo=timezone.utc)  # 10:00 in Brussels


async def test_the_step_opens_with_a_scheduling_card_for_everyone_with_the_agenda(harness: Harness):
    _, step = await opened(harness)
    card = channel_card(harness, step)
    (action,) = find_actions(card, verbs.MEETING_SCHEDULE)
    assert action["data"] == {"step_id": step.id, "version": 0}
    ids = {n["id"] for n in nodes(card) if n.get("type", "").startswith("Input.")}
    assert {verbs.MEETING_DATE, verbs.MEETING_TIME, verbs.MEETING_DURATION, verbs.MEETING_TIME_ZONE,
            verbs.MEETING_ORGANIZER} <= ids
    assert verbs.MEETING_LOCATION not in ids  # a meeting has no place
    assert "Quiet Fridays" in text_of(card) and "All day?" in text_of(card) and "Open question:" in text_of(card)
    assert harness.scheduler.requests == []  # opening schedules nothing
    async with harness.uow() as uow:
        assert await uow.jobs.for_step(step.id) == []  # no reminders for a sync step


async def test_a_facilitator_schedules_one_event_for_the_channel_and_the_card_shows_it(harness: Harness):
    _, step = await opened(harness)
    card = card_of(await harness.act(ALICE, verbs.MEETING_SCHEDULE, form(step.id)))
    (request,) = harness.scheduler.requests
    assert request.transaction_id == f"blend-{step.id}-1"
    assert (request.start, request.end, request.time_zone) == (START, START + timedelta(minutes=90), "Europe/Brussels")
    assert request.online is True and request.location == ""
    assert request.organizer == ALICE.aad_id  # none typed: the facilitator, by Entra object id
    assert request.attendees == tuple(ATTENDEES)
    assert harness.directory.asked == [(TEAM, CHANNEL)]  # no Entra group id known: the team id
    assert "Quiet Fridays" in request.body_html and "Offsite: Talk it through" == request.subject

    meeting = await stored(harness, step.id)
    assert (meeting.event_id, meeting.state, meeting.version) == ("event-1", MeetingState.SCHEDULED, 1)
    assert meeting.join_url.startswith("https://teams.microsoft.com/")
    for shown in (card, channel_card(harness, step)):
        opens = [n for n in nodes(shown) if n.get("type") == "Action.OpenUrl"]
        assert opens[0] == {"type": "Action.OpenUrl", "title": "Join the Teams meeting", "url": meeting.join_url}
        assert not find_actions(shown, verbs.MEETING_SCHEDULE)
        assert find_actions(shown, verbs.MEETING_RESCHEDULE)[0]["data"] == {"step_id": step.id, "version": 1}
    assert "Scheduled. The invitations are on their way." in text_of(card)
    async with harness.uow() as uow:
        (job,) = await uow.jobs.for_step(step.id)
    assert (job.kind, job.state, job.payload) == (JobKind.MEETING_END, JobState.PENDING, {"version": 1})
    assert START + timedelta(minutes=90) <= job.due_at < START + timedelta(minutes=90, seconds=1)


async def test_a_redelivered_click_and_a_second_click_make_no_second_event(harness: Harness):
    _, step = await opened(harness)
    await harness.act(ALICE, verbs.MEETING_SCHEDULE, form(step.id), activity_id="click-1")
    again = card_of(await harness.act(ALICE, verbs.MEETING_SCHEDULE, form(step.id), activity_id="click-1"))
    other = card_of(await harness.act(ALICE, verbs.MEETING_SCHEDULE, form(step.id)))
    assert len(harness.scheduler.requests) == 1
    assert "This card was out of date" in text_of(again) and "This card was out of date" in text_of(other)
    assert (await stored(harness, step.id)).version == 1


async def test_a_member_is_refused_politely_and_nothing_happens(harness: Harness):
    _, step = await opened(harness)
    card = card_of(await harness.act(BOB, verbs.MEETING_SCHEDULE, form(step.id)))
    assert "Only the facilitators of this trajectory can do that (Alice Admin)." in text_of(card)
    assert harness.scheduler.requests == [] and await stored(harness, step.id) is None


@pytest.mark.parametrize("failure, says", [
    (SchedulingFailure.CONSENT, "Calendars.ReadWrite permission"),
    (SchedulingFailure.NOT_FOUND, "The organizer \u201cnobody@contoso.example\u201d isn't known in your tenant."),
    (SchedulingFailure.THROTTLED, "Microsoft 365 is busy; try again in a minute \u2014 nothing was created."),
    (SchedulingFailure.TIMEOUT, "Microsoft 365 is busy; try again in a minute \u2014 nothing was created."),
    (SchedulingFailure.INVALID, "Microsoft 365 refused the meeting."),
    (SchedulingFailure.UNKNOWN, "couldn't create the meeting"),
])
async def test_each_calendar_failure_gets_its_card_and_stores_nothing(harness: Harness, failure, says):
    _, step = await opened(harness)
    before = channel_card(harness, step)
    harness.scheduler.fail_with = failure
    card = card_of(await harness.act(ALICE, verbs.MEETING_SCHEDULE,
                                     form(step.id, **{verbs.MEETING_ORGANIZER: "nobody@contoso.example"})))
    assert says in text_of(card)
    assert find_actions(card, verbs.MEETING_SCHEDULE)[0]["data"] == {"step_id": step.id, "version": 0}
    values = {n["id"]: n.get("value") for n in nodes(card) if n.get("type", "").startswith("Input.")}
    assert values[verbs.MEETING_ORGANIZER] == "nobody@contoso.example"  # typed values kept for the retry
    assert await stored(harness, step.id) is None
    assert channel_card(harness, step) == before
    async with harness.uow() as uow:
        assert await uow.jobs.for_step(step.id) == []
    # The same click again after the outage: the same transaction id, one event.
    harness.scheduler.fail_with = None
    await harness.act(ALICE, verbs.MEETING_SCHEDULE, form(step.id))
    assert {r.transaction_id for r in harness.scheduler.requests} == {f"blend-{step.id}-1"}
    assert (await stored(harness, step.id)).state is MeetingState.SCHEDULED


async def test_bad_input_is_refused_before_the_calendar_is_asked(harness: Harness):
    _, step = await opened(harness)
    for typed, says in (({verbs.MEETING_DATE: "2026-11-24"}, "the meeting must start in the future"),
                        ({verbs.MEETING_DURATION: "5"}, "between 15 and 480"),
                        ({verbs.MEETING_TIME_ZONE: "Mars/Olympus"}, "pick a time zone"),
                        ({verbs.MEETING_DATE: ""}, "pick a valid date")):
        card = card_of(await harness.act(ALICE, verbs.MEETING_SCHEDULE, form(step.id, **typed)))
        assert says in text_of(card), (typed, text_of(card))
    assert harness.scheduler.requests == []


async def test_a_workshop_needs_a_location_and_may_have_a_teams_link(harness: Harness):
    _, step = await opened(harness, "workshop", settings={"location": "", "duration": 120})
    card = card_of(await harness.act(ALICE, verbs.MEETING_SCHEDULE, form(step.id)))
    assert "The location is empty." in text_of(card) and harness.scheduler.requests == []
    card = card_of(await harness.act(ALICE, verbs.MEETING_SCHEDULE, form(
        step.id, **{verbs.MEETING_LOCATION: "Room <b>4</b>", verbs.MEETING_ONLINE: "false",
                    verbs.MEETING_DURATION: ""})))
    (request,) = harness.scheduler.requests
    assert (request.location, request.online, request.end - request.start) == ("Room <b>4</b>", False, timedelta(hours=2))
    assert not [n for n in nodes(card) if n.get("title") == "Join the Teams meeting"]
    assert "Where: Room <b>4</b>" in text_of(card)


async def test_reschedule_moves_the_event_and_updates_the_card(harness: Harness):
    _, step = await opened(harness)
    await harness.act(ALICE, verbs.MEETING_SCHEDULE, form(step.id, **{verbs.MEETING_ORGANIZER: "alice@contoso.example"}))
    card = card_of(await harness.act(ALICE, verbs.MEETING_RESCHEDULE, form(
        step.id, 1, **{verbs.MEETING_TIME: "14:30", verbs.MEETING_ORGANIZER: "someone@else.example"})))
    ((event_id, request),) = harness.scheduler.reschedules
    assert event_id == "event-1" and request.transaction_id == f"blend-{step.id}-2"
    assert request.start == START + timedelta(hours=4, minutes=30)
    assert request.organizer == "alice@contoso.example"  # the event stays in its organizer's calendar
    assert "Moved. The attendees are told." in text_of(card)
    meeting = await stored(harness, step.id)
    assert (meeting.start, meeting.version) == (request.start, 2)
    assert find_actions(channel_card(harness, step), verbs.MEETING_RESCHEDULE)[0]["data"]["version"] == 2
    async with harness.uow() as uow:
        jobs = await uow.jobs.for_step(step.id)
    assert sorted((j.payload["version"], j.state) for j in jobs) == [(1, JobState.CANCELLED), (2, JobState.PENDING)]
    # The old card (version 1) is stale now: no second move.
    stale = card_of(await harness.act(ALICE, verbs.MEETING_RESCHEDULE, form(step.id, 1)))
    assert "out of date" in text_of(stale) and len(harness.scheduler.reschedules) == 1


async def test_cancel_with_a_comment_and_schedule_again(harness: Harness):
    _, step = await opened(harness)
    await harness.act(ALICE, verbs.MEETING_SCHEDULE, form(step.id))
    refused = card_of(await harness.act(BOB, verbs.MEETING_CANCEL, {"step_id": step.id, "version": 1}))
    assert "Only the facilitators" in text_of(refused) and harness.scheduler.cancels == []
    card = card_of(await harness.act(ALICE, verbs.MEETING_CANCEL, {"step_id": step.id, "version": 1,
                                                                    verbs.MEETING_COMMENT: "Half the team is ill."}))
    assert harness.scheduler.cancels == [("event-1", ALICE.aad_id, "Half the team is ill.")]
    assert "Cancelled. The attendees are told." in text_of(card)
    assert (await stored(harness, step.id)).state is MeetingState.CANCELLED
    shared = channel_card(harness, step)
    assert "The meeting was cancelled." in text_of(shared)
    assert find_actions(shared, verbs.MEETING_SCHEDULE)[0]["data"] == {"step_id": step.id, "version": 2}
    async with harness.uow() as uow:
        assert {j.state for j in await uow.jobs.for_step(step.id)} == {JobState.CANCELLED}
    await harness.act(ALICE, verbs.MEETING_SCHEDULE, form(step.id, 2))
    assert harness.scheduler.requests[-1].transaction_id == f"blend-{step.id}-3"
    assert (await stored(harness, step.id)).state is MeetingState.SCHEDULED


async def test_a_failed_cancel_changes_nothing(harness: Harness):
    _, step = await opened(harness)
    await harness.act(ALICE, verbs.MEETING_SCHEDULE, form(step.id))
    harness.scheduler.fail_with = SchedulingFailure.THROTTLED
    card = card_of(await harness.act(ALICE, verbs.MEETING_CANCEL, {"step_id": step.id, "version": 1}))
    assert "could not be cancelled" in text_of(card)
    assert (await stored(harness, step.id)).state is MeetingState.SCHEDULED


async def test_after_the_meeting_the_facilitators_record_outcomes_and_the_step_closes(harness: Harness):
    _, step = await opened(harness)
    await harness.act(ALICE, verbs.MEETING_SCHEDULE, form(step.id))
    await runner_for(harness).run_until_idle()
    assert [r for r in harness.messenger.replies if r[0] == step.card] == []  # not ended yet
    harness.clock.now = START + timedelta(minutes=91)
    await runner_for(harness).run_until_idle()
    ((at, asked),) = [r for r in harness.messenger.replies if r[0] == step.card]
    assert asked["body"][0]["text"].startswith("How did")
    assert_valid_card(asked)
    (save,) = find_actions(asked, verbs.MEETING_OUTCOMES_SAVE)
    assert save["data"] == {"step_id": step.id, "version": 1}

    data = {**save["data"], verbs.MEETING_OUTCOMES: "We agreed **a lot**.", verbs.MEETING_DECISIONS: "Quiet Fridays from January."}
    refused = card_of(await harness.act(BOB, verbs.MEETING_OUTCOMES_SAVE, data))
    assert "Only the facilitators" in text_of(refused)
    card = card_of(await harness.act(ALICE, verbs.MEETING_OUTCOMES_SAVE, data))
    assert "Saved. The step is closed." in text_of(card)
    trajectory = await active(harness)
    assert trajectory.steps[1].state is StepState.CLOSED and trajectory.current_step is None
    shared = channel_card(harness, step)
    assert "We agreed **a lot**." in text_of(shared) and "Quiet Fridays from January." in text_of(shared)
    assert not find_actions(shared, verbs.MEETING_RESCHEDULE)
    runs = [n for n in nodes(shared) if n.get("type") == "TextRun" and n["text"] == "We agreed **a lot**."]
    assert runs  # people's text in a TextRun
    again = card_of(await harness.act(ALICE, verbs.MEETING_OUTCOMES_SAVE, data))
    assert "not open" in text_of(again)


async def test_outcomes_with_auto_advance_open_the_next_step(harness: Harness):
    _, step = await opened(harness, auto_advance=True)
    await harness.act(ALICE, verbs.MEETING_SCHEDULE, form(step.id))
    await harness.act(ALICE, verbs.MEETING_OUTCOMES_SAVE, {"step_id": step.id, "version": 1,
                                                          verbs.MEETING_OUTCOMES: "Good talk."})
    trajectory = await active(harness)
    assert trajectory.current_step.kind == "vote"
    assert find_actions(harness.messenger.posts[trajectory.current_step.card.activity_id], verbs.VOTE_REFRESH)


async def test_next_closes_an_unscheduled_step_and_voids_the_end_job(harness: Harness):
    _, step = await opened(harness)
    await harness.act(ALICE, verbs.MEETING_SCHEDULE, form(step.id))
    await harness.say(ALICE, "next")
    async with harness.uow() as uow:
        assert {j.state for j in await uow.jobs.for_step(step.id)} == {JobState.CANCELLED}
    assert (await active(harness)).current_step.kind == "vote"
    assert "This step is closed." in text_of(channel_card(harness, step))


async def test_without_a_calendar_the_facilitator_is_told(harness: Harness):
    _, step = await opened(harness)
    harness.bot._scheduler = None
    body = await harness.act(ALICE, verbs.MEETING_SCHEDULE, form(step.id))
    assert "no calendar connection" in json.dumps(body)


async def test_status_counts_no_participation_for_a_meeting(harness: Harness):
    await opened(harness)
    sent = await harness.say(ALICE, "status")
    (card,) = [a.attachments[0].content for a in sent if a.attachments]
    assert_valid_card(card)
    facts = {f["title"]: f["value"] for n in nodes(card) if n.get("type") == "FactSet" for f in n["facts"]}
    texts = json.dumps(card)
    assert "Talk it through" in texts
    assert not any("Alice Admin" in v and "Bob Builder" in v for v in facts.values()), facts  # no "hasn't yet: all"


async def test_a_refresh_preselects_the_viewer_s_time_zone(harness: Harness):
    _, step = await opened(harness)
    shared = channel_card(harness, step)
    assert shared["refresh"]["userIds"] == [ALICE.user_id]  # the facilitators
    assert shared["refresh"]["action"]["verb"] == verbs.MEETING_REFRESH
    act = invoke(ALICE, verbs.MEETING_REFRESH, {"step_id": step.id})
    act.local_timezone = "America/New_York"
    (response,) = [a for a in await harness.send(act) if a.type == "invokeResponse"]
    card = response.value.body["value"] if isinstance(response.value.body, dict) else response.value.body.value
    assert_valid_card(card)
    (zone,) = [n for n in nodes(card) if n.get("id") == verbs.MEETING_TIME_ZONE]
    assert zone["value"] == "America/New_York"


async def test_the_setup_card_sets_the_meeting_defaults_and_asks_no_deadline_for_sync_steps(harness: Harness):
    sent = await harness.say(ALICE, "new Offsite")
    (card,) = [a.attachments[0].content for a in sent if a.attachments]
    assert [s.kind for s in (await active(harness)).steps] == ["ideas", "meeting", "vote", "workshop", "evaluation"]
    ids = {n["id"] for n in nodes(card) if n.get("type", "").startswith("Input.")}
    assert "step_0_deadline_date" in ids and "step_1_deadline_date" not in ids and "step_3_deadline_date" not in ids
    assert {"step_1_duration", "step_1_organizer", "step_3_location", "step_3_online"} <= ids
    assert "step_1_location" not in ids
    (save,) = find_actions(card, verbs.SETUP_SAVE)
    saved = card_of(await harness.act(ALICE, verbs.SETUP_SAVE, {
        **save["data"], "step_1_duration": "90", "step_1_organizer": "ops@contoso.example",
        "step_1_meeting_date": "2026-12-02", "step_1_meeting_time": "09:30",
        "step_3_location": "Atrium", "step_3_online": "true"}))
    assert "Saved." in card_texts(saved), card_texts(saved)
    steps = (await active(harness)).steps
    assert steps[1].settings == {"duration": 90, "location": "", "online": True, "organizer": "ops@contoso.example",
                                 "date": "2026-12-02", "time": "09:30"}
    assert (steps[3].settings["location"], steps[3].settings["online"]) == ("Atrium", True)
    bad = card_of(await harness.act(ALICE, verbs.SETUP_SAVE, {
        **find_actions(saved, verbs.SETUP_SAVE)[0]["data"], "step_1_duration": "1000"}))
    assert "between 15 and 480" in " ".join(card_texts(bad))
