"""The local fallback: RFC 5545 invitations that parse back with icalendar, and the roster directory
(SQLite, and PostgreSQL when BLEND_TEST_POSTGRES_URL is set)."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from icalendar import Calendar

from graph.outbox import OutboxMeetingScheduler, OutboxMemberDirectory, plain_text, safe_name
from storage.unit_of_work import SqlUnitOfWork
from trajectory.meetings import Attendee, MeetingRequest, SchedulingError, SchedulingFailure
from trajectory.model import ChannelRef, Person
from trajectory.ports import ChannelInfo

BRUSSELS = ZoneInfo("Europe/Brussels")
STAMP = datetime(2026, 11, 25, 6, 0, tzinfo=timezone.utc)
AGENDA = "<h2>Agenda</h2><ol><li>Ideas &amp; questions</li><li>Vote</li></ol><p>Bring <b>coffee</b></p>"


def request(**changes) -> MeetingRequest:
    values = dict(
        transaction_id="blend/step-7:v1",
        organizer="ann@contoso.com",
        subject="Workshop: the three ideas",
        start=datetime(2026, 3, 30, 14, 0, tzinfo=BRUSSELS),  # the day after DST starts: UTC+2
        end=datetime(2026, 3, 30, 16, 0, tzinfo=BRUSSELS),
        time_zone="Europe/Brussels",
        attendees=(Attendee("Ann Example", "ann@contoso.com"), Attendee("Bob, \"the builder\"", "bob@contoso.com")),
        online=False,
        location="Room 4",
        body_html=AGENDA,
    )
    return MeetingRequest(**{**values, **changes})


def event_of(path: str | Path):
    calendar = Calendar.from_ical(Path(path).read_bytes())
    [event] = calendar.walk("VEVENT")
    return calendar, event


async def test_an_invitation_is_a_standard_request(tmp_path):
    outbox = OutboxMeetingScheduler(tmp_path / "outbox", clock=lambda: STAMP)

    meeting = await outbox.schedule(request())

    assert meeting.event_id == "blend/step-7:v1" and meeting.join_url is None
    assert Path(meeting.ics_path).parent == tmp_path / "outbox"
    assert Path(meeting.ics_path).name == f"{safe_name('blend/step-7:v1')}.ics" and "/" not in safe_name("a/b")
    calendar, event = event_of(meeting.ics_path)
    assert str(calendar["method"]) == "REQUEST" and str(calendar["version"]) == "2.0"
    assert str(event["uid"]) == "blend/step-7:v1" and event["sequence"] == 0
    assert str(event["summary"]) == "Workshop: the three ideas" and str(event["location"]) == "Room 4"
    # The wall time in its zone, with TZID and a VTIMEZONE; the instant is 12:00 UTC.
    assert event["dtstart"].params["TZID"] == "Europe/Brussels"
    assert event.decoded("dtstart").astimezone(timezone.utc) == datetime(2026, 3, 30, 12, 0, tzinfo=timezone.utc)
    assert event.decoded("dtend").astimezone(timezone.utc) == datetime(2026, 3, 30, 14, 0, tzinfo=timezone.utc)
    assert [str(z["tzid"]) for z in calendar.walk("VTIMEZONE")] == ["Europe/Brussels"]
    assert str(event["organizer"]) == "mailto:ann@contoso.com"
    attendees = event["attendee"]
    assert [str(a) for a in attendees] == ["mailto:ann@contoso.com", "mailto:bob@contoso.com"]
    assert [a.params["CN"] for a in attendees] == ["Ann Example", 'Bob, "the builder"']
    assert {(a.params["ROLE"], a.params["RSVP"]) for a in attendees} == {("REQ-PARTICIPANT", "TRUE")}
    assert str(event["description"]) == "Agenda\n\n- Ideas & questions\n- Vote\n\nBring coffee"
    assert str(event["x-alt-desc"]) == AGENDA and event["x-alt-desc"].params["FMTTYPE"] == "text/html"
    assert event.decoded("dtstamp") == STAMP


async def test_scheduling_again_with_the_same_transaction_is_the_same_file(tmp_path):
    outbox = OutboxMeetingScheduler(tmp_path)
    first = await outbox.schedule(request())
    again = await outbox.schedule(request())
    assert again == first and len(list(tmp_path.glob("*.ics"))) == 1
    assert event_of(first.ics_path)[1]["sequence"] == 0


async def test_a_move_rewrites_the_invitation_with_a_higher_sequence(tmp_path):
    outbox = OutboxMeetingScheduler(tmp_path)
    meeting = await outbox.schedule(request())
    later = timedelta(days=1)

    moved = await outbox.reschedule(meeting.event_id, request(start=request().start + later, end=request().end + later))
    moved_again = await outbox.reschedule(meeting.event_id, request(location="Room 5"))

    assert moved.ics_path == meeting.ics_path == moved_again.ics_path
    _, event = event_of(moved_again.ics_path)
    assert event["sequence"] == 2 and str(event["location"]) == "Room 5"
    assert str(event["uid"]) == meeting.event_id


async def test_cancel_writes_a_cancel_message_for_the_same_uid(tmp_path):
    outbox = OutboxMeetingScheduler(tmp_path)
    meeting = await outbox.schedule(request())
    await outbox.reschedule(meeting.event_id, request())

    await outbox.cancel(meeting.event_id, "ann@contoso.com", "Postponed to April.")

    [cancel_file] = tmp_path.glob("*-cancel.ics")
    calendar, event = event_of(cancel_file)
    assert str(calendar["method"]) == "CANCEL" and str(event["status"]) == "CANCELLED"
    assert str(event["uid"]) == meeting.event_id and event["sequence"] == 2
    assert str(event["comment"]) == "Postponed to April."
    assert [str(a) for a in event["attendee"]] == ["mailto:ann@contoso.com", "mailto:bob@contoso.com"]
    assert event.decoded("dtstart").astimezone(timezone.utc) == datetime(2026, 3, 30, 12, 0, tzinfo=timezone.utc)


async def test_unknown_events_are_not_found(tmp_path):
    outbox = OutboxMeetingScheduler(tmp_path)
    with pytest.raises(SchedulingError) as raised:
        await outbox.reschedule("nope", request())
    assert raised.value.failure is SchedulingFailure.NOT_FOUND
    with pytest.raises(SchedulingError):
        await outbox.cancel("nope", "ann@contoso.com", "")


async def test_an_organizer_id_without_a_domain_gets_a_placeholder_address(tmp_path):
    meeting = await OutboxMeetingScheduler(tmp_path).schedule(request(organizer="aad-ann", time_zone="Nowhere/Else"))
    _, event = event_of(meeting.ics_path)
    assert str(event["organizer"]) == "mailto:aad-ann@local.invalid"
    assert event.decoded("dtstart") == datetime(2026, 3, 30, 12, 0, tzinfo=timezone.utc)  # unknown zone: UTC


def test_plain_text_of_the_agenda():
    assert plain_text("<p>One</p><p>Two<br>Three</p><ul><li>a</li></ul>") == "One\n\nTwo\nThree\n\n- a"
    assert plain_text("plain <script>x</script>") == "plain x"


CHANNEL = ChannelInfo(
    ref=ChannelRef(tenant_id="tenant-1", team_id="19:team@thread.tacv2", channel_id="19:chan@thread.tacv2"),
    service_url="https://smba.example/emea/",
    conversation_reference={"conversation": {"id": "19:chan@thread.tacv2"}},
    team_name="Team",
    channel_name="General",
    aad_group_id="6f1a3f0c-7d2e-4b8a-9c61-2f5d0e4b7a10",
)


async def test_the_local_directory_is_the_stored_roster_with_placeholder_addresses(sessions):
    uows = lambda: SqlUnitOfWork(sessions)  # noqa: E731
    async with uows() as uow:
        await uow.channels.upsert(CHANNEL)
        await uow.channels.replace_members(
            CHANNEL.ref.team_id, [Person("aad-bob", "Bob", "29:bob"), Person("aad-ann", "Ann", "29:ann")]
        )
        await uow.commit()
    directory = OutboxMemberDirectory(uows)

    expected = [Attendee("Ann", "aad-ann@local.invalid"), Attendee("Bob", "aad-bob@local.invalid")]
    assert await directory.channel_attendees(CHANNEL.ref.team_id, CHANNEL.ref.channel_id) == expected
    # The caller may pass the group id (what Graph wants): the channel leads to the stored roster.
    assert await directory.channel_attendees(CHANNEL.aad_group_id, CHANNEL.ref.channel_id) == expected
    assert await directory.channel_attendees("19:other@thread.tacv2", "19:unknown@thread.tacv2") == []


async def test_the_team_group_id_is_stored_and_never_erased(sessions):
    uows = lambda: SqlUnitOfWork(sessions)  # noqa: E731
    async with uows() as uow:
        await uow.channels.upsert(CHANNEL)
        await uow.commit()
    async with uows() as uow:
        assert (await uow.channels.get(CHANNEL.ref.channel_id)).aad_group_id == CHANNEL.aad_group_id
        # An activity without aadGroupId (e.g. a card action) keeps what we know.
        await uow.channels.upsert(ChannelInfo(**{**vars(CHANNEL), "aad_group_id": ""}))
        await uow.commit()
    async with uows() as uow:
        assert (await uow.channels.get(CHANNEL.ref.channel_id)).aad_group_id == CHANNEL.aad_group_id


def test_channel_of_reads_the_group_id_from_channel_data():
    from botbuilder.schema import Activity, ChannelAccount, ConversationAccount

    from bot.activity import channel_of

    activity = Activity(
        type="message",
        id="1",
        channel_id="msteams",
        service_url="https://smba.example/emea/",
        from_property=ChannelAccount(id="29:ann", name="Ann", aad_object_id="aad-ann"),
        recipient=ChannelAccount(id="28:blend", name="Blend"),
        conversation=ConversationAccount(id="19:chan@thread.tacv2;messageid=1", is_group=True),
        channel_data={
            "tenant": {"id": "tenant-1"},
            "team": {"id": "19:team@thread.tacv2", "name": "Team", "aadGroupId": CHANNEL.aad_group_id},
            "channel": {"id": "19:chan@thread.tacv2", "name": "General"},
        },
    )
    assert channel_of(activity).aad_group_id == CHANNEL.aad_group_id
    activity.channel_data["team"].pop("aadGroupId")
    assert channel_of(activity).aad_group_id == ""
