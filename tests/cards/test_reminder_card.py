"""The private reminder card: schema-valid, people's text only in TextRuns, time left for people."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from cards.reminders import ReminderView, render_reminder, time_left
from tests.cardcheck import assert_valid_card
from tests.fakes import card_texts, nodes

NOW = datetime(2026, 11, 25, 9, 0, tzinfo=timezone.utc)
HOSTILE = "**bold** [link](https://evil.example) <at>Everyone</at>"


@pytest.mark.parametrize("team, channel", [("Smoke Team", "Dev"), ("", "")])
def test_the_reminder_card_is_valid_and_says_where_to_go(team, channel):
    card = render_reminder(ReminderView("Offsite", "Collect ideas", NOW + timedelta(hours=2), NOW, team, channel))
    assert_valid_card(card)
    texts = " ".join(card_texts(card))
    assert "Collect ideas" in texts and "Offsite" in texts and "about 2 hours left" in texts
    assert "{{DATE(2026-11-25T11:00:00Z, SHORT)}}" in texts  # rendered in the reader's own time zone
    assert ("\u201cDev\u201d" in texts) == bool(team)
    assert not [n for n in nodes(card) if n.get("type") in ("Action.OpenUrl", "Action.Execute")]


def test_names_people_typed_never_render_as_markdown():
    card = render_reminder(ReminderView(HOSTILE, HOSTILE, NOW + timedelta(hours=1), NOW, HOSTILE, HOSTILE))
    assert_valid_card(card)
    for node in nodes(card):
        if node.get("type") == "TextBlock":
            assert "**bold**" not in node["text"] and "[link](" not in node["text"]
    assert any(HOSTILE in n.get("text", "") for n in nodes(card) if n.get("type") == "TextRun")


@pytest.mark.parametrize("left, words", [
    (timedelta(seconds=20), "1 minute left"), (timedelta(minutes=45), "45 minutes left"),
    (timedelta(minutes=59, seconds=40), "about 1 hour left"), (timedelta(minutes=61), "about 1 hour left"), (timedelta(hours=23, minutes=40), "about 24 hours left"),
    (timedelta(days=3, hours=2), "about 3 days left"),
])
def test_time_left_is_rounded_for_people(left, words):
    assert time_left(left) == words
