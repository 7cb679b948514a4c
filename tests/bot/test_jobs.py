"""Deadlines and reminders end to end in process: the bot on TestAdapter starts a trajectory, the job
runner (driven by the test clock) closes steps, opens the next and reminds who hasn't contributed."""

from __future__ import annotations

import asyncio
import itertools
from datetime import timedelta
from typing import Any, Awaitable, Callable

import pytest

from bot.sending import PacedMessenger, Sender
from cards import verbs
from dialogs.jobs import JobRunner
from storage.database import create_engine, session_factory
from storage.unit_of_work import SqlUnitOfWork
from tests.bot.conftest import ALICE, BOB, CAROL, CHANNEL, DAVE, TEAM, TENANT, Clock, Harness
from tests.bot.test_commands import active, only_text
from tests.bot.test_sending import FakeTime, HttpError
from tests.cardcheck import assert_valid_card
from tests.fakes import FakeMessenger, card_texts
from trajectory.jobs import JobKind, JobState
from trajectory.model import ChannelRef, Person, StepState, TrajectoryState
from trajectory.setup import StepDraft, edit_draft, new_trajectory

HOUR = timedelta(hours=1)


class FakeChannels:
    """dialogs.jobs.Channels on the fake channel; with a Sender, paced like the real one."""

    def __init__(self, messenger: FakeMessenger, sender: Sender | None = None) -> None:
        self.messenger, self.sender, self.runs = messenger, sender, 0

    async def run(self, channel, roster, work: Callable[[Any], Awaitable[Any]]):
        self.runs += 1
        assert channel.ref.channel_id == CHANNEL
        return await work(PacedMessenger(self.messenger, self.sender) if self.sender else self.messenger)


class BrokenChannels:
    async def run(self, channel, roster, work):
        raise ConnectionError("the connector is down")


def runner_for(h: Harness, channels=None, **kw) -> JobRunner:
    return JobRunner(h.uow, channels or FakeChannels(h.messenger), clock=h.clock, worker=kw.pop("worker", "w1"), **kw)


async def running(h: Harness, hours: list[float], auto_advance: bool = False, reminder_hours=(2,)):
    """A trajectory of idea steps with deadlines ``hours`` from now, started with ``@Blend start``."""
    now = h.clock()
    trajectory = new_trajectory(ChannelRef(TENANT, TEAM, CHANNEL), ALICE, "Offsite", now)
    edit_draft(trajectory, title="Offsite", question="What next?", co_facilitators=[], now=now,
               steps=[StepDraft("ideas", f"Round {i + 1}", deadline=now + hour * HOUR) for i, hour in enumerate(hours)],
               settings={"auto_advance": auto_advance, "reminder_hours": list(reminder_hours)})
    async with h.uow() as uow:
        await uow.trajectories.add(trajectory)
        await uow.commit()
    assert "has started" in only_text(await h.say(ALICE, "start"))
    return await active(h)


async def jobs_of(h: Harness, step_id: int):
    async with h.uow() as uow:
        return await uow.jobs.for_step(step_id)


def summaries(h: Harness) -> list[dict]:
    return [c for _, c in h.messenger.replies if isinstance(c, dict) and any("Ideas collected in" in x for x in card_texts(c))]


def notes(h: Harness) -> list[str]:
    return [c for _, c in h.messenger.replies if isinstance(c, str)]


async def test_starting_stores_the_first_steps_deadline_and_reminders(harness: Harness):
    trajectory = await running(harness, [26, 50], reminder_hours=(24, 2))
    first = trajectory.steps[0]
    assert [(j.kind, j.due_at, j.state) for j in await jobs_of(harness, first.id)] == [
        (JobKind.REMINDER, first.deadline - 24 * HOUR, JobState.PENDING),
        (JobKind.REMINDER, first.deadline - 2 * HOUR, JobState.PENDING),
        (JobKind.DEADLINE, first.deadline, JobState.PENDING),
    ]
    assert await jobs_of(harness, trajectory.steps[1].id) == []  # planned when it opens
    assert await runner_for(harness).run_until_idle() == 0  # nothing due yet


