"""The meeting and workshop steps in the channel: scheduling through the calendar port, rescheduling,
cancelling, and the outcomes after the meeting.

A schedule click runs in three parts: read and check (one unit of work), ask the calendar (no unit
of work open: Microsoft 365 may take seconds), then store the event with the activity claim (one unit
of work). The calendar request carries a transaction id fixed by the step and the meeting's next
version, so a re-delivered click or a Graph retry never creates a second event; the database's
unique step_id and version checks decide which click is stored. A failure stores nothing."""

from __future__ import annotations

import html
import logging
from dataclasses import replace
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from cards import verbs
from cards.meeting import MeetingCardView, ScheduleDefaults, render_failure_card, render_meeting_card
from cards.meeting import render_outcomes_card, setup_fields_for
from cards.setup import step_input
from cards import formatting
from cards.texts import CATALOGS, EN, t, translate
from trajectory import agenda as agendas
from trajectory import meeting_service
from trajectory.errors import DomainError, NotFound
from trajectory.kinds import meeting as rules
from trajectory.kinds.meeting import Meeting, MeetingState, ScheduleForm
from trajectory.meetings import SchedulingError
from trajectory.model import Step, StepState, Trajectory
from trajectory.ports import UnitOfWork

from .card_data import apply_once, int_of, post_step_card
from .context import Deps
from .language import in_trajectory_language
from .refusals import describe
from .turn import Answer, Turn

log = logging.getLogger(__name__)

def agenda_labels(lang: str) -> dict[str, str]:
    """The agenda's words in ``lang`` (unformatted: to_html fills their placeholders)."""
    return {key.removeprefix("meeting.agenda."): CATALOGS[lang].get(key) or EN[key]
            for key in EN if key.startswith("meeting.agenda.")}


def invitation_html(trajectory: Trajectory, plan: rules.Plan, agenda: agendas.Agenda) -> str:
    """The invitation's body in the trajectory's language: when (dates written out by Babel, in the
    meeting's zone), where, then the agenda."""
    lang, zone_name = trajectory.language, plan.time_zone
    when = translate(lang, "meeting.invitation.when", day=formatting.day(plan.start, zone_name, lang),
                     start=formatting.clock(plan.start, zone_name, lang),
                     end=formatting.clock(plan.end, zone_name, lang), zone=zone_name)
    head = [when] + ([translate(lang, "meeting.invitation.where", place=plan.location)] if plan.location else [])
    return "".join(f"<p>{html.escape(line)}</p>" for line in head) + agendas.to_html(agenda, agenda_labels(lang))


