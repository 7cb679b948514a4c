"""The counts cards read from SQL (ballot_choices: voters, totals per option and value) against the
domain's own counting of the loaded ballots (vote_tally.tally), on random ballots of every method,
after first ballots, changes and clearings; and the migration that copies existing ballots."""

from __future__ import annotations

import random

import pytest
import sqlalchemy as sa
from alembic import command

from storage import models as m
from storage.migrate import alembic_config, migrate
from storage.database import session_factory
from storage.unit_of_work import SqlUnitOfWork
from trajectory import engine as transitions
from trajectory import vote_service
from trajectory.kinds import vote
from trajectory.kinds.vote import Ballot, Method
from trajectory.kinds.vote_tally import tally, tally_totals
from trajectory.model import Person
from trajectory.setup import StepDraft, edit_draft

from .conftest import NOW, draft

OPTIONS = "\n".join(f"Option {i}" for i in range(7))


@pytest.fixture
def uows(sessions):
    return lambda: SqlUnitOfWork(sessions)


async def open_vote(uows, method: Method, top_k: int = 3):
    trajectory = draft()
    edit_draft(trajectory, title="Retro", question="What first?", co_facilitators=[], now=NOW, steps=[
        StepDraft(kind="vote", title="Vote", settings={"options": OPTIONS, "method": method.value, "dots": 9,
                                                        "top_k": top_k})])
    async with uows() as uow:
        await uow.trajectories.add(trajectory)
        transitions.start(trajectory, NOW)
        await uow.trajectories.save(trajectory)
        options = await vote_service.freeze_options(uow, trajectory, trajectory.steps[0], NOW)
        await uow.commit()
    return trajectory.steps[0], options


def random_choices(method: Method, option_ids: list[int], rng: random.Random) -> dict[int, int]:
    """What a ballot of ``method`` may hold (sometimes nothing); ranks may go past top_k (0 points)."""
    picked = rng.sample(option_ids, rng.randint(0, len(option_ids)))
    if method is Method.RANK:
        return {option: place for place, option in enumerate(picked, start=1)}
    value = {Method.DOTS: lambda: rng.randint(1, 4), Method.SCORE: lambda: rng.randint(1, 5),
             Method.APPROVAL: lambda: 1}[method]
    return {option: value() for option in picked}


async def assert_sql_counts_match_the_domain(uow, step, options) -> None:
    rules = vote.rules_for(step, options)
    ballots = await uow.votes.ballots(step.id)
    expected = tally(rules, options, ballots)
    assert tally_totals(rules, options, await uow.votes.totals(step.id)) == expected
    assert await uow.votes.voter_count(step.id) == len(vote.voters(ballots)) == expected.voters
    assert await uow.votes.voter_ids(step.id) == vote.voters(ballots)
    assert await uow.votes.voter_names(step.id) == sorted(b.voter.name for b in ballots if not b.is_empty)


@pytest.mark.parametrize("method", list(Method))
@pytest.mark.parametrize("seed", [1, 2])
async def test_sql_counts_equal_the_domain_tally_on_random_ballots(uows, method, seed):
    rng = random.Random(f"{method}-{seed}")
    step, options = await open_vote(uows, method, top_k=rng.randint(1, 5))
    option_ids = [o.id for o in options]
    people = [Person(f"aad-{i:03d}", f"Member {rng.randint(0, 20)}", f"29:m{i}") for i in range(40)]
    async with uows() as uow:
        await assert_sql_counts_match_the_domain(uow, step, options)  # no ballots yet
    stored: dict[str, Ballot] = {}
    for round_ in range(3):
        async with uows() as uow:
            for person in rng.sample(people, 25):
                current = stored.get(person.aad_id)
                choices = {} if current and rng.random() < 0.2 else random_choices(method, option_ids, rng)
                ballot = Ballot(step_id=step.id, voter=person, choices=choices, updated_at=NOW,
                                version=current.version if current else 0)
                await uow.votes.save_ballot(ballot, expected_version=ballot.version)
                stored[person.aad_id] = ballot
            await uow.commit()
        async with uows() as uow:
            await assert_sql_counts_match_the_domain(uow, step, options)


async def test_existing_ballots_are_copied_by_the_migration(bare_engine):
    """A database with ballots in ballots.choices only (0009) gets the same counts after upgrading."""
    async with bare_engine.begin() as conn:
        await conn.run_sync(_upgrade_to, "0009_filed_outputs")
    sessions = session_factory(bare_engine)
    trajectory = draft()
    edit_draft(trajectory, title="Retro", question="What first?", co_facilitators=[], now=NOW, steps=[
        StepDraft(kind="vote", title="Vote", settings={"options": OPTIONS, "method": "dots", "dots": 9})])
    async with SqlUnitOfWork(sessions) as uow:
        await uow.trajectories.add(trajectory)
        transitions.start(trajectory, NOW)
        await uow.trajectories.save(trajectory)
        options = await vote_service.freeze_options(uow, trajectory, trajectory.steps[0], NOW)
        await uow.commit()
    step, rng = trajectory.steps[0], random.Random(9)
    option_ids = [o.id for o in options]
    rows = [{"step_id": step.id, "voter_aad_id": f"aad-{i}", "voter_name": f"Member {i}",
             "voter_user_id": f"29:m{i}", "updated_at": NOW, "version": 1,
             "choices": {str(k): v for k, v in random_choices(Method.DOTS, option_ids, rng).items()}}
            for i in range(30)]
    async with sessions() as session:
        await session.execute(sa.insert(m.ballots), rows)
        await session.commit()

    await migrate(bare_engine)
    async with SqlUnitOfWork(sessions) as uow:
        assert await uow.votes.voter_count(step.id) == sum(1 for r in rows if r["choices"]) > 0
        await assert_sql_counts_match_the_domain(uow, step, options)


def _upgrade_to(connection: sa.Connection, revision: str) -> None:
    config = alembic_config()
    config.attributes["connection"] = connection
    command.upgrade(config, revision)


async def test_state_and_voter_count_in_one_read(uows):
    step, options = await open_vote(uows, Method.APPROVAL)
    async with uows() as uow:
        assert await uow.votes.state_and_voter_count(step.id) == (await uow.votes.state(step.id), 0)
        assert await uow.votes.state_and_voter_count(999_999) == (None, 0)
        for i, choices in enumerate(({options[0].id: 1}, {}, {options[1].id: 1, options[2].id: 1})):
            ballot = Ballot(step_id=step.id, voter=Person(f"aad-{i}", f"M {i}"), choices=choices, updated_at=NOW)
            await uow.votes.save_ballot(ballot, expected_version=0)
        await uow.commit()
    async with uows() as uow:
        assert await uow.votes.state_and_voter_count(step.id) == (await uow.votes.state(step.id), 2)
