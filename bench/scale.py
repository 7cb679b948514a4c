"""Scale figures (issue 9 item 2): the vote tally and results card over many ideas and ballots,
and a reminder fan-out through Blend's Sender against a stub that enforces Teams' limits."""

from __future__ import annotations

import asyncio
import random
import time
from collections import deque
from dataclasses import dataclass
from datetime import datetime, timezone

from sqlalchemy import insert as sa_insert

from bot.sending import THREAD_WINDOWS, TENANT_REQUESTS_PER_SECOND, PacedMessenger, Sender, Window
from cards.vote import render_vote_results, results_view
from trajectory.kinds.vote import Ballot, Method, Rules, VoteOption
from trajectory.kinds.vote_tally import tally
from trajectory.model import Person

NOW = datetime(2026, 11, 25, 9, 0, tzinfo=timezone.utc)


@dataclass
class TallyFigure:
    method: str
    ideas: int
    options: int
    ballots: int
    tally_s: float
    card_s: float
    card_bytes: int

    @property
    def total_s(self) -> float:
        return self.tally_s + self.card_s


def _ballots(method: Method, option_ids: list[int], count: int, rng: random.Random) -> list[Ballot]:
    ballots = []
    for n in range(count):
        person = Person(f"aad-{n}", f"Voter {n}", f"29:voter-{n}")
        if method is Method.DOTS:  # 5 dots over up to 5 options
            choices: dict[int, int] = {}
            for option in rng.choices(option_ids, k=5):
                choices[option] = choices.get(option, 0) + 1
        else:  # approval: 1 to 8 options approved
            choices = {option: 1 for option in rng.sample(option_ids, rng.randint(1, min(8, len(option_ids))))}
        ballots.append(Ballot(step_id=1, voter=person, choices=choices, updated_at=NOW, version=1, id=n + 1))
    return ballots


def tally_figure(method: Method, ideas: int, ballots: int, seed: int = 9, cap_options: bool = True) -> TallyFigure:
    """Freeze the ballot from ``ideas`` ideas (the first MAX_OPTIONS, as the vote step does), tally
    ``ballots`` ballots and render the results card. ``cap_options=False``: every idea is an option
    (the tally's own scaling; the card is then far over Teams' size limit, so it is not rendered)."""
    import json
    from types import SimpleNamespace

    from trajectory.kinds.vote import candidates_from_ideas, freeze_options

    rng = random.Random(seed)
    pool = [SimpleNamespace(id=i + 1, text=f"Idea {i}: {'words ' * rng.randint(2, 12)}") for i in range(ideas)]
    began = time.perf_counter()
    candidates = candidates_from_ideas(pool)
    frozen = freeze_options(SimpleNamespace(id=1), candidates) if cap_options else [
        VoteOption(step_id=1, position=i, label=label, idea_id=idea_id) for i, (label, idea_id) in enumerate(candidates)]
    opts = [VoteOption(o.step_id, o.position, o.label, o.idea_id, id=o.position + 1) for o in frozen]
    rules = Rules(method=method, option_ids=frozenset(o.id for o in opts if o.id is not None))
    setup_s = time.perf_counter() - began
    cast = _ballots(method, sorted(rules.option_ids), ballots, rng)
    began = time.perf_counter()
    counted = tally(rules, opts, cast)
    tallied = time.perf_counter()
    if not cap_options:
        return TallyFigure(method.value, ideas, len(opts), ballots, setup_s + tallied - began, 0.0, 0)
    card = render_vote_results("Prioritise", "Bench trajectory", results_view(counted, members=ballots))
    done = time.perf_counter()
    return TallyFigure(method.value, ideas, len(opts), ballots, setup_s + tallied - began, done - tallied,
                       len(json.dumps(card, separators=(",", ":"))))