async def test_a_passed_deadline_closes_the_step_and_posts_its_results_without_opening_the_next(harness: Harness):
    trajectory = await running(harness, [1, 5], reminder_hours=())
    first = trajectory.steps[0]
    await harness.act(BOB, verbs.IDEAS_ADD, {"step_id": first.id, verbs.IDEA_TEXT: "Walking meetings"})
    posts = len(harness.messenger.posts)
    harness.clock.advance(hours=1, seconds=3)
    assert await runner_for(harness).run_until_idle() == 1
    after = await active(harness)
    assert after.state is TrajectoryState.RUNNING and after.current_step is None
    assert [s.state for s in after.steps] == [StepState.CLOSED, StepState.PENDING]
    assert after.steps[0].closed_at == harness.clock()
    [summary] = summaries(harness)
    assert_valid_card(summary)
    assert "Walking meetings" in card_texts(summary)
    assert len(harness.messenger.posts) == posts  # no new step card
    assert notes(harness) == ["The deadline of \u201cRound 1\u201d has passed: the step is closed and its results are "
                              "in this thread. A facilitator opens the next step with \u201cnext\u201d."]
    assert [j.state for j in await jobs_of(harness, first.id)] == [JobState.DONE]
    # The facilitator opens the next step; its deadline job is stored then.
    assert only_text(await harness.say(ALICE, "next")) == "Step \u201cRound 2\u201d is open."
    second = (await active(harness)).steps[1]
    assert second.state is StepState.OPEN and len(harness.messenger.posts) == posts + 1
    assert [j.kind for j in await jobs_of(harness, second.id)] == [JobKind.DEADLINE]
    # Its deadline closes the last step; "next" then finishes the trajectory.
    harness.clock.advance(hours=5)
    assert await runner_for(harness).run_until_idle() == 1
    assert "finishes the trajectory" in notes(harness)[-1]
    assert "is complete" in only_text(await harness.say(ALICE, "next"))
    async with harness.uow() as uow:
        assert (await uow.trajectories.get(trajectory.id)).state is TrajectoryState.CLOSED


async def test_with_auto_advance_the_next_step_opens_and_the_last_deadline_finishes(harness: Harness):
    trajectory = await running(harness, [1, 3], auto_advance=True, reminder_hours=())
    posts = len(harness.messenger.posts)
    harness.clock.advance(hours=2)
    assert await runner_for(harness).run_until_idle() == 1
    after = await active(harness)
    assert [s.state for s in after.steps] == [StepState.CLOSED, StepState.OPEN]
    assert len(harness.messenger.posts) == posts + 1  # the next step's card
    new_card = list(harness.messenger.posts.values())[-1]
    assert_valid_card(new_card)
    assert "Round 2" in card_texts(new_card) and after.steps[1].card is not None
    assert len(summaries(harness)) == 1
    assert notes(harness)[-1] == "The deadline of \u201cRound 1\u201d has passed: the step is closed. Now open: Round 2."
    # The second step's deadline was planned when it opened; the last deadline finishes the trajectory.
    harness.clock.advance(hours=1, minutes=1)
    assert await runner_for(harness).run_until_idle() == 1
    async with harness.uow() as uow:
        assert (await uow.trajectories.get(trajectory.id)).state is TrajectoryState.CLOSED
    assert "is complete" in notes(harness)[-1] and len(summaries(harness)) == 2


async def test_a_step_closed_early_voids_its_jobs(harness: Harness):
    trajectory = await running(harness, [1, 5], reminder_hours=(2,))  # the 2-hour reminder is already past
    first = trajectory.steps[0]
    await harness.say(ALICE, "next")
    assert {j.state for j in await jobs_of(harness, first.id)} == {JobState.CANCELLED}
    replies, posts = len(harness.messenger.replies), len(harness.messenger.posts)
    harness.clock.advance(hours=2)
    assert await runner_for(harness).run_until_idle() == 0
    assert (len(harness.messenger.replies), len(harness.messenger.posts)) == (replies, posts)
    await harness.say(ALICE, "cancel")
    assert {j.state for j in await jobs_of(harness, trajectory.steps[1].id)} == {JobState.CANCELLED}


