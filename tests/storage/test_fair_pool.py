"""Pooled connections (SQLite's one, PostgreSQL's few) go to waiters in arrival order (storage/fair_pool.py)."""

from __future__ import annotations

import asyncio

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlalchemy.util import greenlet_spawn
from sqlalchemy.util import queue as sqla_queue

from storage.database import create_engine
from storage.fair_pool import FairAsyncPool, FairAsyncQueue


async def _queued_get(queue) -> object:
    return await greenlet_spawn(queue.get, True, None)  # as the pool asks for a connection


@pytest.mark.parametrize("queue_class, fair", [(sqla_queue.AsyncAdaptedQueue, False), (FairAsyncQueue, True)])
async def test_a_returned_connection_goes_to_the_oldest_waiter_not_to_a_newcomer(queue_class, fair):
    queue = queue_class(1)
    first = asyncio.create_task(_queued_get(queue))
    second = asyncio.create_task(_queued_get(queue))
    await asyncio.sleep(0.01)
    queue.put_nowait("connection")  # returned: the oldest waiter is woken ...
    try:
        taken = queue.get(False)  # ... and a newcomer asks before it runs
    except sqla_queue.Empty:
        taken = None
    # SQLAlchemy's queue lets the newcomer take it, and the woken waiter goes to the back (issue 9).
    assert (taken is None) is fair
    if not fair:
        queue.put_nowait(taken)
    assert await first == "connection"
    queue.put_nowait("connection")
    assert await second == "connection"


async def test_sqlite_and_postgres_engines_use_the_fair_pool(tmp_path):
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path}/fair.db")
    assert isinstance(engine.pool, FairAsyncPool)
    await engine.dispose()
    engine = create_engine("postgresql+asyncpg://nobody@127.0.0.1:1/none")  # never connects
    assert isinstance(engine.pool, FairAsyncPool)
    await engine.dispose()


async def test_a_waiter_still_times_out_and_a_cancelled_one_loses_nothing(tmp_path):
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path}/fair.db", pool_timeout=0.05)
    try:
        holder = await engine.connect()
        await holder.execute(sa.text("SELECT 1"))
        with pytest.raises(PoolTimeout):
            await engine.connect()
        cancelled = asyncio.create_task(engine.connect().start())
        await asyncio.sleep(0.01)
        cancelled.cancel()
        with pytest.raises(asyncio.CancelledError):
            await cancelled
        await holder.close()
        async with engine.connect() as conn:  # the connection came back to the pool
            assert (await conn.scalar(sa.text("SELECT 1"))) == 1
    finally:
        await engine.dispose()


async def test_a_connection_handed_to_a_waiter_cancelled_before_it_ran_goes_to_the_next():
    queue = FairAsyncQueue(1)
    first = asyncio.create_task(_queued_get(queue))
    second = asyncio.create_task(_queued_get(queue))
    await asyncio.sleep(0.01)
    queue.put_nowait("connection")  # handed to the first ...
    first.cancel()  # ... which is cancelled before it runs
    with pytest.raises(asyncio.CancelledError):
        await first
    assert await second == "connection"
