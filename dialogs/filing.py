"""Filing a trajectory's outputs in the channel's Files, outside any turn.

When a step closes (a facilitator's "next"/"close", outcomes saved, a deadline) ``plan`` stores a
FILE_STEP job; when the trajectory closes (not when it is cancelled) a FILE_REPORT job. The job runner
(dialogs/jobs.py) runs them: build the document in the trajectory's language (outputs/), upload it
through the FileStore port with no unit of work open, record it (storage: filed_outputs), then post a
card linking it. The record makes a re-run replace Blend's own file (``replaces``), never add one.
The report job first files any step file still missing, so its links are complete.

A failure the facilitators can act on (consent, a missing channel, a refused file) is told in the
channel at once; a busy or unreachable Microsoft 365 is retried by the job runner and told only when
it gives up."""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime
from typing import TYPE_CHECKING, Awaitable, Callable

from cards.files import FiledLink, FilesView, render_filed_card, render_filing_failed_card, render_report_ready_card
from cards.texts import speaking
from trajectory.events import Event
from trajectory.files import FileStore, FilingError, FilingFailure, OutputFile
from trajectory.filing import FiledOutput, filing_jobs, folder_title
from trajectory.jobs import Job, JobKind, JobState
from trajectory.model import Mode, Step, StepState, Trajectory
from trajectory.ports import ChannelInfo, UnitOfWork

from .context import Deps
from .turn import Messenger

if TYPE_CHECKING:
    from outputs import report as reports

# outputs/ (openpyxl, python-docx, Pillow: ~0.3 s of imports) is not imported at start-up: app.py loads
# it on a worker thread once the app runs, and whatever calls here first finds it loaded.


def _outputs():  # type: ignore[no-untyped-def]
    from outputs import registry, report

    return registry.STEP_OUTPUTS, report

log = logging.getLogger(__name__)

# Worth another attempt later; the others need a person (consent, a deleted channel, a refused file).
RETRYABLE = frozenset({FilingFailure.THROTTLED, FilingFailure.TIMEOUT, FilingFailure.UNKNOWN})



class StepFilesPending(Exception):
    """The report waits: a step's own filing job is still to run (perhaps on another instance, or
    waiting to retry). Filing that step here too could put a second copy next to it."""


Uows = Callable[[], UnitOfWork]
Post = Callable[[Callable[[Messenger], Awaitable[None]]], Awaitable[None]]


async def plan(deps: Deps, trajectory: Trajectory, events: list[Event]) -> None:
    """After a transition: store the filing jobs (due at once; the job loop picks them up)."""
    jobs = filing_jobs(trajectory, events)
    if not jobs:
        return
    if deps.files is None:
        log.info("trajectory %s: no file store configured, outputs not filed", trajectory.id)
        return
    async with deps.uows() as uow:
        await uow.jobs.add(jobs)
        await uow.commit()


# ---------------------------------------------------------------- building and filing


async def _file(uows: Uows, files: FileStore, channel: ChannelInfo, trajectory: Trajectory, step_id: int | None,
                document: OutputFile, now: datetime) -> FiledOutput:
    """Upload (replacing what Blend filed for the same output before) and record it."""
    assert trajectory.id is not None
    async with uows() as uow:
        previous = await uow.filed.get(trajectory.id, step_id)
    from outputs.safety import folder_name

    folder = folder_name(folder_title(trajectory))
    team = channel.aad_group_id or channel.ref.team_id  # Graph wants the group id; Teams usually sends it
    filed = await files.file(channel.ref, team, folder, document, previous.as_filed_file() if previous else None)
    record = FiledOutput(trajectory_id=trajectory.id, step_id=step_id, name=filed.name, item_id=filed.item_id,
                         web_url=filed.web_url, filed_at=now)
    async with uows() as uow:
        await uow.filed.record(record)
        await uow.commit()
    log.info("trajectory %s step %s: filed %s", trajectory.id, step_id, filed.item_id)
    return record


def fileable(step: Step) -> bool:
    STEP_OUTPUTS, _ = _outputs()
    return step.state is StepState.CLOSED and step.id is not None and step.kind in STEP_OUTPUTS


async def step_document(uows: Uows, trajectory: Trajectory, step: Step) -> OutputFile:
    STEP_OUTPUTS, _ = _outputs()
    with speaking(trajectory.language):
        async with uows() as uow:
            return await STEP_OUTPUTS[step.kind].document(uow, trajectory, step)


async def file_step(uows: Uows, files: FileStore, channel: ChannelInfo, trajectory: Trajectory, step: Step,
                    now: datetime) -> FiledOutput:
    return await _file(uows, files, channel, trajectory, step.id, await step_document(uows, trajectory, step), now)


