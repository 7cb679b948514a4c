"""Everyone's ideas on a card, each with its clarifications (questions, comments, answers) and the
actions on it: ask or comment, answer (the idea's author), merge a duplicate (facilitators).

Shared by the live card of an open ideas step and by its summary after close. A card must stay
under Teams' ~28 KB, so the list is a *page*: ideas in the order they came (numbered), as many as
fit the byte budget the caller leaves, then "…and N more" with a button that shows the next page to
whoever clicks it. Per idea at most the newest MAX_CLARIFICATIONS_SHOWN clarifications and
MAX_MERGED_SHOWN merged duplicates are shown; the first idea of a page is shortened until it fits,
so every page shows at least one idea and paging always moves on.
"""

from __future__ import annotations

import functools
import json
from dataclasses import dataclass, field
from typing import Iterable

from . import verbs
from .base import Json, execute, line, user_text
from .texts import count, current_language, t
from trajectory.kinds.clarifications import MAX_ANSWER_LENGTH, MAX_CLARIFICATION_LENGTH

MAX_CLARIFICATIONS_SHOWN = 5
MAX_MERGED_SHOWN = 5
PAGE_MAX_IDEAS = 100


@dataclass(frozen=True)
class ClarificationView:
    id: int
    version: int
    kind: str  # "question" | "comment"
    text: str
    asker_name: str | None  # None: anonymous (the name is never known here)
    answer: str | None
    answerer_name: str  # the author of the idea it was asked about
    yours: bool = False  # the viewer asked it (only in the viewer's own card)
    can_answer: bool = False  # the viewer wrote the idea: an answer form is shown


@dataclass(frozen=True)
class MergedView:
    id: int
    version: int
    text: str
    author_name: str


@dataclass(frozen=True)
class ListedIdea:
    id: int
    version: int
    number: int
    text: str
    author_name: str
    merged: tuple[MergedView, ...] = ()
    clarifications: tuple[ClarificationView, ...] = ()  # oldest first
    yours: bool = False  # the viewer wrote it: nothing to ask


@dataclass(frozen=True)
class IdeaListView:
    step_id: int
    ideas: list[ListedIdea]
    start: int = 0  # index of the first idea of this page
    can_ask: bool = True  # the step takes clarifications (open, or closed with a summary)
    can_merge: bool = False  # the viewer facilitates and merging is still allowed
    page_data: dict = field(default_factory=dict)  # extra data for the paging buttons (e.g. the summary's)
    # A window read from the database: ``ideas`` are those from index ``offset`` of ``total``.
    # (None: ``ideas`` is the whole list.)
    offset: int = 0
    total: int | None = None

    @property
    def count(self) -> int:
        return len(self.ideas) + self.offset if self.total is None else self.total


def size(node: object) -> int:
    """Bytes as botbuilder sends them (json.dumps defaults: non-ASCII escaped, the worst case)."""
    return len(json.dumps(node))


def _small(text: str, **style: object) -> Json:
    return user_text(text, isSubtle=True, size="Small", **style)


def _who(c: ClarificationView) -> str:
    who = c.asker_name if c.asker_name is not None else t("clarify.anonymous")
    return t("clarify.you", who=who) if c.yours else who


def _answer_form(c: ClarificationView) -> Json:
    title = t("clarify.answer") if c.kind == "question" else t("clarify.reply")
    form = {"type": "AdaptiveCard", "body": [{
        "type": "Input.Text", "id": f"{verbs.ANSWER_TEXT_PREFIX}{c.id}", "isMultiline": True,
        "maxLength": MAX_ANSWER_LENGTH, "label": t("clarify.answer_input"), "isRequired": True,
        "errorMessage": t("input.empty", field=t("field.answer")),
    }], "actions": [execute(t("clarify.answer_send"), verbs.IDEAS_ANSWER,
                            {"clarification_id": c.id, "version": c.version})]}
    return {"type": "ActionSet", "actions": [{"type": "Action.ShowCard", "title": title, "card": form}]}


def _clarification(c: ClarificationView) -> list[Json]:
    label = t(f"clarify.label.{c.kind}", who=_who(c))
    blocks: list[Json] = [
        {"type": "RichTextBlock", "spacing": "Small", "inlines": [
            {"type": "TextRun", "text": label + ": ", "weight": "Bolder", "size": "Small"},
            {"type": "TextRun", "text": c.text, "size": "Small"},
        ]},
    ]
    if c.answer is not None:
        said = t("clarify.answered_by" if c.kind == "question" else "clarify.replied_by", name=c.answerer_name)
        blocks.append({"type": "RichTextBlock", "spacing": "None", "inlines": [
            {"type": "TextRun", "text": "\u21b3 " + said + ": ", "weight": "Bolder", "size": "Small", "color": "Good"},
            {"type": "TextRun", "text": c.answer, "size": "Small"},
        ]})
    elif c.kind == "question":
        blocks.append(_small(t("clarify.waiting", name=c.answerer_name), italic=True))
    if c.can_answer and c.answer is None:
        blocks.append(_answer_form(c))
    return blocks


