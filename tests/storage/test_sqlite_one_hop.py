"""A SQLite statement is one trip to aiosqlite's thread (storage/sqlite_one_hop.py), and behaves as before."""

from __future__ import annotations

import aiosqlite
import pytest
import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from storage.database import create_engine
from storage.sqlite_one_hop import OneHopConnection


class Trips:
    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.count = 0
        real = aiosqlite.Connection._execute

        async def counted(connection, fn, *args, **kwargs):
            self.count += 1
            return await real(connection, fn, *args, **kwargs)

        monkeypatch.setattr(aiosqlite.Connection, "_execute", counted)


async def test_statements_take_one_trip_each_and_keep_their_results(tmp_path, monkeypatch):
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path}/hop.db")
    trips = Trips(monkeypatch)
    try:
        async with engine.begin() as conn:
            assert isinstance((await conn.get_raw_connection()).dbapi_connection, OneHopConnection)
            await conn.execute(sa.text("CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT UNIQUE)"))
            inserted = await conn.execute(sa.text("INSERT INTO t (name) VALUES (:name)"),
                                          [{"name": "a"}, {"name": "b"}, {"name": "c"}])
            assert inserted.rowcount == 3
            before = trips.count
            one = await conn.execute(sa.text("INSERT INTO t (name) VALUES ('d') RETURNING id"))
            assert one.scalar_one() == 4
            rows = (await conn.execute(sa.text("SELECT id, name FROM t ORDER BY id"))).all()
            assert [tuple(r) for r in rows] == [(1, "a"), (2, "b"), (3, "c"), (4, "d")]
            updated = await conn.execute(sa.text("UPDATE t SET name = name || '!' WHERE id > 2"))
            assert updated.rowcount == 2
            assert trips.count - before == 3  # three statements, three trips
            with pytest.raises(IntegrityError):  # driver errors still become SQLAlchemy's
                await conn.execute(sa.text("INSERT INTO t (name) VALUES ('a')"))
    finally:
        await engine.dispose()


async def test_a_committed_connection_goes_back_without_a_trip_and_an_open_one_is_rolled_back(tmp_path, monkeypatch):
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path}/reset.db")
    try:
        async with engine.begin() as conn:
            await conn.execute(sa.text("CREATE TABLE t (x INTEGER)"))
        trips = Trips(monkeypatch)
        async with engine.begin() as conn:  # BEGIN IMMEDIATE, INSERT, COMMIT: no rollback on check-in
            await conn.execute(sa.text("INSERT INTO t VALUES (1)"))
        assert trips.count == 3
        # A transaction SQLAlchemy doesn't know of is still rolled back when the connection goes back.
        async with engine.connect() as conn:
            raw = await conn.get_raw_connection()
            await raw.driver_connection.execute("BEGIN IMMEDIATE")
            await raw.driver_connection.execute("INSERT INTO t VALUES (2)")
            assert raw.driver_connection.in_transaction
        async with engine.begin() as conn:  # would wait and time out on a write lock left behind
            assert (await conn.execute(sa.text("SELECT x FROM t ORDER BY x"))).scalars().all() == [1]
    finally:
        await engine.dispose()