async def test_a_late_deadline_job_is_a_no_op(harness: Harness):
    """A job claimed before the facilitator's "next" (so not voided) finds its step closed."""
    trajectory = await running(harness, [1, 5], reminder_hours=())
    harness.clock.advance(hours=1)
    async with harness.uow() as uow:
        [job] = await uow.jobs.claim_due(harness.clock(), "w1", harness.clock() + 2 * HOUR, 10)
        await uow.commit()
    await harness.say(ALICE, "next")  # meanwhile
    replies = len(harness.messenger.replies)
    await runner_for(harness)._run(job)  # the claimed job runs now
    after = await active(harness)
    assert [s.state for s in after.steps] == [StepState.CLOSED, StepState.OPEN]
    assert len(harness.messenger.replies) == replies
    assert [j.state for j in await jobs_of(harness, trajectory.steps[0].id)] == [JobState.DONE]


async def test_a_job_stored_before_a_restart_fires_after_it_exactly_once(harness: Harness, database_url):
    trajectory = await running(harness, [1, 5], auto_advance=True, reminder_hours=())
    # A "restart": a new engine, sessions, runner and channel on the same database; the old objects are gone.
    engine = create_engine(database_url)
    try:
        sessions = session_factory(engine)
        messenger = FakeMessenger(roster=harness.messenger.roster)
        messenger.posts.update(harness.messenger.posts)  # the channel keeps its messages
        messenger._ids = itertools.count(5000)
        clock = Clock()
        clock.now = harness.clock() + timedelta(hours=1, seconds=1)
        runners = [JobRunner(lambda: SqlUnitOfWork(sessions), FakeChannels(messenger), clock=clock, worker=f"w{i}")
                   for i in range(2)]
        # Two instances poll at the same moment: one gets the job, the other nothing.
        counts = await asyncio.gather(*(r.run_due() for r in runners))
        assert sorted(counts) == [0, 1]
        assert [await r.run_until_idle() for r in runners] == [0, 0]
        clock.advance(hours=1)
        assert [await r.run_until_idle() for r in runners] == [0, 0]
    finally:
        await engine.dispose()
    assert len([c for _, c in messenger.replies if isinstance(c, dict)]) == 1  # one summary
    assert len(messenger.posts) == len(harness.messenger.posts) + 1  # one new step card
    async with harness.uow() as uow:
        after = await uow.trajectories.get(trajectory.id)
    assert [s.state for s in after.steps] == [StepState.CLOSED, StepState.OPEN]


async def test_a_job_whose_instance_died_runs_after_its_lease(harness: Harness):
    trajectory = await running(harness, [1, 5], reminder_hours=())
    harness.clock.advance(hours=1)
    async with harness.uow() as uow:  # an instance claims it, then dies
        await uow.jobs.claim_due(harness.clock(), "dead", harness.clock() + timedelta(minutes=2), 10)
        await uow.commit()
    runner = runner_for(harness)
    assert await runner.run_until_idle() == 0  # leased: not yet
    harness.clock.advance(minutes=2)
    assert await runner.run_until_idle() == 1
    assert len(summaries(harness)) == 1
    [job] = await jobs_of(harness, trajectory.steps[0].id)
    assert (job.state, job.attempts) == (JobState.DONE, 2)


async def test_a_job_taken_over_by_another_instance_is_not_run_again(harness: Harness):
    """w1 claimed it in a batch but got to it after its lease ran out and w2 had taken it over."""
    trajectory = await running(harness, [1, 5], reminder_hours=())
    harness.clock.advance(hours=1)
    async with harness.uow() as uow:
        [stale] = await uow.jobs.claim_due(harness.clock(), "w1", harness.clock() + timedelta(minutes=2), 10)
        await uow.commit()
    harness.clock.advance(minutes=3)
    async with harness.uow() as uow:
        [current] = await uow.jobs.claim_due(harness.clock(), "w2", harness.clock() + timedelta(minutes=2), 10)
        await uow.commit()
    await runner_for(harness, worker="w1")._run(stale)
    assert summaries(harness) == [] and (await active(harness)).steps[0].state is StepState.OPEN
    await runner_for(harness, worker="w2")._run(current)
    assert len(summaries(harness)) == 1
    [job] = await jobs_of(harness, trajectory.steps[0].id)
    assert (job.state, job.attempts) == (JobState.DONE, 2)


