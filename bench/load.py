"""The load: Teams traffic for each bot at a given concurrency, with latency, throughput and the
server's CPU per request. Blend gets real trajectories first (an idea step in one channel, a vote
step in another); the references accept the same activities."""

from __future__ import annotations

import asyncio
import itertools
import statistics
import time
from dataclasses import dataclass
from typing import Any, Callable

import aiohttp

from . import traffic
from .connector_stub import ConnectorStub
from .servers import Server, cpu_seconds

IDEAS_CHANNEL = "19:bench-ideas@thread.tacv2"
VOTE_CHANNEL = "19:bench-vote@thread.tacv2"
KINDS = ("message", "idea", "vote", "refresh")
KIND_LABELS = {
    "message": "channel message + reply (`@Blend status`)",
    "idea": "idea submission (Action.Execute, DB write + channel card update + card)",
    "vote": "vote (Action.Execute, DB write + channel card update + card)",
    "refresh": "card refresh (Action.Execute, read + card)",
}


class BenchError(RuntimeError):
    pass


@dataclass
class Level:
    kind: str
    concurrency: int
    requests: int
    seconds: float
    errors: int
    latencies_ms: list[float]
    cpu_s: float

    @property
    def throughput(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0

    @property
    def cpu_ms_per_request(self) -> float:
        return 1000 * self.cpu_s / self.requests if self.requests else 0.0

    def percentile(self, p: float) -> float:
        if not self.latencies_ms:
            return 0.0
        ordered = sorted(self.latencies_ms)
        return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


class Targets:
    """Where each kind of request goes for one bot: Blend's real step ids, or dummies for references."""

    def __init__(self, service_url: str) -> None:
        self.service_url = service_url
        self.ideas_step = 1
        self.vote_step = 2
        self.vote_inputs: list[str] = ["vote_opt_1", "vote_opt_2", "vote_opt_3"]
        self._users = itertools.count(1000)

    def activity(self, kind: str) -> dict[str, Any]:
        user = next(self._users)  # a different member each time: new ideas, new ballots (version 0)
        url = self.service_url
        if kind == "message":
            return traffic.message(url, IDEAS_CHANNEL, user, "status")
        if kind == "idea":
            return traffic.invoke(url, IDEAS_CHANNEL, user, "ideas.add",
                                  {"step_id": self.ideas_step, "idea_text": f"Idea number {user} from the bench"})
        if kind == "vote":
            chosen = {name: "true" if (user + i) % 2 else "false" for i, name in enumerate(self.vote_inputs)}
            return traffic.invoke(url, VOTE_CHANNEL, user, "vote.submit",
                                  {"step_id": self.vote_step, "version": 0, **chosen})
        return traffic.invoke(url, IDEAS_CHANNEL, user, "ideas.refresh", {"step_id": self.ideas_step})


async def post(session: aiohttp.ClientSession, server: Server, activity: dict[str, Any]) -> tuple[int, Any]:
    async with session.post(f"{server.url}/api/messages", json=activity) as response:
        body = await response.read()
        return response.status, body


def _card_of(body: bytes) -> dict[str, Any]:
    import json

    parsed = json.loads(body) if body else {}
    return parsed.get("value") if isinstance(parsed, dict) and isinstance(parsed.get("value"), dict) else {}


async def prepare_blend(session: aiohttp.ClientSession, server: Server, stub: ConnectorStub,
                        targets: Targets, seed_ideas: int = 8) -> None:
    """Two running trajectories (brainstorm template: ideas, then an approval vote): one left in
    its idea step, one moved on to its vote."""
    url = stub.service_url
    facilitator = traffic.FACILITATOR

    async def say(channel: str, text: str) -> None:
        status, body = await post(session, server, traffic.message(url, channel, facilitator, text))
        if status >= 300:
            raise BenchError(f"`{text}` answered {status}: {body[:300]!r}\n{server.log_tail()}")

    async def click(channel: str, user: int, verb: str, data: dict[str, Any]) -> dict[str, Any]:
        status, body = await post(session, server, traffic.invoke(url, channel, user, verb, data))
        if status != 200:
            raise BenchError(f"{verb} answered {status}: {body[:300]!r}\n{server.log_tail()}")
        return _card_of(body)

    for channel in (IDEAS_CHANNEL, VOTE_CHANNEL):
        await say(channel, "new Bench trajectory")
        found = stub.find_action("setup.save")
        if found is None:
            raise BenchError(f"no setup card from `new`\n{server.log_tail()}")
        await click(channel, facilitator, "setup.template", {**found["data"], "template": "brainstorm"})
        await say(channel, "start")
        added = stub.find_action("ideas.add")
        if added is None:
            raise BenchError(f"no idea card after `start`\n{server.log_tail()}")
        step = added["data"]["step_id"]
        if channel == IDEAS_CHANNEL:
            targets.ideas_step = step
            continue
        for i in range(seed_ideas):
            await click(channel, 1 + i, "ideas.add", {"step_id": step, "idea_text": f"Seed idea {i}"})
        await say(channel, "next")
        shown = stub.find_action("vote.refresh") or stub.find_action("vote.submit")
        if shown is None:
            raise BenchError(f"no vote card after `next`\n{server.log_tail()}")
        targets.vote_step = shown["data"]["step_id"]
        card = await click(channel, 500, "vote.refresh", {"step_id": targets.vote_step})
        targets.vote_inputs = traffic.input_ids(card, "vote_opt_")
        if not targets.vote_inputs:
            raise BenchError(f"the ballot card has no vote inputs: {card}")


async def run_level(session: aiohttp.ClientSession, server: Server, make: Callable[[], dict[str, Any]],
                    kind: str, concurrency: int, requests: int, max_seconds: float) -> Level:
    """``requests`` requests by ``concurrency`` workers (or fewer, when ``max_seconds`` runs out)."""
    latencies: list[float] = []
    errors = 0
    issued = 0
    began = time.perf_counter()
    deadline = began + max_seconds
    cpu_before = cpu_seconds(server.pid)

    async def worker() -> None:
        nonlocal issued, errors
        while issued < requests and time.perf_counter() < deadline:
            issued += 1
            activity = make()
            start = time.perf_counter()
            try:
                status, _ = await post(session, server, activity)
            except aiohttp.ClientError:
                status = 0
            latencies.append(1000 * (time.perf_counter() - start))
            if not 200 <= status < 300:
                errors += 1

    await asyncio.gather(*(worker() for _ in range(concurrency)))
    seconds = time.perf_counter() - began
    return Level(kind, concurrency, len(latencies), seconds, errors, latencies, cpu_seconds(server.pid) - cpu_before)


