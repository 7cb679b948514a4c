"""Cards of the meeting and workshop steps: scheduling, the meeting itself, outcomes, failures.

Everyone sees them; only facilitators may act (the dialog checks). Links come only from the stored
meeting (what the calendar answered), never from card data, and only as Action.OpenUrl."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from trajectory.agenda import Agenda
from trajectory.kinds.meeting import COMMON_ZONES, MAX_COMMENT_LENGTH, MAX_LOCATION_LENGTH, MAX_ORGANIZER_LENGTH
from trajectory.kinds.meeting import MAX_DURATION, MAX_OUTCOME_LENGTH, MIN_DURATION, Meeting, MeetingState
from trajectory.meetings import SchedulingFailure

from . import verbs
from .base import Json, card, execute, heading, line, notice, refresh, user_text, when
from .setup import step_input
from .texts import t


@dataclass(frozen=True)
class ScheduleDefaults:
    """What the scheduling inputs show: the setup card's choices or the stored meeting, local time."""

    date: str = ""
    time: str = ""
    duration: int = 60
    time_zone: str = "UTC"
    organizer: str = ""
    location: str = ""
    online: bool = False


@dataclass(frozen=True)
class MeetingCardView:
    step_id: int
    kind: str  # "meeting" | "workshop"
    trajectory_title: str
    step_title: str
    prompt: str
    is_open: bool
    version: int  # of the stored meeting; 0 before the first schedule
    meeting: Meeting | None
    agenda: Agenda
    form: ScheduleDefaults = field(default_factory=ScheduleDefaults)
    notice: str | None = None
    notice_is_error: bool = False
    # Teams refreshes the card for these users (the facilitators), so the time zone preselected on
    # the form is the one of whoever looks at it.
    refresh_user_ids: list[str] = field(default_factory=list)


def _is_workshop(view: MeetingCardView) -> bool:
    return view.kind == "workshop"


def _data(view: MeetingCardView) -> Json:
    return {"step_id": view.step_id, "version": view.version}


def _zones(selected: str) -> list[Json]:
    names = list(COMMON_ZONES) if selected in COMMON_ZONES else [selected, *COMMON_ZONES]
    return [{"title": name.replace("_", " "), "value": name} for name in names]


def schedule_inputs(view: MeetingCardView, *, organizer: bool = True) -> list[Json]:
    """Date, time, duration, zone, organizer (not when moving: the event stays in its organizer's
    calendar), and for a workshop the place and the Teams link."""
    form = view.form
    inputs: list[Json] = [
        {"type": "Input.Date", "id": verbs.MEETING_DATE, "label": t("meeting.date"), "value": form.date,
         "isRequired": True, "errorMessage": t("meeting.date_needed")},
        {"type": "Input.Time", "id": verbs.MEETING_TIME, "label": t("meeting.time"), "value": form.time,
         "isRequired": True, "errorMessage": t("meeting.time_needed")},
        {"type": "Input.Number", "id": verbs.MEETING_DURATION, "label": t("meeting.duration"),
         "value": form.duration, "min": MIN_DURATION, "max": MAX_DURATION},
        {"type": "Input.ChoiceSet", "id": verbs.MEETING_TIME_ZONE, "label": t("meeting.time_zone"),
         "choices": _zones(form.time_zone), "value": form.time_zone, "style": "compact"},
    ]
    if organizer:
        inputs.append({"type": "Input.Text", "id": verbs.MEETING_ORGANIZER, "label": t("meeting.organizer"),
                       "placeholder": t("meeting.organizer_placeholder"), "value": form.organizer,
                       "maxLength": MAX_ORGANIZER_LENGTH, "style": "Email"})
    if _is_workshop(view):
        inputs += [
            {"type": "Input.Text", "id": verbs.MEETING_LOCATION, "label": t("meeting.location"),
             "value": form.location, "maxLength": MAX_LOCATION_LENGTH, "isRequired": True,
             "errorMessage": t("meeting.location_needed")},
            {"type": "Input.Toggle", "id": verbs.MEETING_ONLINE, "title": t("meeting.online"),
             "value": "true" if form.online else "false", "valueOn": "true", "valueOff": "false"},
        ]
    return inputs


def _header(view: MeetingCardView) -> list[Json]:
    body = heading(view.step_title, subtle_line=f"{view.trajectory_title} \u00b7 {t(f'kind.{view.kind}')}")
    if view.prompt:
        body.append(user_text(view.prompt))
    return body


