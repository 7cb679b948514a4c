"""Cards of the idea-collection step: the live card in the channel, its per-member view, the summary.

Both the live card and the summary list everyone's ideas with their questions, comments and
answers (cards/idea_list.py): Blend replaces the shared document people would otherwise use.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from . import verbs
from .base import Json, card, execute, heading, line, notice, refresh, user_text, when
from .idea_list import PAGE_MAX_IDEAS, IdeaListView, most_entries, render_idea_list, size
from .setup import step_input
from .texts import count, t
from trajectory.kinds.ideas import MAX_IDEAS_PER_PERSON

# Teams refuses cards over ~28 KB (tests/cardcheck.py): a card's list of ideas gets what the rest of
# the card leaves of this budget, and pages on from there (cards/idea_list.py).
CARD_BUDGET_BYTES = 26 * 1024
SUMMARY_MAX_IDEAS = PAGE_MAX_IDEAS


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
    # Everyone's ideas (a page of them), with clarifications; None: the count only.
    listing: IdeaListView | None = None
    # The viewer paged through the ideas: the page on its own, with the way back to their view.
    browsing: bool = False
    has_summary: bool = False  # closed with a summary in the thread (not cancelled)


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


def _closed(view: IdeasCardView) -> Json:
    body = _header(view)
    body.append(line(t("ideas.closed", ideas=count(view.idea_count, "idea"),
                       people=count(view.contributor_count, "person")), weight="Bolder"))
    if view.has_summary:
        body.append(line(t("clarify.see_summary"), isSubtle=True))
    if view.notice:
        body.append(notice(view.notice, attention=view.notice_is_error))
    return card(body)


def live_page_size(can_ask: bool, own: int) -> int:
    """How many active ideas the live card's page reads at most (see idea_list.most_entries)."""
    return most_entries(CARD_BUDGET_BYTES, can_ask, own)


def _with_list(body: list[Json], actions: list[Json], refresh_block: Json | None, listing: IdeaListView | None,
               *, title: str | None, must_show_one: bool) -> Json:
    """The card, with as much of the list of ideas as the rest of it leaves room for."""
    if listing is not None:
        room = CARD_BUDGET_BYTES - size(card(body, actions, refresh_block))
        body = body + render_idea_list(listing, room, title=title, must_show_one=must_show_one)
    return card(body, actions, refresh_block)


def render_ideas_card(view: IdeasCardView) -> Json:
    if not view.is_open:
        return _closed(view)
    body = _header(view)
    tally = t("ideas.count", ideas=count(view.idea_count, "idea"), people=count(view.contributor_count, "person"))
    body.append(line(tally if view.idea_count else t("ideas.count_zero"), isSubtle=True))
    if view.deadline is not None:
        body.append(line(t("ideas.closes", when=when(view.deadline)), isSubtle=True, spacing="None"))
    if view.notice:
        body.append(notice(view.notice, attention=view.notice_is_error))
    refresh_data = {"step_id": view.step_id}
    if view.browsing and view.listing is not None:
        # Keep the page when Teams refreshes the card; "Show my ideas" goes back to the member's view.
        refresh_data["start"] = view.listing.start
        back = [execute(t("ideas.show_mine"), verbs.IDEAS_REFRESH, {"step_id": view.step_id}, inputs="none")]
        return _with_list(body, back, refresh(verbs.IDEAS_REFRESH, refresh_data, view.refresh_user_ids),
                          view.listing, title=None, must_show_one=True)
    can_add = view.mine is None or len(view.mine) < view.max_per_person
    actions: list[Json] = []
    if can_add:
        # Not isRequired: Teams validates the inputs of a card's parents too, so a required empty
        # idea would block every form nested below it (edit, ask, answer). The domain refuses empty.
        body.append({
            "type": "Input.Text", "id": verbs.IDEA_TEXT, "isMultiline": True, "maxLength": 500,
            "label": t("ideas.input"), "placeholder": t("ideas.placeholder", limit=view.max_per_person),
        })
        # The button sits right under its input, above the member's own list.
        body.append({"type": "ActionSet", "actions": [
            execute(t("ideas.add"), verbs.IDEAS_ADD, {"step_id": view.step_id}, style="positive")]})
    if view.mine is not None:
        body.extend(_mine(view, view.mine))
    else:
        # Where Teams does not refresh automatically (over 60 members), a member asks for their view.
        actions.append(execute(t("ideas.show_mine"), verbs.IDEAS_REFRESH, {"step_id": view.step_id}, inputs="none"))
    return _with_list(body, actions, refresh(verbs.IDEAS_REFRESH, refresh_data, view.refresh_user_ids), view.listing,
                      title=t("clarify.list_header"), must_show_one=False)


@dataclass(frozen=True)
class SummaryView:
    step_id: int
    step_title: str
    trajectory_title: str
    listing: IdeaListView
    refresh_user_ids: list[str] = field(default_factory=list)
    personal: bool = False  # one member's view (answer forms, a facilitator's merge buttons)
    notice: str | None = None
    notice_is_error: bool = False


def render_ideas_summary(view: SummaryView) -> Json:
    """Every idea of a closed step, in the step's thread. Members keep asking and answering here,
    so it is updated like the live card was (its CardRef is stored) and refreshed per member."""
    body = heading(t("summary.header", step=view.step_title), subtle_line=view.trajectory_title)
    if not view.listing.ideas:
        body.append(line(t("summary.none"), isSubtle=True))
    if view.notice:
        body.append(notice(view.notice, attention=view.notice_is_error))
    data = {"step_id": view.step_id, "summary": True}
    actions = [] if view.personal or not view.listing.ideas else [
        execute(t("clarify.my_view"), verbs.IDEAS_REFRESH, data, inputs="none")]
    refresh_data = {**data, "start": view.listing.start} if view.listing.start else data
    refresh_block = refresh(verbs.IDEAS_REFRESH, refresh_data, view.refresh_user_ids) if view.listing.ideas else None
    return _with_list(body, actions, refresh_block, view.listing, title=None, must_show_one=True)