async def gather_report(uow: UnitOfWork, trajectory: Trajectory, filed: dict[int | None, FiledOutput],
                        now: datetime) -> reports.ReportView:
    """The report's view model: each step's dates, participation (STEP_DIALOGS' contributors against the
    roster) and its kind's summary. Run inside ``speaking(trajectory.language)``."""
    from .steps import STEP_DIALOGS  # steps.py imports this module

    STEP_OUTPUTS, reports = _outputs()

    roster = {p.aad_id for p in await uow.channels.members(trajectory.channel.team_id)}
    steps = []
    for step in trajectory.steps:
        participation = summary = None
        if step.opened_at is not None and step.mode is Mode.ASYNC:
            contributors = await STEP_DIALOGS[step.kind].contributors(uow, step)
            # Someone who took part and left the team since still counts, among as many people.
            participation = reports.Participation(len(contributors), len(roster | contributors))
        if step.state is StepState.CLOSED and step.kind in STEP_OUTPUTS:
            try:
                summary = await STEP_OUTPUTS[step.kind].summary(uow, trajectory, step)
            except Exception:  # noqa: BLE001 - one step's summary must not cost the whole report
                log.exception("trajectory %s step %s: no summary for the report", trajectory.id, step.id)
        record = filed.get(step.id)
        steps.append(reports.ReportStep(
            position=step.position, title=step.title, kind=step.kind, mode=step.mode, state=step.state,
            opened_at=step.opened_at, closed_at=step.closed_at, participation=participation, summary=summary,
            file=reports.FileLink(record.name, record.web_url) if record else None))
    return reports.ReportView(
        title=trajectory.title, question=trajectory.question, time_zone=trajectory.time_zone, written_at=now,
        steps=tuple(steps), started_at=trajectory.started_at, closed_at=trajectory.closed_at, members=len(roster))


async def file_report(uows: Uows, files: FileStore, channel: ChannelInfo, trajectory: Trajectory,
                      now: datetime, wait_for_steps: bool = False) -> FiledOutput:
    """File any step file still missing, then the report linking them. With ``wait_for_steps`` a step
    whose own job is pending or running raises StepFilesPending instead (the report runs again later)."""
    assert trajectory.id is not None
    async with uows() as uow:
        filed: dict[int | None, FiledOutput] = {f.step_id: f for f in await uow.filed.for_trajectory(trajectory.id)}
        if wait_for_steps:
            for step in trajectory.steps:
                if fileable(step) and step.id not in filed and any(
                        j.kind is JobKind.FILE_STEP and j.state in (JobState.PENDING, JobState.RUNNING)
                        for j in await uow.jobs.for_step(step.id)):
                    raise StepFilesPending(step.id)
    for step in trajectory.steps:
        if fileable(step) and step.id not in filed:
            filed[step.id] = await file_step(uows, files, channel, trajectory, step, now)
    _, reports = _outputs()
    with speaking(trajectory.language):
        async with uows() as uow:
            view = await gather_report(uow, trajectory, filed, now)
        # Off the event loop (python-docx and the charts: ~0.2 s of CPU); the thread keeps the language.
        document = await asyncio.to_thread(reports.build, view)
    return await _file(uows, files, channel, trajectory, None, document, now)


# ---------------------------------------------------------------- the job


async def run_job(job: Job, *, uows: Uows, files: FileStore, trajectory: Trajectory, channel: ChannelInfo,
                  post: Post, now: datetime, may_retry: bool) -> str | None:
    """File what ``job`` asks for and post the card linking it. Returns the error to keep on the job
    when the facilitators were told instead; raises FilingError when it is worth another attempt, and
    StepFilesPending when the report should wait for a step's own job (on its last attempt it doesn't)."""
    step = trajectory.step(job.step_id) if job.kind is JobKind.FILE_STEP else None
    if job.kind is JobKind.FILE_STEP and (step is None or not fileable(step)):
        log.info("job %s: step %s has nothing to file", job.id, job.step_id)
        return None
    try:
        if step is not None:
            record = await file_step(uows, files, channel, trajectory, step, now)
        else:
            record = await file_report(uows, files, channel, trajectory, now, wait_for_steps=may_retry)
    except FilingError as error:
        log.warning("job %s: filing failed: %s %s", job.id, error.failure, error.detail)
        if may_retry and error.failure in RETRYABLE:
            raise
        await _tell_failure(post, trajectory, channel, step, error.failure)
        return f"filing failed: {error.failure.value}"
    links = (FiledLink(record.name, record.web_url),)
    with speaking(trajectory.language):
        if step is not None:
            card = render_filed_card(FilesView(trajectory.title, step.title, links))
        else:
            card = render_report_ready_card(FilesView(trajectory.title, None, links))

    async def announce(messenger: Messenger) -> None:
        if step is None:
            await messenger.post_card(channel, card)
        elif step.card is not None:
            await messenger.reply_card(step.card, card)

    # A step file's card belongs in its step's thread; a step without a card (never posted) gets no new
    # post for it: one top-level post per file would crowd the channel. The report's card is a post.
    if step is None or step.card is not None:
        await post(announce)
    return None


async def _tell_failure(post: Post, trajectory: Trajectory, channel: ChannelInfo, step: Step | None,
                        failure: FilingFailure) -> None:
    _, reports = _outputs()
    with speaking(trajectory.language):
        what = step.title if step is not None else reports.report_name(trajectory.title)
        card = render_filing_failed_card(trajectory.title, what, failure)

    async def tell(messenger: Messenger) -> None:
        if step is not None and step.card is not None:
            await messenger.reply_card(step.card, card)
        else:
            await messenger.post_card(channel, card)

    await post(tell)