async def test_results_are_still_posted_when_posting_failed_after_the_step_closed(harness: Harness):
    trajectory = await running(harness, [1, 5], auto_advance=True, reminder_hours=())
    harness.clock.advance(hours=1)
    assert await runner_for(harness, BrokenChannels()).run_until_idle() == 1
    # The transition is stored once; the announcement waits for a retry.
    after = await active(harness)
    assert [s.state for s in after.steps] == [StepState.CLOSED, StepState.OPEN] and summaries(harness) == []
    [job] = [j for j in await jobs_of(harness, trajectory.steps[0].id)]
    assert (job.state, job.last_error) == (JobState.PENDING, "ConnectionError") and "announce" in job.payload
    harness.clock.advance(seconds=10)
    assert await runner_for(harness).run_until_idle() == 1
    assert len(summaries(harness)) == 1 and "Now open: Round 2" in notes(harness)[-1]
    after = await active(harness)
    assert [s.state for s in after.steps] == [StepState.CLOSED, StepState.OPEN] and after.steps[1].card
    assert (await jobs_of(harness, trajectory.steps[0].id))[0].state is JobState.DONE


async def test_a_job_that_keeps_failing_is_retried_with_backoff_then_given_up(harness: Harness):
    trajectory = await running(harness, [1], reminder_hours=())
    runner = runner_for(harness, BrokenChannels(), max_attempts=3)
    harness.clock.advance(hours=1)
    for _ in range(3):
        assert await runner.run_until_idle() == 1
        assert await runner.run_until_idle() == 0  # not before its retry time
        harness.clock.advance(minutes=10)
    [job] = await jobs_of(harness, trajectory.steps[0].id)
    assert (job.state, job.attempts, job.last_error) == (JobState.FAILED, 3, "ConnectionError")
    harness.clock.advance(days=1)
    assert await runner.run_until_idle() == 0
    # The transition itself happened once, on the first attempt; only the announcement failed.
    assert (await active(harness)).steps[0].state is StepState.CLOSED


async def test_reminders_go_privately_to_those_who_have_not_contributed(harness: Harness):
    trajectory = await running(harness, [26], reminder_hours=(24, 2))
    step = trajectory.steps[0]
    await harness.act(BOB, verbs.IDEAS_ADD, {"step_id": step.id, verbs.IDEA_TEXT: "Walking meetings"})
    harness.clock.advance(hours=2)  # the 24-hour reminder
    assert await runner_for(harness).run_until_idle() == 1
    assert sorted(p.name for p, _ in harness.messenger.private) == ["Alice Admin", "Carol Coder", "Dave Devops"]
    card = harness.messenger.private[0][1]
    assert_valid_card(card)
    texts = " ".join(card_texts(card))
    assert "Round 1" in texts and "Offsite" in texts and "24 hours left" in texts and "channel" in texts
    # Carol contributes; the 2-hour reminder skips her (and Bob), and nobody is reminded twice per job.
    await harness.act(CAROL, verbs.IDEAS_ADD, {"step_id": step.id, verbs.IDEA_TEXT: "Quiet Fridays"})
    harness.messenger.private.clear()
    harness.clock.advance(hours=22)
    assert await runner_for(harness).run_until_idle() == 1
    assert sorted(p.name for p, _ in harness.messenger.private) == ["Alice Admin", "Dave Devops"]
    assert all(j.state in (JobState.DONE, JobState.PENDING) and j.last_error is None
               for j in await jobs_of(harness, step.id))