class ThrottlingConnector:
    """Teams' limits, enforced: per thread (7/1 s, 8/2 s, 60/30 s, 1800/h) and per tenant
    (``tenant_per_second``); a request over any of them is answered 429 with Retry-After.
    Time runs ``speedup`` times faster than the wall clock (windows scaled to match)."""

    def __init__(self, speedup: float, tenant_per_second: int = TENANT_REQUESTS_PER_SECOND) -> None:
        self.speedup = speedup
        self.tenant_window = Window(tenant_per_second, 1 / speedup)
        self.thread_windows = tuple(Window(w.limit, w.seconds / speedup) for w in THREAD_WINDOWS)
        self.tenant: deque[float] = deque()
        self.threads: dict[str, deque[float]] = {}
        self.accepted = 0
        self.throttled = 0

    @staticmethod
    def _over(times: deque[float], window: Window, now: float) -> bool:
        return sum(1 for t in times if t > now - window.seconds) >= window.limit

    def request(self, thread: str) -> None:
        now = time.monotonic()
        while self.tenant and self.tenant[0] <= now - self.tenant_window.seconds:
            self.tenant.popleft()
        mine = self.threads.setdefault(thread, deque())
        if len(self.tenant) >= self.tenant_window.limit or any(
                self._over(mine, w, now) for w in self.thread_windows):
            self.throttled += 1
            raise Throttled(1 / self.speedup)
        self.tenant.append(now)
        mine.append(now)
        self.accepted += 1


class _Response:
    def __init__(self, retry_after: float) -> None:
        self.status_code = 429
        self.headers = {"Retry-After": f"{retry_after:.4f}"}


class Throttled(Exception):
    def __init__(self, retry_after: float) -> None:
        super().__init__("429 Too Many Requests")
        self.response = _Response(retry_after)


class StubMessenger:
    """send_private as Blend's TurnMessenger does it: open the 1:1 chat, then post in it."""

    def __init__(self, connector: ThrottlingConnector) -> None:
        self.connector = connector
        self.delivered = 0

    async def send_private(self, channel, person: Person, card) -> None:
        self.connector.request(f"create:{person.user_id}")
        await asyncio.sleep(0)
        self.connector.request(f"1:1:{person.user_id}")
        self.delivered += 1


@dataclass
class FanoutFigure:
    members: int
    rate_per_second: int
    seconds: float  # in Teams time (wall time x speedup)
    minimum_s: float
    throttled: int
    failed: int
    speedup: float

    @property
    def ratio(self) -> float:
        return self.seconds / self.minimum_s if self.minimum_s else 0.0


async def fanout_figure(members: int, rate_per_second: int, speedup: float, concurrency: int = 8) -> FanoutFigure:
    """2 connector requests per member (create the chat, post), ``concurrency`` in flight as in
    dialogs/jobs.py, through a Sender configured like Blend's (``rate_per_second``), in scaled time."""
    connector = ThrottlingConnector(speedup)
    stub = StubMessenger(connector)
    scaled_clock = lambda: time.monotonic() * speedup  # noqa: E731 - Teams time
    sender = Sender(scaled_clock, lambda s: asyncio.sleep(s / speedup), tenant_per_second=rate_per_second)
    messenger = PacedMessenger(stub, sender)  # type: ignore[arg-type]
    people = deque(Person(f"aad-{n}", f"Member {n}", f"29:member-{n}") for n in range(members))
    failed = 0

    async def worker() -> None:
        nonlocal failed
        while people:
            person = people.popleft()
            try:
                await messenger.send_private(None, person, {})  # type: ignore[arg-type]
            except Exception:  # noqa: BLE001 - counted, as the job runner does
                failed += 1

    began = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    seconds = (time.perf_counter() - began) * speedup
    requests = 2 * members
    # The tenant window admits TENANT_REQUESTS_PER_SECOND at once, then that many per second.
    minimum = max(0.0, (requests - TENANT_REQUESTS_PER_SECOND) / TENANT_REQUESTS_PER_SECOND)
    return FanoutFigure(members, rate_per_second, seconds, minimum, connector.throttled, failed, speedup)


@dataclass
class FilingFigure:
    database: str
    ideas: int
    ballots: int
    responses: int
    step_files_s: float  # the three step files (ideas, vote, evaluation), each built and filed
    report_s: float  # gathering the report from the database, building it and filing it
    sizes_kb: tuple[float, ...]  # the step files' and the report's size

    @property
    def total_s(self) -> float:
        return self.step_files_s + self.report_s


