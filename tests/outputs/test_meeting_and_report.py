"""The meeting/workshop documents and the final report, reopened with python-docx: the facts table, the
Teams link as a hyperlink, who was invited, the agenda as sent, outcomes and decisions; the report's
steps, participation, results, the chart as a picture and the links to the step files; Dutch when the
trajectory is Dutch; and a report that names nobody."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from io import BytesIO

import pytest
from docx import Document
from PIL import Image

from cards.texts import speaking
from dialogs.filing import gather_report
from outputs import meeting as meeting_output
from outputs import report as reports
from outputs.meeting import agenda_lines
from outputs.model import Chart, StepSummary
from outputs.registry import STEP_OUTPUTS
from storage.unit_of_work import SqlUnitOfWork
from trajectory import agenda as agendas
from trajectory import engine as transitions
from trajectory import services
from trajectory.files import DOCX
from trajectory.filing import FiledOutput
from trajectory.kinds import STEP_KINDS
from trajectory.kinds.meeting import Meeting, MeetingState
from trajectory.model import ChannelRef, Mode, Person, StepState
from trajectory.setup import StepDraft, edit_draft, new_trajectory

NOW = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)
START = datetime(2026, 11, 26, 9, 0, tzinfo=UTC)  # 10:00 in Brussels
ANN = Person("aad-ann", "Annelies Vermeulen", "29:ann")
BOB = Person("aad-bob", "Bob Janssens", "29:bob")
CAT = Person("aad-cat", "Cato Peeters", "29:cat")
DAN = Person("aad-dan", "Dirk De Smet", "29:dan")
TEAM = "19:team@thread.tacv2"
LABELS = {"title": "Agenda", "none": "No agenda", "tied": "(tied)", "points": "{points} points", "open": "Open question:",
          "question": "Question:", "comment": "Comment:", "answer": "Answer:", "more": "…and {n} more"}


@pytest.fixture
def uows(sessions):
    return lambda: SqlUnitOfWork(sessions)


def text_of(content: bytes) -> str:
    doc = Document(BytesIO(content))
    return "\n".join([p.text for p in doc.paragraphs] + [c.text for t in doc.tables for r in t.rows for c in r.cells])


def links_of(content: bytes) -> list[tuple[str, str]]:
    doc = Document(BytesIO(content))
    paragraphs = list(doc.paragraphs) + [p for t in doc.tables for r in t.rows for c in r.cells for p in c.paragraphs]
    return [(link.text, link.url) for p in paragraphs for link in p.hyperlinks]


async def trajectory_with(uows, steps, language="en"):
    trajectory = new_trajectory(ChannelRef("tenant-1", TEAM, "19:chan@thread.tacv2"), ANN, "Better meetings", NOW)
    edit_draft(trajectory, title="Better meetings", question="How do we meet better?", steps=steps, co_facilitators=[],
               now=NOW, settings={"language": language, "time_zone": "Europe/Brussels"})
    async with uows() as uow:
        await uow.trajectories.add(trajectory)
        await uow.channels.replace_members(TEAM, [ANN, BOB, CAT, DAN])
        transitions.start(trajectory, NOW)
        await uow.trajectories.save(trajectory)
        await uow.commit()
    return trajectory


async def close_current(uows, trajectory, at):
    async with uows() as uow:
        transitions.advance(trajectory, at)
        await uow.trajectories.save(trajectory)
        await uow.commit()


def held(step_id, **fields) -> Meeting:
    agenda = agendas.Agenda(source_title="Collect ideas", kind="ideas", items=(
        agendas.Item("Walk meetings", by="Bob Janssens", notes=(agendas.Note("How long?", None, True),)),
        agendas.Item("<b>No</b> laptops", by="Cato Peeters")))
    values = dict(step_id=step_id, event_id="ev-1", start=START, end=START + timedelta(minutes=90),
                  time_zone="Europe/Brussels", organizer="ann@contoso.example", location="", online=True,
                  join_url="https://teams.microsoft.com/l/meetup-join/abc", agenda_html=agendas.to_html(agenda, LABELS),
                  outcomes="We tried it.\nIt works\x01 mostly.", decisions="Walk meetings on Fridays.")
    return Meeting(**{**values, **fields})


async def store(uows, meeting: Meeting) -> None:
    async with uows() as uow:
        await uow.meetings.add(meeting)
        await uow.commit()


def test_every_step_kind_has_a_step_output():
    assert set(STEP_OUTPUTS) == set(STEP_KINDS)


def test_the_agenda_comes_back_as_sent_with_its_depth():
    html = agendas.to_html(agendas.Agenda("Vote", "ranking", (agendas.Item("A & B", rank=1, points=3, tied=True),)),
                           LABELS)
    assert agenda_lines(html) == [(0, "Agenda (Vote)"), (1, "1. A & B — 3 points (tied)")]
    assert agenda_lines("") == []


async def test_a_meeting_document_has_the_time_link_invited_agenda_outcomes_and_decisions(uows):
    trajectory = await trajectory_with(uows, [StepDraft("meeting", "Talk it through")])
    step = trajectory.steps[0]
    await store(uows, held(step.id))
    await close_current(uows, trajectory, START + timedelta(hours=2))
    with speaking("en"):
        async with uows() as uow:
            output = await meeting_output.document(uow, trajectory, step)
            summary = await meeting_output.summary(uow, trajectory, step)
    assert (output.name, output.content_type) == ("01 Talk it through.docx", DOCX)
    text = text_of(output.content)
    assert "Thursday, 26 November 2026, 10:00–11:30 (Europe/Brussels)" in text
    assert "Online in Teams" in text and "ann@contoso.example" in text
    assert links_of(output.content) == [("Join the meeting in Teams", "https://teams.microsoft.com/l/meetup-join/abc")]
    assert "The channel's members (4):" in text and all(p.name in text for p in (ANN, BOB, CAT, DAN))
    assert "Walk meetings (Bob Janssens)" in text and "Open question: How long?" in text
    assert "<b>No</b> laptops (Cato Peeters)" in text  # people's text stays text
    assert "We tried it." in text and "It works mostly." in text and "Walk meetings on Fridays." in text
    doc = Document(BytesIO(output.content))
    assert doc.paragraphs[0].text == "Talk it through" and doc.core_properties.title == "Talk it through"
    assert summary.headline == "Held Thursday, 26 November 2026, 10:00–11:30 (Europe/Brussels)"
    assert summary.lines == ("Where: Online in Teams", "Outcomes: We tried it. It works mostly.",
                             "Decisions: Walk meetings on Fridays.")


async def test_a_workshop_in_dutch_and_the_unscheduled_and_cancelled_cases(uows):
    trajectory = await trajectory_with(uows, [StepDraft("workshop", "Samen aan de slag"), StepDraft("meeting", "Praten"),
                                              StepDraft("meeting", "Nog eens")], language="nl")
    workshop, unscheduled, cancelled = trajectory.steps
    await store(uows, held(workshop.id, location="Zaal 4.01, Gent", online=False, join_url=None, decisions=""))
    await store(uows, held(cancelled.id, state=MeetingState.CANCELLED))
    with speaking("nl"):
        async with uows() as uow:
            output = await meeting_output.document(uow, trajectory, workshop)
            none = await meeting_output.document(uow, trajectory, unscheduled)
            none_summary = await meeting_output.summary(uow, trajectory, unscheduled)
            gone_summary = await meeting_output.summary(uow, trajectory, cancelled)
    text = text_of(output.content)
    assert "donderdag 26 november 2026, 10:00–11:30 (Europe/Brussels)" in text
    assert "Zaal 4.01, Gent" in text and "Agenda zoals verstuurd" in text and "Beslissingen" in text
    assert "Er werd niets genoteerd." in text and links_of(output.content) == []
    assert "Er werd geen vergadering ingepland." in text_of(none.content)
    assert none_summary.headline == "Er werd geen vergadering ingepland."
    with speaking("en"):
        async with uows() as uow:  # the step is closed before its meeting's time
            workshop.closed_at = START - timedelta(days=1)
            early = await meeting_output.summary(uow, trajectory, workshop)
    assert early.headline == "Planned for Thursday, 26 November 2026, 10:00–11:30 (Europe/Brussels) (the step closed before it)"
    assert gone_summary.headline.startswith("Geannuleerd (was gepland op donderdag 26 november 2026")


def view(**fields) -> reports.ReportView:
    steps = (
        reports.ReportStep(0, "Collect ideas", "ideas", Mode.ASYNC, StepState.CLOSED, NOW, NOW + timedelta(days=2),
                           reports.Participation(3, 4), StepSummary("5 ideas from 3 people", ("Walk meetings",)),
                           reports.FileLink("01 Collect ideas.xlsx", "https://contoso.sharepoint.com/f/1")),
        reports.ReportStep(1, "Prioritise", "vote", Mode.ASYNC, StepState.CLOSED, NOW, NOW + timedelta(days=3),
                           reports.Participation(4, 4),
                           StepSummary("Top priority: Walk meetings (9 points)", (),
                                       Chart("Points", ("Walk meetings", "No laptops"), (9, 4.5)))),
        reports.ReportStep(2, "Talk it through", "meeting", Mode.SYNC, StepState.CLOSED, NOW, NOW + timedelta(days=4),
                           None, StepSummary("Held somewhen"), reports.FileLink("03 Talk it through.docx")),
        reports.ReportStep(3, "Evaluate", "evaluation", Mode.ASYNC, StepState.SKIPPED),
    )
    values = dict(title="Better meetings", question="How do we meet better?", time_zone="Europe/Brussels",
                  written_at=NOW + timedelta(days=5), steps=steps, started_at=NOW, closed_at=NOW + timedelta(days=4),
                  members=4)
    return reports.ReportView(**{**values, **fields})


def test_the_report_tells_each_step_with_results_chart_and_links():
    with speaking("en"):
        output = reports.build(view())
    assert (output.name, output.content_type) == ("Report Better meetings.docx", DOCX)
    text = text_of(output.content)
    doc = Document(BytesIO(output.content))
    assert doc.paragraphs[0].text == "Report: Better meetings" and "How do we meet better?" in text
    headings = [p.text for p in doc.paragraphs if p.style.name.startswith("Heading")]
    assert headings == ["The question", "1. Collect ideas", "Results", "2. Prioritise", "Results",
                        "3. Talk it through", "Results", "4. Evaluate"]
    assert "Asynchronous: in the channel, at everyone's own time" in text and "Synchronous: together, at one time" in text
    assert "25 Nov 2026, 10:00" in text and "27 Nov 2026, 10:00" in text  # opened and closed, Brussels time
    assert "3 of 4 members (75%)" in text and "4 of 4 members (100%)" in text and "Live: not counted" in text
    assert "5 ideas from 3 people" in text and "Top priority: Walk meetings (9 points)" in text
    assert "Not reached: the trajectory closed before this step" in text and "3 of 4 done" in text
    assert links_of(output.content) == [("01 Collect ideas.xlsx", "https://contoso.sharepoint.com/f/1")]
    assert "03 Talk it through.docx (in Blend's local outbox)" in text and "Not filed" in text
    (shape,) = doc.inline_shapes
    blip = shape._inline.graphic.graphicData.pic.blipFill.blip.embed
    picture = Image.open(BytesIO(doc.part.related_parts[blip].blob))
    assert picture.format == "PNG" and picture.width >= 1000


def test_the_report_in_dutch():
    with speaking("nl"):
        output = reports.build(view())
    text = text_of(output.content)
    assert output.name == "Verslag Better meetings.docx"
    assert "De vraag" in text and "3 van 4 leden (75%)" in text and "Live: niet geteld" in text
    assert "25 nov. 2026 10:00" in text and "Niet bereikt" in text


def test_a_report_without_results_or_dates_still_builds():
    empty = view(steps=(reports.ReportStep(0, "Collect ideas", "ideas", Mode.ASYNC, StepState.CLOSED, NOW, None,
                                           reports.Participation(0, 0), None),), started_at=None, question="",
                 members=0)
    with speaking("en"):
        text = text_of(reports.build(empty).content)
    assert "No question was set." in text and "No results could be summarised for this step." in text
    assert "0 members" in text


async def test_gathering_counts_participation_against_the_roster_and_names_nobody(uows):
    trajectory = await trajectory_with(uows, [StepDraft("ideas", "Collect ideas"), StepDraft("meeting", "Talk"),
                                              StepDraft("evaluation", "Evaluate")])
    ideas, talk, _ = trajectory.steps
    async with uows() as uow:
        await services.add_idea(uow, ideas.id, BOB, "Walk meetings", NOW)
        await services.add_idea(uow, ideas.id, CAT, "No laptops", NOW)
        await uow.commit()
    await close_current(uows, trajectory, NOW + timedelta(days=1))
    async with uows() as uow:
        transitions.close(trajectory, NOW + timedelta(days=2))
        await uow.trajectories.save(trajectory)
        await uow.commit()
    filed = {ideas.id: FiledOutput(trajectory.id, ideas.id, "01 Collect ideas.xlsx", "item-1",
                                   "https://contoso.sharepoint.com/f/1", NOW)}
    with speaking("en"):
        async with uows() as uow:
            gathered = await gather_report(uow, trajectory, filed, NOW + timedelta(days=2))
        output = reports.build(gathered)
    first, second, third = gathered.steps
    assert first.participation == reports.Participation(2, 4) and first.summary is not None
    assert first.file == reports.FileLink("01 Collect ideas.xlsx", "https://contoso.sharepoint.com/f/1")
    assert second.mode is Mode.SYNC and second.participation is None and second.file is None
    assert third.state is StepState.SKIPPED and third.opened_at is None and third.summary is None
    assert gathered.members == 4 and gathered.closed_at == NOW + timedelta(days=2)
    text = text_of(output.content)
    assert "2 of 4 members (50%)" in text
    assert not any(name in text for p in (ANN, BOB, CAT, DAN) for name in p.name.split())
