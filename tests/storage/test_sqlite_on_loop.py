"""SQLite statements run on the event loop (storage/sqlite_on_loop.py), behave as before, and go to
aiosqlite's thread where they could wait: another connection's lock, a checkpoint, bulk work."""

from __future__ import annotations

import asyncio
import sqlite3

import aiosqlite
import pytest
import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from storage import sqlite_on_loop
from storage.database import create_engine
from storage.sqlite_on_loop import LoopConnection, statements_on_thread


class Trips:
    """Calls that went to aiosqlite's thread."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.count = 0
        real = aiosqlite.Connection._execute

        async def counted(connection, fn, *args, **kwargs):
            self.count += 1
            return await real(connection, fn, *args, **kwargs)

        monkeypatch.setattr(aiosqlite.Connection, "_execute", counted)


@pytest.fixture
async def engine_t(tmp_path):
    """A SQLite engine on ``tmp_path / "t.db"`` with a table t (x INTEGER)."""
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 't.db'}")
    async with engine.begin() as conn:
        await conn.execute(sa.text("CREATE TABLE t (x INTEGER)"))
    yield engine
    await engine.dispose()


async def test_statements_run_on_the_loop_and_keep_their_results(tmp_path, monkeypatch):
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path}/loop.db")
    try:
        async with engine.begin() as conn:
            assert isinstance((await conn.get_raw_connection()).dbapi_connection, LoopConnection)
            await conn.execute(sa.text("CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT UNIQUE)"))
        trips = Trips(monkeypatch)
        async with engine.begin() as conn:  # BEGIN IMMEDIATE ... COMMIT, no trip
            inserted = await conn.execute(sa.text("INSERT INTO t (name) VALUES (:name)"),
                                          [{"name": "a"}, {"name": "b"}, {"name": "c"}])
            assert inserted.rowcount == 3
            one = await conn.execute(sa.text("INSERT INTO t (name) VALUES ('d') RETURNING id"))
            assert one.scalar_one() == 4
            rows = (await conn.execute(sa.text("SELECT id, name FROM t ORDER BY id"))).all()
            assert [tuple(r) for r in rows] == [(1, "a"), (2, "b"), (3, "c"), (4, "d")]
            updated = await conn.execute(sa.text("UPDATE t SET name = name || '!' WHERE id > 2"))
            assert updated.rowcount == 2
            with pytest.raises(IntegrityError):  # driver errors still become SQLAlchemy's
                await conn.execute(sa.text("INSERT INTO t (name) VALUES ('a')"))
        async with engine.connect() as conn:
            assert (await conn.execute(sa.text("SELECT count(*) FROM t"))).scalar_one() == 4
            assert (await conn.execute(sa.text("PRAGMA wal_autocheckpoint"))).scalar_one() == 0
            assert (await conn.execute(sa.text("PRAGMA busy_timeout"))).scalar_one() == 0
        assert trips.count == 0
    finally:
        await engine.dispose()


async def test_a_lock_held_elsewhere_is_waited_for_on_the_thread_while_the_loop_runs(engine_t, tmp_path, monkeypatch):
    engine = engine_t
    other = sqlite3.connect(tmp_path / "t.db", isolation_level=None, check_same_thread=False)
    try:
        trips = Trips(monkeypatch)
        other.execute("BEGIN IMMEDIATE")  # another process's writer, say
        other.execute("INSERT INTO t VALUES (1)")

        async def write() -> list[int]:
            async with engine.begin() as conn:
                await conn.execute(sa.text("INSERT INTO t VALUES (2)"))
                return (await conn.execute(sa.text("SELECT x FROM t ORDER BY x"))).scalars().all()

        writing = asyncio.create_task(write())
        for _ in range(20):  # the loop keeps running while the writer waits for the lock
            await asyncio.sleep(0.01)
        assert not writing.done()  # on the loop it would have failed at once (no busy timeout there)
        other.execute("COMMIT")
        assert await asyncio.wait_for(writing, 5) == [1, 2]
        assert trips.count >= 1  # the BEGIN IMMEDIATE that met the lock went to the thread
        async with engine.connect() as conn:  # and the busy timeout is off again on the loop
            assert (await conn.execute(sa.text("PRAGMA busy_timeout"))).scalar_one() == 0
    finally:
        other.close()


async def test_inside_statements_on_thread_every_statement_takes_the_thread(engine_t, monkeypatch):
    trips = Trips(monkeypatch)

    async def bulk() -> int:
        async with engine_t.begin() as conn:  # BEGIN IMMEDIATE, INSERT, SELECT, COMMIT
            await conn.execute(sa.text("INSERT INTO t VALUES (1)"))
            return (await conn.execute(sa.text("SELECT count(*) FROM t"))).scalar_one()

    with statements_on_thread():
        task = asyncio.create_task(bulk())  # a task started inside keeps the setting
    assert await task == 1
    assert trips.count == 4
    assert await bulk() == 2 and trips.count == 4  # outside: on the loop again


async def test_every_nth_commit_runs_on_the_thread_with_a_checkpoint(engine_t, tmp_path, monkeypatch):
    monkeypatch.setattr(sqlite_on_loop, "CHECKPOINT_EVERY", 3)
    checkpoints = []
    real = sqlite_on_loop._commit_and_checkpoint
    monkeypatch.setattr(sqlite_on_loop, "_commit_and_checkpoint", lambda conn: (checkpoints.append(1), real(conn)))
    for i in range(9):
        async with engine_t.begin() as conn:
            await conn.execute(sa.text("INSERT INTO t VALUES (:x)"), {"x": i})
    assert len(checkpoints) == 3  # 10 commits (the CREATE's included): the 3rd, 6th and 9th
    async with engine_t.connect() as conn:
        assert (await conn.execute(sa.text("SELECT count(*) FROM t"))).scalar_one() == 9
    with sqlite3.connect(tmp_path / "t.db") as check:  # another connection sees every row
        assert check.execute("SELECT count(*) FROM t").fetchone() == (9,)


async def test_a_committed_connection_goes_back_without_a_trip_and_an_open_one_is_rolled_back(engine_t, monkeypatch):
    trips = Trips(monkeypatch)
    async with engine_t.begin() as conn:  # BEGIN IMMEDIATE, INSERT, COMMIT: no rollback on check-in
        await conn.execute(sa.text("INSERT INTO t VALUES (1)"))
    assert trips.count == 0
    # A transaction SQLAlchemy doesn't know of is still rolled back when the connection goes back.
    async with engine_t.connect() as conn:
        raw = await conn.get_raw_connection()
        await raw.driver_connection.execute("BEGIN IMMEDIATE")
        await raw.driver_connection.execute("INSERT INTO t VALUES (2)")
        assert raw.driver_connection.in_transaction
    async with engine_t.begin() as conn:  # would fail on a write lock left behind
        assert (await conn.execute(sa.text("SELECT x FROM t ORDER BY x"))).scalars().all() == [1]
