"""Rate limits and retries of outgoing messages, on a fake clock: nothing really sleeps."""

from __future__ import annotations

import asyncio
import random
from datetime import datetime, timedelta, timezone
from email.utils import format_datetime
from types import SimpleNamespace

import pytest

from bot.sending import (
    THREAD_WINDOWS,
    RateLimiter,
    RetryPolicy,
    Sender,
    SendFailed,
    Window,
    retry_after_of,
    status_of,
)


class FakeTime:
    """A monotonic clock and a sleep that moves it (to the sleeper's wake-up time, never back)."""

    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.now = max(self.now, self.now + seconds)
        await asyncio.sleep(0)


class HttpError(Exception):
    """Shaped like msrest's HttpOperationError: ``response.status_code`` and ``response.headers``."""

    def __init__(self, status: int, headers: dict | None = None) -> None:
        super().__init__(f"HTTP {status}")
        self.response = SimpleNamespace(status_code=status, headers=headers or {})


def within(times: list[float], windows) -> bool:
    """Every sliding window holds at most its limit of the given admission times."""
    return all(sum(1 for u in times if t - w.seconds < u <= t) <= w.limit for t in times for w in windows)


async def test_the_tenant_limit_admits_a_burst_then_one_window_at_a_time():
    clock = FakeTime()
    limiter = RateLimiter((Window(50, 1),), clock, clock.sleep)
    times = []
    for _ in range(120):
        await limiter.acquire()
        times.append(clock())
    assert times.count(0.0) == 50 and times.count(1.0) == 50 and times.count(2.0) == 20
    assert within(times, [Window(50, 1)])


async def test_a_thread_keeps_under_all_four_teams_windows_and_no_slower():
    clock = FakeTime()
    limiter = RateLimiter(THREAD_WINDOWS, clock, clock.sleep)
    times = []
    for _ in range(70):
        await limiter.acquire()
        times.append(clock())
    assert within(times, THREAD_WINDOWS)
    assert times[:7] == [0.0] * 7 and times[7] == 1.0  # 7 per second, then 8 per 2 s binds
    assert times[59] < 30 <= times[60] == 30.0  # 60 per 30 s: the 61st waits for the first to age out


async def test_429_with_retry_after_is_retried_no_sooner_and_pauses_everyone():
    clock = FakeTime()
    sender = Sender(clock, clock.sleep, rng=random.Random(1))
    answers = [HttpError(429, {"Retry-After": "3"}), HttpError(502), "ok"]
    calls = []

    async def call():
        calls.append(clock())
        answer = answers.pop(0)
        if isinstance(answer, Exception):
            raise answer
        return answer

    assert await sender.send("19:thread", call) == "ok"
    assert calls[1] - calls[0] >= 3  # Retry-After honoured
    assert sender.retries == 2
    assert sender.tenant.delay(calls[0] + 1) > 0  # the 429 paused the tenant limiter too


@pytest.mark.parametrize("status", [400, 403, 404, None])
async def test_errors_that_are_not_transient_fail_at_once(status):
    clock = FakeTime()
    sender = Sender(clock, clock.sleep)
    calls = 0

    async def call():
        nonlocal calls
        calls += 1
        raise HttpError(status) if status else ConnectionResetError("gone")

    with pytest.raises(SendFailed) as failed:
        await sender.send("t", call)
    assert calls == 1 and failed.value.status == status


async def test_a_send_that_keeps_failing_gives_up_after_the_policy_attempts():
    clock = FakeTime()
    sender = Sender(clock, clock.sleep, policy=RetryPolicy(attempts=4, base=1, cap=30), rng=random.Random(2))
    calls = []

    async def call():
        calls.append(clock())
        raise HttpError(504)

    with pytest.raises(SendFailed) as failed:
        await sender.send("t", call)
    assert len(calls) == 4 and failed.value.status == 504 and "gave up" in str(failed.value)
    gaps = [b - a for a, b in zip(calls, calls[1:])]
    # Exponential with jitter: each wait is half to all of 1, 2, 4 seconds.
    assert all(base / 2 <= gap <= base for gap, base in zip(gaps, [1, 2, 4]))


def test_backoff_is_capped_and_never_below_retry_after():
    policy, rng = RetryPolicy(attempts=10, base=1, cap=30), random.Random(3)
    assert all(15 <= policy.backoff(9, None, rng) <= 30 for _ in range(50))
    assert all(60 <= policy.backoff(0, 60, rng) <= 60.25 for _ in range(50))


def test_status_and_retry_after_are_read_from_the_connector_error():
    now = datetime(2026, 11, 25, 9, 0, tzinfo=timezone.utc)
    assert status_of(HttpError(429)) == 429 and status_of(ValueError()) is None
    assert retry_after_of(HttpError(429, {"Retry-After": "2.5"})) == 2.5
    dated = HttpError(429, {"Retry-After": format_datetime(now + timedelta(seconds=7), usegmt=True)})
    assert retry_after_of(dated, now) == 7
    assert retry_after_of(HttpError(429, {"Retry-After": "soon"})) is None
    assert retry_after_of(HttpError(429)) is None


async def test_threads_have_their_own_limits_and_share_the_tenant_one():
    clock = FakeTime()
    sender = Sender(clock, clock.sleep, tenant_per_second=10)

    async def ok():
        return None

    for i in range(20):  # 20 one-message threads: only the tenant limit applies
        await sender.send(f"1:1:{i}", ok)
    assert clock() == 1.0
    for _ in range(8):  # one thread: 7 per second
        await sender.send("channel", ok)
    assert clock() == 3.0