def _ask_form(idea: ListedIdea) -> Json:
    form = {"type": "AdaptiveCard", "body": [
        {"type": "Input.Text", "id": f"{verbs.CLARIFY_TEXT_PREFIX}{idea.id}", "isMultiline": True,
         "maxLength": MAX_CLARIFICATION_LENGTH, "label": t("clarify.input"), "placeholder": t("clarify.placeholder"),
         "isRequired": True, "errorMessage": t("input.empty", field=t("field.clarification"))},
        {"type": "Input.ChoiceSet", "id": f"{verbs.CLARIFY_KIND_PREFIX}{idea.id}", "style": "expanded",
         "value": "question", "choices": [
             {"title": t("clarify.kind.question"), "value": "question"},
             {"title": t("clarify.kind.comment"), "value": "comment"}]},
        {"type": "Input.Toggle", "id": f"{verbs.CLARIFY_ANONYMOUS_PREFIX}{idea.id}",
         "title": t("clarify.stay_anonymous"), "value": "false", "valueOn": "true", "valueOff": "false"},
    ], "actions": [execute(t("clarify.send"), verbs.IDEAS_CLARIFY, {"idea_id": idea.id})]}
    return {"type": "Action.ShowCard", "title": t("clarify.ask"), "card": form}


def _merged(view: IdeaListView, merged: MergedView) -> list[Json]:
    blocks: list[Json] = [{"type": "RichTextBlock", "spacing": "Small", "inlines": [
        {"type": "TextRun", "text": t("clarify.merged_with") + " ", "isSubtle": True, "size": "Small"},
        {"type": "TextRun", "text": merged.text, "size": "Small"},
        {"type": "TextRun", "text": f" \u2014 {merged.author_name}", "isSubtle": True, "size": "Small"},
    ]}]
    if view.can_merge:
        blocks.append({"type": "ActionSet", "actions": [execute(
            t("clarify.unmerge"), verbs.IDEAS_UNMERGE, {"idea_id": merged.id, "version": merged.version},
            inputs="none")]})
    return blocks


def _entry(view: IdeaListView, idea: ListedIdea, shown_clarifications: int, shown_merged: int, first: bool) -> Json:
    """One idea: its number beside a column with the text, author, merged duplicates, the newest
    clarifications and the actions on it."""
    details: list[Json] = [user_text(idea.text), _small(idea.author_name)]
    for merged in idea.merged[:shown_merged]:
        details.extend(_merged(view, merged))
    if len(idea.merged) > shown_merged:
        details.append(_small(t("clarify.merged_more", count=len(idea.merged) - shown_merged)))
    shown = idea.clarifications[len(idea.clarifications) - shown_clarifications:] if shown_clarifications else ()
    if hidden := len(idea.clarifications) - len(shown):
        details.append(_small(t("clarify.earlier", count=count(hidden, "clarification"))))
    for c in shown:
        details.extend(_clarification(c))
    actions: list[Json] = []
    if view.can_ask and not idea.yours:
        actions.append(_ask_form(idea))
    if view.can_merge:
        actions.append(execute(t("clarify.merge"), verbs.IDEAS_MERGE_CHOOSE,
                               {"idea_id": idea.id, "version": idea.version}, inputs="none"))
    if actions:
        details.append({"type": "ActionSet", "actions": actions})
    row = {"type": "ColumnSet", "columns": [
        {"type": "Column", "width": "auto", "items": [line(f"{idea.number}.", weight="Bolder")]},
        {"type": "Column", "width": "stretch", "items": details},
    ]}
    return {"type": "Container", "items": [row], "separator": not first, "spacing": "Medium"}


def _fitting_entry(view: IdeaListView, idea: ListedIdea, budget: int, first: bool,
                   must: bool) -> tuple[Json, int] | None:
    """The idea in full if it fits, with its size. The first of a page is shortened (fewer
    clarifications and merged duplicates shown) until it fits; with ``must`` it is shown even if it
    still doesn't (a page of its own: the budget then holds a whole worst-case idea), so paging
    always moves on. Each entry is serialised once to size it (json.dumps was most of a page's cost)."""
    shown_c = min(len(idea.clarifications), MAX_CLARIFICATIONS_SHOWN)
    shown_m = min(len(idea.merged), MAX_MERGED_SHOWN)
    entry = _entry(view, idea, shown_c, shown_m, first)
    entry_size = _entry_size(entry, view, idea, shown_c, shown_m, first)
    while first and entry_size > budget and (shown_c or shown_m):
        shown_c, shown_m = (shown_c - 1, shown_m) if shown_c else (0, shown_m - 1)
        entry = _entry(view, idea, shown_c, shown_m, first)
        entry_size = _entry_size(entry, view, idea, shown_c, shown_m, first)
    return (entry, entry_size) if entry_size <= budget or (first and must) else None


