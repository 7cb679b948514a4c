"""Chaos (issue 8): two Blend processes on one PostgreSQL database, a loopback Bot Connector stub,
200 members sending 1,000+ idea submissions and ballots 32 at a time, re-deliveries mixed in (the same
activity again, to either instance), one instance SIGKILLed midway and restarted, and deadline jobs
falling due during the run. Afterwards: every acknowledged idea is stored exactly once and nothing
twice, one ballot row per member (the last acknowledged one), and every due job ran exactly once.

Bounded: about 50 s on two cores (a hang guard stops it at 240 s); skipped without BLEND_TEST_POSTGRES_URL."""

from __future__ import annotations

import asyncio
import itertools
import json
import random
import socket
import uuid
from datetime import datetime, timedelta, timezone

import aiohttp
import pytest
import sqlalchemy as sa
from aiohttp import web

from cards import verbs
from cards.texts import t
from storage import models as m
from storage.database import create_engine, session_factory
from storage.migrate import migrate
from storage.unit_of_work import SqlUnitOfWork
from tests import conftest as root
from tests.bot import conftest as harness_module
from tests.bot import test_commands
from tests.bot.conftest import Clock, Harness
from tests.bot.test_ideas import started
from tests.bot.test_vote import open_vote
from tests.e2e.blend_process import BlendProcess
from tests.fakes import FakeMessenger
from trajectory import deadlines, engine as transitions
from trajectory.model import ChannelRef, Person
from trajectory.ports import ChannelInfo
from trajectory.setup import StepDraft, edit_draft, new_trajectory

pytestmark = [pytest.mark.postgres, pytest.mark.skipif(not root.POSTGRES_URL, reason="BLEND_TEST_POSTGRES_URL not set")]

MEMBERS, IDEAS_EACH, BALLOTS_EACH, CONCURRENCY, DUPLICATE_RATE = 200, 2, 3, 32, 0.1
HANG_GUARD_S = 240  # not a timing assertion: a stuck run fails instead of holding the suite (~50 s here)
TEAM, TENANT = "19:chaos-team@thread.tacv2", "tenant-1"
# Ideas spread over a few channels: every click re-renders its step's cards, which list all its ideas.
IDEA_CHANNELS = [f"19:ideas-{n}@thread.tacv2" for n in range(4)]
VOTE_CHANNEL = "19:vote@thread.tacv2"
DEADLINE_CHANNELS = [f"19:deadline-{n}@thread.tacv2" for n in range(3)]


