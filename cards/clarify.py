"""Cards of clarifications outside the idea list: the author's private question card (a 1:1 chat
with the bot) and a facilitator's merge form."""

from __future__ import annotations

from dataclasses import dataclass

from . import verbs
from .base import Json, card, execute, heading, line, notice, user_text
from .idea_list import ListedIdea, idea_choices
from .texts import t
from trajectory.kinds.clarifications import MAX_ANSWER_LENGTH


@dataclass(frozen=True)
class QuestionCardView:
    clarification_id: int
    version: int
    trajectory_title: str
    step_title: str
    idea_text: str
    kind: str  # "question" | "comment"
    text: str
    asker_name: str | None  # None: anonymous
    answer: str | None = None
    can_answer: bool = True  # the step still takes answers and the idea is still there
    notice: str | None = None
    notice_is_error: bool = False


def render_question_card(view: QuestionCardView) -> Json:
    """What the author of an idea gets privately when someone asks about it; answering replaces it."""
    body = heading(t("clarify.private_header"), subtle_line=f"{view.trajectory_title} \u00b7 {view.step_title}")
    body.append(line(t("clarify.private_idea"), weight="Bolder", spacing="Medium"))
    body.append(user_text(view.idea_text))
    who = view.asker_name if view.asker_name is not None else t("clarify.anonymous")
    label = user_text(t(f"clarify.label.{view.kind}", who=who), weight="Bolder")  # a name: a TextRun
    label["spacing"] = "Medium"
    body.append(label)
    body.append(user_text(view.text))
    if view.answer is not None:
        body.append(line(t("clarify.private_answer"), weight="Bolder", spacing="Medium"))
        body.append(user_text(view.answer))
    if view.notice:
        body.append(notice(view.notice, attention=view.notice_is_error))
    actions: list[Json] = []
    if view.can_answer:
        body.append({
            "type": "Input.Text", "id": f"{verbs.ANSWER_TEXT_PREFIX}{view.clarification_id}", "isMultiline": True,
            "maxLength": MAX_ANSWER_LENGTH, "label": t("clarify.answer_input"), "isRequired": True,
            "errorMessage": t("input.empty", field=t("field.answer")), "value": view.answer or "",
        })
        body.append(line(t("clarify.private_hint"), isSubtle=True, size="Small"))
        title = t("clarify.answer_change") if view.answer is not None else t("clarify.answer_send")
        actions.append(execute(title, verbs.IDEAS_ANSWER, {
            "clarification_id": view.clarification_id, "version": view.version, "view": "private"}, style="positive"))
    else:
        body.append(line(t("clarify.private_closed"), isSubtle=True))
    return card(body, actions)


@dataclass(frozen=True)
class MergeFormView:
    step_id: int
    idea: ListedIdea
    others: list[ListedIdea]  # the active ideas it could go into
    summary: bool = False  # opened from the summary: "Cancel" goes back there


def render_merge_form(view: MergeFormView) -> Json:
    """A facilitator picks the idea a duplicate goes into (one form on demand, not one per idea:
    a choice list per idea would grow with the square of the number of ideas)."""
    idea = view.idea
    body = heading(t("clarify.merge_header"))
    body.append(user_text(f"{idea.number}. {idea.text}", weight="Bolder"))
    body.append(user_text(idea.author_name, isSubtle=True, size="Small"))
    back = {"step_id": view.step_id, **({"summary": True} if view.summary else {})}
    choices = idea_choices(view.others, exclude=idea.id)
    if not choices:
        body.append(line(t("clarify.merge_none"), isSubtle=True))
        return card(body, [execute(t("clarify.merge_cancel"), verbs.IDEAS_REFRESH, back, inputs="none")])
    body.append({"type": "Input.ChoiceSet", "id": verbs.MERGE_TARGET, "label": t("clarify.merge_into"),
                 "style": "compact", "isRequired": True, "choices": choices, "placeholder": t("clarify.merge_pick"),
                 "errorMessage": t("input.not_a_choice", field=t("field.merge_target"))})
    body.append(line(t("clarify.merge_hint"), isSubtle=True, size="Small"))
    return card(body, [
        execute(t("clarify.merge_do"), verbs.IDEAS_MERGE, {"idea_id": idea.id, "version": idea.version},
                style="positive"),
        execute(t("clarify.merge_cancel"), verbs.IDEAS_REFRESH, back, inputs="none"),
    ])