async def filing_figure(url: str, outbox: str, ideas: int, voters: int, seed: int = 5) -> FilingFigure:
    """A closed trajectory (ideas -> dot vote -> evaluation) in a real, migrated database, with ``ideas``
    ideas (stored directly: one step holds at most 500 through the cards, the issue asks for 10,000)
    and ``voters`` ballots and evaluation responses; then the time to file each step (dialogs/filing.py
    ``file_step``: outputs/ builders reading the database, written to the outbox file store) and the
    final report (``file_report``: gather_report from the database, the .docx with its charts, filed)."""
    from datetime import timedelta

    from dialogs.filing import file_report, file_step
    from graph.outbox_files import OutboxFileStore
    from storage import models as m
    from storage.database import create_engine, session_factory
    from storage.migrate import migrate
    from storage.unit_of_work import SqlUnitOfWork
    from trajectory import engine as transitions
    from trajectory import evaluation_service, vote_service
    from trajectory.model import ChannelRef
    from trajectory.ports import ChannelInfo
    from trajectory.setup import StepDraft, edit_draft, new_trajectory

    rng = random.Random(seed)
    engine = create_engine(url)
    try:
        await migrate(engine)
        sessions = session_factory(engine)
        uows = lambda: SqlUnitOfWork(sessions)  # noqa: E731
        ref = ChannelRef(tenant_id="tenant-1", team_id="19:bench@thread.tacv2", channel_id="19:chan@thread.tacv2")
        people = [Person(f"aad-{n}", f"Member {n}", f"29:member-{n}") for n in range(max(voters, 1))]
        trajectory = new_trajectory(ref, people[0], "Bench trajectory", NOW)
        edit_draft(trajectory, title="Bench trajectory", question="How do we meet better?",
                   steps=[StepDraft(kind="ideas", title="Collect ideas"),
                          StepDraft(kind="vote", title="Prioritise", settings={"dots": 5}),
                          StepDraft(kind="evaluation", title="Evaluate")],
                   co_facilitators=[], now=NOW, settings={"language": "en", "time_zone": "Europe/Brussels"})
        channel = ChannelInfo(ref=ref, service_url="http://127.0.0.1/", conversation_reference={})
        async with uows() as uow:
            await uow.channels.upsert(channel)
            await uow.channels.replace_members(ref.team_id, people)
            await uow.trajectories.add(trajectory)
            transitions.start(trajectory, NOW)
            await uow.trajectories.save(trajectory)
            await uow.commit()
        ideas_step, vote_step, evaluation_step = trajectory.steps
        rows = [{"step_id": ideas_step.id, "author_aad_id": p.aad_id, "author_name": p.name,
                 "author_user_id": p.user_id, "text": f"Idea {i}: {'words ' * rng.randint(2, 30)}".strip(),
                 "state": "active", "created_at": NOW + timedelta(seconds=i), "updated_at": NOW + timedelta(seconds=i),
                 "version": 0} for i, p in ((i, people[i % len(people)]) for i in range(ideas))]
        async with sessions() as session:
            for start in range(0, len(rows), 1000):
                await session.execute(sa_insert(m.ideas), rows[start:start + 1000])
            await session.commit()

        async def advance(at: datetime) -> None:
            async with uows() as uow:
                transitions.advance(trajectory, at)
                await uow.trajectories.save(trajectory)
                if trajectory.current_step is not None and trajectory.current_step.kind == "vote":
                    await vote_service.freeze_options(uow, trajectory, trajectory.current_step, at)
                await uow.commit()

        await advance(NOW + timedelta(days=1))
        async with uows() as uow:
            option_ids = [o.id for o in await uow.votes.options(vote_step.id)]
            for person in people[:voters]:
                choices: dict[int, int] = {}
                for option in rng.choices(option_ids, k=5):
                    choices[option] = choices.get(option, 0) + 1
                await vote_service.submit_ballot(uow, vote_step.id, 0, person, choices, {}, NOW + timedelta(days=1))
            await uow.commit()
        await advance(NOW + timedelta(days=2))
        async with uows() as uow:
            for person in people[:voters]:
                answers = {"async_helped": rng.randint(1, 5), "recommend": rng.randint(0, 10),
                           "keep": "Walks " * rng.randint(0, 5)}
                await evaluation_service.submit_answers(uow, evaluation_step.id, 0, person, answers,
                                                        NOW + timedelta(days=2))
            await uow.commit()
        await advance(NOW + timedelta(days=3))  # the last step closes, and with it the trajectory

        files = OutboxFileStore(outbox)
        began = time.perf_counter()
        filed = [await file_step(uows, files, channel, trajectory, step, NOW) for step in trajectory.steps]
        stepped = time.perf_counter()
        report = await file_report(uows, files, channel, trajectory, NOW)
        done = time.perf_counter()
        from pathlib import Path

        sizes = tuple(Path(f.name if not f.item_id else f.item_id).stat().st_size / 1024 for f in (*filed, report))
        return FilingFigure(engine.dialect.name, ideas, voters, voters, stepped - began, done - stepped, sizes)
    finally:
        await engine.dispose()