def _agenda(agenda: Agenda) -> list[Json]:
    if agenda.is_empty:
        return []
    body: list[Json] = [line(t("meeting.agenda.title"), weight="Bolder", spacing="Medium"),
                        user_text(t("meeting.agenda.from", step=agenda.source_title), isSubtle=True)]
    for n, item in enumerate(agenda.items, 1):
        if item.rank is not None:
            label = t("meeting.agenda.ranked", rank=item.rank, points=item.points)
            if item.tied:
                label += " " + t("meeting.agenda.tied")
            body.append({"type": "RichTextBlock", "inlines": [{"type": "TextRun", "text": f"{label} ", "weight": "Bolder"},
                                                              {"type": "TextRun", "text": item.text}]})
            continue
        runs = [{"type": "TextRun", "text": f"{n}. ", "weight": "Bolder"}, {"type": "TextRun", "text": item.text}]
        if item.by:
            runs.append({"type": "TextRun", "text": f" ({item.by})", "isSubtle": True})
        body.append({"type": "RichTextBlock", "inlines": runs})
        for note in item.notes:
            prefix = t("meeting.agenda.open" if note.is_open else
                       "meeting.agenda.question" if note.is_question else "meeting.agenda.comment")
            inlines = [{"type": "TextRun", "text": f"{prefix} ", "weight": "Bolder"},
                       {"type": "TextRun", "text": note.text}]
            if note.answer:
                inlines += [{"type": "TextRun", "text": f" {t('meeting.agenda.answer')} ", "weight": "Bolder"},
                            {"type": "TextRun", "text": note.answer}]
            body.append({"type": "RichTextBlock", "inlines": inlines, "spacing": "None"})
        if item.more_notes:
            body.append(line(t("meeting.agenda.more", n=item.more_notes), isSubtle=True, spacing="None"))
    if agenda.more_items:
        body.append(line(t("meeting.agenda.more", n=agenda.more_items), isSubtle=True))
    return body


def _https(url: str | None) -> str | None:
    """Only a web address the calendar gave us becomes a link."""
    return url if isinstance(url, str) and url.startswith("https://") else None


def _meeting_facts(view: MeetingCardView, meeting: Meeting) -> list[Json]:
    body: list[Json] = [
        line(t("meeting.when", when=when(meeting.start), end=when(meeting.end)), spacing="Medium"),
        user_text(t("meeting.zone_and_organizer", zone=meeting.time_zone, organizer=meeting.organizer), isSubtle=True),
    ]
    if meeting.location:
        body.append(user_text(t("meeting.where", location=meeting.location)))
    if meeting.online and _https(meeting.join_url) is None and meeting.ics_path is None:
        body.append(line(t("meeting.no_link"), isSubtle=True))
    if meeting.ics_path:
        body.append(user_text(t("meeting.ics_written", path=meeting.ics_path)))
    return body


def _links(meeting: Meeting) -> list[Json]:
    actions: list[Json] = []
    if meeting.online and (join := _https(meeting.join_url)):
        actions.append({"type": "Action.OpenUrl", "title": t("meeting.join"), "url": join})
    if web := _https(meeting.web_link):
        actions.append({"type": "Action.OpenUrl", "title": t("meeting.open_calendar"), "url": web})
    return actions


def _show(title: str, body: list[Json], action: Json) -> Json:
    return {"type": "Action.ShowCard", "title": title,
            "card": {"type": "AdaptiveCard", "body": body, "actions": [action]}}


def outcome_inputs(meeting: Meeting | None) -> list[Json]:
    return [
        {"type": "Input.Text", "id": verbs.MEETING_OUTCOMES, "label": t("meeting.outcomes"), "isMultiline": True,
         "maxLength": MAX_OUTCOME_LENGTH, "value": meeting.outcomes if meeting else ""},
        {"type": "Input.Text", "id": verbs.MEETING_DECISIONS, "label": t("meeting.decisions"), "isMultiline": True,
         "maxLength": MAX_OUTCOME_LENGTH, "value": meeting.decisions if meeting else ""},
    ]


def _outcomes_shown(meeting: Meeting) -> list[Json]:
    body: list[Json] = []
    for key, text in (("meeting.outcomes", meeting.outcomes), ("meeting.decisions", meeting.decisions)):
        if text:
            body += [line(t(key), weight="Bolder", spacing="Medium"), user_text(text)]
    return body


