"""Creating a trajectory from a template and editing it while it is a draft."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from .errors import InvalidInput, InvalidTransition
from .kinds import kind_of
from .model import ChannelRef, Person, Step, StepDraft, Trajectory, TrajectoryState
from .templates import DEFAULT_TEMPLATE, TEMPLATES, Template, Translator, english
from .text import clean_text

MAX_TITLE_LENGTH = 120
MAX_QUESTION_LENGTH = 1000
MAX_PROMPT_LENGTH = 1000
MAX_STEPS = 12
MAX_FACILITATORS = 10
MAX_REMINDERS = 4
MAX_REMINDER_HOURS = 24 * 14
LANGUAGES = ("en", "nl")  # what a trajectory's shared cards, invitations and files can be written in
DEFAULT_SETTINGS: dict[str, Any] = {"auto_advance": False, "reminder_hours": [24, 2], "language": "en",
                                   "time_zone": "UTC"}


def normalise_trajectory_settings(settings: dict[str, Any]) -> dict[str, Any]:
    """Complete and check trajectory-wide settings (defaults filled in). Raises InvalidInput."""
    merged = {**DEFAULT_SETTINGS, **settings}
    auto = merged["auto_advance"]
    if isinstance(auto, str):
        auto = auto.strip().lower() in ("true", "1", "yes", "on")
    hours = merged["reminder_hours"]
    if isinstance(hours, str):
        hours = [h for h in hours.replace(";", ",").split(",") if h.strip()]
    try:
        hours = sorted({int(h) for h in hours}, reverse=True)
    except (TypeError, ValueError):
        raise InvalidInput(field="reminder_hours", reason="not_a_number") from None
    if len(hours) > MAX_REMINDERS or any(not 1 <= h <= MAX_REMINDER_HOURS for h in hours):
        raise InvalidInput(field="reminder_hours", reason="out_of_range", low=1, high=MAX_REMINDER_HOURS)
    language = str(merged["language"] or "").strip().lower()
    if language not in LANGUAGES:
        raise InvalidInput(field="language", reason="not_a_choice")
    time_zone = str(merged["time_zone"] or "UTC")
    try:
        ZoneInfo(time_zone)
    except (ZoneInfoNotFoundError, ValueError):
        raise InvalidInput(field="time_zone", reason="not_a_choice") from None
    return {"auto_advance": bool(auto), "reminder_hours": hours, "language": language, "time_zone": time_zone}


def build_step(draft: StepDraft, position: int, now: datetime | None = None) -> Step:
    kind = kind_of(draft.kind)
    if draft.deadline is not None and now is not None and draft.deadline <= now:
        raise InvalidInput(field="deadline", reason="in_the_past", step=position + 1)
    return Step(
        kind=kind.name,
        mode=kind.mode,
        title=clean_text(draft.title or kind.default_title, field="step_title", max_length=MAX_TITLE_LENGTH),
        prompt=clean_text(draft.prompt, field="step_prompt", max_length=MAX_PROMPT_LENGTH, required=False),
        settings=kind.normalise_settings({**kind.defaults, **draft.settings}),
        deadline=draft.deadline,
        position=position,
    )


def template_drafts(name: str, text: Translator = english) -> tuple[Template, list[StepDraft]]:
    """The template's question and the drafts of its steps whose kinds exist, in the language of
    ``text`` (English without one)."""
    chosen = TEMPLATES.get(name)
    if chosen is None:
        raise InvalidInput(field="template", reason="unknown_template", template=name)
    chosen = chosen.in_language(text)
    drafts = chosen.available_steps()
    return chosen, drafts


def new_trajectory(
    channel: ChannelRef, creator: Person, raw_title: object, now: datetime, template: str = DEFAULT_TEMPLATE,
    settings: dict[str, Any] | None = None, text: Translator = english,
) -> Trajectory:
    """A draft from the template; ``settings`` (e.g. the creator's language and time zone) win over
    the template's, and ``text`` translates the template into that language."""
    chosen, drafts = template_drafts(template, text)
    title = clean_text(raw_title, field="title", max_length=MAX_TITLE_LENGTH)
    return Trajectory(
        channel=channel,
        title=title,
        question=chosen.question,
        created_by=creator,
        created_at=now,
        facilitators=[creator],
        steps=[build_step(d, i) for i, d in enumerate(drafts)],
        settings=normalise_trajectory_settings({**chosen.settings, **(settings or {})}),
    )


def edit_draft(
    trajectory: Trajectory,
    *,
    title: object,
    question: object,
    steps: list[StepDraft],
    co_facilitators: list[Person],
    now: datetime,
    settings: dict[str, Any] | None = None,
) -> None:
    """Replace the draft's question, steps and co-facilitators (the creator always stays)."""
    if trajectory.state is not TrajectoryState.DRAFT:
        raise InvalidTransition(action="edit", state=str(trajectory.state))
    if not 1 <= len(steps) <= MAX_STEPS:
        raise InvalidInput(field="steps", reason="count", low=1, high=MAX_STEPS)
    if len(co_facilitators) + 1 > MAX_FACILITATORS:
        raise InvalidInput(field="facilitators", reason="count", low=1, high=MAX_FACILITATORS)
    new_title = clean_text(title, field="title", max_length=MAX_TITLE_LENGTH)
    new_question = clean_text(question, field="question", max_length=MAX_QUESTION_LENGTH)
    built = [build_step(d, i, now) for i, d in enumerate(steps)]
    for step in built:
        kind_of(step.kind).check_in_trajectory(step, built)
    new_settings = normalise_trajectory_settings({**trajectory.settings, **(settings or {})})
    deadlines = [s.deadline for s in built if s.deadline is not None]
    if deadlines != sorted(deadlines):
        raise InvalidInput(field="deadline", reason="out_of_order")
    trajectory.title, trajectory.question, trajectory.steps = new_title, new_question, built
    trajectory.settings = new_settings
    others = [p for p in co_facilitators if p.aad_id != trajectory.created_by.aad_id]
    unique = list({p.aad_id: p for p in others}.values())
    trajectory.facilitators = [trajectory.created_by, *unique]
