"""Rules of clarifications (questions and comments on ideas) and of merging duplicate ideas."""

from datetime import datetime, timedelta, timezone

import pytest

from trajectory.errors import (
    ClarificationLimit,
    IdeaGone,
    IdeaMerged,
    InvalidInput,
    MergeIntoItself,
    MergeTargetUnavailable,
    MergeTooLate,
    NotIdeaAuthor,
    OwnIdea,
    StaleVersion,
    StepNotOpen,
)
from trajectory.kinds.clarifications import (
    MAX_CLARIFICATIONS_PER_PERSON,
    ClarificationKind,
    answer,
    ask,
    parse_flag,
    parse_kind,
    takes_clarifications,
)
from trajectory.kinds.ideas import (
    Idea,
    IdeaState,
    can_merge,
    edit_idea,
    final_target,
    merge_idea,
    unmerge_idea,
    withdraw_idea,
)
from trajectory.model import ChannelRef, Mode, Person, Step, StepState, Trajectory, TrajectoryState

NOW = datetime(2026, 11, 25, 9, 0, tzinfo=timezone.utc)
ALICE = Person("aad-alice", "Alice")
BOB = Person("aad-bob", "Bob", "29:bob")
CAROL = Person("aad-carol", "Carol", "29:carol")


def ideas_step(state=StepState.OPEN) -> Step:
    return Step(kind="ideas", mode=Mode.ASYNC, title="Ideas", state=state, id=3, position=0)


def idea(n: int, author=BOB, step_id=3, **kw) -> Idea:
    return Idea(step_id=step_id, author=author, text=f"idea {n}", created_at=NOW, updated_at=NOW, id=n, **kw)


def trajectory(*steps: Step, state=TrajectoryState.RUNNING) -> Trajectory:
    for position, step in enumerate(steps):
        step.position = position
    return Trajectory(channel=ChannelRef("t", "team", "chan"), title="Offsite", question="?", created_by=ALICE,
                      created_at=NOW, facilitators=[ALICE], steps=list(steps), state=state, id=1)


# ---------------------------------------------------------------- asking


def test_a_question_is_cleaned_and_keeps_the_askers_name():
    c = ask(ideas_step(), idea(1), CAROL, ClarificationKind.QUESTION, "  What do you mean?\x07 ", False, 0, NOW)
    assert (c.text, c.asker, c.anonymous, c.kind, c.idea_id, c.step_id) == (
        "What do you mean?", Person("aad-carol", "Carol"), False, ClarificationKind.QUESTION, 1, 3)
    assert c.asker_name == "Carol" and c.answer is None and c.version == 1


def test_an_anonymous_askers_name_is_not_even_kept():
    c = ask(ideas_step(), idea(1), CAROL, ClarificationKind.COMMENT, "Love it", True, 0, NOW)
    assert c.asker == Person("aad-carol", "")  # the aad id stays: for the limit and "yours"
    assert c.asker_name is None


@pytest.mark.parametrize("text, reason", [("", "empty"), (" \n ", "empty"), ("x" * 501, "too_long"),
                                          (None, "empty"), (7, "not_text")])
def test_bad_question_text(text, reason):
    with pytest.raises(InvalidInput) as refused:
        ask(ideas_step(), idea(1), CAROL, ClarificationKind.QUESTION, text, False, 0, NOW)
    assert refused.value.params["reason"] == reason


def test_a_question_of_exactly_the_limit_is_fine():
    assert len(ask(ideas_step(), idea(1), CAROL, ClarificationKind.QUESTION, "q" * 500, False, 0, NOW).text) == 500


def test_nobody_asks_their_own_idea():
    with pytest.raises(OwnIdea):
        ask(ideas_step(), idea(1, author=CAROL), CAROL, ClarificationKind.COMMENT, "note to self", False, 0, NOW)


def test_limit_per_member_and_step():
    ask(ideas_step(), idea(1), CAROL, ClarificationKind.QUESTION, "q", True, MAX_CLARIFICATIONS_PER_PERSON - 1, NOW)
    with pytest.raises(ClarificationLimit) as refused:
        ask(ideas_step(), idea(1), CAROL, ClarificationKind.QUESTION, "q", True, MAX_CLARIFICATIONS_PER_PERSON, NOW)
    assert refused.value.params == {"limit": MAX_CLARIFICATIONS_PER_PERSON}


