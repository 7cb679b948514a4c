"""The idea repository, with ideas made by the ideas kind on a real, running trajectory."""

from __future__ import annotations

from datetime import timedelta

import pytest

from trajectory import engine as transitions
from trajectory.errors import StaleVersion
from trajectory.kinds import ideas
from trajectory.kinds.ideas import IdeaState

from .conftest import ANN, BOB, NOW, draft


@pytest.fixture
async def open_step(uow_factory):
    async with uow_factory() as uow:
        trajectory = await uow.trajectories.add(draft())  # one ideas step, 5 ideas each
        transitions.start(trajectory, NOW)
        await uow.trajectories.save(trajectory)
        await uow.commit()
    return trajectory.steps[0]


async def test_add_get_and_list(uow_factory, open_step):
    async with uow_factory() as uow:
        # Added out of time order: the list follows created_at, then id.
        late = await uow.ideas.add(ideas.new_idea(open_step, ANN, "late", 0, NOW + timedelta(minutes=5)))
        early = await uow.ideas.add(ideas.new_idea(open_step, BOB, "early", 0, NOW + timedelta(minutes=1)))
        same_time = await uow.ideas.add(ideas.new_idea(open_step, BOB, "tie", 1, NOW + timedelta(minutes=5)))
        await uow.commit()
    assert late.id is not None and late.version == 1

    async with uow_factory() as uow:
        assert await uow.ideas.get(late.id) == late
        assert await uow.ideas.get(999_999) is None
        listed = await uow.ideas.active_for_step(open_step.id)
    assert [i.text for i in listed] == ["early", "late", "tie"]
    assert listed[0] == early and listed[2] == same_time
    assert listed[0].created_at.utcoffset() == timedelta(0)


async def test_save_checks_the_version(uow_factory, open_step):
    async with uow_factory() as uow:
        idea = await uow.ideas.add(ideas.new_idea(open_step, ANN, "first", 0, NOW))
        await uow.commit()

    async with uow_factory() as uow:
        loaded = await uow.ideas.get(idea.id)
        ideas.edit_idea(open_step, loaded, ANN, "second", NOW + timedelta(minutes=1))
        await uow.ideas.save(loaded, expected_version=1)
        await uow.commit()
    assert loaded.version == 2

    async with uow_factory() as uow:
        stale = idea  # still version 1
        ideas.withdraw_idea(open_step, stale, ANN, NOW + timedelta(minutes=2))
        with pytest.raises(StaleVersion):
            await uow.ideas.save(stale, expected_version=1)
        stored = await uow.ideas.get(idea.id)
    assert stored.text == "second" and stored.version == 2 and stored.state is IdeaState.ACTIVE
    assert stored.updated_at == NOW + timedelta(minutes=1)


async def test_withdrawn_ideas_are_not_active(uow_factory, open_step):
    async with uow_factory() as uow:
        kept = await uow.ideas.add(ideas.new_idea(open_step, ANN, "kept", 0, NOW))
        gone = await uow.ideas.add(ideas.new_idea(open_step, ANN, "gone", 1, NOW))
        await uow.ideas.add(ideas.new_idea(open_step, BOB, "bob's", 0, NOW))
        ideas.withdraw_idea(open_step, gone, ANN, NOW)
        await uow.ideas.save(gone, expected_version=gone.version)
        await uow.commit()

    async with uow_factory() as uow:
        assert await uow.ideas.active_counts(open_step.id, ANN.aad_id) == (1, 2)
        assert await uow.ideas.active_counts(open_step.id, BOB.aad_id) == (1, 2)
        assert await uow.ideas.active_counts(open_step.id, "someone-else") == (0, 2)
        assert await uow.ideas.active_counts(-1, ANN.aad_id) == (0, 0)  # no ideas at all: zeros, not NULL
        assert [i.id for i in await uow.ideas.active_for_step(open_step.id) if i.author == ANN] == [kept.id]
        assert (await uow.ideas.get(gone.id)).state is IdeaState.WITHDRAWN


async def test_the_card_reads_a_page_and_counts_that_agree_with_the_whole_list(uow_factory, open_step):
    """What the live card reads instead of every idea (issue 9): counts, one page with the merged
    duplicates, and a member's own ideas, consistent with active_for_step / in_step."""
    async with uow_factory() as uow:
        made = [await uow.ideas.add(ideas.new_idea(open_step, who, f"{who.name} {n}", n,
                                                   NOW + timedelta(minutes=len(who.name) + n)))
                for who in (ANN, BOB) for n in range(4)]
        gone, duplicate = made[1], made[6]
        ideas.withdraw_idea(open_step, gone, ANN, NOW + timedelta(hours=1))
        await uow.ideas.save(gone, expected_version=gone.version)
        duplicate.merged_into = made[0].id
        await uow.ideas.merge(duplicate, expected_version=duplicate.version)
        await uow.commit()

    async with uow_factory() as uow:
        active = await uow.ideas.active_for_step(open_step.id)
        in_step = await uow.ideas.in_step(open_step.id)
        merged = [i for i in in_step if i.merged_into is not None]
        assert await uow.ideas.card_counts(open_step.id) == (len(active), len({i.author.aad_id for i in in_step}))
        for start, limit in ((0, 100), (2, 3), (5, 10), (50, 10)):
            page = await uow.ideas.card_page(open_step.id, start, limit)
            expected = {i.id for i in active[start:start + limit]} | {i.id for i in merged}
            assert [i.id for i in page] == [i.id for i in in_step if i.id in expected]
        assert [i.id for i in await uow.ideas.active_by_author(open_step.id, ANN.aad_id)] == \
            [i.id for i in active if i.author == ANN]
        assert await uow.ideas.author_ids(open_step.id) == {i.author.aad_id for i in in_step}
        assert await uow.clarifications.for_ideas([]) == []
