"""The setup card: a facilitator edits the question, steps, deadlines and co-facilitators."""

from __future__ import annotations

from datetime import date, datetime, time, timezone
from typing import Any
from zoneinfo import ZoneInfo

from cards import verbs
from cards.formatting import zone_info
from cards.setup import SetupView, StepFormView, render_setup_card, step_input
from cards.texts import LANGUAGES, current_language, t
from trajectory import services
from trajectory.errors import DomainError, InvalidInput, NotFound
from trajectory.kinds import STEP_KINDS
from trajectory.model import Mode, Trajectory, TrajectoryState
from trajectory.ports import UnitOfWork
from trajectory.setup import StepDraft, template_drafts
from trajectory.templates import TEMPLATES

from .context import Deps
from .language import catalog_translator, retranslated, shared_by
from .refusals import describe
from .steps import STEP_DIALOGS, apply_events
from .turn import Answer, Turn


def _local_parts(moment: datetime | None, tz: ZoneInfo) -> tuple[str, str]:
    if moment is None:
        return "", ""
    local = moment.astimezone(tz)
    return local.strftime("%Y-%m-%d"), local.strftime("%H:%M")


async def setup_view(uow: UnitOfWork, trajectory: Trajectory, time_zone: str, notice: str | None = None,
                     is_error: bool = False) -> SetupView:
    tz = zone_info(time_zone)
    members = await uow.channels.members(trajectory.channel.team_id)
    creator = trajectory.created_by.aad_id
    steps = [StepFormView(s.kind, s.title, s.prompt, STEP_DIALOGS[s.kind].setup_fields(i, s.settings),
                          *_local_parts(s.deadline, tz), has_deadline=s.mode is Mode.ASYNC)
             for i, s in enumerate(trajectory.steps)]
    return SetupView(
        trajectory_id=trajectory.id or 0,
        version=trajectory.version,
        title=trajectory.title,
        question=trajectory.question,
        steps=steps,
        time_zone=t("setup.time_zone", zone=tz.key),
        kinds=[(name, t(f"kind.{name}")) for name in STEP_KINDS],
        templates=[(name, template.in_language(catalog_translator(current_language())).label)
                   for name, template in TEMPLATES.items()],
        choices=[(m.aad_id, m.name) for m in members if m.aad_id != creator],
        auto_advance=bool(trajectory.settings.get("auto_advance")),
        reminder_hours=list(trajectory.settings.get("reminder_hours", [])),
        language=trajectory.language,
        languages=[(lang, t(f"language.name.{lang}")) for lang in LANGUAGES],
        co_facilitators=[p.aad_id for p in trajectory.facilitators if p.aad_id != creator],
        editable=trajectory.state is TrajectoryState.DRAFT,
        notice=notice,
        notice_is_error=is_error,
    )


def _deadline(data: dict[str, Any], index: int, tz: ZoneInfo) -> datetime | None:
    day = str(data.get(step_input(index, "deadline_date")) or "").strip()
    clock = str(data.get(step_input(index, "deadline_time")) or "").strip()
    if not day:
        return None
    try:
        local = datetime.combine(date.fromisoformat(day), time.fromisoformat(clock) if clock else time(17, 0))
    except ValueError:
        raise InvalidInput(field="deadline", reason="bad_date") from None
    return local.replace(tzinfo=tz).astimezone(timezone.utc)


def read_form(data: dict[str, Any], trajectory: Trajectory, tz: ZoneInfo) -> services.SetupForm:
    """The typed values, for exactly the steps the stored draft has (card data can't add steps)."""
    steps = []
    for index, step in enumerate(trajectory.steps):
        settings = STEP_DIALOGS[step.kind].read_setup(data, index, dict(step.settings))
        steps.append(StepDraft(
            kind=step.kind,
            title=str(data.get(step_input(index, "title"), step.title) or ""),
            prompt=str(data.get(step_input(index, "prompt"), step.prompt) or ""),
            settings=settings,
            deadline=_deadline(data, index, tz),
        ))
    chosen = data.get("co_facilitators", "")
    ids = [i.strip() for i in chosen.split(",") if i.strip()] if isinstance(chosen, str) else []
    settings = {k: data[k] for k in ("auto_advance", "reminder_hours", "language") if k in data}
    return services.SetupForm(title=data.get("title", trajectory.title),
                              question=data.get("question", trajectory.question), steps=steps,
                              co_facilitator_ids=ids, settings=settings)


