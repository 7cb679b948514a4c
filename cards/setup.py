"""The setup card a facilitator edits before starting a trajectory."""

from __future__ import annotations

from dataclasses import dataclass, field

from . import verbs
from .base import Json, card, execute, heading, line, notice
from .texts import t


@dataclass(frozen=True)
class StepFormView:
    kind: str
    title: str
    prompt: str
    # The kind's own inputs (rendered by the kind's cards module with ``step_input`` ids).
    fields: list[Json] = field(default_factory=list)
    deadline_date: str = ""  # YYYY-MM-DD in the facilitator's time zone
    deadline_time: str = ""  # HH:MM
    has_deadline: bool = True  # async steps; a meeting's time is chosen in its own fields


@dataclass(frozen=True)
class SetupView:
    trajectory_id: int
    version: int
    title: str
    question: str
    steps: list[StepFormView]
    time_zone: str
    kinds: list[tuple[str, str]] = field(default_factory=list)  # (kind, label) a facilitator can add
    templates: list[tuple[str, str]] = field(default_factory=list)  # (name, label) to start over from
    choices: list[tuple[str, str]] = field(default_factory=list)  # (aad id, name) of team members
    co_facilitators: list[str] = field(default_factory=list)
    auto_advance: bool = False
    reminder_hours: list[int] = field(default_factory=list)
    # What the trajectory's shared cards, invitations and files are written in; (code, name) choices.
    language: str = "en"
    languages: list[tuple[str, str]] = field(default_factory=list)
    editable: bool = True
    notice: str | None = None
    notice_is_error: bool = False


def step_input(index: int, name: str) -> str:
    return f"step_{index}_{name}"


def _step_block(index: int, step: StepFormView) -> Json:
    items: list[Json] = [
        line(t("setup.step", n=index + 1, kind=t(f"kind.{step.kind}")), weight="Bolder"),
        {"type": "Input.Text", "id": step_input(index, "title"), "label": t("setup.step_title"),
         "value": step.title, "maxLength": 120, "isRequired": True,
         "errorMessage": t("input.empty", field=t("field.step_title"))},
        {"type": "Input.Text", "id": step_input(index, "prompt"), "label": t("setup.step_prompt"),
         "value": step.prompt, "maxLength": 1000, "isMultiline": True},
        *step.fields,
    ]
    if step.has_deadline:
        items.append({"type": "ColumnSet", "columns": [
            {"type": "Column", "width": "stretch", "items": [
                {"type": "Input.Date", "id": step_input(index, "deadline_date"), "label": t("setup.deadline_date"),
                 "value": step.deadline_date}]},
            {"type": "Column", "width": "stretch", "items": [
                {"type": "Input.Time", "id": step_input(index, "deadline_time"), "label": t("setup.deadline_time"),
                 "value": step.deadline_time}]},
        ]})
    return {"type": "Container", "separator": True, "spacing": "Medium", "items": items}


def _trajectory_options(view: SetupView) -> list[Json]:
    body: list[Json] = [
        {"type": "Input.Toggle", "id": "auto_advance", "title": t("setup.auto_advance"),
         "value": "true" if view.auto_advance else "false", "valueOn": "true", "valueOff": "false",
         "separator": True, "spacing": "Medium"},
        {"type": "Input.Text", "id": "reminder_hours", "label": t("setup.reminder_hours"),
         "value": ", ".join(str(h) for h in view.reminder_hours), "maxLength": 40},
    ]
    if view.languages:
        body.append({"type": "Input.ChoiceSet", "id": "language", "label": t("setup.language"),
                     "choices": [{"title": name, "value": code} for code, name in view.languages],
                     "value": view.language})
    if view.choices:
        body.append({"type": "Input.ChoiceSet", "id": "co_facilitators", "label": t("setup.co_facilitators"),
                     "isMultiSelect": True,
                     "choices": [{"title": name, "value": aad_id} for aad_id, name in view.choices],
                     "value": ",".join(view.co_facilitators)})
    if view.kinds:
        body.append({"type": "Input.ChoiceSet", "id": "new_step_kind", "label": t("setup.new_step_kind"),
                     "choices": [{"title": label, "value": kind} for kind, label in view.kinds],
                     "value": view.kinds[0][0], "separator": True})
    if view.templates:
        body.append({"type": "ColumnSet", "columns": [
            {"type": "Column", "width": "stretch", "items": [
                {"type": "Input.ChoiceSet", "id": "template", "label": t("setup.template"),
                 "choices": [{"title": label, "value": name} for name, label in view.templates],
                 "value": view.templates[0][0]}]},
            {"type": "Column", "width": "auto", "verticalContentAlignment": "Bottom", "items": [
                {"type": "ActionSet", "actions": [execute(t("setup.use_template"), verbs.SETUP_TEMPLATE,
                                                          {"trajectory_id": view.trajectory_id,
                                                           "version": view.version})]}]},
        ]})
    return body


def render_setup_card(view: SetupView) -> Json:
    body = heading(t("setup.header", title=view.title), subtle_line=t("setup.hint") if view.editable else None)
    if view.notice:
        body.append(notice(view.notice, attention=view.notice_is_error))
    if not view.editable:
        body.append(line(t("setup.locked"), isSubtle=True))
        return card(body)
    body += [
        {"type": "Input.Text", "id": "title", "label": t("setup.title"), "value": view.title, "maxLength": 120,
         "isRequired": True, "errorMessage": t("input.empty", field=t("field.title"))},
        {"type": "Input.Text", "id": "question", "label": t("setup.question"), "value": view.question,
         "maxLength": 1000, "isMultiline": True, "isRequired": True,
         "errorMessage": t("input.empty", field=t("field.question"))},
    ]
    body += [_step_block(i, s) for i, s in enumerate(view.steps)]
    body.append(line(view.time_zone, isSubtle=True, size="Small"))
    body += _trajectory_options(view)
    data = {"trajectory_id": view.trajectory_id, "version": view.version}
    actions = [
        execute(t("setup.start"), verbs.SETUP_START, data, style="positive"),
        execute(t("setup.save"), verbs.SETUP_SAVE, data),
        execute(t("setup.add_step"), verbs.SETUP_ADD_STEP, data),
    ]
    if len(view.steps) > 1:
        actions.append(execute(t("setup.remove_step"), verbs.SETUP_REMOVE_STEP, data))
    return card(body, actions)
