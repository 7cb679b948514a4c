"""The unit of work: one transaction, activity claims that catch re-deliveries."""

from __future__ import annotations

import asyncio

import pytest

from storage.unit_of_work import unit_of_work_factory
from storage.database import session_factory

from .conftest import draft


async def test_claim_once_per_activity(uow_factory):
    async with uow_factory() as uow:
        assert await uow.claim_activity("act-1") is True
        assert await uow.claim_activity("act-1") is False
        assert await uow.claim_activity("act-2") is True
        await uow.commit()
    async with uow_factory() as uow:
        assert await uow.claim_activity("act-1") is False  # a re-delivery, in a later unit of work


async def test_a_rolled_back_claim_can_be_claimed_again(uow_factory):
    async with uow_factory() as uow:
        assert await uow.claim_activity("act-1") is True
        await uow.rollback()
        assert await uow.claim_activity("act-1") is True
    # Leaving without commit discards the claim too.
    async with uow_factory() as uow:
        assert await uow.claim_activity("act-1") is True
        await uow.commit()
    async with uow_factory() as uow:
        assert await uow.claim_activity("act-1") is False


async def test_leaving_without_commit_discards_everything(uow_factory):
    async with uow_factory() as uow:
        trajectory = await uow.trajectories.add(draft())
    async with uow_factory() as uow:
        assert await uow.trajectories.get(trajectory.id) is None


async def test_an_error_in_the_block_rolls_back(uow_factory):
    with pytest.raises(RuntimeError):
        async with uow_factory() as uow:
            await uow.trajectories.add(draft())
            raise RuntimeError("boom")
    async with uow_factory() as uow:
        assert await uow.trajectories.active_in_channel(draft().channel.channel_id) is None


async def test_concurrent_claims_of_one_activity_have_one_winner(uow_factory):
    async def claim() -> bool:
        async with uow_factory() as uow:
            won = await uow.claim_activity("act-dup")
            await asyncio.sleep(0.05)  # the work, while the other delivery arrives
            await uow.commit()
            return won

    assert sorted(await asyncio.gather(claim(), claim())) == [False, True]


@pytest.mark.parametrize("first_commits", [True, False])
async def test_a_concurrent_duplicate_waits_for_the_first_to_finish(uow_factory, first_commits):
    async with uow_factory() as first:
        assert await first.claim_activity("act-x") is True

        async def second_claim() -> bool:
            async with uow_factory() as second:
                return await second.claim_activity("act-x")

        second = asyncio.create_task(second_claim())
        await asyncio.sleep(0.2)
        assert not second.done()  # blocked on the first transaction, not answered from a guess
        await (first.commit() if first_commits else first.rollback())
        assert await asyncio.wait_for(second, 5) is (not first_commits)


async def test_factory_and_single_use(engine):
    make = unit_of_work_factory(session_factory(engine))
    uow = make()
    assert uow is not make()
    async with uow:
        assert await uow.claim_activity("a") is True
    with pytest.raises(RuntimeError):
        async with uow:
            pass