@pytest.mark.parametrize("state, allowed", [(StepState.OPEN, True), (StepState.CLOSED, True),
                                            (StepState.PENDING, False), (StepState.CANCELLED, False),
                                            (StepState.SKIPPED, False)])
def test_questions_on_the_open_step_and_on_the_summary_after_close(state, allowed):
    assert takes_clarifications(ideas_step(state)) is allowed
    if allowed:
        ask(ideas_step(state), idea(1), CAROL, ClarificationKind.QUESTION, "q", False, 0, NOW)
    else:
        with pytest.raises(StepNotOpen):
            ask(ideas_step(state), idea(1), CAROL, ClarificationKind.QUESTION, "q", False, 0, NOW)


def test_other_kinds_of_step_take_no_questions():
    vote = Step(kind="vote", mode=Mode.ASYNC, title="Vote", state=StepState.OPEN, id=3)
    with pytest.raises(StepNotOpen):
        ask(vote, idea(1), CAROL, ClarificationKind.QUESTION, "q", False, 0, NOW)


def test_withdrawn_ideas_take_no_questions_and_ideas_of_other_steps_are_refused():
    with pytest.raises(IdeaGone):
        ask(ideas_step(), idea(1, state=IdeaState.WITHDRAWN), CAROL, ClarificationKind.QUESTION, "q", False, 0, NOW)
    with pytest.raises(StepNotOpen):
        ask(ideas_step(), idea(1, step_id=99), CAROL, ClarificationKind.QUESTION, "q", False, 0, NOW)


def test_kind_and_flag_parsing():
    assert parse_kind("comment") is ClarificationKind.COMMENT and parse_kind(None) is ClarificationKind.QUESTION
    with pytest.raises(InvalidInput):
        parse_kind("insult")
    assert parse_flag("true") and parse_flag(True) and not parse_flag("false") and not parse_flag(None)
    assert not parse_flag("yes please")


# ---------------------------------------------------------------- answering


def asked(**kw):
    return ask(ideas_step(), idea(1), CAROL, ClarificationKind.QUESTION, "Why?", True, 0, NOW)


def test_only_the_author_answers_and_answering_again_replaces():
    c = asked()
    c.id = 5
    with pytest.raises(NotIdeaAuthor):
        answer(ideas_step(), idea(1), c, CAROL, "I'll answer for Bob", 1, NOW)
    answer(ideas_step(), idea(1), c, BOB, "  Because.  ", 1, NOW + timedelta(hours=1))
    assert (c.answer, c.answered_at) == ("Because.", NOW + timedelta(hours=1))
    c.version = 2
    answer(ideas_step(), idea(1), c, BOB, "Because, really.", 2, NOW)
    assert c.answer == "Because, really."


def test_answer_refusals_change_nothing():
    c = asked()
    for step, target, text, version, error in [
        (ideas_step(), idea(1), "", 1, InvalidInput),
        (ideas_step(), idea(1), "a" * 1001, 1, InvalidInput),
        (ideas_step(), idea(1), "ok", 2, StaleVersion),
        (ideas_step(StepState.CANCELLED), idea(1), "ok", 1, StepNotOpen),
        (ideas_step(), idea(1, state=IdeaState.WITHDRAWN), "ok", 1, IdeaGone),
        (ideas_step(), idea(2), "ok", 1, NotIdeaAuthor),  # not the idea it was asked about
    ]:
        with pytest.raises(error):
            answer(step, target, c, BOB, text, version, NOW)
        assert c.answer is None and c.answered_at is None
    assert len(answer(ideas_step(), idea(1), c, BOB, "a" * 1000, 1, NOW).answer) == 1000


def test_the_author_of_a_merged_idea_still_answers_on_the_summary():
    c = asked()
    answer(ideas_step(StepState.CLOSED), idea(1, merged_into=2), c, BOB, "Same as idea 2", 1, NOW)
    assert c.answer == "Same as idea 2"


# ---------------------------------------------------------------- merging


