"""Filing through the job runner, in process: a closed step's document and the final report go to a fake
channel Files (FakeFileStore), each is recorded once (a re-run replaces, never duplicates), a card links
it, and a failure is told to the facilitators (or retried when Microsoft 365 is only busy)."""

from __future__ import annotations

from datetime import timedelta
from io import BytesIO

import pytest
import sqlalchemy as sa
from botbuilder.core.adapters import TestAdapter
from docx import Document

from bot.handler import BlendBot
from dialogs import filing
from storage.unit_of_work import SqlUnitOfWork
from tests.bot.conftest import ALICE, BOB, CAROL, CHANNEL, DAVE, TEAM, TENANT, Clock, Harness
from tests.bot.test_commands import active, only_text
from tests.bot.test_jobs import FakeChannels, jobs_of, runner_for
from tests.cardcheck import assert_valid_card
from tests.fakes import FakeFileStore, FakeMessenger, card_texts, nodes
from trajectory.files import FilingError, FilingFailure
from trajectory.jobs import JobKind, JobState
from trajectory.model import ChannelRef, StepState, TrajectoryState
from trajectory.setup import StepDraft, edit_draft, new_trajectory

FOLDER = "2026-11-25 Offsite"


def with_files(h: Harness, files: FakeFileStore | None) -> Harness:
    """The harness's bot again, now with a file store in its Deps."""
    h.files = files
    h.bot = BlendBot(h.uow, clock=h.clock, messenger_for=lambda _: h.messenger, scheduler=h.scheduler,
                     directory=h.directory, files=files)
    h.adapter = TestAdapter(h.bot.on_turn)
    return h


@pytest.fixture
async def h(sessions) -> Harness:
    return with_files(Harness(sessions, FakeMessenger(roster=[ALICE, BOB, CAROL, DAVE]), Clock()), FakeFileStore())


async def started(h: Harness, steps=(("meeting", "Talk"), ("workshop", "Build")), language: str = "en", **settings):
    now = h.clock()
    trajectory = new_trajectory(ChannelRef(TENANT, TEAM, CHANNEL), ALICE, "Offsite", now)
    edit_draft(trajectory, title="Offsite", question="What next?", co_facilitators=[], now=now,
               steps=[StepDraft(kind, title, deadline=settings.pop("deadline", None)) for kind, title in steps],
               settings={"language": language, **settings})
    async with h.uow() as uow:
        await uow.trajectories.add(trajectory)
        await uow.commit()
    assert only_text(await h.say(ALICE, "start"))
    return await active(h)


def runner(h: Harness, **kw):
    return runner_for(h, files=h.files, **kw)


def docx_text(content: bytes) -> str:
    doc = Document(BytesIO(content))
    cells = [c.text for t in doc.tables for r in t.rows for c in r.cells]
    return "\n".join([p.text for p in doc.paragraphs] + cells)


def links_in(content: bytes) -> list[str]:
    doc = Document(BytesIO(content))
    paragraphs = list(doc.paragraphs) + [p for t in doc.tables for r in t.rows for c in r.cells for p in c.paragraphs]
    return [link.url for p in paragraphs for link in p.hyperlinks]


def open_urls(card: dict) -> list[str]:
    return [n["url"] for n in nodes(card) if n.get("type") == "Action.OpenUrl"]


async def kinds_of_jobs(h: Harness, trajectory) -> set[JobKind]:
    return {j.kind for s in trajectory.steps for j in await jobs_of(h, s.id)}


async def records(h: Harness, trajectory_id: int):
    async with h.uow() as uow:
        return await uow.filed.for_trajectory(trajectory_id)


async def test_a_closed_step_is_filed_by_the_job_runner_and_linked_in_its_thread(h: Harness):
    trajectory = await started(h)
    talk = trajectory.steps[0]
    await h.say(ALICE, "next")
    assert h.files.calls == []  # not in the turn: a job does it
    (job,) = [j for j in await jobs_of(h, talk.id) if j.kind is JobKind.FILE_STEP]
    assert job.due_at == h.clock()

    assert await runner(h).run_until_idle() == 1
    (content,) = h.files.files[FOLDER].values()
    assert list(h.files.files[FOLDER]) == ["01 Talk.docx"]
    assert "Agenda as sent" in docx_text(content) and "No meeting was scheduled." in docx_text(content)
    (record,) = await records(h, trajectory.id)
    assert (record.step_id, record.name, record.item_id) == (talk.id, "01 Talk.docx", "item-1")
    ref, card = h.messenger.replies[-1]
    assert ref == talk.card
    assert_valid_card(card)
    assert open_urls(card) == [record.web_url]
    assert any("Talk" in text for text in card_texts(card))
    assert [j.state for j in await jobs_of(h, talk.id) if j.kind is JobKind.FILE_STEP] == [JobState.DONE]