def render_meeting_card(view: MeetingCardView) -> Json:
    """The step's card in the channel, in its current state (also what a facilitator's click gets back)."""
    body = _header(view)
    actions: list[Json] = []
    meeting = view.meeting
    scheduled = meeting is not None and meeting.state is MeetingState.SCHEDULED
    if meeting is not None and scheduled:
        body += _meeting_facts(view, meeting)
        if view.is_open:  # after the step, a join link only invites confusion
            actions += _links(meeting)
    elif meeting is not None:
        body.append(line(t("meeting.cancelled"), color="Attention", spacing="Medium"))
    if view.is_open and not scheduled:
        body.append(line(t("meeting.schedule_hint"), isSubtle=True, spacing="Medium"))
        body += schedule_inputs(view)
        actions.append(execute(t("meeting.schedule"), verbs.MEETING_SCHEDULE, _data(view), style="positive"))
    elif view.is_open and meeting is not None:
        actions += [
            _show(t("meeting.reschedule"), [line(t("meeting.reschedule_hint"), isSubtle=True), *schedule_inputs(view, organizer=False)],
                  execute(t("meeting.reschedule_do"), verbs.MEETING_RESCHEDULE, _data(view))),
            _show(t("meeting.cancel"), [
                {"type": "Input.Text", "id": verbs.MEETING_COMMENT, "label": t("meeting.comment"), "isMultiline": True,
                 "maxLength": MAX_COMMENT_LENGTH}],
                execute(t("meeting.cancel_do"), verbs.MEETING_CANCEL, _data(view), style="destructive")),
            _show(t("meeting.record"), [line(t("meeting.record_hint"), isSubtle=True), *outcome_inputs(meeting)],
                  execute(t("meeting.save_outcomes"), verbs.MEETING_OUTCOMES_SAVE, _data(view))),
        ]
    if not view.is_open:
        body.append(line(t("meeting.closed"), isSubtle=True, spacing="Medium"))
        if meeting is not None:
            body += _outcomes_shown(meeting)
    body += _agenda(view.agenda)
    if view.notice:
        body.append(notice(view.notice, attention=view.notice_is_error))
    live = refresh(verbs.MEETING_REFRESH, {"step_id": view.step_id}, view.refresh_user_ids) \
        if view.is_open and view.refresh_user_ids else None
    return card(body, actions, live)


def render_outcomes_card(view: MeetingCardView) -> Json:
    """Posted in the step's thread when the meeting has ended: the facilitators record what came out."""
    body = heading(t("meeting.outcomes_title", step=view.step_title), subtle_line=view.trajectory_title)
    body.append(line(t("meeting.record_hint"), isSubtle=True))
    body += outcome_inputs(view.meeting)
    if view.notice:
        body.append(notice(view.notice, attention=view.notice_is_error))
    return card(body, [execute(t("meeting.save_outcomes"), verbs.MEETING_OUTCOMES_SAVE, _data(view),
                               style="positive")])


def failure_text(failure: SchedulingFailure, organizer: str) -> str:
    return t(f"meeting.failed.{failure.value}", organizer=organizer)


def render_failure_card(view: MeetingCardView, failure: SchedulingFailure, organizer: str) -> Json:
    """For the facilitator who clicked: what went wrong, what to do, and the form to try again."""
    body = _header(view)
    body.append(notice(failure_text(failure, organizer), attention=True))
    body.append(line(t("meeting.nothing_created"), isSubtle=True))
    moving = view.meeting is not None and view.meeting.state is MeetingState.SCHEDULED
    body += schedule_inputs(view, organizer=not moving)
    verb = verbs.MEETING_RESCHEDULE if moving else verbs.MEETING_SCHEDULE
    return card(body, [execute(t("meeting.try_again"), verb, _data(view), style="positive")])


def setup_fields_for(kind: str):
    """The kind's inputs on the setup card: duration, organizer, an optional date and time; a
    workshop adds its place and the Teams-link toggle."""

    def fields(index: int, settings: dict[str, Any]) -> list[Json]:
        result: list[Json] = [
            {"type": "Input.Number", "id": step_input(index, "duration"), "label": t("meeting.duration"),
             "value": int(settings.get("duration", 60)), "min": MIN_DURATION, "max": MAX_DURATION},
            {"type": "Input.Text", "id": step_input(index, "organizer"), "label": t("meeting.organizer"),
             "placeholder": t("meeting.organizer_placeholder"), "value": str(settings.get("organizer", "")),
             "maxLength": MAX_ORGANIZER_LENGTH, "style": "Email"},
            {"type": "Input.Date", "id": step_input(index, "meeting_date"), "label": t("meeting.setup_date"),
             "value": str(settings.get("date", ""))},
            {"type": "Input.Time", "id": step_input(index, "meeting_time"), "label": t("meeting.setup_time"),
             "value": str(settings.get("time", ""))},
        ]
        if kind == "workshop":
            result += [
                {"type": "Input.Text", "id": step_input(index, "location"), "label": t("meeting.location"),
                 "value": str(settings.get("location", "")), "maxLength": MAX_LOCATION_LENGTH},
                {"type": "Input.Toggle", "id": step_input(index, "online"), "title": t("meeting.online"),
                 "value": "true" if settings.get("online") else "false", "valueOn": "true", "valueOff": "false"},
            ]
        return result

    return fields
