"""The job runner: claims due jobs (deadlines, reminders) and runs each outside any turn.

Exactly once, and why:
* Claiming is a short transaction of its own that gives the job a lease (storage/jobs_repository.py);
  every later write for the job is conditional on still holding it, else LeaseLost rolls it back.
* A deadline runs in two phases. Phase 1 is ONE transaction: the transition (close, maybe open the
  next step), the jobs of the opened step, and a checkpoint recording what to announce. A repeat
  (the lease ran out, another instance took over) finds the step no longer open and changes
  nothing, and a facilitator's "next" before the deadline voided the job already (or makes
  close_current refuse). Phase 2 posts the results and the next step's card, then marks the job
  done. If the instance dies in phase 2 the job is taken up again after its lease and announces
  again: the channel may see a post twice in that rare case, but never misses the results.
* A reminder records each member it reached (reminder_sends), each in its own transaction right
  after the send, and skips recorded members when it runs again; only a crash between a send and
  its record can remind that one member twice. Failed sends are recorded too, reported to the
  facilitators in the step's thread and kept as the job's last_error, never dropped silently.
"""

from __future__ import annotations

import asyncio
import logging
import os
import socket
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Awaitable, Callable, Protocol, TypeVar

from cards.reminders import ReminderView, render_reminder
from cards.texts import t
from trajectory import deadlines
from trajectory.events import Event, StepClosed, StepOpened, TrajectoryClosed
from trajectory.files import FileStore
from trajectory.jobs import Job, JobKind, LeaseLost, reminder_is_due, reminder_recipients
from trajectory.meetings import MeetingScheduler, MemberDirectory
from trajectory.model import Person, Step, StepState, Trajectory, TrajectoryState
from trajectory.ports import ChannelInfo, UnitOfWork

from . import filing, log_context, meeting
from .context import Deps
from .language import shared_by
from .steps import STEP_DIALOGS, apply_events
from .turn import Messenger

log = logging.getLogger(__name__)
T = TypeVar("T")


class Channels(Protocol):
    """Messaging a channel outside a turn (bot/proactive.py, over its stored conversation reference)."""

    async def run(self, channel: ChannelInfo, roster: list[Person], work: Callable[[Messenger], Awaitable[T]]) -> T:
        """Run ``work`` with a Messenger for ``channel``; its team_members() is ``roster``."""


_EVENTS = {"step_closed": StepClosed, "step_opened": StepOpened, "trajectory_closed": TrajectoryClosed}


def encode(events: list[Event]) -> list[list[Any]]:
    names = {cls: name for name, cls in _EVENTS.items()}
    return [[names[type(e)], next(iter(vars(e).values()))] for e in events if type(e) in names]


def decode(stored: list[list[Any]]) -> list[Event]:
    return [_EVENTS[name](int(value)) for name, value in stored if name in _EVENTS]


def default_worker_id() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


