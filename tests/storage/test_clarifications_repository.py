"""Clarifications, merged ideas and summary cards on a real database (SQLite, and PostgreSQL when set)."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from storage import models as m
from storage.database import session_factory
from storage.unit_of_work import SqlUnitOfWork
from trajectory import clarification_services, services
from trajectory import engine as transitions
from trajectory.errors import MergeTargetUnavailable, StaleVersion
from trajectory.kinds import clarifications, ideas
from trajectory.kinds.clarifications import ClarificationKind
from trajectory.model import CardRef, Person

from .conftest import ANN, BOB, NOW, draft

CAROL = Person(aad_id="aad-carol", name="Carol", user_id="29:carol")


@pytest.fixture
async def open_step(uow_factory):
    async with uow_factory() as uow:
        trajectory = await uow.trajectories.add(draft())  # Ann facilitates; one ideas step
        transitions.start(trajectory, NOW)
        await uow.trajectories.save(trajectory)
        await uow.commit()
    return trajectory.steps[0]


async def add_ideas(uow_factory, step, *texts_by: tuple[Person, str]):
    async with uow_factory() as uow:
        added = [await uow.ideas.add(ideas.new_idea(step, who, text, 0, NOW + timedelta(minutes=n)))
                 for n, (who, text) in enumerate(texts_by)]
        await uow.commit()
    return added


async def test_add_list_answer_and_count(uow_factory, open_step):
    bobs, = await add_ideas(uow_factory, open_step, (BOB, "Walking meetings"))
    async with uow_factory() as uow:
        q = clarifications.ask(open_step, bobs, CAROL, ClarificationKind.QUESTION, "How long?", True, 0, NOW)
        c = clarifications.ask(open_step, bobs, ANN, ClarificationKind.COMMENT, "Love it", False, 0,
                               NOW + timedelta(seconds=1))
        await uow.clarifications.add(q)
        await uow.clarifications.add(c)
        await uow.commit()
    assert q.id is not None and c.id is not None and q.id != c.id

    async with uow_factory() as uow:
        stored = await uow.clarifications.get(q.id)
        assert stored == q and stored.asker == Person("aad-carol", "") and stored.anonymous
        assert stored.created_at.utcoffset() == timedelta(0)
        assert await uow.clarifications.get(999_999) is None
        assert [x.id for x in await uow.clarifications.for_step(open_step.id)] == [q.id, c.id]
        assert await uow.clarifications.count_by_asker(open_step.id, CAROL.aad_id) == 1
        assert await uow.clarifications.count_by_asker(open_step.id, "nobody") == 0
        clarifications.answer(open_step, bobs, stored, BOB, "Ten minutes", 1, NOW + timedelta(hours=1))
        await uow.clarifications.save_answer(stored, expected_version=1)
        await uow.commit()
    assert stored.version == 2

    async with uow_factory() as uow:
        again = await uow.clarifications.get(q.id)
        assert (again.answer, again.answered_at, again.version) == ("Ten minutes", NOW + timedelta(hours=1), 2)
        stale = await uow.clarifications.get(q.id)
        stale.answer = "overwritten"
        with pytest.raises(StaleVersion):
            await uow.clarifications.save_answer(stale, expected_version=1)
        assert (await uow.clarifications.get(q.id)).answer == "Ten minutes"


async def test_the_database_refuses_a_named_anonymous_asker_and_unknown_kinds(engine, open_step, uow_factory):
    bobs, = await add_ideas(uow_factory, open_step, (BOB, "Walking meetings"))
    row = dict(step_id=open_step.id, idea_id=bobs.id, asker_aad_id="aad-carol", asker_name="Carol", anonymous=True,
               kind="question", text="q", created_at=NOW, version=1)
    for bad in (row, {**row, "anonymous": False, "kind": "insult"}):
        async with session_factory(engine)() as session:
            with pytest.raises(IntegrityError):
                await session.execute(sa.insert(m.clarifications).values(bad))


async def test_merged_ideas_leave_the_active_list_and_chains_resolve(uow_factory, open_step):
    a, b, c = await add_ideas(uow_factory, open_step, (BOB, "a"), (CAROL, "b"), (ANN, "c"))
    async with uow_factory() as uow:
        await clarification_services.merge(uow, a.id, a.version, b.id, ANN, NOW)
        await uow.commit()
    async with uow_factory() as uow:
        await clarification_services.merge(uow, b.id, b.version, c.id, ANN, NOW)
        await uow.commit()

    async with uow_factory() as uow:
        # What the vote step reads: active and not merged, oldest first.
        assert [i.text for i in await uow.ideas.active_for_step(open_step.id)] == ["c"]
        assert [(i.text, i.merged_into) for i in await uow.ideas.in_step(open_step.id)] == [
            ("a", b.id), ("b", c.id), ("c", None)]
        assert await uow.ideas.active_counts(open_step.id, BOB.aad_id) == (0, 1)  # merged ones don't count
        stored_a = await uow.ideas.get(a.id)
        assert stored_a.version == a.version + 1 and stored_a.merged_into == b.id
        assert (await clarification_services.standing_for(uow, stored_a)).id == c.id
        # A question asked on a stale card showing "a" lands on "c", the idea that stands for it.
        question, context = await clarification_services.ask(uow, a.id, BOB, "comment", "also?", "false", NOW)
        assert question.idea_id == c.id and context.idea.id == c.id


async def test_merge_checks_versions_and_the_target_in_the_database(uow_factory, open_step):
    a, b = await add_ideas(uow_factory, open_step, (BOB, "a"), (CAROL, "b"))
    async with uow_factory() as uow:
        stale = await uow.ideas.get(a.id)
        stale.merged_into = b.id
        with pytest.raises(StaleVersion):
            await uow.ideas.merge(stale, expected_version=a.version + 5)
    # The target is withdrawn after the facilitator loaded it: the database refuses the merge.
    async with uow_factory() as uow:
        loaded = await uow.ideas.get(a.id)
        await services.withdraw_idea(uow, b.id, b.version, CAROL, NOW)
        loaded.merged_into = b.id
        with pytest.raises(MergeTargetUnavailable):
            await uow.ideas.merge(loaded, expected_version=loaded.version)
    async with uow_factory() as uow:
        assert [i.id for i in await uow.ideas.active_for_step(open_step.id)] == [a.id, b.id]


async def test_withdrawing_a_merge_target_releases_its_duplicates_and_unmerge_undoes(uow_factory, open_step):
    a, b, c = await add_ideas(uow_factory, open_step, (BOB, "a"), (CAROL, "b"), (ANN, "c"))
    async with uow_factory() as uow:
        await clarification_services.merge(uow, a.id, a.version, b.id, ANN, NOW)
        await clarification_services.merge(uow, c.id, c.version, b.id, ANN, NOW)
        await uow.commit()
    async with uow_factory() as uow:
        await services.withdraw_idea(uow, b.id, b.version, CAROL, NOW)
        await uow.commit()
    async with uow_factory() as uow:
        assert [i.text for i in await uow.ideas.active_for_step(open_step.id)] == ["a", "c"]
        await clarification_services.merge(uow, a.id, a.version + 2, c.id, ANN, NOW)
        await uow.commit()
    async with uow_factory() as uow:
        merged = await uow.ideas.get(a.id)
        await clarification_services.unmerge(uow, a.id, merged.version, ANN, NOW)
        await uow.commit()
    async with uow_factory() as uow:
        assert [i.text for i in await uow.ideas.active_for_step(open_step.id)] == ["a", "c"]


async def test_summary_card_is_remembered_once_per_step(uow_factory, open_step):
    async with uow_factory() as uow:
        assert await uow.ideas.summary_card(open_step.id) is None
        await uow.ideas.set_summary_card(open_step.id, CardRef("conv;messageid=1", "7"))
        await uow.commit()
    async with uow_factory() as uow:
        await uow.ideas.set_summary_card(open_step.id, CardRef("conv;messageid=1", "8"))  # a re-post replaces it
        await uow.commit()
    async with uow_factory() as uow:
        assert await uow.ideas.summary_card(open_step.id) == CardRef("conv;messageid=1", "8")


async def test_two_facilitators_merging_a_pair_both_ways_cannot_make_a_cycle(backend, engine, open_step,
                                                                              uow_factory):
    """Both load the pair as unmerged, then merge it both ways at once: the database lets one win."""
    if backend == "sqlite":
        pytest.skip("SQLite serialises units of work (BEGIN IMMEDIATE): the race can't happen there")
    a, b = await add_ideas(uow_factory, open_step, (BOB, "a"), (CAROL, "b"))
    sessions = session_factory(engine)
    outcomes = []
    async with SqlUnitOfWork(sessions) as first, SqlUnitOfWork(sessions) as second:
        loaded = [(await first.ideas.get(a.id), await first.ideas.get(b.id)),
                  (await second.ideas.get(b.id), await second.ideas.get(a.id))]

        async def merge(uow, source, target):
            source.merged_into = target.id
            try:
                await uow.ideas.merge(source, expected_version=source.version)
                await uow.commit()
                outcomes.append("merged")
            except MergeTargetUnavailable:
                outcomes.append("refused")

        await asyncio.gather(merge(first, *loaded[0]), merge(second, *loaded[1]))
    assert sorted(outcomes) == ["merged", "refused"]
    async with uow_factory() as uow:
        stored = {i.text: i.merged_into for i in await uow.ideas.in_step(open_step.id)}
    assert list(stored.values()).count(None) == 1  # one of them merged into the other, never both
