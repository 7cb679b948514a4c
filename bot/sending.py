"""Outgoing messages within Teams' rate limits, retried when Teams says "later".

Teams limits a bot per conversation thread (7 per 1 s, 8 per 2 s, 60 per 30 s, 1800 per hour) and
per app and tenant (about 50 requests per second). A reminder fan-out writes one message to each of
many 1:1 chats - each its own thread - so the tenant limit is the one that binds there. A limiter
that keeps under both makes 429s rare; the retry loop handles the rest (other instances, other
traffic): 429, 412, 502 and 504 are retried with exponential backoff and jitter, never sooner than
Retry-After. botbuilder's aio connector retries nothing and raises ``ErrorResponseException``
whose ``response`` has ``status_code`` and ``headers``; this module reads them duck-typed and
imports no botbuilder, so it runs in tests with a fake clock and a fake sleep (no real waiting).

Limits are kept per process: several instances each keep under them, and 429s cover the overlap.
"""

from __future__ import annotations

import asyncio
import random
from bisect import bisect_right
from collections import OrderedDict
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from datetime import datetime, timezone
from typing import Any, Awaitable, Callable, TypeVar

from dialogs.turn import CardContent, Messenger, card_of
from trajectory.model import CardRef, Person
from trajectory.ports import ChannelInfo

from .card_updates import CardUpdates

T = TypeVar("T")
Clock = Callable[[], float]  # seconds, monotonic
Sleep = Callable[[float], Awaitable[None]]

RETRY_STATUSES = frozenset({412, 429, 502, 504})


@dataclass(frozen=True)
class Window:
    limit: int
    seconds: float


THREAD_WINDOWS = (Window(7, 1), Window(8, 2), Window(60, 30), Window(1800, 3600))
TENANT_REQUESTS_PER_SECOND = 50


class RateLimiter:
    """Sliding windows: a request goes when every window has room for it; otherwise it waits until
    the oldest request that is in the way leaves its window. Requests are admitted in arrival order."""

    def __init__(self, windows: tuple[Window, ...], clock: Clock, sleep: Sleep) -> None:
        self._windows = windows
        self._span = max(w.seconds for w in windows)
        self._clock, self._sleep = clock, sleep
        self._times: list[float] = []  # admission times, oldest first
        self._paused_until = float("-inf")
        self._lock = asyncio.Lock()

    def delay(self, now: float, cost: int = 1) -> float:
        """Seconds until ``cost`` more requests fit in every window (0: now)."""
        wait = self._paused_until - now
        for window in self._windows:
            need = min(cost, window.limit)
            first = bisect_right(self._times, now - window.seconds)
            excess = len(self._times) - first + need - window.limit
            if excess > 0:
                wait = max(wait, self._times[first + excess - 1] + window.seconds - now)
        return max(wait, 0.0)

    def record(self, now: float, cost: int = 1) -> None:
        del self._times[: bisect_right(self._times, now - self._span)]
        self._times += [now] * cost

    def pause(self, seconds: float) -> None:
        """Teams said 429: nothing more goes out until ``seconds`` from now."""
        self._paused_until = max(self._paused_until, self._clock() + seconds)

    @property
    def idle_since(self) -> float:
        return self._times[-1] if self._times else float("-inf")

    async def acquire(self, cost: int = 1, *also: "RateLimiter") -> None:
        """Wait for room here (and in ``also``, checked together), then take it."""
        async with self._lock:
            while True:
                now = self._clock()
                wait = max([self.delay(now, cost), *(other.delay(now, 1) for other in also)])
                if wait <= 0:
                    self.record(now, cost)
                    for other in also:
                        other.record(now)
                    return
                await self._sleep(wait)


class SendFailed(Exception):
    """A send that failed for good (not retryable, or still failing after the retries)."""

    def __init__(self, status: int | None, reason: str) -> None:
        super().__init__(f"{reason} (HTTP {status})" if status else reason)
        self.status = status


def status_of(error: BaseException) -> int | None:
    response = getattr(error, "response", None)
    status = getattr(response, "status_code", None) or getattr(response, "status", None)
    return status if isinstance(status, int) else None


def retry_after_of(error: BaseException, now: datetime | None = None) -> float | None:
    """Retry-After in seconds (a number or an HTTP date), if the response has one."""
    headers = getattr(getattr(error, "response", None), "headers", None) or {}
    value = headers.get("Retry-After") if hasattr(headers, "get") else None
    if value is None:
        return None
    try:
        return max(float(value), 0.0)
    except (TypeError, ValueError):
        pass
    try:
        moment = parsedate_to_datetime(str(value))
    except (TypeError, ValueError):
        return None
    return max((moment - (now or datetime.now(timezone.utc))).total_seconds(), 0.0)


