"""A step's rows read once per unit of work: its file and its part of the report are made in the
same unit of work from the same rows, and 10,000 ideas are worth reading once."""

from __future__ import annotations

import asyncio
from typing import Any, Awaitable, Callable, TypeVar
from weakref import WeakKeyDictionary

from trajectory.ports import UnitOfWork

T = TypeVar("T")

_READ: WeakKeyDictionary[Any, dict[tuple[str, int], Any]] = WeakKeyDictionary()


async def once(uow: UnitOfWork, what: str, step_id: int, read: Callable[[], Awaitable[T]]) -> T:
    """``read()``'s result, kept with ``uow`` (and gone with it) for the next call with the same key."""
    kept = _READ.setdefault(uow, {})
    key = (what, step_id)
    if key not in kept:
        kept[key] = await read()
    return kept[key]  # type: ignore[no-any-return]


async def off_loop(build: Callable[..., T], *args: Any) -> T:
    """Run a file's building (openpyxl, python-docx, Pillow: up to seconds of CPU for 10,000 ideas)
    on a worker thread, so the event loop keeps answering clicks meanwhile; the thread gets a copy
    of the context, so ``t`` still writes in the trajectory's language."""
    return await asyncio.to_thread(build, *args)