async def test_closing_the_trajectory_files_the_report_after_the_step_files_and_links_them(h: Harness):
    trajectory = await started(h)
    await h.say(ALICE, "next")
    await h.say(ALICE, "close")
    assert await runner(h).run_until_idle() == 3  # two step files, then the report
    names = list(h.files.files[FOLDER])
    assert names == ["01 Talk.docx", "02 Build.docx", "Report Offsite.docx"]
    filed = {r.step_id: r for r in await records(h, trajectory.id)}
    report = h.files.files[FOLDER]["Report Offsite.docx"]
    assert links_in(report) == [filed[trajectory.steps[0].id].web_url, filed[trajectory.steps[1].id].web_url]
    text = docx_text(report)
    assert "What next?" in text and "1. Talk" in text and "2. Build" in text
    ready = [card for card in h.messenger.posts.values() if any("The report is ready" in x for x in card_texts(card))]
    assert len(ready) == 1 and open_urls(ready[0]) == [filed[None].web_url]
    assert_valid_card(ready[0])


async def test_the_report_job_files_a_missing_step_file_first(h: Harness):
    trajectory = await started(h)
    await h.say(ALICE, "close")  # closes the meeting and the trajectory at once
    async with h.uow() as uow:  # the step's own job is lost (say, it failed for good)
        (step_job,) = [j for j in await uow.jobs.for_step(trajectory.steps[0].id) if j.kind is JobKind.FILE_STEP]
        await uow.session.execute(sa.text("UPDATE jobs SET state = 'failed' WHERE id = :id"), {"id": step_job.id})
        await uow.commit()
    assert await runner(h).run_until_idle() == 1
    assert list(h.files.files[FOLDER]) == ["01 Talk.docx", "Report Offsite.docx"]


async def test_a_rerun_replaces_blends_own_files_and_never_duplicates(h: Harness):
    trajectory = await started(h, steps=(("meeting", "Talk"),))
    await h.say(ALICE, "next")  # the last step: the trajectory closes
    assert await runner(h).run_until_idle() == 2
    before = {r.step_id: r for r in await records(h, trajectory.id)}
    closed = await _load(h, trajectory.id)
    async with h.uow() as uow:
        channel = await uow.channels.get(CHANNEL)
    h.clock.advance(minutes=5)
    await filing.file_report(h.uow, h.files, channel, closed, h.clock())
    await filing.file_step(h.uow, h.files, channel, closed, closed.steps[0], h.clock())
    assert sorted(h.files.files[FOLDER]) == ["01 Talk.docx", "Report Offsite.docx"]
    after = {r.step_id: r for r in await records(h, trajectory.id)}
    assert {k: r.item_id for k, r in after.items()} == {k: r.item_id for k, r in before.items()}
    assert after[None].filed_at == h.clock()
    replaced = [call[3] for call in h.files.calls[2:]]
    assert [r.item_id for r in replaced] == [before[None].item_id, before[closed.steps[0].id].item_id]


async def _load(h: Harness, trajectory_id: int):
    async with h.uow() as uow:
        return await uow.trajectories.get(trajectory_id)


async def test_a_person_s_file_of_the_same_name_is_never_overwritten(h: Harness):
    h.files.files[FOLDER] = {"01 Talk.docx": b"Alice's own notes"}
    await started(h)
    await h.say(ALICE, "next")
    assert await runner(h).run_until_idle() == 1
    assert h.files.files[FOLDER]["01 Talk.docx"] == b"Alice's own notes"
    assert "01 Talk (2).docx" in h.files.files[FOLDER]


async def test_a_cancelled_trajectory_gets_no_report(h: Harness):
    trajectory = await started(h)
    await h.say(ALICE, "next")
    await h.say(ALICE, "cancel")
    assert await runner(h).run_until_idle() == 1  # the step that closed before is still filed
    assert list(h.files.files[FOLDER]) == ["01 Talk.docx"]
    assert JobKind.FILE_REPORT not in await kinds_of_jobs(h, trajectory)


async def test_a_failure_the_facilitators_can_act_on_is_told_in_the_step_s_thread(h: Harness):
    trajectory = await started(h)
    await h.say(ALICE, "next")
    h.files.failures = [FilingError(FilingFailure.CONSENT, "403 accessDenied")]
    assert await runner(h).run_until_idle() == 1
    ref, card = h.messenger.replies[-1]
    assert ref == trajectory.steps[0].card
    assert_valid_card(card)
    text = " ".join(card_texts(card))
    assert "could not be saved" in text and "Files.ReadWrite.All" in text and "Talk" in text
    assert await records(h, trajectory.id) == []
    (job,) = [j for j in await jobs_of(h, trajectory.steps[0].id) if j.kind is JobKind.FILE_STEP]
    assert job.state is JobState.DONE and job.last_error == "filing failed: consent"


