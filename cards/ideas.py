"""Cards of the idea-collection step: the live card in the channel, its per-member view, the summary."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from . import verbs
from .base import Json, card, execute, heading, line, notice, refresh, user_text, when
from .setup import step_input
from .texts import count, t
from trajectory.kinds.ideas import MAX_IDEAS_PER_PERSON

import json

# Teams rejects big messages (and cards render slowly long before): the summary stops at whichever
# comes first, a count or a size budget, and says how many more there are.
SUMMARY_MAX_IDEAS = 100
SUMMARY_BUDGET_BYTES = 24 * 1024


@dataclass(frozen=True)
class IdeaView:
    id: int
    text: str
    version: int
    author_name: str = ""


@dataclass(frozen=True)
class IdeasCardView:
    step_id: int
    trajectory_title: str
    question: str
    step_title: str
    prompt: str
    idea_count: int
    contributor_count: int
    max_per_person: int
    is_open: bool
    deadline: datetime | None = None
    refresh_user_ids: list[str] = field(default_factory=list)
    # Set only in the view of one member (a refresh or their own action).
    mine: list[IdeaView] | None = None
    notice: str | None = None
    notice_is_error: bool = False


def setup_fields(index: int, settings: dict) -> list[Json]:
    """The idea step's own inputs on the setup card."""
    return [{"type": "Input.Number", "id": step_input(index, "max_per_person"), "label": t("setup.max_per_person"),
             "min": 1, "max": MAX_IDEAS_PER_PERSON, "value": settings.get("max_per_person", 5)}]


def _header(view: IdeasCardView) -> list[Json]:
    body = heading(view.step_title, subtle_line=view.trajectory_title)
    body.append(user_text(view.question, weight="Bolder"))
    if view.prompt:
        body.append(user_text(view.prompt))
    return body


def _mine(view: IdeasCardView, mine: list[IdeaView]) -> list[Json]:
    body: list[Json] = [line(t("ideas.yours", count=len(mine), limit=view.max_per_person), weight="Bolder", separator=True)]
    if not mine:
        body.append(line(t("ideas.none_yet"), isSubtle=True))
    for idea in mine:
        edit_form = card(
            [{"type": "Input.Text", "id": f"{verbs.EDIT_TEXT_PREFIX}{idea.id}", "value": idea.text,
              "isMultiline": True, "maxLength": 500, "label": t("ideas.input"), "isRequired": True,
              "errorMessage": t("input.empty", field=t("field.idea"))}],
            [execute(t("ideas.save"), verbs.IDEAS_EDIT, {"idea_id": idea.id, "version": idea.version})],
        )
        for key in ("$schema", "version", "msteams"):
            edit_form.pop(key)
        body.append({"type": "Container", "items": [user_text(idea.text)], "spacing": "Medium"})
        body.append({"type": "ActionSet", "actions": [
            {"type": "Action.ShowCard", "title": t("ideas.edit"), "card": edit_form},
            execute(t("ideas.withdraw"), verbs.IDEAS_WITHDRAW, {"idea_id": idea.id, "version": idea.version},
                    inputs="none", style="destructive"),
        ]})
    return body


def render_ideas_card(view: IdeasCardView) -> Json:
    body = _header(view)
    if not view.is_open:
        body.append(line(t("ideas.closed", ideas=count(view.idea_count, "idea"),
                           people=count(view.contributor_count, "person")), weight="Bolder"))
        return card(body)
    tally = t("ideas.count", ideas=count(view.idea_count, "idea"), people=count(view.contributor_count, "person"))
    body.append(line(tally if view.idea_count else t("ideas.count_zero"), isSubtle=True))
    if view.deadline is not None:
        body.append(line(t("ideas.closes", when=when(view.deadline)), isSubtle=True, spacing="None"))
    if view.notice:
        body.append(notice(view.notice, attention=view.notice_is_error))
    can_add = view.mine is None or len(view.mine) < view.max_per_person
    actions: list[Json] = []
    if can_add:
        body.append({
            "type": "Input.Text", "id": verbs.IDEA_TEXT, "isMultiline": True, "maxLength": 500,
            "label": t("ideas.input"), "placeholder": t("ideas.placeholder", limit=view.max_per_person),
            "isRequired": True, "errorMessage": t("input.empty", field=t("field.idea")),
        })
        # The button sits right under its input, above the member's own list.
        body.append({"type": "ActionSet", "actions": [
            execute(t("ideas.add"), verbs.IDEAS_ADD, {"step_id": view.step_id}, style="positive")]})
    if view.mine is not None:
        body.extend(_mine(view, view.mine))
    else:
        # Where Teams does not refresh automatically (over 60 members), a member asks for their view.
        actions.append(execute(t("ideas.show_mine"), verbs.IDEAS_REFRESH, {"step_id": view.step_id}, inputs="none"))
    return card(body, actions, refresh(verbs.IDEAS_REFRESH, {"step_id": view.step_id}, view.refresh_user_ids))


def _summary_row(number: int, idea: IdeaView) -> Json:
    return {"type": "ColumnSet", "separator": number > 1, "columns": [
        {"type": "Column", "width": "auto", "items": [line(f"{number}.", weight="Bolder")]},
        {"type": "Column", "width": "stretch", "items": [
            user_text(idea.text),
            user_text(idea.author_name, isSubtle=True, size="Small"),
        ]},
    ]}


def render_ideas_summary(step_title: str, trajectory_title: str, ideas: list[IdeaView]) -> Json:
    body = heading(t("summary.header", step=step_title), subtle_line=trajectory_title)
    if not ideas:
        body.append(line(t("summary.none"), isSubtle=True))
    used = len(json.dumps(body))
    shown = 0
    for number, idea in enumerate(ideas[:SUMMARY_MAX_IDEAS], start=1):
        row = _summary_row(number, idea)
        used += len(json.dumps(row, ensure_ascii=False).encode())
        if used > SUMMARY_BUDGET_BYTES:
            break
        body.append(row)
        shown = number
    if shown < len(ideas):
        body.append(line(t("summary.more", count=len(ideas) - shown), isSubtle=True))
    return card(body)