@dataclass
class JobRunner:
    uows: Callable[[], UnitOfWork]
    channels: Channels
    clock: Callable[[], datetime]
    worker: str = field(default_factory=default_worker_id)
    lease: timedelta = timedelta(minutes=2)
    batch: int = 10
    max_attempts: int = 8  # retries 10 s, 20 s, ... up to 10 min apart: about 20 minutes of outage
    concurrency: int = 8  # reminders in flight at once (the Sender keeps them within Teams' limits)
    scheduler: MeetingScheduler | None = None  # handed to dialogs through Deps (graph/)
    directory: MemberDirectory | None = None
    files: FileStore | None = None  # the channel's Files (graph/: SharePoint, or the local outbox)

    async def run_due(self) -> int:
        """Claim the jobs due now and run them one after the other; returns how many were claimed."""
        now = self.clock()
        async with self.uows() as uow:
            jobs = await uow.jobs.claim_due(now, self.worker, now + self.lease, self.batch)
            await uow.commit()
        for job in jobs:
            await self._run(job)
        return len(jobs)

    async def run_until_idle(self) -> int:
        total = 0
        while claimed := await self.run_due():
            total += claimed
        return total

    async def _run(self, job: Job) -> None:
        log_context.clear()  # this job's ids on its log lines, not the previous job's
        log_context.bind(job_id=job.id, trajectory_id=job.trajectory_id, step_id=job.step_id)
        try:
            if job.attempts > self.max_attempts:
                raise RuntimeError(f"gave up after {self.max_attempts} attempts")
            # Claimed in a batch, it may have waited behind a long job: renew the lease first, so a job
            # another instance took over meanwhile is left to it (LeaseLost) rather than run twice.
            async with self.uows() as uow:
                await uow.jobs.checkpoint(job, self.worker, job.payload, self.clock() + self.lease)
                await uow.commit()
            if job.kind is JobKind.DEADLINE:
                await self._deadline(job)
            elif job.kind is JobKind.MEETING_END:
                await self._meeting_end(job)
            elif job.kind in (JobKind.FILE_STEP, JobKind.FILE_REPORT):
                await self._file(job)
            else:
                await self._reminder(job)
        except LeaseLost:
            log.warning("job %s: lease lost, another instance has it", job.id)
        except Exception as error:  # noqa: BLE001 - a failing job must not stop the others
            give_up = job.attempts >= self.max_attempts
            log.error("job %s (%s) failed on attempt %s%s", job.id, job.kind, job.attempts,
                      ", giving up" if give_up else "", exc_info=error)
            retry_at = self.clock() + timedelta(seconds=min(2 ** job.attempts * 5, 600))
            try:
                async with self.uows() as uow:
                    await uow.jobs.release(job, self.worker, type(error).__name__, retry_at, give_up)
                    await uow.commit()
            except LeaseLost:
                pass

    # ------------------------------------------------------------------ deadlines

    async def _deadline(self, job: Job) -> None:
        stored = job.payload.get("announce")
        if stored is None:
            now = self.clock()
            async with self.uows() as uow:
                _, events = await deadlines.close_at_deadline(uow, job, now)
                if not events:  # the step closed before: nothing to do
                    await uow.jobs.finish(job, self.worker, now)
                    await uow.commit()
                    return
                await uow.jobs.checkpoint(job, self.worker, {**job.payload, "announce": encode(events)},
                                          now + self.lease)
                await uow.commit()
        else:
            events = decode(stored)
        await self._announce(job, events)
        async with self.uows() as uow:
            await uow.jobs.finish(job, self.worker, self.clock())
            await uow.commit()

    async def _announce(self, job: Job, events: list[Event]) -> None:
        async with self.uows() as uow:
            trajectory = await uow.trajectories.get(job.trajectory_id)
            if trajectory is None:
                return
            channel = await uow.channels.get(trajectory.channel.channel_id)
            roster = await uow.channels.members(trajectory.channel.team_id)
        if channel is None:
            log.warning("job %s: channel of trajectory %s unknown, nothing announced", job.id, trajectory.id)
            return
        # Taken up again after a crash: a card already posted for the opened step is not posted twice.
        events = [e for e in events if not (isinstance(e, StepOpened) and _opening_announced(trajectory, e.step_id))]

        async def post(messenger: Messenger) -> None:
            deps = Deps(uows=self.uows, messenger=messenger, scheduler=self.scheduler, directory=self.directory,
                        files=self.files)
            await apply_events(deps, trajectory, events)
            closed = trajectory.step(job.step_id)
            if closed is not None and closed.card is not None:
                try:
                    with shared_by(trajectory):
                        note = _deadline_note(trajectory, closed, events)
                    await messenger.reply_text(closed.card, note)
                except Exception as error:  # noqa: BLE001 - a courtesy note; retrying would repost the results
                    log.warning("job %s: deadline note not posted: %s", job.id, error)

        await self.channels.run(channel, roster, post)

    # ------------------------------------------------------------------ end of a meeting

    async def _meeting_end(self, job: Job) -> None:
        """Ask for the outcomes in the step's thread (best effort: a retry could post it twice)."""
        async with self.uows() as uow:
            trajectory = await uow.trajectories.get(job.trajectory_id)
            step = trajectory.step(job.step_id) if trajectory else None
            channel = await uow.channels.get(trajectory.channel.channel_id) if trajectory else None
            roster = await uow.channels.members(trajectory.channel.team_id) if trajectory else []
        if trajectory is not None and step is not None and channel is not None:
            version, now = int(job.payload.get("version", 0)), self.clock()

            async def ask(messenger: Messenger) -> None:
                deps = Deps(uows=self.uows, messenger=messenger, scheduler=self.scheduler, directory=self.directory,
                            files=self.files)
                with shared_by(trajectory):
                    await meeting.meeting_ended(deps, trajectory, step, version, now)

            await self.channels.run(channel, roster, ask)
        async with self.uows() as uow:
            await uow.jobs.finish(job, self.worker, self.clock())
            await uow.commit()

    # ------------------------------------------------------------------ filing step files and the report

    async def _file(self, job: Job) -> None:
        """Build, upload, record and link a step's file or the final report (dialogs/filing.py). A busy
        Microsoft 365 raises FilingError: the job is retried with backoff, and the last attempt tells the
        facilitators instead."""
        async with self.uows() as uow:
            trajectory = await uow.trajectories.get(job.trajectory_id)
            channel = await uow.channels.get(trajectory.channel.channel_id) if trajectory else None
            roster = await uow.channels.members(trajectory.channel.team_id) if trajectory else []
        error: str | None = None
        if self.files is None:
            log.info("job %s: no file store configured, nothing filed", job.id)
        elif trajectory is None or channel is None:
            log.warning("job %s: trajectory or channel unknown, nothing filed", job.id)
        else:
            async def post(work: Callable[[Messenger], Awaitable[None]]) -> None:
                await self.channels.run(channel, roster, work)

            try:
                error = await filing.run_job(job, uows=self.uows, files=self.files, trajectory=trajectory,
                                             channel=channel, post=post, now=self.clock(),
                                             may_retry=job.attempts < self.max_attempts)
            except filing.StepFilesPending as pending:  # not a failure: run again once that step is filed
                log.info("job %s: the report waits for step %s's file", job.id, pending.args[0])
                async with self.uows() as uow:
                    await uow.jobs.release(job, self.worker, "waiting for the step files",
                                           self.clock() + timedelta(seconds=10), False)
                    await uow.commit()
                return
        async with self.uows() as uow:
            await uow.jobs.finish(job, self.worker, self.clock(), error)
            await uow.commit()

    # ------------------------------------------------------------------ reminders

    async def _reminder(self, job: Job) -> None:
        now = self.clock()
        async with self.uows() as uow:
            trajectory = await uow.trajectories.get(job.trajectory_id)
            step = trajectory.step(job.step_id) if trajectory else None
            hours = int(job.payload.get("hours", 0))
            if (trajectory is None or step is None or trajectory.state is not TrajectoryState.RUNNING
                    or not reminder_is_due(trajectory, step, hours, now)):
                await uow.jobs.finish(job, self.worker, now)
                await uow.commit()
                return
            contributed = await STEP_DIALOGS[step.kind].contributors(uow, step)
            roster = await uow.channels.members(trajectory.channel.team_id)
            already = await uow.jobs.sent_to(job.id)
            channel = await uow.channels.get(trajectory.channel.channel_id)
        if channel is None:
            raise RuntimeError("the trajectory's channel is unknown")
        recipients = reminder_recipients(roster, contributed, already)
        assert step.deadline is not None  # reminder_is_due checked it
        # A member's own language is only known in their turns: reminders speak the trajectory's.
        with shared_by(trajectory):
            card = render_reminder(ReminderView(trajectory.title, step.title, step.deadline, now,
                                                channel.team_name, channel.channel_name))

        async def remind(messenger: Messenger) -> int:
            failed = await self._send_all(messenger, job, channel, recipients, card)
            if failed and step.card is not None:
                with shared_by(trajectory):
                    note = t(f"reminder.failed.{'one' if failed == 1 else 'other'}", n=failed, step=step.title)
                await messenger.reply_text(step.card, note)
            return failed

        failed = await self.channels.run(channel, roster, remind) if recipients else 0
        async with self.uows() as uow:
            await uow.jobs.finish(job, self.worker, self.clock(),
                                  error=f"reminders not delivered: {failed} of {len(recipients)}" if failed else None)
            await uow.commit()

    async def _send_all(self, messenger: Messenger, job: Job, channel: ChannelInfo, people: list[Person],
                        card: dict[str, Any]) -> int:
        """Send to everyone (a few at a time), recording each outcome; returns how many failed."""
        queue = list(reversed(people))
        failed = 0
        lost: list[LeaseLost] = []

        async def worker() -> None:
            nonlocal failed
            while queue and not lost:
                person = queue.pop()
                error = None
                try:
                    await messenger.send_private(channel, person, card)
                except Exception as exc:  # noqa: BLE001 - one member's failure must not stop the rest
                    error = str(exc)[:200] or type(exc).__name__
                    failed += 1
                    log.warning("job %s: reminder not delivered: %s", job.id, error)
                try:
                    async with self.uows() as uow:
                        now = self.clock()
                        await uow.jobs.record_send(job, self.worker, person.aad_id, error, now, now + self.lease)
                        await uow.commit()
                except LeaseLost as exc:
                    lost.append(exc)

        await asyncio.gather(*(worker() for _ in range(min(self.concurrency, len(people)))))
        if lost:
            raise lost[0]
        return failed