@dataclass(frozen=True)
class RetryPolicy:
    attempts: int = 5  # the first try and four retries
    base: float = 1.0
    cap: float = 30.0

    def backoff(self, retry: int, retry_after: float | None, rng: random.Random) -> float:
        """Exponential with jitter (half to all of base * 2^retry), never below Retry-After."""
        exponential = min(self.cap, self.base * 2**retry)
        jittered = exponential * (0.5 + rng.random() / 2)
        return max(jittered, retry_after + rng.random() * 0.25) if retry_after is not None else jittered


class Sender:
    """One per process: the tenant-wide limiter, one limiter per thread, and the retry loop."""

    MAX_THREADS = 10_000  # thread limiters kept; the least recently used idle ones go first

    def __init__(
        self,
        clock: Clock,
        sleep: Sleep = asyncio.sleep,
        *,
        tenant_per_second: int = TENANT_REQUESTS_PER_SECOND,
        thread_windows: tuple[Window, ...] = THREAD_WINDOWS,
        policy: RetryPolicy = RetryPolicy(),
        rng: random.Random | None = None,
    ) -> None:
        self._clock, self._sleep = clock, sleep
        self.tenant = RateLimiter((Window(tenant_per_second, 1),), clock, sleep)
        self._thread_windows = thread_windows
        self._threads: OrderedDict[str, RateLimiter] = OrderedDict()
        self.policy = policy
        self._rng = rng or random.Random()
        self.retries = 0  # how many retries were needed (for logs and tests)
        self.card_updates = CardUpdates()  # shared-card updates, coalesced per card

    def thread(self, key: str) -> RateLimiter:
        limiter = self._threads.pop(key, None) or RateLimiter(self._thread_windows, self._clock, self._sleep)
        self._threads[key] = limiter
        while len(self._threads) > self.MAX_THREADS:
            oldest, old = next(iter(self._threads.items()))
            if old.idle_since > self._clock() - max(w.seconds for w in self._thread_windows):
                break
            del self._threads[oldest]
        return limiter

    def can_send_now(self, thread: str, cost: int = 1) -> bool:
        """Whether a request to ``thread`` would go out without waiting for the limits."""
        now, limiter = self._clock(), self.thread(thread)
        if self.tenant._lock.locked() or limiter._lock.locked():  # someone is waiting there already
            return False
        return self.tenant.delay(now, cost) <= 0 and limiter.delay(now, cost) <= 0

    async def send(self, thread: str, call: Callable[[], Awaitable[T]], cost: int = 1) -> T:
        """Run ``call`` (one outgoing message to ``thread``, ``cost`` connector requests) within the
        limits, retrying what Teams asks to retry. Raises SendFailed when it gives up."""
        for attempt in range(self.policy.attempts):
            await self.tenant.acquire(cost, self.thread(thread))
            try:
                return await call()
            except Exception as error:  # the connector's errors carry the HTTP response
                status = status_of(error)
                if status not in RETRY_STATUSES:
                    raise SendFailed(status, type(error).__name__) from error
                if attempt + 1 == self.policy.attempts:
                    raise SendFailed(status, "gave up after retries") from error
                wait = self.policy.backoff(attempt, retry_after_of(error), self._rng)
                if status == 429:
                    self.tenant.pause(wait)  # throttled: slow everyone down, not just this call
                self.retries += 1
                await self._sleep(wait)
        raise AssertionError("unreachable")


class PacedMessenger:
    """A Messenger whose every call goes through a Sender (rate limits and retries)."""

    def __init__(self, inner: Messenger, sender: Sender) -> None:
        self._inner, self._sender = inner, sender

    async def post_card(self, channel: ChannelInfo, card: dict[str, Any]) -> CardRef:
        return await self._sender.send(channel.ref.channel_id, lambda: self._inner.post_card(channel, card))

    async def update_card(self, ref: CardRef, card: CardContent) -> None:
        # Only the newest content of a card matters: a rush of clicks must not queue behind the
        # thread's rate limit (bot/card_updates.py). A card handed over as a function is rendered
        # right before it goes, once, so skipped updates cost no rendering; the inner messenger
        # gets the dict.
        rendered: list[dict[str, Any]] = []

        async def send_update() -> None:
            if not rendered:
                rendered.append(card_of(card))
            await self._inner.update_card(ref, rendered[0])

        await self._sender.card_updates.update(
            (ref.conversation_id, ref.activity_id),
            lambda: self._sender.send(ref.conversation_id, send_update),
            ready=lambda: self._sender.can_send_now(ref.conversation_id))

    async def reply_card(self, ref: CardRef, card: dict[str, Any]) -> CardRef:
        return await self._sender.send(ref.conversation_id, lambda: self._inner.reply_card(ref, card))

    async def reply_text(self, ref: CardRef, text: str) -> None:
        await self._sender.send(ref.conversation_id, lambda: self._inner.reply_text(ref, text))

    async def send_private(self, channel: ChannelInfo, person: Person, card: dict[str, Any]) -> None:
        # Two requests: open (or find) the 1:1 chat, then post in it.
        await self._sender.send(f"1:1:{person.user_id}", lambda: self._inner.send_private(channel, person, card), 2)

    async def team_members(self) -> list[Person]:
        return await self._inner.team_members()
