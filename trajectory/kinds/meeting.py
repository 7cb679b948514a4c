"""Synchronous steps: an online Teams meeting and a live workshop (a location, optionally a Teams link).

The step opens with a scheduling card; a facilitator picks the time and Blend creates the calendar
event through the MeetingScheduler port (trajectory/meetings.py). After the meeting a facilitator
records outcomes and decisions, which are the step's output; saving them closes the step.
Pure rules: ``now`` is passed in; storage and the calendar live elsewhere.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta, timezone
from enum import StrEnum
from typing import Any, Protocol
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from ..errors import InvalidInput, MeetingAlreadyScheduled, MeetingNotScheduled, StaleVersion, StepNotOpen
from ..meetings import Attendee, MeetingRequest
from ..model import Mode, Step, StepState
from ..text import clean_text
from .base import StepKind

MIN_DURATION, MAX_DURATION, DEFAULT_DURATION = 15, 480, 60
MAX_LOCATION_LENGTH = 200
MAX_ORGANIZER_LENGTH = 254  # an e-mail address
MAX_COMMENT_LENGTH = 1000
MAX_OUTCOME_LENGTH = 4000
MAX_SUBJECT_LENGTH = 255
# The zones offered on the scheduling card (the facilitator's own is added when it is not listed).
COMMON_ZONES = (
    "UTC", "Europe/London", "Europe/Dublin", "Europe/Lisbon", "Europe/Brussels", "Europe/Amsterdam",
    "Europe/Paris", "Europe/Berlin", "Europe/Madrid", "Europe/Rome", "Europe/Stockholm", "Europe/Warsaw",
    "Europe/Athens", "Europe/Helsinki", "Europe/Istanbul", "America/New_York", "America/Chicago",
    "America/Denver", "America/Los_Angeles", "America/Sao_Paulo", "Africa/Johannesburg", "Asia/Dubai",
    "Asia/Kolkata", "Asia/Singapore", "Asia/Shanghai", "Asia/Tokyo", "Australia/Sydney", "Pacific/Auckland",
)


class MeetingState(StrEnum):
    SCHEDULED = "scheduled"
    CANCELLED = "cancelled"


def _duration(raw: object) -> int:
    try:
        minutes = int(raw)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise InvalidInput(field="meeting_duration", reason="not_a_number") from None
    if isinstance(raw, bool) or not MIN_DURATION <= minutes <= MAX_DURATION:
        raise InvalidInput(field="meeting_duration", reason="out_of_range", low=MIN_DURATION, high=MAX_DURATION)
    return minutes


def _flag(raw: object, field: str) -> bool:
    if isinstance(raw, bool):
        return raw
    if raw in ("true", "false"):
        return raw == "true"
    raise InvalidInput(field=field, reason="not_on_off")


def _date_text(raw: object) -> str:
    text = str(raw or "").strip()
    if text:
        try:
            date.fromisoformat(text)
        except ValueError:
            raise InvalidInput(field="meeting_date", reason="bad_meeting_time") from None
    return text


def _time_text(raw: object) -> str:
    text = str(raw or "").strip()
    if text:
        try:
            time.fromisoformat(text)
        except ValueError:
            raise InvalidInput(field="meeting_time", reason="bad_meeting_time") from None
    return text[:5]


def _settings(settings: dict[str, Any], *, workshop: bool) -> dict[str, Any]:
    return {
        "duration": _duration(settings.get("duration", DEFAULT_DURATION)),
        # A meeting is online by definition and has no place; a workshop is live, a Teams link optional.
        "location": clean_text(settings.get("location", ""), field="meeting_location",
                               max_length=MAX_LOCATION_LENGTH, required=False) if workshop else "",
        "online": _flag(settings.get("online", False), "meeting_online") if workshop else True,
        "organizer": clean_text(settings.get("organizer", ""), field="meeting_organizer",
                                max_length=MAX_ORGANIZER_LENGTH, required=False),
        "date": _date_text(settings.get("date", "")),
        "time": _time_text(settings.get("time", "")),
    }


def normalise_meeting(settings: dict[str, Any]) -> dict[str, Any]:
    return _settings(settings, workshop=False)


def normalise_workshop(settings: dict[str, Any]) -> dict[str, Any]:
    return _settings(settings, workshop=True)


MEETING = StepKind(
    name="meeting",
    mode=Mode.SYNC,
    default_title="Online meeting",
    default_prompt="We meet online in Teams to discuss what came up.",
    normalise_settings=normalise_meeting,
    collects_contributions=False,  # nothing to count: no participation, no reminders
    defaults=normalise_meeting({}),
)
WORKSHOP = StepKind(
    name="workshop",
    mode=Mode.SYNC,
    default_title="Live workshop",
    default_prompt="We meet in person to work on the priorities.",
    normalise_settings=normalise_workshop,
    collects_contributions=False,
    defaults=normalise_workshop({}),
)
KINDS = (MEETING, WORKSHOP)
NAMES = frozenset(k.name for k in KINDS)


def is_meeting_step(step: Step) -> bool:
    return step.kind in NAMES


def settings_of(step: Step) -> dict[str, Any]:
    return _settings(step.settings, workshop=step.kind == WORKSHOP.name)


# ---------------------------------------------------------------- the stored meeting


@dataclass
class Meeting:
    """The calendar event of a sync step, as Blend scheduled it (one per step)."""

    step_id: int
    event_id: str
    start: datetime
    end: datetime
    time_zone: str
    organizer: str
    location: str
    online: bool
    join_url: str | None = None
    web_link: str | None = None
    ics_path: str | None = None
    agenda_html: str = ""
    state: MeetingState = MeetingState.SCHEDULED
    version: int = 1  # every schedule, reschedule and cancel adds one; also the transaction id's suffix
    outcomes: str = ""
    decisions: str = ""
    id: int | None = None


class MeetingRepository(Protocol):
    async def get(self, step_id: int) -> Meeting | None: ...
    async def add(self, meeting: Meeting) -> Meeting:
        """Insert the step's first meeting; StaleVersion if the step has one already."""
    async def save(self, meeting: Meeting, expected_version: int) -> None:
        """Write it back if the stored version is ``expected_version`` (it becomes +1), else StaleVersion."""