def test_merge_marks_the_duplicate_and_it_is_no_longer_active():
    step = ideas_step()
    a, b = idea(1), idea(2, author=CAROL)
    merge_idea(trajectory(step), step, a, b, NOW + timedelta(minutes=1))
    assert a.merged_into == 2 and not a.is_active and b.is_active
    assert a.updated_at == NOW + timedelta(minutes=1) and a.text == "idea 1"


def test_merge_refusals():
    step = ideas_step()
    t = trajectory(step)
    cases = [
        (idea(1), idea(1), MergeIntoItself),
        (idea(1), idea(2, merged_into=3), MergeTargetUnavailable),  # into a merged idea
        (idea(1), idea(2, state=IdeaState.WITHDRAWN), MergeTargetUnavailable),
        (idea(1), idea(2, step_id=4), MergeTargetUnavailable),  # another step's idea
        (idea(1, merged_into=3), idea(2), IdeaMerged),  # already merged
        (idea(1, state=IdeaState.WITHDRAWN), idea(2), MergeTargetUnavailable),
    ]
    for source, target, error in cases:
        with pytest.raises(error):
            merge_idea(t, step, source, target, NOW)


def test_chains_resolve_to_the_final_target_and_cycles_never_loop():
    assert final_target(1, {1: 2, 2: 3, 3: None}) == 3
    assert final_target(3, {1: 2, 2: 3}) == 3
    assert final_target(7, {}) == 7
    assert final_target(1, {1: 2, 2: 1}) in (1, 2)  # bad data: stops instead of spinning


def test_merge_window_open_then_closed_until_a_later_async_step_opens():
    ideas = ideas_step()
    meeting = Step(kind="meeting", mode=Mode.SYNC, title="Meet", id=4)
    vote = Step(kind="vote", mode=Mode.ASYNC, title="Vote", id=5)
    t = trajectory(ideas, meeting, vote)
    assert can_merge(t, ideas)
    ideas.state, meeting.state = StepState.CLOSED, StepState.OPEN  # the live meeting: still fine
    assert can_merge(t, ideas)
    merge_idea(t, ideas, idea(1), idea(2), NOW)
    meeting.state, vote.state = StepState.CLOSED, StepState.OPEN  # the vote froze its options
    assert not can_merge(t, ideas)
    with pytest.raises(MergeTooLate):
        merge_idea(t, ideas, idea(1), idea(2), NOW)
    with pytest.raises(MergeTooLate):
        unmerge_idea(t, ideas, idea(1, merged_into=2), NOW)


def test_no_merges_once_the_trajectory_ended_or_on_a_cancelled_step():
    step = ideas_step(StepState.CLOSED)
    assert not can_merge(trajectory(step, state=TrajectoryState.CLOSED), step)
    cancelled = ideas_step(StepState.CANCELLED)
    assert not can_merge(trajectory(cancelled, state=TrajectoryState.CANCELLED), cancelled)
    vote = Step(kind="vote", mode=Mode.ASYNC, title="Vote", state=StepState.OPEN, id=3)
    assert not can_merge(trajectory(vote), vote)


def test_unmerge_undoes_a_merge_only():
    step = ideas_step()
    a = idea(1, merged_into=2)
    unmerge_idea(trajectory(step), step, a, NOW)
    assert a.merged_into is None and a.is_active
    with pytest.raises(MergeTargetUnavailable):
        unmerge_idea(trajectory(step), step, a, NOW)


def test_a_merged_idea_can_no_longer_be_edited_or_withdrawn_by_its_author():
    step = ideas_step()
    a = idea(1, merged_into=2)
    with pytest.raises(IdeaMerged):
        edit_idea(step, a, BOB, "sneaky change", NOW)
    with pytest.raises(IdeaMerged):
        withdraw_idea(step, a, BOB, NOW)
    assert a.text == "idea 1" and a.state is IdeaState.ACTIVE


def test_merge_groups_gather_chains_under_the_final_target():
    from trajectory.kinds.ideas import merge_groups

    a, b, c, d = idea(1, merged_into=2), idea(2, merged_into=3), idea(3), idea(4)
    groups = merge_groups([a, b, c, d])
    assert {k: [i.id for i in v] for k, v in groups.items()} == {3: [1, 2], 4: []}
    assert merge_groups([idea(5, merged_into=99)]) == {}  # a target that is not there any more