def _opening_announced(trajectory: Trajectory, step_id: int) -> bool:
    """The step's card is out (or the step no longer open): don't post it again."""
    step = trajectory.step(step_id)
    return step is None or step.state is not StepState.OPEN or step.card is not None


def _deadline_note(trajectory: Trajectory, closed: Step, events: list[Event]) -> str:
    """What the facilitators read in the closed step's thread."""
    opened = next((trajectory.step(e.step_id) for e in events if isinstance(e, StepOpened)), None)
    if opened is not None:
        return t("jobs.deadline_advanced", closed=closed.title, opened=opened.title)
    if trajectory.state is TrajectoryState.CLOSED:
        return t("jobs.deadline_finished", step=closed.title, title=trajectory.title)
    last = not any(s.state is StepState.PENDING for s in trajectory.steps)
    return t("jobs.deadline_closed_last" if last else "jobs.deadline_closed", step=closed.title)


class JobLoop:
    """Runs ``runner.run_due`` every ``interval`` seconds in the background, until stopped."""

    def __init__(self, runner: JobRunner, interval: float) -> None:
        self.runner, self.interval = runner, interval
        self._stop = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._task = asyncio.create_task(self._loop(), name="blend-jobs")

    async def _loop(self) -> None:
        while not self._stop.is_set():
            try:
                while not self._stop.is_set() and await self.runner.run_due() >= self.runner.batch:
                    pass  # a full batch: more may be due
            except Exception:  # noqa: BLE001 - e.g. the database is briefly away: try again later
                log.exception("the job runner failed; retrying in %ss", self.interval)
            try:
                await asyncio.wait_for(self._stop.wait(), self.interval)
            except asyncio.TimeoutError:
                pass

    async def stop(self, timeout: float = 10.0) -> None:
        """Let the job at hand finish (its lease covers it if it can't), then end the loop."""
        self._stop.set()
        if self._task is None:
            return
        try:
            await asyncio.wait_for(asyncio.shield(self._task), timeout)
        except asyncio.TimeoutError:
            self._task.cancel()
            try:
                await self._task
            except asyncio.CancelledError:
                pass
        self._task = None