class ConnectorStub:
    """The Bot Connector routes Blend calls, answering at once and counting what was posted where."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, str, str]] = []  # (method, path, channel id of a new post)
        self.ids = itertools.count(1)

    async def _record(self, request: web.Request) -> web.Response:
        body = await request.json() if request.can_read_body else {}
        channel = ((body.get("channelData") or {}).get("channel") or {}).get("id", "") if isinstance(body, dict) else ""
        self.calls.append((request.method, request.path, channel))
        if request.path == "/v3/conversations":
            return web.json_response({"id": f"{channel or 'a:1on1'};messageid={next(self.ids)}", "activityId": str(next(self.ids))})
        return web.json_response({"id": str(next(self.ids))})

    async def _members(self, _: web.Request) -> web.Response:
        return web.json_response({"members": [], "continuationToken": None})

    def app(self) -> web.Application:
        app = web.Application()
        app.router.add_post("/v3/conversations", self._record)
        app.router.add_post("/v3/conversations/{conversation}/activities", self._record)
        app.router.add_post("/v3/conversations/{conversation}/activities/{reply_to}", self._record)
        app.router.add_put("/v3/conversations/{conversation}/activities/{activity}", self._record)
        app.router.add_get("/v3/conversations/{conversation}/pagedmembers", self._members)
        return app

    def channel_posts(self, channel: str) -> int:
        return sum(1 for method, path, chan in self.calls if (method, path, chan) == ("POST", "/v3/conversations", channel))


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
async def postgres_url():
    """A throw-away schema (as tests/conftest.py's database_url does), PostgreSQL only."""
    import asyncpg

    schema = f"chaos_{uuid.uuid4().hex[:12]}"
    dsn = root.POSTGRES_URL.replace("postgresql+asyncpg://", "postgresql://")
    conn = await asyncpg.connect(dsn)
    await conn.execute(f'CREATE SCHEMA "{schema}"')
    await conn.close()
    separator = "&" if "?" in root.POSTGRES_URL else "?"
    yield f"{root.POSTGRES_URL}{separator}options=-csearch_path%3D{schema}"
    conn = await asyncpg.connect(dsn)
    await conn.execute(f'DROP SCHEMA "{schema}" CASCADE')
    await conn.close()


def channel_info(channel: str, service_url: str) -> ChannelInfo:
    reference = {"activityId": "1", "channelId": "msteams", "serviceUrl": service_url, "locale": "en-US",
                 "bot": {"id": "28:blend-bot", "name": "Blend"}, "user": {"id": "29:alice", "aadObjectId": "aad-alice"},
                 "conversation": {"id": f"{channel};messageid=1", "isGroup": True, "conversationType": "channel",
                                  "tenantId": TENANT}}
    return ChannelInfo(ChannelRef(TENANT, TEAM, channel), service_url, reference, "Chaos", channel)


async def seed(engine, service_url: str, monkeypatch) -> tuple[list[int], int, dict]:
    """The idea step and the vote (typed through the bot's own setup, in-process) and one ideas-only
    trajectory per deadline channel whose deadline job is parked a day ahead (made due later)."""
    clock = Clock()
    clock.now = datetime.now(timezone.utc) - timedelta(minutes=1)
    harness = Harness(session_factory(engine), FakeMessenger(roster=[harness_module.ALICE, harness_module.BOB,
                                                                     harness_module.CAROL, harness_module.DAVE]), clock)
    monkeypatch.setattr(harness_module, "TEAM", TEAM)
    idea_steps = []
    for channel in IDEA_CHANNELS:
        for module in (harness_module, test_commands):  # the harness's helpers read the channel from these
            monkeypatch.setattr(module, "CHANNEL", channel)
        idea_steps.append(await started(harness))
    for module in (harness_module, test_commands):
        monkeypatch.setattr(module, "CHANNEL", VOTE_CHANNEL)
    vote_step = await open_vote(harness)
    async with SqlUnitOfWork(session_factory(engine)) as uow:
        options = [o.id for o in await uow.votes.options(vote_step)]
    deadline_steps = {}
    now = clock.now
    for channel in DEADLINE_CHANNELS:
        async with SqlUnitOfWork(session_factory(engine)) as uow:
            await uow.channels.upsert(channel_info(channel, service_url))
            trajectory = new_trajectory(ChannelRef(TENANT, TEAM, channel), harness_module.ALICE, "Chaos", now)
            edit_draft(trajectory, title="Chaos", question="Q?", co_facilitators=[], now=now,
                       steps=[StepDraft("ideas", "Round 1", deadline=now + timedelta(days=1))],
                       settings={"reminder_hours": []})
            await uow.trajectories.add(trajectory)
            events = transitions.start(trajectory, now)
            await uow.trajectories.save(trajectory)
            await deadlines.schedule_after(uow, trajectory, events, now)
            await uow.commit()
            deadline_steps[trajectory.steps[0].id] = trajectory.id
    return idea_steps, vote_step, {"options": options, "deadline_steps": deadline_steps}


async def make_due(engine, step_ids) -> None:
    async with engine.begin() as connection:
        await connection.execute(sa.update(m.jobs).where(m.jobs.c.step_id.in_(list(step_ids)))
                                 .values(due_at=datetime.now(timezone.utc) - timedelta(seconds=1)))


async def jobs_of(engine, step_ids) -> list:
    async with engine.connect() as connection:
        return (await connection.execute(sa.select(m.jobs).where(m.jobs.c.step_id.in_(list(step_ids))))).all()


async def until(predicate, timeout: float, what: str) -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    while not await predicate():
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.2)


def member(n: int) -> dict:
    return {"id": f"29:member-{n}", "aadObjectId": f"{n:08d}-0000-4000-8000-000000000000", "name": f"Member {n}"}


def invoke(service_url: str, channel: str, who: dict, data: dict, verb: str) -> dict:
    return {"type": "invoke", "name": "adaptiveCard/action", "id": f"chaos-{uuid.uuid4().hex}", "channelId": "msteams",
            "serviceUrl": service_url, "from": who, "recipient": {"id": "28:blend-bot", "name": "Blend"},
            "conversation": {"id": f"{channel};messageid=1", "conversationType": "channel", "isGroup": True, "tenantId": TENANT},
            "channelData": {"tenant": {"id": TENANT}, "team": {"id": TEAM}, "channel": {"id": channel}},
            "locale": "en-US", "value": {"action": {"type": "Action.Execute", "verb": verb, "data": data}}}


