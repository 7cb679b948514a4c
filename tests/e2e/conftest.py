"""Fixtures for the end-to-end tests through the Agents Playground.

``playground_factory``: ``pg = await playground_factory(bot_port)`` starts a fresh Playground (its
state lives in memory, so one per test) and stops it at teardown; on a failed test the tail of its
log is printed. The Blend bot process fixture lives elsewhere; use ``free_port()`` for its port.
"""

from __future__ import annotations

import json

import pytest

from blend_process import BlendProcess
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


@pytest.fixture
def blend_env() -> dict[str, str]:
    """Extra environment for the Blend process; a test module may override this fixture."""
    return {}


@pytest.fixture
async def blend(database_url, tmp_path, blend_env):
    """Blend as a process (``python app.py``) on a fresh database."""
    process = BlendProcess(free_port(), database_url, tmp_path, blend_env)
    await process.start()
    yield process
    await process.stop()


def card_of(event: dict) -> dict:
    """The adaptive card of a bot message event."""
    return event["message"]["attachments"][0]["content"]


def card_json(event: dict) -> str:
    return json.dumps(card_of(event), ensure_ascii=False)
