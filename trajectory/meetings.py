"""What the synchronous steps need from a calendar: the port the Graph gateway (graph/) and the
local .ics outbox implement. Plain values only: no SDK objects cross this line."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Protocol


@dataclass(frozen=True)
class Attendee:
    name: str
    email: str


@dataclass(frozen=True)
class MeetingRequest:
    """One calendar event. ``transaction_id`` makes a retried create idempotent (Graph dedupes it)."""

    transaction_id: str
    organizer: str  # the organizer's user id or UPN/e-mail in the tenant
    subject: str
    start: datetime  # aware
    end: datetime  # aware
    time_zone: str  # IANA name the invitation is shown in, e.g. "Europe/Brussels"
    attendees: tuple[Attendee, ...]
    online: bool  # a Teams meeting link (online meeting; optional for a live workshop)
    location: str = ""
    body_html: str = ""  # the agenda


@dataclass(frozen=True)
class ScheduledMeeting:
    event_id: str
    join_url: str | None = None  # the Teams link, when online
    web_link: str | None = None  # the event in Outlook on the web
    ics_path: str | None = None  # local fallback: where the invitation file was written


class SchedulingFailure(StrEnum):
    CONSENT = "consent"  # 401/403: permissions or admin consent missing
    NOT_FOUND = "not_found"  # 404: unknown organizer (or event)
    THROTTLED = "throttled"  # 429/503 after the retries
    TIMEOUT = "timeout"
    INVALID = "invalid"  # 400: Graph refused the request
    UNKNOWN = "unknown"


class SchedulingError(Exception):
    def __init__(self, failure: SchedulingFailure, detail: str = "") -> None:
        super().__init__(failure.value, detail)
        self.failure, self.detail = failure, detail


class MeetingScheduler(Protocol):
    async def schedule(self, request: MeetingRequest) -> ScheduledMeeting:
        """Create the event and send the invitations. Raises SchedulingError."""

    async def reschedule(self, event_id: str, request: MeetingRequest) -> ScheduledMeeting:
        """Move the event (attendees are told). Raises SchedulingError."""

    async def cancel(self, event_id: str, organizer: str, comment: str) -> None:
        """Cancel the event (attendees are told, with the comment). Raises SchedulingError."""


class MemberDirectory(Protocol):
    async def channel_attendees(self, team_id: str, channel_id: str) -> list[Attendee]:
        """The channel's members with their e-mail addresses (bots no longer get them from Teams)."""