def current_version(meeting: Meeting | None) -> int:
    """The version a card shows: 0 before anything was scheduled."""
    return meeting.version if meeting is not None else 0


def transaction_id(step_id: int, version: int) -> str:
    """Stable per step and schedule version: a retried click or a Graph retry never makes two events."""
    return f"blend-{step_id}-{version}"


# ---------------------------------------------------------------- the scheduling form


@dataclass(frozen=True)
class ScheduleForm:
    """What a facilitator typed on the scheduling card (raw; ``plan`` checks it)."""

    date: object
    time: object
    duration: object
    time_zone: object
    organizer: object
    location: object = None
    online: object = None


@dataclass(frozen=True)
class Plan:
    start: datetime  # aware, UTC
    end: datetime
    time_zone: str
    organizer: str  # never empty: the facilitator's aad id when none was typed
    location: str
    online: bool


def zone_of(name: object) -> ZoneInfo:
    if not isinstance(name, str) or not name:
        raise InvalidInput(field="meeting_time_zone", reason="bad_time_zone")
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise InvalidInput(field="meeting_time_zone", reason="bad_time_zone") from None


def plan(step: Step, form: ScheduleForm, default_organizer: str, now: datetime) -> Plan:
    """Check the form against the step's settings: a time in the future, a known zone, a location for
    a workshop. The typed values win over the settings from the setup card."""
    settings = settings_of(step)
    workshop = step.kind == WORKSHOP.name
    day, clock = _date_text(form.date), _time_text(form.time)
    if not day or not clock:
        raise InvalidInput(field="meeting_date", reason="bad_meeting_time")
    tz = zone_of(form.time_zone)
    start = datetime.combine(date.fromisoformat(day), time.fromisoformat(clock)).replace(tzinfo=tz)
    start = start.astimezone(timezone.utc)
    if start <= now:
        raise InvalidInput(field="meeting_date", reason="meeting_in_the_past")
    minutes = _duration(form.duration if form.duration not in (None, "") else settings["duration"])
    organizer = clean_text(form.organizer if form.organizer is not None else settings["organizer"],
                           field="meeting_organizer", max_length=MAX_ORGANIZER_LENGTH, required=False)
    location = ""
    online = True
    if workshop:
        location = clean_text(form.location if form.location is not None else settings["location"],
                              field="meeting_location", max_length=MAX_LOCATION_LENGTH, required=False)
        if not location:
            raise InvalidInput(field="meeting_location", reason="empty")
        online = _flag(form.online, "meeting_online") if form.online is not None else settings["online"]
    return Plan(start=start, end=start + timedelta(minutes=minutes), time_zone=tz.key,
                organizer=organizer or default_organizer, location=location, online=online)


