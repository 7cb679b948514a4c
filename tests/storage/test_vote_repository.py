"""The vote repository on a real, running trajectory: frozen options, ballots with versions, reveal."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest

from storage.unit_of_work import SqlUnitOfWork
from trajectory import engine as transitions
from trajectory import vote_service
from trajectory.errors import StaleVersion
from trajectory.kinds import ideas, vote
from trajectory.kinds.vote import Ballot, VoteState
from trajectory.model import Person
from trajectory.setup import StepDraft, edit_draft

from .conftest import ANN, BOB, NOW, draft

CAT = Person(aad_id="aad-cat", name="Cat", user_id="29:cat")


@pytest.fixture
def uows(sessions):
    return lambda: SqlUnitOfWork(sessions)


@pytest.fixture
async def vote_step(uows):
    """A running trajectory whose open step is a dot vote with typed options, frozen."""
    trajectory = draft()
    edit_draft(trajectory, title="Retro", question="What first?", co_facilitators=[], now=NOW, steps=[
        StepDraft(kind="vote", title="Vote", settings={"options": "Coffee\nTea\nWater", "dots": 3})])
    async with uows() as uow:
        await uow.trajectories.add(trajectory)
        transitions.start(trajectory, NOW)
        await uow.trajectories.save(trajectory)
        await vote_service.freeze_options(uow, trajectory, trajectory.steps[0], NOW)
        await uow.commit()
    return trajectory.steps[0]


def ballot(step, voter: Person, choices: dict[int, int], version: int = 0) -> Ballot:
    return Ballot(step_id=step.id, voter=voter, choices=choices, updated_at=NOW, version=version)


async def test_options_are_frozen_once_in_order(uows, vote_step):
    async with uows() as uow:
        options = await uow.votes.options(vote_step.id)
        state = await uow.votes.state(vote_step.id)
        # A second open (a retried job) changes nothing.
        again = VoteState(step_id=vote_step.id, frozen_at=NOW + timedelta(hours=1), offered=9)
        assert await uow.votes.freeze(again, vote.freeze_options(vote_step, [("Juice", None)])) is False
        assert await uow.votes.options(vote_step.id) == options
        assert await uow.votes.state(vote_step.id) == state
    assert [(o.position, o.label, o.idea_id) for o in options] == [(0, "Coffee", None), (1, "Tea", None),
                                                                   (2, "Water", None)]
    assert state == VoteState(step_id=vote_step.id, frozen_at=NOW, offered=3) and not state.revealed
    assert state.frozen_at.utcoffset() == timedelta(0)
    async with uows() as uow:
        assert await uow.votes.options(999_999) == [] and await uow.votes.state(999_999) is None


async def test_options_from_ideas_keep_the_idea_id(uows):
    trajectory = draft()
    edit_draft(trajectory, title="Retro", question="Q?", co_facilitators=[], now=NOW,
               steps=[StepDraft(kind="ideas", title="Ideas"), StepDraft(kind="vote", title="Vote")])
    async with uows() as uow:
        await uow.trajectories.add(trajectory)
        transitions.start(trajectory, NOW)
        await uow.trajectories.save(trajectory)
        first = await uow.ideas.add(ideas.new_idea(trajectory.steps[0], ANN, "Walk", 0, NOW))
        second = await uow.ideas.add(ideas.new_idea(trajectory.steps[0], BOB, "Talk", 0, NOW))
        transitions.advance(trajectory, NOW)
        await uow.trajectories.save(trajectory)
        options = await vote_service.freeze_options(uow, trajectory, trajectory.steps[1], NOW)
        await uow.commit()
    assert [(o.label, o.idea_id) for o in options] == [("Walk", first.id), ("Talk", second.id)]


async def test_a_ballot_is_inserted_replaced_and_cleared_with_versions(uows, vote_step):
    async with uows() as uow:
        coffee, tea, water = (o.id for o in await uow.votes.options(vote_step.id))
        first = ballot(vote_step, BOB, {coffee: 2, tea: 1})
        await uow.votes.save_ballot(first, expected_version=0)
        await uow.commit()
    assert first.version == 1 and first.id is not None

    async with uows() as uow:
        stored = await uow.votes.ballot(vote_step.id, BOB.aad_id)
        assert stored == Ballot(step_id=vote_step.id, voter=BOB, choices={coffee: 2, tea: 1}, updated_at=NOW,
                                version=1, id=first.id)
        await uow.votes.save_ballot(ballot(vote_step, BOB, {water: 3}, 1), expected_version=1)
        await uow.commit()

    async with uows() as uow:
        # The card that showed version 1 is out of date now: refused, nothing written.
        with pytest.raises(StaleVersion):
            await uow.votes.save_ballot(ballot(vote_step, BOB, {coffee: 1}, 1), expected_version=1)
        # A second "first" ballot of the same member is refused by the unique constraint.
        with pytest.raises(StaleVersion):
            await uow.votes.save_ballot(ballot(vote_step, BOB, {coffee: 1}), expected_version=0)
        assert (await uow.votes.ballot(vote_step.id, BOB.aad_id)).choices == {water: 3}
        cleared = ballot(vote_step, BOB, {}, 2)
        await uow.votes.save_ballot(cleared, expected_version=2)
        await uow.votes.save_ballot(ballot(vote_step, CAT, {tea: 1}), expected_version=0)
        await uow.commit()

    async with uows() as uow:
        ballots = await uow.votes.ballots(vote_step.id)
        assert [(b.voter.aad_id, b.choices, b.version) for b in ballots] == [
            (BOB.aad_id, {}, 3), (CAT.aad_id, {tea: 1}, 1)]
        assert await vote_service.contributors(uow, vote_step) == {CAT.aad_id}
        assert await uow.votes.ballot(vote_step.id, ANN.aad_id) is None


async def test_reveal_is_stored_once(uows, vote_step):
    async with uows() as uow:
        assert await uow.votes.reveal(vote_step.id, NOW) is True
        assert await uow.votes.reveal(vote_step.id, NOW + timedelta(minutes=5)) is False
        assert await uow.votes.reveal(999_999, NOW) is False
        await uow.commit()
    async with uows() as uow:
        state = await uow.votes.state(vote_step.id)
    assert state.revealed and state.revealed_at == NOW


async def test_two_first_ballots_of_one_member_racing(uows, vote_step, backend):
    """Two units of work both see no ballot and insert one: the database keeps exactly one."""
    if backend != "postgres":
        pytest.skip("two open write transactions at once: PostgreSQL only (SQLite serialises writers)")
    async with uows() as uow:
        coffee, tea, _ = (o.id for o in await uow.votes.options(vote_step.id))
    first, second = uows(), uows()
    async with first, second:
        assert await first.votes.ballot(vote_step.id, BOB.aad_id) is None
        assert await second.votes.ballot(vote_step.id, BOB.aad_id) is None
        await first.votes.save_ballot(ballot(vote_step, BOB, {coffee: 3}), expected_version=0)
        # The second insert waits on the unique index until the first transaction ends.
        racing = asyncio.ensure_future(second.votes.save_ballot(ballot(vote_step, BOB, {tea: 3}), expected_version=0))
        await first.commit()
        with pytest.raises(StaleVersion):
            await racing
        await second.rollback()
    async with uows() as uow:
        ballots = await uow.votes.ballots(vote_step.id)
    assert [(b.voter.aad_id, b.choices, b.version) for b in ballots] == [(BOB.aad_id, {coffee: 3}, 1)]


async def test_two_updates_of_one_ballot_racing(uows, vote_step, backend):
    if backend != "postgres":
        pytest.skip("two open write transactions at once: PostgreSQL only (SQLite serialises writers)")
    async with uows() as uow:
        coffee, tea, _ = (o.id for o in await uow.votes.options(vote_step.id))
        await uow.votes.save_ballot(ballot(vote_step, BOB, {coffee: 1}), expected_version=0)
        await uow.commit()
    first, second = uows(), uows()
    async with first, second:
        await first.votes.save_ballot(ballot(vote_step, BOB, {coffee: 2}, 1), expected_version=1)
        racing = asyncio.ensure_future(second.votes.save_ballot(ballot(vote_step, BOB, {tea: 2}, 1),
                                                                expected_version=1))
        await first.commit()
        with pytest.raises(StaleVersion):
            await racing
    async with uows() as uow:
        stored = await uow.votes.ballot(vote_step.id, BOB.aad_id)
    assert stored.choices == {coffee: 2} and stored.version == 2
