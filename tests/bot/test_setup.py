"""The setup card: facilitators edit the draft; everyone else is refused; card data has no authority."""

from __future__ import annotations

from datetime import datetime, timezone

from cards import verbs
from tests.bot.conftest import ALICE, BOB, CAROL, Harness, invoke
from tests.bot.test_commands import active, only_card
from tests.cardcheck import assert_valid_card
from tests.fakes import card_texts, find_actions, nodes
from trajectory.model import TrajectoryState


async def draft(h: Harness) -> dict:
    card = only_card(await h.say(ALICE, "new Offsite"))
    return find_actions(card, verbs.SETUP_SAVE)[0]["data"]


async def act(h: Harness, user, verb, data, time_zone: str | None = None) -> dict:
    activity = invoke(user, verb, data)
    activity.local_timezone = time_zone
    sent = await h.send(activity)
    body = next(a for a in sent if a.type == "invokeResponse").value.body
    assert body["type"] == "application/vnd.microsoft.card.adaptive", body
    assert_valid_card(body["value"])
    return body["value"]


def form(ids: dict, **fields) -> dict:
    return {**ids, "title": "Offsite 2027", "question": "What would make our offsite great?",
            "step_0_title": "Ideas first", "step_0_prompt": "Anything goes", "step_0_max_per_person": 3, **fields}


async def test_facilitator_saves_question_steps_deadline_and_co_facilitators(harness: Harness):
    ids = await draft(harness)
    card = await act(harness, ALICE, verbs.SETUP_SAVE, form(
        ids, step_0_deadline_date="2026-12-01", step_0_deadline_time="17:00", auto_advance="true",
        reminder_hours="4, 48", co_facilitators=f"{BOB.aad_id},forged-aad-id"), time_zone="Europe/Brussels")
    assert "Saved." in card_texts(card)
    trajectory = await active(harness)
    assert (trajectory.title, trajectory.question) == ("Offsite 2027", "What would make our offsite great?")
    assert trajectory.settings == {"auto_advance": True, "reminder_hours": [48, 4], "language": "en", "time_zone": "UTC"}
    step = trajectory.steps[0]
    assert (step.title, step.prompt, step.settings) == ("Ideas first", "Anything goes", {"max_per_person": 3})
    assert step.deadline == datetime(2026, 12, 1, 16, 0, tzinfo=timezone.utc)  # 17:00 in Brussels
    # Only real team members become co-facilitators; a forged id is ignored.
    assert [p.name for p in trajectory.facilitators] == ["Alice Admin", "Bob Builder"]
    # The card shows the deadline back in the facilitator's zone.
    date_input = next(n for n in nodes(card) if n.get("id") == "step_0_deadline_date")
    assert date_input["value"] == "2026-12-01"


async def test_members_and_stale_cards_change_nothing(harness: Harness):
    ids = await draft(harness)
    refused = await act(harness, CAROL, verbs.SETUP_SAVE, form(ids, co_facilitators=CAROL.aad_id))
    assert any("Only the facilitators" in t for t in card_texts(refused))
    await act(harness, ALICE, verbs.SETUP_SAVE, form(ids))
    stale = await act(harness, ALICE, verbs.SETUP_SAVE, form(ids, title="Overwritten"))
    assert any("out of date" in t for t in card_texts(stale))
    trajectory = await active(harness)
    assert trajectory.title == "Offsite 2027" and [p.name for p in trajectory.facilitators] == ["Alice Admin"]


async def test_bad_input_is_explained(harness: Harness):
    ids = await draft(harness)
    for fields, words in [({"step_0_deadline_date": "2026-13-45"}, "isn't valid"),
                          ({"step_0_deadline_date": "2020-01-01"}, "in the past"),
                          ({"title": ""}, "is empty"), ({"step_0_max_per_person": 99}, "between 1 and 10"),
                          ({"reminder_hours": "soon"}, "must be a number"), ({"reminder_hours": "0"}, "between 1")]:
        card = await act(harness, ALICE, verbs.SETUP_SAVE, form(ids, **fields))
        assert any(words in t for t in card_texts(card)), (fields, card_texts(card))
    assert (await active(harness)).title == "Offsite"


async def test_add_and_remove_steps_then_a_co_facilitator_starts(harness: Harness):
    ids = await draft(harness)
    # One step to start from, whatever kinds the default template can hold by now.
    card = await act(harness, ALICE, verbs.SETUP_TEMPLATE, form(ids, template="ideas"))
    ids = find_actions(card, verbs.SETUP_SAVE)[0]["data"]
    card = await act(harness, ALICE, verbs.SETUP_ADD_STEP, form(ids, co_facilitators=BOB.aad_id))
    assert len((await active(harness)).steps) == 2 and find_actions(card, verbs.SETUP_REMOVE_STEP)
    ids = find_actions(card, verbs.SETUP_SAVE)[0]["data"]
    card = await act(harness, ALICE, verbs.SETUP_ADD_STEP, form(ids, co_facilitators=BOB.aad_id, step_1_title="Round 2"))
    assert [s.title for s in (await active(harness)).steps] == ["Ideas first", "Round 2", "Collect ideas"]
    ids = find_actions(card, verbs.SETUP_SAVE)[0]["data"]
    card = await act(harness, ALICE, verbs.SETUP_REMOVE_STEP, form(ids, co_facilitators=BOB.aad_id))
    assert [s.title for s in (await active(harness)).steps] == ["Ideas first", "Round 2"]
    ids = find_actions(card, verbs.SETUP_SAVE)[0]["data"]
    started = await act(harness, BOB, verbs.SETUP_START, form(ids, co_facilitators=BOB.aad_id))
    assert any("has started" in t for t in card_texts(started)) and not find_actions(started, verbs.SETUP_SAVE)
    trajectory = await active(harness)
    assert trajectory.state is TrajectoryState.RUNNING and len(harness.messenger.posts) == 1


async def test_a_template_replaces_question_and_steps(harness: Harness):
    from trajectory.templates import TEMPLATES

    ids = await draft(harness)
    card = await act(harness, ALICE, verbs.SETUP_TEMPLATE, form(ids, template="retrospective"))
    assert any("template was applied" in t for t in card_texts(card))
    trajectory = await active(harness)
    assert trajectory.title == "Offsite 2027"  # typed values are kept where the template has none
    assert trajectory.question == TEMPLATES["retrospective"].question
    assert [s.title for s in trajectory.steps] == [s.title for s in TEMPLATES["retrospective"].available_steps()]
    ids = find_actions(card, verbs.SETUP_SAVE)[0]["data"]
    refused = await act(harness, ALICE, verbs.SETUP_TEMPLATE, form(ids, template="../../etc"))
    assert any("unknown template" in t for t in card_texts(refused))
