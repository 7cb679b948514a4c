"""The setup card a facilitator edits before starting a trajectory."""

from __future__ import annotations

from dataclasses import dataclass, field

from . import verbs
from .base import Json, card, execute, heading, line, notice
from .texts import t
from trajectory.kinds.ideas import MAX_IDEAS_PER_PERSON


@dataclass(frozen=True)
class StepFormView:
    kind: str
    title: str
    prompt: str
    settings: dict
    deadline_date: str = ""  # YYYY-MM-DD in the facilitator's time zone
    deadline_time: str = ""  # HH:MM


@dataclass(frozen=True)
class SetupView:
    trajectory_id: int
    version: int
    title: str
    question: str
    steps: list[StepFormView]
    time_zone: str
    choices: list[tuple[str, str]] = field(default_factory=list)  # (aad id, name) of team members
    co_facilitators: list[str] = field(default_factory=list)
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
    ]
    if step.kind == "ideas":
        items.append({"type": "Input.Number", "id": step_input(index, "max_per_person"),
                      "label": t("setup.max_per_person"), "min": 1, "max": MAX_IDEAS_PER_PERSON,
                      "value": step.settings.get("max_per_person", 5)})
    items.append({"type": "ColumnSet", "columns": [
        {"type": "Column", "width": "stretch", "items": [
            {"type": "Input.Date", "id": step_input(index, "deadline_date"), "label": t("setup.deadline_date"),
             "value": step.deadline_date}]},
        {"type": "Column", "width": "stretch", "items": [
            {"type": "Input.Time", "id": step_input(index, "deadline_time"), "label": t("setup.deadline_time"),
             "value": step.deadline_time}]},
    ]})
    return {"type": "Container", "separator": True, "spacing": "Medium", "items": items}


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
    if view.choices:
        body.append({"type": "Input.ChoiceSet", "id": "co_facilitators", "label": t("setup.co_facilitators"),
                     "isMultiSelect": True,
                     "choices": [{"title": name, "value": aad_id} for aad_id, name in view.choices],
                     "value": ",".join(view.co_facilitators)})
    data = {"trajectory_id": view.trajectory_id, "version": view.version}
    actions = [
        execute(t("setup.start"), verbs.SETUP_START, data, style="positive"),
        execute(t("setup.save"), verbs.SETUP_SAVE, data),
        execute(t("setup.add_step"), verbs.SETUP_ADD_STEP, data),
    ]
    if len(view.steps) > 1:
        actions.append(execute(t("setup.remove_step"), verbs.SETUP_REMOVE_STEP, data))
    return card(body, actions)