_SIZES: dict[tuple[object, ...], int] = {}
_SIZES_KEPT = 2048


def _entry_size(entry: Json, view: IdeaListView, idea: ListedIdea, shown_c: int, shown_m: int, first: bool) -> int:
    """``size(entry)``, remembered by everything the entry is made of: every click renders the same
    first page of ideas (twice: the clicker's card and the channel's), and hashing an idea costs a
    fraction of serialising its entry."""
    key = (current_language(), view.can_ask, view.can_merge, idea, shown_c, shown_m, first)
    known = _SIZES.get(key)
    if known is None:
        known = _SIZES[key] = size(entry)
        if len(_SIZES) > _SIZES_KEPT:
            del _SIZES[next(iter(_SIZES))]  # the oldest
    return known


@functools.cache
def _smallest_entry(language: str, can_ask: bool) -> int:
    # A one-character idea by a nameless author with one-digit ids, nothing merged or asked: no entry
    # serialises shorter (numbers and texts only grow; the separator is the shorter "true").
    idea = ListedIdea(id=0, version=0, number=0, text="", author_name="")
    return size(_entry(IdeaListView(step_id=0, ideas=[idea], can_ask=can_ask), idea, 0, 0, first=False))


def most_entries(budget: int, can_ask: bool, own: int = 0) -> int:
    """At most how many ideas a page within ``budget`` bytes can show, for reading no more than that:
    the budget over the smallest entry possible. With ``can_ask`` every idea but the viewer's own
    (``own`` of them) carries an ask form. Never below what fits, so a page is never cut short."""
    fitting = budget // (_smallest_entry(current_language(), can_ask) + 2) + 1  # ", " between entries
    return min(PAGE_MAX_IDEAS, fitting + own)


def _paging(view: IdeaListView, first: int, last: int, remaining: int) -> list[Json]:
    blocks: list[Json] = []
    buttons: list[Json] = []
    data = {"step_id": view.step_id, **view.page_data}
    if remaining:
        blocks.append(line(t("summary.more", count=remaining), isSubtle=True))
        buttons.append(execute(t("clarify.more"), verbs.IDEAS_REFRESH, {**data, "start": last}, inputs="none"))
    if first > 0:
        buttons.append(execute(t("clarify.first"), verbs.IDEAS_REFRESH, {**data, "start": 0}, inputs="none"))
    if first > 0 or remaining:
        blocks.insert(0, line(t("clarify.page", first=first + 1, last=last, total=view.count), isSubtle=True,
                              size="Small"))
    if buttons:
        blocks.append({"type": "ActionSet", "actions": buttons})
    return blocks


def render_idea_list(view: IdeaListView, budget: int, *, title: str | None = None, must_show_one: bool = True,
                     ) -> list[Json]:
    """Body elements for one page of ideas, within ``budget`` bytes (paging controls included).

    Without ``must_show_one`` (a list below other content) a page may show no idea at all, only
    the button to page through them on a card of their own."""
    blocks: list[Json] = []
    if title:
        blocks.append(line(title, weight="Bolder", separator=True, spacing="Large"))
    start = max(0, min(view.start, max(view.count - 1, 0)))
    reserve = 1200  # the paging line and buttons
    used = size(blocks) + reserve
    shown = 0
    for idea in view.ideas[start - view.offset:start - view.offset + PAGE_MAX_IDEAS]:
        fitting = _fitting_entry(view, idea, budget - used, first=shown == 0, must=must_show_one)
        if fitting is None:
            break
        entry, entry_size = fitting
        used += entry_size + 2  # ", " between elements
        blocks.append(entry)
        shown += 1
    blocks.extend(_paging(view, start, start + shown, view.count - start - shown))
    return blocks


def idea_choices(ideas: Iterable[ListedIdea], exclude: int, limit: int = 150, width: int = 80) -> list[Json]:
    """Choices naming other ideas (number, start of the text, author) for the merge form."""
    choices = []
    for idea in ideas:
        if idea.id == exclude:
            continue
        text = " ".join(idea.text.split())
        short = text if len(text) <= width else text[: width - 1].rstrip() + "\u2026"
        choices.append({"title": f"{idea.number}. {short} ({idea.author_name})", "value": str(idea.id)})
        if len(choices) >= limit:
            break
    return choices
