"""Card data naming another channel's or team's objects is refused, and the per-step idea cap."""

from __future__ import annotations

import pytest

from cards import verbs
from cards.texts import t
from tests.bot.conftest import ALICE, BOB, Harness, activity, invoke
from tests.bot.test_ideas import ideas, started
from trajectory.kinds import ideas as idea_kind
from trajectory.model import Person

EVE = Person("eeeeeeee-0000-4000-8000-000000000009", "Eve Elsewhere", "29:user-eve")
FOREIGN = t("error.foreign_object")


def _elsewhere(act, channel: str = "19:other@thread.tacv2", team: str = "19:otherteam@thread.tacv2"):
    act.channel_data = {**act.channel_data, "team": {"id": team, "name": "Other"}, "channel": {"id": channel, "name": "X"}}
    act.conversation.id = f"{channel};messageid=9"
    return act


async def _answer(h: Harness, act) -> dict:
    sent = await h.send(act)
    (response,) = [a for a in sent if a.type == "invokeResponse"]
    return response.value.body


async def test_a_step_of_another_channel_is_refused_and_nothing_changes(harness: Harness):
    step_id = await started(harness)
    for verb, data in [(verbs.IDEAS_ADD, {"step_id": step_id, verbs.IDEA_TEXT: "sneaky"}),
                       (verbs.IDEAS_REFRESH, {"step_id": step_id})]:
        body = await _answer(harness, _elsewhere(invoke(BOB, verb, data)))
        assert body["value"] == FOREIGN
    assert await ideas(harness, step_id) == []


async def test_an_idea_and_a_trajectory_of_another_channel_are_refused(harness: Harness):
    step_id = await started(harness)
    await harness.act(BOB, verbs.IDEAS_ADD, {"step_id": step_id, verbs.IDEA_TEXT: "mine"})
    async with harness.uow() as uow:
        (idea,) = await uow.ideas.active_for_step(step_id)
        trajectory = await uow.trajectories.by_step(step_id)
    body = await _answer(harness, _elsewhere(invoke(BOB, verbs.IDEAS_WITHDRAW, {"idea_id": idea.id, "version": idea.version})))
    assert body["value"] == FOREIGN
    body = await _answer(harness, _elsewhere(invoke(ALICE, verbs.SETUP_SAVE, {"trajectory_id": trajectory.id, "version": trajectory.version, "title": "Hijacked"})))
    assert body["value"] == FOREIGN
    assert await ideas(harness, step_id) == [("Bob Builder", "mine")]
    async with harness.uow() as uow:
        assert (await uow.trajectories.get(trajectory.id)).title != "Hijacked"


async def test_in_a_personal_chat_only_members_of_the_owning_team_reach_its_objects(harness: Harness):
    step_id = await started(harness)
    personal = invoke(EVE, verbs.IDEAS_ADD, {"step_id": step_id, verbs.IDEA_TEXT: "from outside"})
    personal.channel_data, personal.conversation.id = {"tenant": {"id": "tenant-1"}}, "a:personal-eve"
    assert (await _answer(harness, personal))["value"] == FOREIGN
    assert await ideas(harness, step_id) == []
    member = invoke(BOB, verbs.IDEAS_REFRESH, {"step_id": step_id})
    member.channel_data, member.conversation.id = {"tenant": {"id": "tenant-1"}}, "a:personal-bob"
    assert (await _answer(harness, member))["value"] != FOREIGN


async def test_a_step_takes_at_most_its_cap_of_ideas(harness: Harness, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setattr(idea_kind, "MAX_IDEAS_PER_STEP", 2)
    step_id = await started(harness)
    await harness.act(BOB, verbs.IDEAS_ADD, {"step_id": step_id, verbs.IDEA_TEXT: "one"})
    await harness.act(ALICE, verbs.IDEAS_ADD, {"step_id": step_id, verbs.IDEA_TEXT: "two"})
    body = await harness.act(BOB, verbs.IDEAS_ADD, {"step_id": step_id, verbs.IDEA_TEXT: "three"})
    assert t("error.step_full", limit=2) in str(body)
    assert len(await ideas(harness, step_id)) == 2
