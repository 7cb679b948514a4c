"""Coalesced updates of shared cards: while one update of a card is on its way, newer ones only
replace the pending content, and a background task sends the newest when the first is done.

Every click on a shared card (an idea, a ballot) changes the channel's copy, but Teams lets a bot
write to one conversation thread only about 2 times per second (60 per 30 s): sent one by one,
a rush of clicks would queue behind the rate limit and the clickers' own answers would wait for
seconds. Only the newest content of a card matters, so the rest is skipped."""

from __future__ import annotations

import asyncio
import logging
from typing import Awaitable, Callable, Hashable

log = logging.getLogger(__name__)
Send = Callable[[], Awaitable[None]]


class CardUpdates:
    def __init__(self) -> None:
        self._busy: set[Hashable] = set()
        self._latest: dict[Hashable, Send] = {}
        self._tasks: set[asyncio.Task] = set()
        self.skipped = 0  # updates replaced by a newer one before they were sent

    async def update(self, key: Hashable, send: Send, ready: Callable[[], bool] = lambda: True) -> None:
        """Send now if nothing is on its way for ``key`` and ``ready()`` says it would go without
        waiting (errors then reach the caller); else leave ``send`` as the newest pending update
        and return at once."""
        if key in self._busy:
            if key in self._latest:
                self.skipped += 1
            self._latest[key] = send
            return
        if not ready():  # the rate limit would make the clicker wait: send it in the background
            self._busy.add(key)
            self._latest[key] = send
            self._start_drain(key)
            return
        self._busy.add(key)
        try:
            await send()
        finally:
            if key in self._latest:
                self._start_drain(key)
            else:
                self._busy.discard(key)

    def _start_drain(self, key: Hashable) -> None:
        task = asyncio.get_running_loop().create_task(self._drain(key))
        self._tasks.add(task)  # keep a reference until it ends
        task.add_done_callback(self._tasks.discard)

    async def _drain(self, key: Hashable) -> None:
        try:
            while (send := self._latest.pop(key, None)) is not None:
                try:
                    await send()
                except Exception as error:  # noqa: BLE001 - the next change sends the card again
                    log.warning("a coalesced card update failed: %s", type(error).__name__)
        finally:
            self._busy.discard(key)
