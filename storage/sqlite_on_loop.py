"""SQLite statements on the event loop; a statement that could wait goes to aiosqlite's thread.

aiosqlite runs every sqlite3 call on a worker thread: a queue put, the thread waking and taking the
GIL, the result handed back through the loop's self-pipe. Blend has one SQLite connection
(storage/database.py), so a unit of work holds it across every such trip, and under bench traffic
the trips (a dozen per click) bounded throughput more than the statements did: a turn's statements
are indexed reads and single-row writes on pages in memory, tens of microseconds each, cheaper than
the trip. Run on the loop they gave 1.8-2.4x the requests per second at 16 concurrent (issue 9,
bench/RESULTS.md).

What could make a statement wait still goes to the thread:
- a lock held by another connection: statements on the loop run with ``busy_timeout = 0``, and one
  that meets SQLITE_BUSY runs again on the thread with the busy timeout (SQLite's busy handler
  would have retried it the same way; a statement that returns SQLITE_BUSY has changed nothing);
- a checkpoint's fsync: automatic checkpoints are off; every CHECKPOINT_EVERY-th commit runs on the
  thread followed by a PASSIVE checkpoint (what SQLite's auto-checkpoint does every 1,000 pages);
- bulk work: inside ``statements_on_thread()`` every statement and commit takes the thread, as
  before (app.py runs the job loop there: step files, reports, reminder fan-outs).

Tied to SQLAlchemy's adapter classes (pinned in constraints.txt); tests/storage run every
repository through it.
"""

from __future__ import annotations

import collections
import sqlite3
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any, Callable, Iterator

from sqlalchemy.dialects.sqlite.aiosqlite import AsyncAdapt_aiosqlite_connection, AsyncAdapt_aiosqlite_cursor
from sqlalchemy.util import EMPTY_DICT
from sqlalchemy.util.concurrency import await_

BUSY_TIMEOUT_MS = 5000  # how long a statement on the thread waits for another connection's lock
CHECKPOINT_EVERY = 250  # commits; a click's commit writes a few pages, SQLite's default is 1,000 pages

_ON_THREAD: ContextVar[bool] = ContextVar("blend_sqlite_on_thread", default=False)


@contextmanager
def statements_on_thread() -> Iterator[None]:
    """SQLite statements in this context (and tasks created in it) run on aiosqlite's thread."""
    token = _ON_THREAD.set(True)
    try:
        yield
    finally:
        _ON_THREAD.reset(token)


class _Ready:
    """An awaitable that is done at once: SQLAlchemy's async connection insists that a statement
    awaited something (it guards against sync drivers), and awaiting this never leaves the loop's
    current step."""

    __slots__ = ()

    def __await__(self) -> Iterator[None]:
        return iter(())


_READY = _Ready()


def _busy(error: BaseException) -> bool:
    return isinstance(error, sqlite3.OperationalError) and (getattr(error, "sqlite_errorcode", 0) & 0xFF) == sqlite3.SQLITE_BUSY


def _statement(conn: sqlite3.Connection, operation: Any, parameters: Any, many: bool) -> tuple[Any, int, Any, list[Any]]:
    """The whole statement, cursor closed: what SQLAlchemy reads afterwards."""
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


def _commit_and_checkpoint(conn: sqlite3.Connection) -> None:
    conn.commit()
    conn.execute("PRAGMA wal_checkpoint(PASSIVE)").close()


def _waiting(conn: sqlite3.Connection, fn: Callable[..., Any], *args: Any) -> Any:
    """On the thread: ``fn`` with the busy timeout, which statements on the loop go without."""
    conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}").close()
    try:
        return fn(conn, *args)
    finally:
        conn.execute("PRAGMA busy_timeout = 0").close()


class LoopCursor(AsyncAdapt_aiosqlite_cursor):
    __slots__ = ("_description", "_rowcount", "_lastrowid")
    _awaitable_cursor_close = False  # nothing is left open

    def __init__(self, adapt_connection: Any) -> None:  # no sqlite3 cursor is kept
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

    def execute(self, operation: Any, parameters: Any = None) -> None:
        self._run(operation, parameters, False)

    def executemany(self, operation: Any, seq_of_parameters: Any) -> None:
        self._run(operation, seq_of_parameters, True)

    def _run(self, operation: Any, parameters: Any, many: bool) -> None:
        adapt = self._adapt_connection
        try:
            found = adapt._call(_statement, operation, parameters, many)
        except Exception as error:  # noqa: BLE001 - the adapter re-raises it as SQLAlchemy expects
            adapt._handle_exception(error)
        self._description, self._rowcount, self._lastrowid, rows = found
        self._rows = collections.deque(rows)


class LoopConnection(AsyncAdapt_aiosqlite_connection):
    __slots__ = ()
    _cursor_cls = LoopCursor

    def _call(self, fn: Callable[..., Any], *args: Any) -> Any:
        """``fn(sqlite3_connection, *args)`` on the loop, or on the thread where it could wait."""
        conn = self._connection._conn
        if not _ON_THREAD.get() and not self._execute_mutex.locked():
            try:
                found = fn(conn, *args)
                await_(_READY)
                return found
            except sqlite3.OperationalError as error:
                if not _busy(error):
                    raise
        return await_(self._on_thread(fn, *args))

    async def _on_thread(self, fn: Callable[..., Any], *args: Any) -> Any:
        async with self._execute_mutex:
            return await self._connection._execute(_waiting, self._connection._conn, fn, *args)

    def commit(self) -> None:
        aio = self._connection
        if not aio._connection:
            return
        commits = getattr(aio, "_blend_commits", 0) + 1
        aio._blend_commits = commits % CHECKPOINT_EVERY
        try:
            if commits >= CHECKPOINT_EVERY:
                await_(self._on_thread(_commit_and_checkpoint))
            else:
                self._call(sqlite3.Connection.commit)
        except Exception as error:  # noqa: BLE001
            self._handle_exception(error)

    def rollback(self) -> None:
        if not self._connection._connection:
            return
        try:
            self._call(sqlite3.Connection.rollback)
        except Exception as error:  # noqa: BLE001
            self._handle_exception(error)


def use_loop_statements(dbapi_connection: Any) -> None:
    """Make a freshly opened aiosqlite connection (SQLAlchemy's adapter) run statements this way."""
    if type(dbapi_connection) is AsyncAdapt_aiosqlite_connection:
        dbapi_connection.__class__ = LoopConnection
