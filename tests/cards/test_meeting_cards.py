"""Every meeting and workshop card passes the Adaptive Card 1.5 schema, in all its states; people's text
stays in TextRuns; links only as Action.OpenUrl from the stored meeting, and only https."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone

import pytest

from cards import verbs
from cards.meeting import (
    MeetingCardView,
    ScheduleDefaults,
    render_failure_card,
    render_meeting_card,
    render_outcomes_card,
    setup_fields_for,
)
from cards.setup import SetupView, StepFormView, render_setup_card
from tests.cardcheck import assert_valid_card
from tests.fakes import card_texts, find_actions, nodes
from trajectory.agenda import EMPTY, Agenda, Item, Note
from trajectory.kinds.meeting import Meeting, MeetingState, normalise_meeting, normalise_workshop
from trajectory.meetings import SchedulingFailure

START = datetime(2026, 12, 1, 9, 0, tzinfo=timezone.utc)
HOSTILE = "**bold** [link](https://evil.example) <at>Everyone</at> \u202e"
IDEAS = Agenda("Ideas", "ideas", (Item(HOSTILE, by="Bob", notes=(Note("Why?", None, True), Note("Sure", "Yes", True),
                                                                   Note("Nice", None, False)), more_notes=2),
                                  Item("Quiet Fridays", by="Carol")), more_items=3)
RANKING = Agenda("Prioritise", "ranking", (Item("Quiet Fridays", rank=1, points=7, tied=True),
                                           Item(HOSTILE, rank=1, points=7, tied=True), Item("Walks", rank=3, points=2)))


def meeting(**overrides) -> Meeting:
    base = dict(step_id=9, event_id="e1", start=START, end=START + timedelta(hours=1), time_zone="Europe/Brussels",
                organizer="alice@contoso.example", location="", online=True,
                join_url="https://teams.microsoft.com/l/meetup-join/x", web_link="https://outlook.office365.com/e1")
    return Meeting(**{**base, **overrides})


def view(**overrides) -> MeetingCardView:
    base = dict(step_id=9, kind="meeting", trajectory_title="Offsite", step_title="Discuss", prompt=HOSTILE,
                is_open=True, version=0, meeting=None, agenda=IDEAS,
                form=ScheduleDefaults(date="2026-12-01", time="10:00", time_zone="Asia/Kathmandu"),
                refresh_user_ids=["29:alice"])
    return MeetingCardView(**{**base, **overrides})


CARDS = {
    "schedule meeting": lambda: render_meeting_card(view()),
    "schedule workshop": lambda: render_meeting_card(view(kind="workshop", agenda=RANKING)),
    "schedule, no agenda": lambda: render_meeting_card(view(agenda=EMPTY, notice=HOSTILE, notice_is_error=True)),
    "scheduled": lambda: render_meeting_card(view(meeting=meeting(), version=1, notice="Scheduled.")),
    "scheduled workshop": lambda: render_meeting_card(view(kind="workshop", version=2, meeting=meeting(
        location=HOSTILE, online=False, join_url=None))),
    "scheduled via .ics": lambda: render_meeting_card(view(version=1, meeting=meeting(
        join_url=None, web_link=None, ics_path="/srv/blend/outbox/blend-9-1.ics"))),
    "cancelled": lambda: render_meeting_card(view(version=2, meeting=meeting(state=MeetingState.CANCELLED, version=2))),
    "closed": lambda: render_meeting_card(view(is_open=False, version=2, meeting=meeting(
        outcomes=HOSTILE, decisions="Quiet Fridays\nfrom January", version=2))),
    "closed, never scheduled": lambda: render_meeting_card(view(is_open=False)),
    "outcomes": lambda: render_outcomes_card(view(version=1, meeting=meeting())),
    **{f"failure {f.value}": (lambda f=f: render_failure_card(view(), f, HOSTILE)) for f in SchedulingFailure},
    "failure on reschedule": lambda: render_failure_card(view(version=1, meeting=meeting()), SchedulingFailure.TIMEOUT, ""),
    "setup": lambda: render_setup_card(SetupView(
        trajectory_id=1, version=1, title="Offsite", question="Why?", time_zone="UTC",
        steps=[StepFormView("meeting", "Discuss", "", setup_fields_for("meeting")(0, normalise_meeting({}))),
               StepFormView("workshop", "Work", "", setup_fields_for("workshop")(1, normalise_workshop(
                   {"location": "Room 4", "online": True, "date": "2026-12-01", "time": "10:00"})))],
        kinds=[("meeting", "Online meeting (sync)"), ("workshop", "Live workshop (sync)")])),
}


@pytest.mark.parametrize("name", sorted(CARDS))
def test_every_card_is_valid_and_people_s_text_is_never_markdown(name):
    card = CARDS[name]()
    assert_valid_card(card)
    for node in nodes(card):
        if node.get("type") == "TextBlock":
            assert "evil.example" not in node["text"] and "<at>" not in node["text"], (name, node)


def test_the_scheduling_card_preselects_the_facilitator_s_zone_and_carries_ids_and_version_only():
    card = CARDS["schedule meeting"]()
    (zone,) = [n for n in nodes(card) if n.get("id") == verbs.MEETING_TIME_ZONE]
    assert zone["value"] == "Asia/Kathmandu" and zone["choices"][0]["value"] == "Asia/Kathmandu"
    assert {"Europe/Brussels", "UTC"} <= {c["value"] for c in zone["choices"]}
    (action,) = find_actions(card, verbs.MEETING_SCHEDULE)
    assert action["data"] == {"step_id": 9, "version": 0}
    ids = [n["id"] for n in nodes(card) if n.get("type", "").startswith("Input.")]
    assert verbs.MEETING_LOCATION not in ids and len(ids) == len(set(ids))
    workshop = [n["id"] for n in nodes(CARDS["schedule workshop"]()) if n.get("type", "").startswith("Input.")]
    assert {verbs.MEETING_LOCATION, verbs.MEETING_ONLINE} <= set(workshop)


def test_the_meeting_card_links_only_what_the_calendar_gave_and_offers_the_facilitator_verbs():
    card = CARDS["scheduled"]()
    urls = [(n["title"], n["url"]) for n in nodes(card) if n.get("type") == "Action.OpenUrl"]
    assert urls == [("Join the Teams meeting", "https://teams.microsoft.com/l/meetup-join/x"),
                    ("Open in Outlook", "https://outlook.office365.com/e1")]
    assert "{{DATE(2026-12-01T09:00:00Z, SHORT)}}" in json.dumps(card)  # rendered in the reader's zone
    for verb in (verbs.MEETING_RESCHEDULE, verbs.MEETING_CANCEL, verbs.MEETING_OUTCOMES_SAVE):
        assert find_actions(card, verb)[0]["data"] == {"step_id": 9, "version": 1}
    ids = [n["id"] for n in nodes(card) if n.get("type", "").startswith("Input.")]
    assert len(ids) == len(set(ids)) and verbs.MEETING_ORGANIZER not in ids  # a move keeps the organizer
    not_https = render_meeting_card(view(version=1, meeting=meeting(join_url="javascript:alert(1)",
                                                                    web_link="http://plain.example")))
    assert not [n for n in nodes(not_https) if n.get("type") == "Action.OpenUrl"]


def test_the_ics_fallback_says_where_the_file_is():
    texts = " ".join(card_texts(CARDS["scheduled via .ics"]()))
    assert "/srv/blend/outbox/blend-9-1.ics" in texts
    assert not [n for n in nodes(CARDS["scheduled via .ics"]()) if n.get("type") == "Action.OpenUrl"]


def test_closed_card_shows_outcomes_in_text_runs_and_no_actions():
    card = CARDS["closed"]()
    assert "actions" not in card
    assert any(n.get("type") == "TextRun" and n["text"] == HOSTILE for n in nodes(card))


@pytest.mark.parametrize("failure, says", [
    (SchedulingFailure.CONSENT, "docs/deployment.md"),
    (SchedulingFailure.NOT_FOUND, "isn't known in your tenant"),
    (SchedulingFailure.THROTTLED, "nothing was created"),
    (SchedulingFailure.TIMEOUT, "nothing was created"),
])
def test_failure_cards_say_what_to_do(failure, says):
    card = render_failure_card(view(), failure, "x@contoso.example")
    assert says in " ".join(card_texts(card))
    assert find_actions(card, verbs.MEETING_SCHEDULE)


def test_agenda_lists_open_questions_answers_and_ranks():
    texts = " ".join(card_texts(CARDS["schedule meeting"]()))
    assert "Open question:" in texts and "Why?" in texts and "Answer:" in texts and "Yes" in texts
    assert "\u2026and 2 more" in texts and "\u2026and 3 more" in texts
    ranked = " ".join(card_texts(CARDS["schedule workshop"]()))
    assert "#1 (7 points) (tied)" in ranked and "#3 (2 points)" in ranked


def test_open_cards_refresh_for_the_facilitators_closed_ones_do_not():
    assert CARDS["schedule meeting"]()["refresh"]["userIds"] == ["29:alice"]
    assert "refresh" not in CARDS["closed"]()
