"""The response repository on a real, running trajectory with an evaluation step (SQLite and PostgreSQL)."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from storage import models as m
from storage.unit_of_work import SqlUnitOfWork
from trajectory import engine as transitions
from trajectory import evaluation_service
from trajectory.errors import StaleVersion
from trajectory.kinds import evaluation
from trajectory.model import Person
from trajectory.setup import StepDraft, edit_draft

from .conftest import ANN, BOB, NOW, draft

CAROL = Person(aad_id="aad-carol", name="Carol", user_id="29:carol")


@pytest.fixture
def uows(sessions):
    return lambda: SqlUnitOfWork(sessions)


@pytest.fixture
async def open_step(uows):
    """A running trajectory whose first step is an open evaluation (default questions)."""
    trajectory = draft()
    edit_draft(trajectory, title="Retro", question="How did it go?", co_facilitators=[], now=NOW,
               steps=[StepDraft(kind="evaluation", title="Evaluate"), StepDraft(kind="ideas", title="Ideas")])
    async with uows() as uow:
        await uow.trajectories.add(trajectory)
        transitions.start(trajectory, NOW)
        await uow.trajectories.save(trajectory)
        await uow.commit()
    return trajectory.steps[0]


def first(step, person, raw, minutes=0):
    return evaluation.answer(step, None, person, 0, raw, NOW + timedelta(minutes=minutes))


async def test_add_get_list_and_respondents(uows, open_step):
    async with uows() as uow:
        bob = await uow.responses.add(first(open_step, BOB, {"async_helped": "4", "keep": "Async first"}))
        ann = await uow.responses.add(first(open_step, ANN, {"recommend": "10"}, 1))
        await uow.commit()
    assert bob.id is not None and bob.version == 1

    async with uows() as uow:
        assert await uow.responses.get(open_step.id, BOB.aad_id) == bob
        assert await uow.responses.get(open_step.id, CAROL.aad_id) is None
        assert await uow.responses.get(999_999, BOB.aad_id) is None
        listed = await uow.responses.for_step(open_step.id)
        assert await uow.responses.respondents(open_step.id) == {ANN.aad_id, BOB.aad_id}
        assert await uow.responses.for_step(999_999) == []
    assert listed == [bob, ann]
    assert listed[0].answers == {"async_helped": 4, "keep": "Async first"}  # ints stay ints in JSON
    assert listed[0].submitted_at.utcoffset() == timedelta(0)


async def test_one_response_per_member_is_enforced_by_the_database(uows, open_step):
    async with uows() as uow:
        await uow.responses.add(first(open_step, BOB, {"async_helped": "4"}))
        await uow.commit()
    async with uows() as uow:
        # A second "first" response (a race the version check could not see) is a stale version...
        with pytest.raises(StaleVersion):
            await uow.responses.add(first(open_step, BOB, {"async_helped": "1"}))
        # ...and the savepoint leaves the transaction usable.
        await uow.responses.add(first(open_step, ANN, {"async_helped": "2"}))
        await uow.commit()
    async with uows() as uow:
        # The constraint itself, below the repository.
        row = {"step_id": open_step.id, "respondent_aad_id": BOB.aad_id, "respondent_name": "Bob",
               "respondent_user_id": "", "answers": {}, "submitted_at": NOW, "updated_at": NOW, "version": 1}
        with pytest.raises(IntegrityError):
            await uow.session.execute(sa.insert(m.responses).values(row))
    async with uows() as uow:
        stored = await uow.responses.for_step(open_step.id)
    assert [(r.respondent.aad_id, r.answers) for r in stored] == [(BOB.aad_id, {"async_helped": 4}),
                                                                   (ANN.aad_id, {"async_helped": 2})]


async def test_save_replaces_the_answers_whole_with_a_version_check(uows, open_step):
    async with uows() as uow:
        created = await uow.responses.add(first(open_step, BOB, {"async_helped": "4", "keep": "coffee"}))
        await uow.commit()

    async with uows() as uow:
        loaded = await uow.responses.get(open_step.id, BOB.aad_id)
        evaluation.answer(open_step, loaded, BOB, 1, {"recommend": "3"}, NOW + timedelta(hours=1))
        await uow.responses.save(loaded, expected_version=1)
        await uow.commit()
    assert loaded.version == 2

    async with uows() as uow:
        stale = created  # still version 1
        evaluation.answer(open_step, stale, BOB, 1, {"async_helped": "1"}, NOW + timedelta(hours=2))
        with pytest.raises(StaleVersion):
            await uow.responses.save(stale, expected_version=1)
        stored = await uow.responses.get(open_step.id, BOB.aad_id)
    assert (stored.answers, stored.version) == ({"recommend": 3}, 2)
    assert stored.submitted_at == NOW and stored.updated_at == NOW + timedelta(hours=1)


async def test_concurrent_first_submissions_store_one_response(uows, open_step):
    """Two first submissions of one member racing in separate transactions: one wins, one is stale."""

    async def submit(value: str):
        async with uows() as uow:
            try:
                await evaluation_service.submit_answers(uow, open_step.id, 0, BOB, {"async_helped": value}, NOW)
                await uow.commit()
                return "stored"
            except StaleVersion:
                return "stale"

    outcomes = await asyncio.gather(submit("1"), submit("5"))
    assert sorted(outcomes) == ["stale", "stored"]
    async with uows() as uow:
        assert len(await uow.responses.for_step(open_step.id)) == 1


async def test_the_service_summarises_stored_responses(uows, open_step):
    async with uows() as uow:
        for person, rating, score in [(ANN, "5", "10"), (BOB, "4", "6"), (CAROL, "4", "9")]:
            await evaluation_service.submit_answers(
                uow, open_step.id, 0, person, {"async_helped": rating, "recommend": score}, NOW)
        await uow.commit()
    async with uows() as uow:
        summary = await evaluation_service.summary(uow, open_step)
    likert, nps = summary.results[0], summary.results[3]
    assert summary.respondents == 3
    assert (likert.counts, likert.average) == ((0, 0, 0, 2, 1), 4.3)
    assert (nps.promoters, nps.detractors, nps.score) == (2, 1, 33)