class Load:
    """Members' clicks, 32 in flight, each to a random live instance; a delivery that fails (the instance
    died) is delivered again to another, and some are delivered twice on purpose."""

    def __init__(self, session: aiohttp.ClientSession, instances: list[BlendProcess], rng: random.Random) -> None:
        self.session, self.instances, self.rng = session, instances, rng
        self.down: set[int] = set()
        self.gate = asyncio.Semaphore(CONCURRENCY)
        self.requests = self.duplicates = self.redeliveries = 0

    async def _post_once(self, index: int, activity: dict) -> dict | None:
        async with self.gate:
            self.requests += 1
            try:
                async with self.session.post(f"{self.instances[index].url}/api/messages", json=activity,
                                             timeout=aiohttp.ClientTimeout(total=20)) as response:
                    if response.status != 200:
                        return None
                    return await response.json()
            except (aiohttp.ClientError, asyncio.TimeoutError):
                return None

    def _live(self) -> int:
        live = [i for i in range(len(self.instances)) if i not in self.down]
        return self.rng.choice(live)

    async def deliver(self, activity: dict) -> dict | None:
        """Like Teams: re-sent (same id) until an instance answers; sometimes sent twice anyway."""
        if self.rng.random() < DUPLICATE_RATE:
            self.duplicates += 1
            first, second = await asyncio.gather(self._post_once(self._live(), activity),
                                                 self._post_once(self._live(), activity))
            answer = first or second
        else:
            answer = await self._post_once(self._live(), activity)
        for _ in range(5):
            if answer is not None:
                return answer
            self.redeliveries += 1
            await asyncio.sleep(0.2)
            answer = await self._post_once(self._live(), activity)
        return answer


def acknowledged(answer: dict | None, sentence: str) -> bool:
    return bool(answer) and answer.get("type") == "application/vnd.microsoft.card.adaptive" and sentence in json.dumps(answer["value"])


async def test_two_instances_a_kill_and_duplicates_lose_nothing_and_double_nothing(postgres_url, tmp_path, monkeypatch):
    await asyncio.wait_for(chaos_run(postgres_url, tmp_path, monkeypatch), HANG_GUARD_S)