async def test_a_busy_microsoft_365_is_retried_and_told_only_when_blend_gives_up(h: Harness):
    trajectory = await started(h)
    await h.say(ALICE, "next")
    replies = len(h.messenger.replies)
    h.files.failures = [FilingError(FilingFailure.THROTTLED)]
    run = runner(h, max_attempts=2)
    assert await run.run_until_idle() == 1
    assert len(h.messenger.replies) == replies  # nothing said yet: it is retried
    h.clock.advance(minutes=1)
    assert await run.run_until_idle() == 1  # the retry files it
    assert list(h.files.files[FOLDER]) == ["01 Talk.docx"]

    h.files.failures = [FilingError(FilingFailure.TIMEOUT)] * 2
    await h.say(ALICE, "close")  # the workshop and the report
    assert await run.run_until_idle() == 2  # both fail once...
    h.clock.advance(minutes=1)
    h.files.failures = [FilingError(FilingFailure.TIMEOUT)] * 2
    assert await run.run_until_idle() == 2  # ...and on their last attempt they are told
    failed = [c for _, c in h.messenger.replies[replies:] if isinstance(c, dict)
              and any("could not be saved" in x for x in card_texts(c))]
    failed += [c for c in h.messenger.posts.values() if any("could not be saved" in x for x in card_texts(c))]
    assert len(failed) == 2
    assert {j.state for s in trajectory.steps for j in await jobs_of(h, s.id)
            if j.kind in (JobKind.FILE_STEP, JobKind.FILE_REPORT)} == {JobState.DONE}


async def test_a_deadline_that_closes_a_step_plans_its_file(h: Harness):
    trajectory = await started(h, steps=(("ideas", "Collect"), ("meeting", "Talk")), deadline=h.clock() + timedelta(hours=1))
    h.clock.advance(hours=1, minutes=1)
    await runner(h).run_until_idle()
    assert (await _load(h, trajectory.id)).steps[0].state is StepState.CLOSED
    (job,) = [j for j in await jobs_of(h, trajectory.steps[0].id) if j.kind is JobKind.FILE_STEP]
    assert job.state is JobState.DONE
    assert job.due_at == (await _load(h, trajectory.id)).steps[0].closed_at


async def test_without_a_file_store_nothing_is_planned_or_filed(sessions):
    h = Harness(sessions, FakeMessenger(roster=[ALICE, BOB]), Clock())
    trajectory = await started(h)
    await h.say(ALICE, "next")
    await h.say(ALICE, "close")
    assert (await _load(h, trajectory.id)).state is TrajectoryState.CLOSED
    assert not await kinds_of_jobs(h, trajectory) & {JobKind.FILE_STEP, JobKind.FILE_REPORT}
    assert await runner_for(h).run_until_idle() == 0


async def test_files_are_written_in_the_trajectory_s_language(h: Harness):
    await started(h, language="nl")
    await h.say(ALICE, "close")
    assert await runner(h).run_until_idle() == 2
    names = list(h.files.files[FOLDER])
    assert names == ["01 Talk.docx", "Verslag Offsite.docx"]
    assert "Agenda zoals verstuurd" in docx_text(h.files.files[FOLDER]["01 Talk.docx"])
    assert "De vraag" in docx_text(h.files.files[FOLDER]["Verslag Offsite.docx"])
    ready = [c for c in h.messenger.posts.values() if any("Het verslag is klaar" in x for x in card_texts(c))]
    assert len(ready) == 1


async def test_the_report_waits_for_a_step_file_whose_own_job_is_still_to_run(h: Harness):
    trajectory = await started(h)
    await h.say(ALICE, "next")
    (talk_job,) = [j for j in await jobs_of(h, trajectory.steps[0].id) if j.kind is JobKind.FILE_STEP]
    async with h.uow() as uow:  # its job waits for a retry (or another instance holds it)
        await uow.session.execute(sa.text("UPDATE jobs SET claimed_until = :later WHERE id = :id"),
                                  {"later": h.clock() + timedelta(hours=1), "id": talk_job.id})
        await uow.commit()
    await h.say(ALICE, "close")
    run = runner(h)
    assert await run.run_until_idle() == 2  # the workshop's file; the report waits
    assert list(h.files.files[FOLDER]) == ["02 Build.docx"]
    (report_job,) = [j for j in await jobs_of(h, trajectory.steps[1].id) if j.kind is JobKind.FILE_REPORT]
    assert (report_job.state, report_job.last_error) == (JobState.PENDING, "waiting for the step files")
    async with h.uow() as uow:
        await uow.session.execute(sa.text("UPDATE jobs SET claimed_until = NULL WHERE id = :id"), {"id": talk_job.id})
        await uow.commit()
    h.clock.advance(minutes=1)
    assert await run.run_until_idle() == 2
    assert sorted(h.files.files[FOLDER]) == ["01 Talk.docx", "02 Build.docx", "Report Offsite.docx"]
    assert len(links_in(h.files.files[FOLDER]["Report Offsite.docx"])) == 2
    assert len(h.files.calls) == 3  # nothing filed twice
