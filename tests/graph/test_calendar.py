"""GraphMeetingScheduler through msgraph-sdk (real retry middleware) against the Graph double."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from graph.calendar import GraphMeetingScheduler, graph_time
from trajectory.meetings import Attendee, MeetingRequest, ScheduledMeeting, SchedulingError, SchedulingFailure

BRUSSELS = ZoneInfo("Europe/Brussels")
ORGANIZER = "ann@contoso.com"
ANN = Attendee(name="Ann Example", email="ann@contoso.com")
BOB = Attendee(name="Bob O'Brien", email="bob@contoso.com")


def request(**changes) -> MeetingRequest:
    values = dict(
        transaction_id="blend-step-42-v1",
        organizer=ORGANIZER,
        subject="Ideas: pick the three to build",
        start=datetime(2026, 12, 3, 14, 0, tzinfo=BRUSSELS),
        end=datetime(2026, 12, 3, 15, 30, tzinfo=BRUSSELS),
        time_zone="Europe/Paris",
        attendees=(ANN, BOB),
        online=True,
        location="Room 4",
        body_html="<p>Agenda</p><ol><li>Ideas</li><li>Vote</li></ol>",
    )
    return MeetingRequest(**{**values, **changes})


async def test_schedule_posts_one_documented_event_and_returns_its_links(client, double):
    meeting = await GraphMeetingScheduler(client).schedule(request())

    [post] = double.calls("POST", "/events")
    assert post.path == f"/v1.0/users/{ORGANIZER}/events"
    body = post.body
    assert body["subject"] == "Ideas: pick the three to build"
    assert body["body"] == {"contentType": "html", "content": "<p>Agenda</p><ol><li>Ideas</li><li>Vote</li></ol>"}
    assert body["start"] == {"dateTime": "2026-12-03T14:00:00", "timeZone": "Europe/Paris"}
    assert body["end"] == {"dateTime": "2026-12-03T15:30:00", "timeZone": "Europe/Paris"}
    assert body["location"]["displayName"] == "Room 4"
    assert [a["emailAddress"] for a in body["attendees"]] == [
        {"address": "ann@contoso.com", "name": "Ann Example"},
        {"address": "bob@contoso.com", "name": "Bob O'Brien"},
    ]
    assert {a["type"] for a in body["attendees"]} == {"required"}
    assert body["isOnlineMeeting"] is True and body["onlineMeetingProvider"] == "teamsForBusiness"
    assert body["transactionId"] == "blend-step-42-v1" and body["allowNewTimeProposals"] is False

    [event_id] = double.events
    assert meeting == ScheduledMeeting(
        event_id=event_id,
        join_url=f"https://teams.microsoft.com/l/meetup-join/{event_id}",
        web_link=f"https://outlook.office365.com/owa/?itemid={event_id}",
    )


async def test_an_in_person_workshop_has_no_teams_link(client, double):
    meeting = await GraphMeetingScheduler(client).schedule(request(online=False))
    [post] = double.calls("POST", "/events")
    assert "isOnlineMeeting" not in post.body and "onlineMeetingProvider" not in post.body
    assert meeting.join_url is None and meeting.web_link


def test_times_are_sent_in_a_zone_graph_knows_else_as_utc():
    start = datetime(2026, 7, 1, 9, 0, tzinfo=BRUSSELS)  # summer: UTC+2
    assert graph_time(start, "Europe/Paris") == ("2026-07-01T09:00:00", "Europe/Paris")
    assert graph_time(start, "America/New_York") == ("2026-07-01T03:00:00", "America/New_York")
    # Europe/Brussels is not in Graph's list of accepted IANA names: the same instant in UTC.
    assert graph_time(start, "Europe/Brussels") == ("2026-07-01T07:00:00", "UTC")
    assert graph_time(start, "UTC") == ("2026-07-01T07:00:00", "UTC")


async def test_a_throttled_create_is_retried_by_the_sdk_and_makes_exactly_one_event(client, double):
    # The first POST reaches Exchange (the event exists) but the answer is a 429; the SDK's retry
    # handler waits Retry-After and sends the POST again: the transactionId makes it the same event.
    double.script("POST", "/events", 429, headers={"Retry-After": "1"}, code="TooManyRequests", after=True)

    meeting = await GraphMeetingScheduler(client).schedule(request())

    assert len(double.calls("POST", "/events")) == 2
    assert list(double.events) == [meeting.event_id]


async def test_a_create_that_times_out_after_reaching_graph_is_found_by_its_transaction_id(client, double):
    double.script("POST", "/events", 200, after=True, delay=5)  # created, then no answer in time

    meeting = await GraphMeetingScheduler(client, timeout=0.5).schedule(request())

    assert list(double.events) == [meeting.event_id] and meeting.join_url
    [lookup] = double.calls("GET", "/events")
    assert lookup.query["$filter"] == "transactionId eq 'blend-step-42-v1'"


async def test_a_create_that_times_out_before_reaching_graph_is_a_timeout(client, double):
    double.script("POST", "/events", 201, delay=5)

    with pytest.raises(SchedulingError) as raised:
        await GraphMeetingScheduler(client, timeout=0.3).schedule(request(transaction_id="it's-1"))

    assert raised.value.failure is SchedulingFailure.TIMEOUT
    [lookup] = double.calls("GET", "/events")
    assert lookup.query["$filter"] == "transactionId eq 'it''s-1'"  # OData quotes doubled


@pytest.mark.parametrize(
    ("status", "code", "failure"),
    [
        (401, "InvalidAuthenticationToken", SchedulingFailure.CONSENT),
        (403, "ErrorAccessDenied", SchedulingFailure.CONSENT),
        (404, "ErrorInvalidUser", SchedulingFailure.NOT_FOUND),
        (400, "ErrorInvalidRequest", SchedulingFailure.INVALID),
        (500, "generalException", SchedulingFailure.UNKNOWN),
    ],
)
async def test_graph_errors_become_scheduling_failures(client, double, status, code, failure):
    double.script("POST", "/events", status, code=code, times=None)

    with pytest.raises(SchedulingError) as raised:
        await GraphMeetingScheduler(client).schedule(request())

    assert raised.value.failure is failure
    assert raised.value.detail == f"HTTP {status} {code}"
    assert len(double.calls("POST", "/events")) == 1  # not a status the SDK retries
    assert not double.calls("GET")  # nothing can have been created: no lookup


async def test_throttling_that_outlasts_the_retries_is_throttled_and_creates_nothing(client, double):
    double.script("POST", "/events", 429, headers={"Retry-After": "1"}, code="TooManyRequests", times=None)

    with pytest.raises(SchedulingError) as raised:
        await GraphMeetingScheduler(client).schedule(request())

    assert raised.value.failure is SchedulingFailure.THROTTLED
    assert raised.value.detail == "HTTP 429 TooManyRequests"
    assert len(double.calls("POST", "/events")) == 4  # the first try and the SDK's 3 retries
    assert len(double.calls("GET", "/events")) == 1 and not double.events


async def test_reschedule_patches_the_event_and_attendees_are_told(client, double):
    scheduler = GraphMeetingScheduler(client)
    meeting = await scheduler.schedule(request())
    later = timedelta(days=1)
    moved = request(start=request().start + later, end=request().end + later, attendees=(ANN,), location="Room 5")

    again = await scheduler.reschedule(meeting.event_id, moved)

    [patch] = double.calls("PATCH")
    assert patch.path == f"/v1.0/users/{ORGANIZER}/events/{meeting.event_id}"
    assert patch.body["start"] == {"dateTime": "2026-12-04T14:00:00", "timeZone": "Europe/Paris"}
    assert patch.body["end"] == {"dateTime": "2026-12-04T15:30:00", "timeZone": "Europe/Paris"}
    assert patch.body["location"]["displayName"] == "Room 5"
    assert [a["emailAddress"]["address"] for a in patch.body["attendees"]] == ["ann@contoso.com"]
    assert "transactionId" not in patch.body
    assert again == meeting
    assert double.events[meeting.event_id]["start"]["dateTime"] == "2026-12-04T14:00:00"


async def test_rescheduling_an_unknown_event_is_not_found(client, double):
    with pytest.raises(SchedulingError) as raised:
        await GraphMeetingScheduler(client).reschedule("AAMk-gone", request())
    assert raised.value.failure is SchedulingFailure.NOT_FOUND
    assert raised.value.detail == "HTTP 404 ErrorItemNotFound"


async def test_cancel_posts_the_comment_to_the_cancel_action(client, double):
    scheduler = GraphMeetingScheduler(client)
    meeting = await scheduler.schedule(request())

    await scheduler.cancel(meeting.event_id, ORGANIZER, "The workshop moves to next month.")

    [cancel] = double.calls("POST", "/cancel")
    assert cancel.path == f"/v1.0/users/{ORGANIZER}/events/{meeting.event_id}/cancel"
    assert {k.lower(): v for k, v in cancel.body.items()} == {"comment": "The workshop moves to next month."}
    assert double.cancelled == {meeting.event_id: "The workshop moves to next month."}

    with pytest.raises(SchedulingError) as raised:  # already cancelled: gone from the calendar
        await scheduler.cancel(meeting.event_id, ORGANIZER, "again")
    assert raised.value.failure is SchedulingFailure.NOT_FOUND


async def test_an_unreachable_graph_is_an_error_not_a_crash(client, double):
    await double.stop()
    with pytest.raises(SchedulingError) as raised:
        await GraphMeetingScheduler(client).schedule(request(start=datetime(2026, 12, 3, 13, 0, tzinfo=timezone.utc)))
    assert raised.value.failure is SchedulingFailure.UNKNOWN
    assert "unreachable" in raised.value.detail


async def test_if_graph_refuses_the_lookup_the_original_failure_is_reported(client, double):
    double.script("POST", "/events", 201, delay=5)
    double.script("GET", "/events", 400, code="ErrorInvalidProperty")

    with pytest.raises(SchedulingError) as raised:
        await GraphMeetingScheduler(client, timeout=0.3).schedule(request())

    assert raised.value.failure is SchedulingFailure.TIMEOUT
    assert len(double.calls("GET", "/events")) == 1
