"""SQLite statements in one trip to aiosqlite's thread instead of four.

aiosqlite runs sqlite3 on a worker thread; every call is a trip there and back (a queue put, the
thread waking, the result handed back through the event loop's self-pipe). SQLAlchemy's aiosqlite
adapter makes four such trips per statement: open a cursor, execute, fetch the rows, close the
cursor. With a dozen statements per click, those trips were the largest cost left on the event loop
under bench traffic (issue 9). This cursor does all four in one function on the worker thread and
keeps what SQLAlchemy reads afterwards (description, rowcount, lastrowid, the rows).

Tied to SQLAlchemy's adapter classes (pinned in constraints.txt); tests/storage run every
repository through it.
"""

from __future__ import annotations

import collections
import sqlite3
from typing import Any

from sqlalchemy.dialects.sqlite.aiosqlite import AsyncAdapt_aiosqlite_connection, AsyncAdapt_aiosqlite_cursor
from sqlalchemy.util import EMPTY_DICT


def _run(conn: sqlite3.Connection, operation: Any, parameters: Any, many: bool) -> tuple[Any, int, Any, list[Any]]:
    """On aiosqlite's thread: the whole statement, cursor closed."""
    cursor = conn.cursor()
    try:
        if many:
            cursor.executemany(operation, parameters)
        elif parameters is None:
            cursor.execute(operation)
        else:
            cursor.execute(operation, parameters)
        rows = cursor.fetchall() if cursor.description else []
        return cursor.description, cursor.rowcount, cursor.lastrowid, rows
    finally:
        cursor.close()


class OneHopCursor(AsyncAdapt_aiosqlite_cursor):
    __slots__ = ("_description", "_rowcount", "_lastrowid")
    _awaitable_cursor_close = False  # nothing is left open on the thread

    def __init__(self, adapt_connection: Any) -> None:  # no trip to open a cursor
        self._adapt_connection = adapt_connection
        self._connection = adapt_connection._connection
        self._cursor = None  # type: ignore[assignment]
        self._soft_closed_memoized = EMPTY_DICT
        self._rows = collections.deque()
        self._description: Any = None
        self._rowcount = -1
        self._lastrowid: Any = None

    @property
    def description(self) -> Any:
        return self._description

    @property
    def rowcount(self) -> int:
        return self._rowcount

    @property
    def lastrowid(self) -> Any:
        return self._lastrowid

    @property
    def arraysize(self) -> int:
        return 1

    @arraysize.setter
    def arraysize(self, value: int) -> None:
        pass

    async def _go(self, operation: Any, parameters: Any, many: bool) -> None:
        async with self._adapt_connection._execute_mutex:
            found = await self._connection._execute(_run, self._connection._conn, operation, parameters, many)
        self._description, self._rowcount, self._lastrowid, rows = found
        self._rows = collections.deque(rows)

    async def _execute_async(self, operation: Any, parameters: Any) -> Any:
        await self._go(operation, parameters, False)

    async def _executemany_async(self, operation: Any, seq_of_parameters: Any) -> Any:
        await self._go(operation, seq_of_parameters, True)


class OneHopConnection(AsyncAdapt_aiosqlite_connection):
    __slots__ = ()
    _cursor_cls = OneHopCursor


def use_one_hop(dbapi_connection: Any) -> None:
    """Make a freshly opened aiosqlite connection (SQLAlchemy's adapter) use OneHopCursor."""
    if type(dbapi_connection) is AsyncAdapt_aiosqlite_connection:
        dbapi_connection.__class__ = OneHopConnection
