"""Every card Blend renders passes the official Adaptive Card 1.5 schema, in all its states."""

from __future__ import annotations

import json
from datetime import datetime, timezone

import pytest

from cards import verbs
from dialogs.commands import COMMANDS
from cards.idea_list import IdeaListView, ListedIdea
from cards.ideas import SUMMARY_MAX_IDEAS, IdeasCardView, IdeaView, SummaryView, render_ideas_card, render_ideas_summary
from cards.ideas import setup_fields as ideas_setup_fields
from cards.setup import SetupView, StepFormView, render_setup_card
from cards.status import StatusView, StepStatus, render_help, render_status
from tests.cardcheck import assert_valid_card
from trajectory.kinds.ideas import MAX_IDEAS_PER_PERSON

DEADLINE = datetime(2026, 12, 1, 16, 0, tzinfo=timezone.utc)
HOSTILE = "**bold** [link](https://evil.example) <at>Everyone</at> \u202e" + "x" * 400


def ideas_view(**overrides) -> IdeasCardView:
    base = dict(step_id=4, trajectory_title="Offsite", question="What should we improve?", step_title="Ideas",
                prompt="One idea per entry.", idea_count=3, contributor_count=2, max_per_person=5, is_open=True,
                deadline=DEADLINE, refresh_user_ids=["29:a", "29:b"])
    return IdeasCardView(**{**base, **overrides})


def summary(ideas: list[ListedIdea]):
    listing = IdeaListView(step_id=4, ideas=ideas, page_data={"summary": True})
    return render_ideas_summary(SummaryView(4, "Ideas", "Offsite", listing, refresh_user_ids=["29:a"]))


def setup_view(**overrides) -> SetupView:
    base = dict(trajectory_id=1, version=3, title="Offsite", question="Why?", time_zone="Times are in Europe/Brussels.",
                steps=[StepFormView("ideas", "Collect", "Go", ideas_setup_fields(0, {"max_per_person": 5}),
                                    "2026-12-01", "17:00"),
                       StepFormView("ideas", "More", "", ideas_setup_fields(1, {"max_per_person": 2}))],
                kinds=[("ideas", "Collect ideas (async)")], auto_advance=True, reminder_hours=[24, 2],
                choices=[("aad-b", "Bob"), ("aad-c", "Carol")], co_facilitators=["aad-b"])
    return SetupView(**{**base, **overrides})


CARDS = {
    "ideas shared": lambda: render_ideas_card(ideas_view()),
    "ideas personal": lambda: render_ideas_card(ideas_view(mine=[IdeaView(1, "Mine", 2), IdeaView(2, HOSTILE, 1)],
                                                           notice="Your idea was added.")),
    "ideas personal at limit": lambda: render_ideas_card(ideas_view(max_per_person=1, mine=[IdeaView(1, "Mine", 1)],
                                                                    notice="limit", notice_is_error=True)),
    "ideas closed": lambda: render_ideas_card(ideas_view(is_open=False)),
    "ideas big team": lambda: render_ideas_card(ideas_view(refresh_user_ids=[f"29:{n}" for n in range(300)])),
    "summary": lambda: summary([ListedIdea(n, 1, n, HOSTILE, "Bob") for n in range(1, 41)]),
    "summary empty": lambda: summary([]),
    "summary huge": lambda: summary([ListedIdea(n, 1, n, "y" * 100, "Bob") for n in range(1, 1001)]),
    "setup": lambda: render_setup_card(setup_view()),
    "setup one step, no roster": lambda: render_setup_card(setup_view(steps=setup_view().steps[:1], choices=[])),
    "setup refused": lambda: render_setup_card(setup_view(notice="Only facilitators", notice_is_error=True)),
    "setup locked": lambda: render_setup_card(setup_view(editable=False, notice="Started")),
    "status": lambda: render_status(StatusView("Offsite", "running", ["Alice", "Bob"], [
        StepStatus("Ideas", "ideas", "open", DEADLINE, 3, 6, ["Erin", "Frank **x**"]), StepStatus("More", "ideas", "pending", None)])),
    "help": lambda: render_help(COMMANDS, in_channel=True),
    "help personal unknown": lambda: render_help(COMMANDS, in_channel=False, unknown="**dance**"),
}


@pytest.mark.parametrize("name", sorted(CARDS))
def test_card_is_valid(name):
    assert_valid_card(CARDS[name]())


def test_people_text_never_reaches_markdown():
    card = CARDS["ideas personal"]()
    blocks = json.dumps([b for b in card["body"] if b.get("type") == "TextBlock"])
    assert "evil.example" not in blocks


def test_refresh_falls_back_to_manual_over_sixty_members():
    card = CARDS["ideas big team"]()
    assert card["refresh"]["userIds"] == []
    assert any(a["verb"] == verbs.IDEAS_REFRESH for a in card["actions"])


@pytest.mark.parametrize("name", ["summary", "summary huge"])
def test_long_summaries_stop_in_time_and_say_how_many_more(name):
    card = CARDS[name]()
    shown = sum(1 for b in card["body"] if b["type"] == "Container")  # one per idea
    total = 40 if name == "summary" else 1000
    assert 0 < shown <= SUMMARY_MAX_IDEAS
    assert any(f"{total - shown} more" in b.get("text", "") for b in card["body"])
    assert any(a["verb"] == verbs.IDEAS_REFRESH and a["data"] == {"step_id": 4, "summary": True, "start": shown}
               for b in card["body"] if b["type"] == "ActionSet" for a in b["actions"])


def test_a_member_at_the_idea_limit_still_fits_in_one_card():
    mine = [IdeaView(n, "z" * 500, 1) for n in range(MAX_IDEAS_PER_PERSON)]
    assert_valid_card(render_ideas_card(ideas_view(max_per_person=MAX_IDEAS_PER_PERSON, mine=mine)))


def test_deadlines_render_in_the_readers_time_zone():
    assert "{{DATE(2026-12-01T16:00:00Z, SHORT)}}" in json.dumps(CARDS["ideas shared"]())
