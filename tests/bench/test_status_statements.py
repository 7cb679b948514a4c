"""`status` reads the trajectory, the roster and who took part in every opened step at once: the
same few statements with one opened step or three (no per-step N+1). And that one read
(storage/participation.py) finds the same people as each kind's own ``contributors``."""

from __future__ import annotations

from cards import verbs
from dialogs.steps import STEP_DIALOGS
from tests.bench.test_statements import counted, harness_with, people
from tests.bot.conftest import ALICE, BOB, CAROL, DAVE, setup
from tests.bot.test_commands import active, only_card
from tests.bot.test_evaluation import submit
from tests.bot.test_vote import vote
from tests.fakes import card_texts, find_actions
from trajectory.model import StepState

# One unit of work: the trajectory (3 on SQLite, with its BEGIN), the roster, everyone's
# contributions to every opened step. Was 7 with one opened step, and one more per opened step.
MAX_STATUS_STATEMENTS = 6


async def test_status_costs_the_same_few_statements_with_one_or_three_opened_steps(engine, sessions):
    h = harness_with(sessions, members=20)
    card = only_card(await h.say(ALICE, "new Offsite"))
    card, ids = await setup(h, verbs.SETUP_TEMPLATE, find_actions(card, verbs.SETUP_SAVE)[0]["data"], template="ideas")
    card, ids = await setup(h, verbs.SETUP_ADD_STEP, ids, new_step_kind="vote")
    card, ids = await setup(h, verbs.SETUP_ADD_STEP, ids, new_step_kind="evaluation")
    await h.say(ALICE, "start")
    ideas_step = (await active(h)).steps[0]
    crowd = people(6)
    for i, person in enumerate(crowd):
        await h.act(person, verbs.IDEAS_ADD, {"step_id": ideas_step.id, verbs.IDEA_TEXT: f"Idea {i}"})
    one = await counted(engine, h.say(CAROL, "status"))

    await h.say(ALICE, "next")
    vote_step = (await active(h)).steps[1]
    for person in (BOB, CAROL, *crowd[:3]):
        await vote(h, person, vote_step.id, "dots", {"Idea 0": 2, "Idea 1": 1})
    await vote(h, DAVE, vote_step.id, "dots", {})  # an empty ballot takes no part
    await h.say(ALICE, "next")
    trajectory = await active(h)
    evaluation_step = trajectory.steps[2]
    assert [s.state for s in trajectory.steps] == [StepState.CLOSED, StepState.CLOSED, StepState.OPEN]
    for person in (BOB, *crowd[:2]):
        await submit(h, person, evaluation_step.id, 0, async_helped="4", recommend="8")
    three = await counted(engine, h.say(ALICE, "status"))
    assert len(one) == len(three), (one, three)
    assert len(three) <= MAX_STATUS_STATEMENTS, three

    texts = card_texts(only_card(await h.say(ALICE, "status")))
    assert [t for t in texts if t.endswith(" of 24 members")] == ["6 of 24 members", "5 of 24 members",
                                                                  "3 of 24 members"], texts
    async with h.uow() as uow:
        at_once = await uow.participation.contributors([s.id for s in trajectory.steps])
        for step in trajectory.steps:
            assert at_once.get(step.id, set()) == await STEP_DIALOGS[step.kind].contributors(uow, step), step.kind
        assert await uow.participation.contributors([]) == {}