async def chaos_run(postgres_url, tmp_path, monkeypatch) -> None:
    loop = asyncio.get_running_loop()
    begun = loop.time()
    stub = ConnectorStub()
    runner = web.AppRunner(stub.app(), access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", free_port())
    await site.start()
    service_url = f"http://127.0.0.1:{site._port}/"
    engine = create_engine(postgres_url)
    instances: list[BlendProcess] = []
    try:
        await migrate(engine)
        idea_steps, vote_step, seeded = await seed(engine, service_url, monkeypatch)
        seeded_at = loop.time()
        options, deadline_steps = seeded["options"], seeded["deadline_steps"]
        env = {"BLEND_JOB_INTERVAL_SECONDS": "0.3"}
        for name in ("a", "b"):
            (tmp_path / name).mkdir()
            instances.append(BlendProcess(free_port(), postgres_url, tmp_path / name, env))
        await asyncio.gather(*(i.start() for i in instances))
        early, late = list(deadline_steps)[:2], list(deadline_steps)[2:]
        await make_due(engine, early)  # due while both instances run

        rng = random.Random(8)
        ideas_acked: list[str] = []
        ballots_acked: dict[str, int] = {}  # aad id -> option of the last acknowledged ballot
        uncertain: set[str] = set()
        total = MEMBERS * (IDEAS_EACH + BALLOTS_EACH)
        done = 0
        halfway = asyncio.Event()
        killed_b = asyncio.Event()

        async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=CONCURRENCY)) as session:
            load = Load(session, instances, rng)

            async def one_member(n: int) -> None:
                nonlocal done
                who = member(n)
                for k in range(IDEAS_EACH):
                    text = f"idea {n}-{k}"
                    where = n % len(IDEA_CHANNELS)
                    answer = await load.deliver(invoke(service_url, IDEA_CHANNELS[where], who,
                                                       {"step_id": idea_steps[where], verbs.IDEA_TEXT: text}, verbs.IDEAS_ADD))
                    if acknowledged(answer, t("ideas.added")):
                        ideas_acked.append(text)
                    done += 1
                    if done * 2 >= total:
                        halfway.set()
                version = 0
                for _ in range(BALLOTS_EACH):
                    choice = rng.choice(options)
                    data = {"step_id": vote_step, "version": version,
                            **{f"{verbs.VOTE_OPTION_PREFIX}{o}": ("1" if o == choice else "0") for o in options}}
                    answer = await load.deliver(invoke(service_url, VOTE_CHANNEL, who, data, verbs.VOTE_SUBMIT))
                    if acknowledged(answer, t("vote.saved")):
                        ballots_acked[who["aadObjectId"]] = choice
                        version += 1
                    else:  # lost or refused: whether it was stored is unknown, so is the final choice
                        uncertain.add(who["aadObjectId"])
                    done += 1
                    if done * 2 >= total:
                        halfway.set()

            async def chaos() -> None:
                await halfway.wait()
                load.down.add(1)  # the balancer stops sending to B just as it dies (in-flight calls fail)
                await instances[1].kill()
                killed_b.set()
                await make_due(engine, late)  # due while only A runs
                await asyncio.sleep(1.0)
                await instances[1].start()
                load.down.discard(1)

            await asyncio.gather(chaos(), *(one_member(n) for n in range(MEMBERS)))
            assert killed_b.is_set()
            assert load.requests >= 1000, load.requests
            loaded_at = loop.time()

        async def jobs_done() -> bool:
            return all(j.state == "done" for j in await jobs_of(engine, deadline_steps))

        await until(jobs_done, 15, "the deadline jobs")
        await asyncio.gather(*(i.stop() for i in instances))

        async with engine.connect() as connection:
            stored = [r.text for r in (await connection.execute(sa.select(m.ideas.c.text).where(m.ideas.c.step_id.in_(idea_steps)))).all()]
            steps = {r.id: r for r in (await connection.execute(sa.select(m.steps).where(m.steps.c.id.in_(list(deadline_steps))))).all()}
        # Every acknowledged idea exactly once; nothing (acknowledged or not) twice.
        counts = {text: stored.count(text) for text in set(stored)}
        assert all(counts.get(text) == 1 for text in ideas_acked), [t_ for t_ in ideas_acked if counts.get(t_) != 1][:5]
        assert max(counts.values()) == 1
        assert len(ideas_acked) >= MEMBERS * IDEAS_EACH * 0.9, len(ideas_acked)
        # One ballot per member, holding the last acknowledged choice.
        async with SqlUnitOfWork(session_factory(engine)) as uow:
            stored_ballots = await uow.votes.ballots(vote_step)
        voters = [b.voter.aad_id for b in stored_ballots]
        assert len(voters) == len(set(voters))
        by_voter = {b.voter.aad_id: {o: v for o, v in b.choices.items() if v} for b in stored_ballots}
        assert set(ballots_acked) <= set(by_voter)
        for aad_id, choice in ballots_acked.items():
            if aad_id not in uncertain:
                assert by_voter[aad_id] == {choice: 1}, (aad_id, by_voter.get(aad_id), choice)
        # Every due job ran once: done after a single claim, its step closed, the summary posted once.
        for job in await jobs_of(engine, deadline_steps):
            if job.kind not in ("file_step", "file_report"):  # filing may run again after the SIGKILL: it replaces
                assert (job.state, job.attempts) == ("done", 1), job
        for step_id, channel in zip(deadline_steps, DEADLINE_CHANNELS):
            assert steps[step_id].state == "closed"
            assert stub.channel_posts(channel) == 1, (channel, stub.channel_posts(channel))
        took = loop.time() - begun
        print(f"chaos: seed {seeded_at - begun:.1f} s, load {loaded_at - seeded_at:.1f} s ({load.requests} requests, "
              f"{load.duplicates} duplicated, {load.redeliveries} re-delivered), total {took:.1f} s; "
              f"{len(ideas_acked)} ideas and {len(ballots_acked)} members' ballots acknowledged")
    finally:
        for instance in instances:
            await instance.kill()
        await engine.dispose()
        await runner.cleanup()