def _retranslated(form: services.SetupForm, old: str, new: str) -> services.SetupForm:
    """The language changed: the template's texts nobody edited follow it."""
    def again(text: object) -> object:
        return retranslated(text, old, new) if isinstance(text, str) else text

    def settings(draft: StepDraft) -> dict[str, Any]:
        questions = draft.settings.get("questions")
        if not isinstance(questions, list):
            return draft.settings
        return {**draft.settings, "questions": [{**q, "text": again(q.get("text"))} if isinstance(q, dict) else q
                                                for q in questions]}

    steps = [StepDraft(d.kind, str(again(d.title)), str(again(d.prompt)), settings(d), d.deadline) for d in form.steps]
    return services.SetupForm(form.title, again(form.question), steps, form.co_facilitator_ids, form.settings)


def _edited(form: services.SetupForm, verb: str, data: dict[str, Any], language: str) -> services.SetupForm:
    """The form after the clicked edit; new texts (a step's defaults, a template) in ``language``."""
    chosen_language = str(form.settings.get("language") or language)
    if chosen_language != language and chosen_language in LANGUAGES:
        form = _retranslated(form, language, chosen_language)
    steps = list(form.steps)
    text = catalog_translator(chosen_language)
    if verb == verbs.SETUP_ADD_STEP:
        chosen = data.get("new_step_kind")
        kind = STEP_KINDS[chosen] if isinstance(chosen, str) and chosen in STEP_KINDS else STEP_KINDS["ideas"]
        steps.append(StepDraft(kind=kind.name, title=text(f"kind.{kind.name}.default_title", kind.default_title),
                               prompt=text(f"kind.{kind.name}.default_prompt", kind.default_prompt)))
    elif verb == verbs.SETUP_REMOVE_STEP and len(steps) > 1:
        steps.pop()
    elif verb == verbs.SETUP_TEMPLATE:
        template, steps = template_drafts(str(data.get("template", "")), text)
        return services.SetupForm(form.title, template.question, steps, form.co_facilitator_ids, form.settings)
    return services.SetupForm(form.title, form.question, steps, form.co_facilitator_ids, form.settings)


async def handle(deps: Deps, turn: Turn, data: dict[str, Any], verb: str) -> Answer:
    assert turn.actor is not None
    try:
        trajectory_id, version = int(data["trajectory_id"]), int(data["version"])
    except (KeyError, TypeError, ValueError):
        return Answer(text=t("error.bad_action"))
    tz = zone_info(turn.time_zone)
    events = []
    try:
        async with deps.uows() as uow:
            if not await uow.claim_activity(turn.activity_id):
                trajectory = await uow.trajectories.get(trajectory_id)
                if trajectory is None:
                    return Answer()
                with shared_by(trajectory):
                    return Answer(card=render_setup_card(await setup_view(uow, trajectory, turn.time_zone)))
            current = await uow.trajectories.get(trajectory_id)
            if current is None:
                raise NotFound(what="trajectory")
            form = _edited(read_form(data, current, tz), verb, data, current.language)
            trajectory = await services.edit_setup(uow, trajectory_id, version, turn.actor, form, turn.now)
            if verb == verbs.SETUP_START:
                trajectory, events = await services.transition(
                    uow, trajectory.channel.channel_id, turn.actor, "start", turn.now)
            await uow.commit()
    except DomainError as refusal:
        async with deps.uows() as uow:
            stored = await uow.trajectories.get(trajectory_id)
            if stored is None:
                return Answer(text=describe(refusal))
            # The refusal is for the clicker, in their language; the card stays in the trajectory's.
            notice = describe(refusal)
            with shared_by(stored):
                return Answer(card=render_setup_card(await setup_view(uow, stored, turn.time_zone, notice, True)))
    if events:
        message = await apply_events(deps, trajectory, events)
    with shared_by(trajectory):  # a new language shows at once
        if not events:
            message = t("setup.template_applied" if verb == verbs.SETUP_TEMPLATE else "setup.saved")
        async with deps.uows() as uow:
            view = await setup_view(uow, trajectory, turn.time_zone, message)
        return Answer(card=render_setup_card(view))


def _bind(verb: str):
    async def handler(deps: Deps, turn: Turn, data: dict[str, Any]) -> Answer:
        return await handle(deps, turn, data, verb)

    return handler


VERBS = {v: _bind(v) for v in (verbs.SETUP_SAVE, verbs.SETUP_ADD_STEP, verbs.SETUP_REMOVE_STEP, verbs.SETUP_START,
                               verbs.SETUP_TEMPLATE)}
