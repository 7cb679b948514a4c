"""The calendar without Microsoft Graph: RFC 5545 invitations written to a local outbox folder
(one ``<name>.ics`` per event, a ``<name>-cancel.ics`` when it is cancelled), for someone to send or
import by hand; and the member directory from Blend's stored roster."""

from __future__ import annotations

import asyncio
import hashlib
import os
import re
from datetime import datetime, timezone
from html.parser import HTMLParser
from pathlib import Path
from typing import Callable
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from trajectory.meetings import Attendee, MeetingRequest, ScheduledMeeting, SchedulingError, SchedulingFailure
from trajectory.ports import UnitOfWork

PRODID = "-//Blend//Blend facilitation bot//EN"
LOCAL_DOMAIN = "local.invalid"  # RFC 2606: can never be a real address


def safe_name(uid: str) -> str:
    """A file name for the event ``uid``: readable, and distinct for distinct uids."""
    readable = re.sub(r"[^A-Za-z0-9._-]+", "_", uid).strip("._")[:60] or "event"
    return f"{readable}-{hashlib.sha256(uid.encode()).hexdigest()[:10]}"


def mailto(address: str) -> str:
    return address if "@" in address else f"{address}@{LOCAL_DOMAIN}"


class _Text(HTMLParser):
    """The agenda's text: paragraphs apart, list items as "- " lines."""

    BLOCKS = {"p", "div", "h1", "h2", "h3", "h4", "h5", "h6", "ul", "ol", "table"}

    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []

    def handle_starttag(self, tag: str, attrs) -> None:
        if tag == "li":
            self.parts.append("\n- ")
        elif tag in self.BLOCKS or tag in ("br", "tr"):
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in self.BLOCKS:
            self.parts.append("\n\n")

    def handle_data(self, data: str) -> None:
        self.parts.append(data)


def plain_text(html: str) -> str:
    parser = _Text()
    parser.feed(html)
    parser.close()
    lines = (re.sub(r"[ \t\r\f\v]+", " ", line).strip() for line in "".join(parser.parts).split("\n"))
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


class OutboxMeetingScheduler:
    def __init__(self, folder: str | Path, *, clock: Callable[[], datetime] | None = None) -> None:
        self._folder = Path(folder)
        self._clock = clock or (lambda: datetime.now(timezone.utc))

    def path_of(self, uid: str, *, cancel: bool = False) -> Path:
        return self._folder / f"{safe_name(uid)}{'-cancel' if cancel else ''}.ics"

    async def schedule(self, request: MeetingRequest) -> ScheduledMeeting:
        # Idempotent: the same transaction id is the same file (re-written, same SEQUENCE).
        return await asyncio.to_thread(self._write_request, request, request.transaction_id, False)

    async def reschedule(self, event_id: str, request: MeetingRequest) -> ScheduledMeeting:
        return await asyncio.to_thread(self._write_request, request, event_id, True)

    async def cancel(self, event_id: str, organizer: str, comment: str) -> None:
        await asyncio.to_thread(self._write_cancel, event_id, organizer, comment)

    def _read(self, uid: str):
        from icalendar import Calendar

        path = self.path_of(uid)
        if not path.exists():
            return None
        return Calendar.from_ical(path.read_bytes()).walk("VEVENT")[0]

    def _write_request(self, request: MeetingRequest, uid: str, move: bool) -> ScheduledMeeting:
        previous = self._read(uid)
        if move and previous is None:
            raise SchedulingError(SchedulingFailure.NOT_FOUND, "no invitation in the outbox for this event")
        sequence = int(previous.get("sequence", 0)) + (1 if move else 0) if previous is not None else 0
        zone = _zone(request.time_zone)
        calendar, event = self._calendar("REQUEST", uid, request.organizer, sequence)
        event.add("dtstart", request.start.astimezone(zone))
        event.add("dtend", request.end.astimezone(zone))
        event.add("summary", request.subject)
        if request.location:
            event.add("location", request.location)
        event.add("description", plain_text(request.body_html))
        if request.body_html:
            event.add("x-alt-desc", request.body_html, parameters={"FMTTYPE": "text/html"})
        event.add("status", "CONFIRMED")
        for attendee in request.attendees:
            event.add("attendee", _address(attendee.email, attendee.name, participant=True))
        path = self._save(calendar, self.path_of(uid))
        return ScheduledMeeting(event_id=uid, ics_path=str(path))

    def _write_cancel(self, uid: str, organizer: str, comment: str) -> None:
        previous = self._read(uid)
        if previous is None:
            raise SchedulingError(SchedulingFailure.NOT_FOUND, "no invitation in the outbox for this event")
        calendar, event = self._calendar("CANCEL", uid, organizer, int(previous.get("sequence", 0)) + 1)
        for key in ("dtstart", "dtend", "summary", "location"):
            if key in previous:
                event.add(key, previous.decoded(key))
        if comment:
            event.add("comment", comment)
        event.add("status", "CANCELLED")
        attendees = previous.get("attendee", [])
        for attendee in attendees if isinstance(attendees, list) else [attendees]:
            event.add("attendee", attendee)
        self._save(calendar, self.path_of(uid, cancel=True))

    def _calendar(self, method: str, uid: str, organizer: str, sequence: int):
        from icalendar import Calendar, Event

        calendar = Calendar()
        calendar.add("prodid", PRODID)
        calendar.add("version", "2.0")
        calendar.add("method", method)
        event = Event()
        event.add("uid", uid)
        event.add("dtstamp", self._clock().astimezone(timezone.utc))
        event.add("sequence", sequence)
        event.add("organizer", _address(organizer, "", participant=False))
        calendar.add_component(event)
        return calendar, event

    def _save(self, calendar, path: Path) -> Path:
        calendar.add_missing_timezones()  # a VTIMEZONE for each TZID used
        self._folder.mkdir(parents=True, exist_ok=True)
        partial = path.with_suffix(".ics.partial")
        partial.write_bytes(calendar.to_ical())
        os.replace(partial, path)  # readers never see half a file
        return path


def _zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def _address(email: str, name: str, *, participant: bool):
    from icalendar import vCalAddress

    address = vCalAddress(f"mailto:{mailto(email)}")
    if name:
        address.params["CN"] = name
    if participant:
        address.params["ROLE"] = "REQ-PARTICIPANT"
        address.params["PARTSTAT"] = "NEEDS-ACTION"
        address.params["RSVP"] = "TRUE"
    return address


class OutboxMemberDirectory:
    """Channel members from Blend's stored roster (who Teams listed for the team). Teams doesn't
    give bots e-mail addresses, so each member gets ``<aad object id>@local.invalid``: enough to
    address the .ics invitation, which someone imports or forwards by hand."""

    def __init__(self, uows: Callable[[], UnitOfWork]) -> None:
        self._uows = uows

    async def channel_attendees(self, team_id: str, channel_id: str) -> list[Attendee]:
        async with self._uows() as uow:
            # The roster is stored under Teams' team id; the caller may pass the group id instead.
            channel = await uow.channels.get(channel_id)
            team = channel.ref.team_id if channel is not None and channel.ref.team_id else team_id
            members = await uow.channels.members(team)
        return [Attendee(name=p.name or p.aad_id, email=f"{p.aad_id}@{LOCAL_DOMAIN}") for p in members if p.aad_id]