def _defaults(step: Step, meeting: Meeting | None, time_zone: str) -> ScheduleDefaults:
    """The form as the setup card left it, or as the stored meeting is (in its own zone)."""
    settings = rules.settings_of(step)
    if meeting is not None and meeting.state is MeetingState.SCHEDULED:
        local = meeting.start.astimezone(ZoneInfo(meeting.time_zone))
        return ScheduleDefaults(
            date=local.strftime("%Y-%m-%d"), time=local.strftime("%H:%M"),
            duration=int((meeting.end - meeting.start).total_seconds() // 60), time_zone=meeting.time_zone,
            organizer=meeting.organizer, location=meeting.location,
            online=meeting.online)
    return ScheduleDefaults(date=settings["date"], time=settings["time"], duration=settings["duration"],
                            time_zone=time_zone, organizer=settings["organizer"], location=settings["location"],
                            online=settings["online"])


async def _view(uow: UnitOfWork, trajectory: Trajectory, step: Step, meeting: Meeting | None, time_zone: str,
                notice: str | None = None, is_error: bool = False) -> MeetingCardView:
    return MeetingCardView(
        step_id=step.id or 0, kind=step.kind, trajectory_title=trajectory.title, step_title=step.title,
        prompt=step.prompt, is_open=step.state is StepState.OPEN, version=rules.current_version(meeting),
        meeting=meeting, agenda=await meeting_service.agenda(uow, trajectory, step),
        form=_defaults(step, meeting, time_zone), notice=notice, notice_is_error=is_error,
        refresh_user_ids=[p.user_id for p in trajectory.facilitators if p.user_id])


@in_trajectory_language
async def shared_card(uow: UnitOfWork, trajectory: Trajectory, step: Step) -> dict[str, Any]:
    meeting = await uow.meetings.get(step.id) if step.id is not None else None
    return render_meeting_card(await _view(uow, trajectory, step, meeting, "UTC"))


async def on_open(deps: Deps, trajectory: Trajectory, step: Step) -> None:
    """Post the scheduling card: everyone sees it, facilitators act on it."""
    await post_step_card(deps, trajectory, step, shared_card)


async def on_close(deps: Deps, trajectory: Trajectory, step: Step) -> None:
    """Freeze the card: the meeting, its outcomes and decisions (the step's output)."""
    if step.card is None:
        return
    async with deps.uows() as uow:
        closed = await shared_card(uow, trajectory, step)
    await deps.messenger.update_card(step.card, closed)


async def _current(deps: Deps, turn: Turn, step_id: int, notice: str | None = None, is_error: bool = False,
                   update_channel: bool = False) -> Answer:
    """The card as stored now, for the clicker; the channel's copy too after a change."""
    async with deps.uows() as uow:
        trajectory, step, meeting = await meeting_service.load_step(uow, step_id)
        view = await _view(uow, trajectory, step, meeting, turn.time_zone, notice, is_error)
        shared = await shared_card(uow, trajectory, step) if update_channel and step.card else None
    if shared is not None and step.card is not None:
        await deps.messenger.update_card(step.card, shared)
    return Answer(card=render_meeting_card(view))


def _typed(plan: rules.Plan, form: ScheduleForm) -> ScheduleDefaults:
    """The form as the facilitator filled it (shown again when the calendar failed)."""
    local = plan.start.astimezone(ZoneInfo(plan.time_zone))
    return ScheduleDefaults(date=local.strftime("%Y-%m-%d"), time=local.strftime("%H:%M"),
                            duration=int((plan.end - plan.start).total_seconds() // 60), time_zone=plan.time_zone,
                            organizer=form.organizer if isinstance(form.organizer, str) else "",
                            location=plan.location, online=plan.online)


def _form(data: dict[str, Any]) -> ScheduleForm:
    return ScheduleForm(
        date=data.get(verbs.MEETING_DATE), time=data.get(verbs.MEETING_TIME),
        duration=data.get(verbs.MEETING_DURATION), time_zone=data.get(verbs.MEETING_TIME_ZONE),
        organizer=data.get(verbs.MEETING_ORGANIZER, ""), location=data.get(verbs.MEETING_LOCATION),
        online=data.get(verbs.MEETING_ONLINE))


async def _attendees(deps: Deps, trajectory: Trajectory, uow_channel: Any) -> list:
    """The channel's members with their e-mail addresses; the team's Entra group id when Teams told us."""
    assert deps.directory is not None
    team = (uow_channel.aad_group_id if uow_channel is not None else "") or trajectory.channel.team_id
    return await deps.directory.channel_attendees(team, trajectory.channel.channel_id)


async def _schedule(deps: Deps, turn: Turn, data: dict[str, Any], *, move: bool) -> Answer:
    assert turn.actor is not None
    step_id, version = int_of(data, "step_id"), int_of(data, "version")
    if deps.scheduler is None or deps.directory is None:
        return Answer(text=t("meeting.no_calendar"))
    form = _form(data)
    try:
        async with deps.uows() as uow:
            trajectory, step, meeting = await meeting_service.load_for_facilitator(uow, step_id, turn.actor)
            if move:
                previous = rules.check_scheduled(step, meeting, version)
                next_version = version + 1
            else:
                previous, next_version = None, rules.check_schedule(step, meeting, version)
            plan = rules.plan(step, form, turn.actor.aad_id, turn.now)
            if previous is not None:  # the event lives in its organizer's calendar: that can't change
                plan = replace(plan, organizer=previous.organizer)
            agenda_html = invitation_html(trajectory, plan, await meeting_service.agenda(uow, trajectory, step))
            channel = await uow.channels.get(trajectory.channel.channel_id)
            view = await _view(uow, trajectory, step, meeting, turn.time_zone)
            view = replace(view, form=_typed(plan, form))
    except DomainError as refusal:
        return await _refused(deps, turn, step_id, refusal)
    try:
        request = rules.request_for(step, trajectory.title, plan, next_version,
                                    await _attendees(deps, trajectory, channel), agenda_html)
        if move:
            assert previous is not None
            event = await deps.scheduler.reschedule(previous.event_id, request)
        else:
            event = await deps.scheduler.schedule(request)
    except SchedulingError as error:
        log.warning("step %s: scheduling failed: %s %s", step_id, error.failure, error.detail)
        return Answer(card=render_failure_card(view, error.failure, plan.organizer))
    stored = rules.scheduled(step_id, plan, event, next_version, agenda_html, meeting)
    try:
        await apply_once(deps, turn, lambda uow: meeting_service.store_scheduled(uow, trajectory, stored, version, turn.now))
    except DomainError as refusal:  # another click stored first (the same event: same transaction id)
        return await _refused(deps, turn, step_id, refusal)
    return await _current(deps, turn, step_id, t("meeting.rescheduled" if move else "meeting.scheduled"),
                          update_channel=True)


async def _refused(deps: Deps, turn: Turn, step_id: int, refusal: DomainError) -> Answer:
    try:
        return await _current(deps, turn, step_id, describe(refusal), True)
    except NotFound:
        return Answer(text=describe(refusal))


async def show(deps: Deps, turn: Turn, data: dict[str, Any]) -> Answer:
    """A refresh: the card with the viewer's time zone preselected on the form."""
    return await _current(deps, turn, int_of(data, "step_id"))


async def schedule(deps: Deps, turn: Turn, data: dict[str, Any]) -> Answer:
    return await _schedule(deps, turn, data, move=False)


async def reschedule(deps: Deps, turn: Turn, data: dict[str, Any]) -> Answer:
    return await _schedule(deps, turn, data, move=True)


async def cancel(deps: Deps, turn: Turn, data: dict[str, Any]) -> Answer:
    assert turn.actor is not None
    step_id, version = int_of(data, "step_id"), int_of(data, "version")
    if deps.scheduler is None:
        return Answer(text=t("meeting.no_calendar"))
    try:
        async with deps.uows() as uow:
            _, step, meeting = await meeting_service.load_for_facilitator(uow, step_id, turn.actor)
            current = rules.check_scheduled(step, meeting, version)
            comment = rules.clean_comment(data.get(verbs.MEETING_COMMENT))
    except DomainError as refusal:
        return await _refused(deps, turn, step_id, refusal)
    try:
        await deps.scheduler.cancel(current.event_id, current.organizer, comment)
    except SchedulingError as error:
        log.warning("step %s: cancelling failed: %s %s", step_id, error.failure, error.detail)
        reason = t(f"meeting.failed.{error.failure.value}", organizer=current.organizer)
        return await _current(deps, turn, step_id, t("meeting.failed.cancel", reason=reason), True)
    try:
        await apply_once(deps, turn, lambda uow: meeting_service.store_cancelled(
            uow, rules.cancelled(current), version, turn.now))
    except DomainError as refusal:
        return await _refused(deps, turn, step_id, refusal)
    return await _current(deps, turn, step_id, t("meeting.cancel_done"), update_channel=True)


async def outcomes(deps: Deps, turn: Turn, data: dict[str, Any]) -> Answer:
    """Save outcomes and decisions; the step closes (and with auto-advance the next one opens)."""
    assert turn.actor is not None
    step_id, version = int_of(data, "step_id"), int_of(data, "version")
    actor = turn.actor
    try:
        done = await apply_once(deps, turn, lambda uow: meeting_service.record_outcomes(
            uow, step_id, version, actor, data.get(verbs.MEETING_OUTCOMES), data.get(verbs.MEETING_DECISIONS),
            turn.now))
    except DomainError as refusal:
        return await _refused(deps, turn, step_id, refusal)
    if done and done[1]:
        from .steps import apply_events  # steps.py imports this module for its table

        await apply_events(deps, *done)
    return await _current(deps, turn, step_id, t("meeting.outcomes_saved"))


async def meeting_ended(deps: Deps, trajectory: Trajectory, step: Step, job_version: int, now: datetime) -> None:
    """The end-of-meeting job: ask the facilitators for the outcomes in the step's thread, if the meeting
    it was planned for is still the one scheduled and the step still open."""
    if step.id is None or step.card is None or step.state is not StepState.OPEN:
        return
    async with deps.uows() as uow:
        meeting = await uow.meetings.get(step.id)
        if meeting is None or meeting.version != job_version or not rules.has_ended(meeting, now):
            return
        view = await _view(uow, trajectory, step, meeting, meeting.time_zone)
    await deps.messenger.reply_card(step.card, render_outcomes_card(view))


def read_setup(data: dict[str, Any], index: int, settings: dict[str, Any]) -> dict[str, Any]:
    """The settings as typed on the setup card (checked by the domain)."""
    result = dict(settings)
    for name, key in (("duration", "duration"), ("organizer", "organizer"), ("location", "location"),
                      ("online", "online"), ("date", "meeting_date"), ("time", "meeting_time")):
        if step_input(index, key) in data:
            result[name] = data[step_input(index, key)]
    return result


async def contributors(uow: UnitOfWork, step: Step) -> set[str]:
    """Nobody 'contributes' to a live meeting: no participation counts, no reminders."""
    return set()


meeting_setup_fields = setup_fields_for("meeting")
workshop_setup_fields = setup_fields_for("workshop")

VERBS = {
    verbs.MEETING_SCHEDULE: schedule,
    verbs.MEETING_RESCHEDULE: reschedule,
    verbs.MEETING_CANCEL: cancel,
    verbs.MEETING_OUTCOMES_SAVE: outcomes,
    verbs.MEETING_REFRESH: show,
}