async def test_after_an_outage_only_the_latest_reminder_goes_out(harness: Harness):
    await running(harness, [26], reminder_hours=(24, 2))
    harness.clock.advance(hours=25)  # both reminders are overdue
    assert await runner_for(harness).run_until_idle() == 2
    assert sorted(p.name for p, _ in harness.messenger.private) == sorted(
        p.name for p in [ALICE, BOB, CAROL, DAVE])  # once each


class FailingFor(FakeMessenger):
    def __init__(self, base: FakeMessenger, who: Person) -> None:
        super().__init__(roster=base.roster, posts=base.posts, replies=base.replies, private=base.private)
        self.who = who

    async def send_private(self, channel, person, card):
        if person.aad_id == self.who.aad_id:
            raise HttpError(403)
        await super().send_private(channel, person, card)


async def test_a_reminder_that_cannot_be_sent_is_reported_not_dropped(harness: Harness):
    trajectory = await running(harness, [3], reminder_hours=(2,))
    harness.clock.advance(hours=1)
    clock = FakeTime()
    channels = FakeChannels(FailingFor(harness.messenger, CAROL), Sender(clock, clock.sleep))
    assert await runner_for(harness, channels).run_until_idle() == 1
    assert sorted(p.name for p, _ in harness.messenger.private) == ["Alice Admin", "Bob Builder", "Dave Devops"]
    assert notes(harness) == ["1 reminder about \u201cRound 1\u201d could not be sent: Teams refused it or did not answer."]
    reminder = next(j for j in await jobs_of(harness, trajectory.steps[0].id) if j.kind is JobKind.REMINDER)
    assert (reminder.state, reminder.last_error) == (JobState.DONE, "reminders not delivered: 1 of 4")


class ThrottledMessenger(FakeMessenger):
    """A connector that allows ``limit`` requests per second (a 1:1 send is two) and answers 429
    with Retry-After beyond that."""

    def __init__(self, clock: FakeTime, limit: int, **kw: Any) -> None:
        super().__init__(**kw)
        self.clock, self.limit, self.accepted, self.throttled = clock, limit, [], 0

    async def send_private(self, channel, person, card):
        now = self.clock()
        if sum(1 for t in self.accepted if now - 1 < t <= now) + 2 > self.limit:
            self.throttled += 1
            raise HttpError(429, {"Retry-After": "1"})
        self.accepted += [now, now]
        await super().send_private(channel, person, card)


def crowd(n: int) -> list[Person]:
    return [Person(f"aad-{i:03}", f"Member {i:03}", f"29:member-{i:03}") for i in range(n)]


@pytest.mark.parametrize("limiter_rate", [50, 200], ids=["limiter-at-the-limit", "limiter-too-generous"])
async def test_a_reminder_to_a_large_team_keeps_teams_rate_limits(harness: Harness, limiter_rate):
    clock = FakeTime()
    messenger = ThrottledMessenger(clock, 50, roster=[ALICE, *crowd(119)])
    harness.messenger = messenger
    harness.bot._messenger_for = lambda _: messenger
    trajectory = await running(harness, [3], reminder_hours=(2,))
    harness.clock.advance(hours=1)
    sender = Sender(clock, clock.sleep, tenant_per_second=limiter_rate)
    assert await runner_for(harness, FakeChannels(messenger, sender)).run_until_idle() == 1
    assert len(messenger.private) == len({p.aad_id for p, _ in messenger.private}) == 120
    reminder = next(j for j in await jobs_of(harness, trajectory.steps[0].id) if j.kind is JobKind.REMINDER)
    assert reminder.last_error is None and notes(harness) == []
    if limiter_rate == 50:
        # 240 requests at 50 per second: 25 reminders a second, the last at t = 4 s; never a 429.
        assert messenger.throttled == 0 and sender.retries == 0
        assert 4.0 <= clock() <= 4.5
    else:
        # Too generous a limiter: Teams answers 429, the sender backs off and everything still arrives.
        assert messenger.throttled > 0 and sender.retries == messenger.throttled