def request_for(step: Step, trajectory_title: str, the_plan: Plan, version: int, attendees: list[Attendee],
                agenda_html: str) -> MeetingRequest:
    assert step.id is not None
    subject = f"{trajectory_title}: {step.title}"[:MAX_SUBJECT_LENGTH]
    return MeetingRequest(
        transaction_id=transaction_id(step.id, version), organizer=the_plan.organizer, subject=subject,
        start=the_plan.start, end=the_plan.end, time_zone=the_plan.time_zone, attendees=tuple(attendees),
        online=the_plan.online, location=the_plan.location, body_html=agenda_html,
    )


# ---------------------------------------------------------------- transitions


def require_open(step: Step) -> None:
    if step.state is not StepState.OPEN or not is_meeting_step(step):
        raise StepNotOpen(step_id=step.id)


def require_version(meeting: Meeting | None, version: int) -> None:
    if current_version(meeting) != version:
        raise StaleVersion(step_id=meeting.step_id if meeting else None)


def check_schedule(step: Step, meeting: Meeting | None, version: int) -> int:
    """May a (new) event be created? Returns the version the stored meeting will have."""
    require_open(step)
    require_version(meeting, version)
    if meeting is not None and meeting.state is MeetingState.SCHEDULED:
        raise MeetingAlreadyScheduled(step_id=step.id)
    return version + 1


def check_scheduled(step: Step, meeting: Meeting | None, version: int) -> Meeting:
    """Reschedule, cancel and outcomes need a scheduled meeting at the version the card showed."""
    require_open(step)
    require_version(meeting, version)
    if meeting is None or meeting.state is not MeetingState.SCHEDULED:
        raise MeetingNotScheduled(step_id=step.id)
    return meeting


def scheduled(step_id: int, the_plan: Plan, event: Any, version: int, agenda_html: str,
              previous: Meeting | None) -> Meeting:
    """The meeting as stored after the calendar accepted it (``event`` is a ScheduledMeeting)."""
    fields = dict(
        step_id=step_id, event_id=event.event_id, start=the_plan.start, end=the_plan.end,
        time_zone=the_plan.time_zone, organizer=the_plan.organizer, location=the_plan.location,
        online=the_plan.online, join_url=event.join_url, web_link=event.web_link, ics_path=event.ics_path,
        agenda_html=agenda_html, state=MeetingState.SCHEDULED, version=version,
    )
    return replace(previous, **fields) if previous is not None else Meeting(**fields)


def cancelled(meeting: Meeting) -> Meeting:
    return replace(meeting, state=MeetingState.CANCELLED, version=meeting.version + 1)


def clean_comment(raw: object) -> str:
    return clean_text(raw, field="meeting_comment", max_length=MAX_COMMENT_LENGTH, required=False)


def with_outcomes(meeting: Meeting, outcomes: object, decisions: object) -> Meeting:
    text = clean_text(outcomes, field="meeting_outcomes", max_length=MAX_OUTCOME_LENGTH, required=False)
    chosen = clean_text(decisions, field="meeting_decisions", max_length=MAX_OUTCOME_LENGTH, required=False)
    if not text and not chosen:
        raise InvalidInput(field="meeting_outcomes", reason="empty")
    return replace(meeting, outcomes=text, decisions=chosen, version=meeting.version + 1)


def end_job_due(meeting: Meeting) -> datetime:
    """When the 'record the outcomes' card goes out. Jobs are unique by (step, kind, due time), so
    the version rides in the microseconds: rescheduling back to an earlier end still gets its job."""
    return meeting.end + timedelta(microseconds=meeting.version)


def has_ended(meeting: Meeting, now: datetime) -> bool:
    return meeting.state is MeetingState.SCHEDULED and meeting.end <= now
