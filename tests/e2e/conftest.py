"""Fixtures for the end-to-end tests through the Agents Playground.

``playground_factory``: ``pg = await playground_factory(bot_port)`` starts a fresh Playground (its
state lives in memory, so one per test) and stops it at teardown; on a failed test the tail of its
log is printed. The Blend bot process fixture lives elsewhere; use ``free_port()`` for its port.
"""

from __future__ import annotations

import pytest

from playground import Playground, PlaygroundError, free_port, unavailable_reason  # noqa: F401

__all__ = ["Playground", "PlaygroundError", "free_port"]


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    rep = outcome.get_result()
    if rep.when == "call":
        item.e2e_call_failed = rep.failed


@pytest.fixture
async def playground_factory(request):
    reason = unavailable_reason()
    if reason:
        pytest.skip(reason)
    started: list[Playground] = []

    async def make(bot_port: int | None = None, **kwargs) -> Playground:
        pg = Playground(bot_port, **kwargs)
        await pg.__aenter__()
        started.append(pg)
        return pg

    yield make
    for pg in reversed(started):
        if getattr(request.node, "e2e_call_failed", False):
            print(f"\nPlayground on port {pg.port} (pid {pg.process_id}):\n{pg.log_tail()}")
        await pg.stop()
