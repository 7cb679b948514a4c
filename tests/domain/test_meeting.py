"""Meeting and workshop rules: settings, the scheduling form, transitions, transaction ids; the agenda."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from trajectory import agenda
from trajectory.errors import InvalidInput, MeetingAlreadyScheduled, MeetingNotScheduled, StaleVersion, StepNotOpen
from trajectory.jobs import plan_for_step
from trajectory.kinds import STEP_KINDS, kind_of
from trajectory.kinds import meeting as rules
from trajectory.kinds.clarifications import Clarification, ClarificationKind
from trajectory.kinds.ideas import Idea, IdeaState
from trajectory.kinds.vote import Method, Rules, VoteOption
from trajectory.kinds.vote_tally import tally
from trajectory.kinds.vote import Ballot
from trajectory.meetings import Attendee, ScheduledMeeting
from trajectory.model import ChannelRef, Mode, Person, Step, StepState, Trajectory
from trajectory.templates import TEMPLATES

NOW = datetime(2026, 11, 25, 9, 0, tzinfo=timezone.utc)
ALICE = Person("aad-alice", "Alice")
BOB = Person("aad-bob", "Bob")
LABELS = {"title": "Agenda", "none": "No agenda yet.", "open": "Open question:", "question": "Q:",
          "comment": "Comment:", "answer": "Answer:", "more": "\u2026and {n} more", "points": "{points} points",
          "tied": "(tied)"}


def step(kind: str = "meeting", state: StepState = StepState.OPEN, **settings) -> Step:
    return Step(kind=kind, mode=Mode.SYNC, title="Talk", settings=settings, state=state, id=7, position=1,
                deadline=NOW + timedelta(days=1))


def form(**typed) -> rules.ScheduleForm:
    values = dict(date="2026-11-26", time="10:00", duration="60", time_zone="Europe/Brussels", organizer="")
    return rules.ScheduleForm(**{**values, **typed})


def test_both_kinds_are_registered_sync_and_in_the_reference_template():
    assert kind_of("meeting").mode is Mode.SYNC and kind_of("workshop").mode is Mode.SYNC
    assert not kind_of("meeting").collects_contributions
    assert [s.kind for s in TEMPLATES["reference"].available_steps()] == \
        ["ideas", "meeting", "vote", "workshop", "evaluation"]
    assert set(STEP_KINDS) >= {"meeting", "workshop"}


def test_settings_defaults_and_limits():
    assert rules.normalise_meeting({}) == {"duration": 60, "location": "", "online": True, "organizer": "",
                                           "date": "", "time": ""}
    assert rules.normalise_workshop({})["online"] is False
    # A meeting ignores a location and is always online.
    assert rules.normalise_meeting({"location": "Room 4", "online": "false"})["location"] == ""
    assert rules.normalise_meeting({"online": "false"})["online"] is True
    assert rules.normalise_workshop({"location": " Room 4 ", "online": "true", "duration": "480"}) == {
        "duration": 480, "location": "Room 4", "online": True, "organizer": "", "date": "", "time": ""}
    for bad in ({"duration": "14"}, {"duration": 481}, {"duration": "x"}, {"duration": True},
                {"date": "26/11/2026"}, {"time": "25:00"}, {"online": "maybe"}, {"location": "x" * 201}):
        with pytest.raises(InvalidInput):
            rules.normalise_workshop(bad)


def test_plan_converts_local_time_in_the_chosen_zone_and_defaults_the_organizer():
    plan = rules.plan(step(), form(), ALICE.aad_id, NOW)
    assert plan.start == datetime(2026, 11, 26, 9, 0, tzinfo=timezone.utc)
    assert plan.end - plan.start == timedelta(hours=1)
    assert (plan.time_zone, plan.organizer, plan.online, plan.location) == ("Europe/Brussels", ALICE.aad_id, True, "")
    typed = rules.plan(step(duration=90), form(duration="", organizer="ops@contoso.example", time_zone="UTC"),
                       ALICE.aad_id, NOW)
    assert typed.end - typed.start == timedelta(minutes=90) and typed.organizer == "ops@contoso.example"


def test_plan_refuses_the_past_unknown_zones_and_missing_parts():
    for typed in ({"date": "2026-11-25", "time": "08:59", "time_zone": "UTC"}, {"time_zone": "Mars/Base"},
                  {"time_zone": None}, {"date": ""}, {"time": ""}, {"duration": "1000"}):
        with pytest.raises(InvalidInput):
            rules.plan(step(), form(**typed), ALICE.aad_id, NOW)


def test_a_workshop_needs_a_location_typed_or_from_setup():
    with pytest.raises(InvalidInput) as refused:
        rules.plan(step("workshop"), form(), ALICE.aad_id, NOW)
    assert refused.value.params["field"] == "meeting_location"
    from_setup = rules.plan(step("workshop", location="Atrium", online=True), form(), ALICE.aad_id, NOW)
    assert (from_setup.location, from_setup.online) == ("Atrium", True)
    typed = rules.plan(step("workshop", location="Atrium"), form(location="Room 4", online="false"), ALICE.aad_id, NOW)
    assert (typed.location, typed.online) == ("Room 4", False)


def test_transitions_and_versions():
    open_step = step()
    assert rules.check_schedule(open_step, None, 0) == 1
    with pytest.raises(StaleVersion):
        rules.check_schedule(open_step, None, 1)
    with pytest.raises(StepNotOpen):
        rules.check_schedule(step(state=StepState.CLOSED), None, 0)
    with pytest.raises(MeetingNotScheduled):
        rules.check_scheduled(open_step, None, 0)
    plan = rules.plan(open_step, form(), ALICE.aad_id, NOW)
    event = ScheduledMeeting("e1", join_url="https://teams.example/j")
    first = rules.scheduled(7, plan, event, 1, "<p>x</p>", None)
    assert (first.version, first.state, first.join_url) == (1, rules.MeetingState.SCHEDULED, "https://teams.example/j")
    with pytest.raises(MeetingAlreadyScheduled):
        rules.check_schedule(open_step, first, 1)
    assert rules.check_scheduled(open_step, first, 1) is first
    gone = rules.cancelled(first)
    assert (gone.state, gone.version) == (rules.MeetingState.CANCELLED, 2)
    assert rules.check_schedule(open_step, gone, 2) == 3  # a cancelled meeting can be scheduled anew
    again = rules.scheduled(7, plan, ScheduledMeeting("e2"), 3, "", gone)
    assert (again.id, again.event_id, again.version) == (gone.id, "e2", 3)
    done = rules.with_outcomes(first, " We agreed. ", "")
    assert (done.outcomes, done.decisions, done.version) == ("We agreed.", "", 2)
    with pytest.raises(InvalidInput):
        rules.with_outcomes(first, " ", "")


def test_transaction_ids_are_stable_per_step_and_version_and_the_request_has_the_plan():
    assert rules.transaction_id(7, 1) == rules.transaction_id(7, 1) == "blend-7-1"
    assert rules.transaction_id(7, 2) != rules.transaction_id(7, 1)
    plan = rules.plan(step("workshop", location="Atrium"), form(), ALICE.aad_id, NOW)
    attendees = [Attendee("Bob", "bob@contoso.example")]
    request = rules.request_for(step("workshop"), "Offsite", plan, 3, attendees, "<p>a</p>")
    assert (request.transaction_id, request.subject, request.location, request.online) == (
        "blend-7-3", "Offsite: Talk", "Atrium", False)
    assert request.attendees == tuple(attendees) and request.body_html == "<p>a</p>"


def test_end_job_due_is_unique_per_version_and_ended_only_when_scheduled():
    plan = rules.plan(step(), form(), ALICE.aad_id, NOW)
    first = rules.scheduled(7, plan, ScheduledMeeting("e1"), 1, "", None)
    later = rules.scheduled(7, plan, ScheduledMeeting("e1"), 3, "", first)
    assert rules.end_job_due(first) != rules.end_job_due(later) and rules.end_job_due(first) >= first.end
    assert not rules.has_ended(first, first.end - timedelta(seconds=1)) and rules.has_ended(first, first.end)
    assert not rules.has_ended(rules.cancelled(first), first.end)


def test_sync_steps_plan_no_deadline_or_reminder_jobs():
    trajectory = Trajectory(ChannelRef("t", "team", "chan"), "T", "Q", ALICE, NOW, id=1,
                            settings={"reminder_hours": [2]})
    assert plan_for_step(trajectory, step(), NOW) == []


# ---------------------------------------------------------------- the agenda


def idea(n: int, text: str, merged_into: int | None = None, state=IdeaState.ACTIVE) -> Idea:
    return Idea(step_id=1, author=BOB, text=text, created_at=NOW, updated_at=NOW, id=n, merged_into=merged_into,
                state=state)


def note(idea_id: int, text: str, answer: str | None = None, kind=ClarificationKind.QUESTION) -> Clarification:
    return Clarification(step_id=1, idea_id=idea_id, asker=ALICE, anonymous=False, kind=kind, text=text,
                         created_at=NOW, answer=answer)


def test_agenda_from_ideas_puts_open_questions_first_and_follows_merges():
    ideas = [idea(1, "Answered only"), idea(2, "Has an open question"), idea(3, "Duplicate", merged_into=2),
             idea(4, "Withdrawn", state=IdeaState.WITHDRAWN), idea(5, "Quiet")]
    notes = [note(1, "Why?", "Because."), note(2, "When?", "Fridays."), note(3, "All day?"),
             note(2, "Nice", kind=ClarificationKind.COMMENT)]
    built = agenda.from_ideas("Ideas", ideas, notes)
    assert [i.text for i in built.items] == ["Has an open question", "Answered only", "Quiet"]
    first = built.items[0]
    assert [(n.text, n.is_open) for n in first.notes] == [("All day?", True), ("When?", False), ("Nice", False)]
    assert first.by == "Bob" and first.open_questions == 1


def test_agenda_from_a_tally_keeps_ranks_and_ties():
    options = [VoteOption(step_id=2, position=i, label=label, id=10 + i) for i, label in enumerate("ABC")]
    votes = [Ballot(step_id=2, voter=Person(f"v{n}", ""), choices=c, updated_at=NOW, version=1)
             for n, c in enumerate([{10: 1, 11: 1}, {12: 1}])]
    counted = tally(Rules(method=Method.APPROVAL, option_ids=frozenset({10, 11, 12})), options, votes)
    built = agenda.from_tally("Prioritise", counted)
    assert [(i.text, i.rank, i.tied) for i in built.items] == [("A", 1, True), ("B", 1, True), ("C", 1, True)]
    html = agenda.to_html(built, LABELS)
    assert html.startswith("<p><b>Agenda</b> (Prioritise)</p><ul>") and "1. A &mdash; 1 points (tied)" in html


def test_agenda_html_escapes_everything_and_says_how_many_more():
    ideas = [idea(n, f"<script>alert({n})</script> & co") for n in range(1, agenda.MAX_ITEMS + 3)]
    notes = [note(1, f"<b>q{k}</b>", "<i>a</i>") for k in range(agenda.MAX_NOTES_PER_ITEM + 1)]
    html = agenda.to_html(agenda.from_ideas("Ideas <x>", ideas, notes), LABELS)
    assert "<script>" not in html and "&lt;script&gt;" in html and "&amp; co" in html
    assert "&lt;b&gt;q0&lt;/b&gt;" in html and "&lt;i&gt;a&lt;/i&gt;" in html and "Ideas &lt;x&gt;" in html
    assert "\u2026and 1 more" in html and "\u2026and 2 more" in html
    assert agenda.to_html(agenda.EMPTY, LABELS) == "<p>No agenda yet.</p>"


def test_the_agenda_source_is_the_nearest_earlier_closed_ideas_or_vote_step():
    def s(kind, position, state=StepState.CLOSED):
        return Step(kind=kind, mode=Mode.ASYNC, title=kind, state=state, id=position, position=position)

    steps = [s("ideas", 0), s("meeting", 1), s("vote", 2), s("workshop", 3, StepState.OPEN), s("ideas", 4, StepState.PENDING)]
    assert agenda.source_step(steps, steps[1]).kind == "ideas"
    assert agenda.source_step(steps, steps[3]).kind == "vote"
    assert agenda.source_step(steps, steps[0]) is None
