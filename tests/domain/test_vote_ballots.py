"""Rules of the vote step: settings, where options come from, ballot validation, versions."""

from datetime import datetime, timezone

import pytest

from trajectory.errors import InvalidInput, StaleVersion, StepNotOpen
from trajectory.kinds import STEP_KINDS, vote
from trajectory.kinds.vote import Ballot, Method, Rules, VoteState
from trajectory.model import Mode, Person, Step, StepState
from trajectory.setup import StepDraft, edit_draft, new_trajectory
from trajectory.model import ChannelRef

NOW = datetime(2026, 11, 25, 9, 0, tzinfo=timezone.utc)
ALICE = Person("aad-alice", "Alice")
BOB = Person("aad-bob", "Bob")
OPTIONS = frozenset({11, 12, 13, 14})


def rules(method: str, **kw) -> Rules:
    return Rules(method=Method(method), option_ids=OPTIONS, **kw)


def reason(excinfo) -> str:
    return excinfo.value.params["reason"]


# ---------------------------------------------------------------- settings


def test_defaults_and_registration():
    assert STEP_KINDS["vote"] is vote.KIND and vote.KIND.mode is Mode.ASYNC
    assert vote.normalise_settings({}) == {
        "method": "dots", "dots": 5, "cap": None, "top_k": 3, "source": None, "options": [],
        "anonymous": True, "hidden_results": True}


def test_settings_as_typed_on_the_setup_card():
    settings = vote.normalise_settings({
        "method": " Rank ", "dots": "7", "cap": "", "top_k": "4", "source": "", "anonymous": "false",
        "hidden_results": "true", "options": "  Coffee \n\n Tea\r\nWater\n"})
    assert settings == {"method": "rank", "dots": 7, "cap": None, "top_k": 4, "source": None,
                        "options": ["Coffee", "Tea", "Water"], "anonymous": False, "hidden_results": True}
    assert vote.normalise_settings(settings) == settings  # stored settings pass again unchanged


@pytest.mark.parametrize("settings, why", [
    ({"method": "plurality"}, "unknown_method"),
    ({"dots": 0}, "out_of_range"),
    ({"dots": "many"}, "not_a_number"),
    ({"dots": 3, "cap": 4}, "out_of_range"),
    ({"cap": True}, "not_a_number"),
    ({"top_k": vote.MAX_TOP_K + 1}, "out_of_range"),
    ({"source": 0}, "out_of_range"),
    ({"anonymous": "maybe"}, "not_on_off"),
    ({"options": "Only one"}, "count"),
    ({"options": "\n".join(f"o{n}" for n in range(vote.MAX_OPTIONS + 1))}, "count"),
    ({"options": "Tea\ntea"}, "duplicate_option"),
    ({"options": "x" * (vote.MAX_OPTION_LENGTH + 1) + "\ny"}, "too_long"),
    ({"options": "A\nB", "source": 1}, "source_and_options"),
    ({"options": 42}, "not_text"),
])
def test_bad_settings_are_refused_with_a_reason(settings, why):
    with pytest.raises(InvalidInput) as refused:
        vote.normalise_settings(settings)
    assert reason(refused) == why


def _steps(*kinds: str, **settings) -> list[Step]:
    return [Step(kind=k, mode=Mode.ASYNC, title=k, position=i, id=i + 1,
                 settings=settings if k == "vote" else {}) for i, k in enumerate(kinds)]


def test_options_come_from_the_nearest_earlier_idea_step_or_the_named_one():
    steps = _steps("ideas", "ideas", "vote", "ideas")
    assert vote.source_step(steps, steps[2]) is steps[1]
    steps = _steps("ideas", "ideas", "vote", "ideas", source=1)
    assert vote.source_step(steps, steps[2]) is steps[0]
    for source in (3, 4, 9):  # itself, a later step, no such step
        steps = _steps("ideas", "ideas", "vote", "ideas", source=source)
        assert vote.source_step(steps, steps[2]) is None
    steps = _steps("ideas", "vote", options=["A", "B"])
    assert vote.source_step(steps, steps[1]) is None  # typed options win: no idea step is read


def _draft(*drafts: StepDraft):
    trajectory = new_trajectory(ChannelRef("t", "team", "chan"), ALICE, "Retro", NOW)
    edit_draft(trajectory, title="Retro", question="Q?", steps=list(drafts), co_facilitators=[], now=NOW)
    return trajectory


def test_setup_checks_that_a_vote_has_somewhere_to_take_options_from():
    ideas, ballot = StepDraft("ideas", "Ideas"), StepDraft("vote", "Vote")
    assert [s.kind for s in _draft(ideas, ballot).steps] == ["ideas", "vote"]
    assert _draft(StepDraft("vote", "Vote", settings={"options": "A\nB"})).steps[0].settings["options"] == ["A", "B"]
    with pytest.raises(InvalidInput) as refused:
        _draft(ballot, ideas)
    assert reason(refused) == "no_option_source" and refused.value.params["step"] == 1
    with pytest.raises(InvalidInput) as refused:
        _draft(ideas, StepDraft("vote", "Vote", settings={"source": 2}))
    assert reason(refused) == "not_an_earlier_idea_step"


def test_options_are_frozen_in_order_and_cut_to_the_ballot_size():
    step = Step(kind="vote", mode=Mode.ASYNC, title="Vote", id=7, state=StepState.OPEN)
    candidates = [(f"idea {n}", 100 + n) for n in range(vote.MAX_OPTIONS + 5)]
    options = vote.freeze_options(step, candidates)
    assert len(options) == vote.MAX_OPTIONS
    assert [(o.position, o.label, o.idea_id) for o in options[:2]] == [(0, "idea 0", 100), (1, "idea 1", 101)]


def test_top_k_is_limited_by_the_number_of_options():
    step = Step(kind="vote", mode=Mode.ASYNC, title="Vote", settings={"method": "rank", "top_k": 5})
    options = [vote.VoteOption(step_id=1, position=i, label=str(i), id=i + 1) for i in range(2)]
    assert vote.rules_for(step, options).top_k == 2
    assert vote.rules_for(step, []).top_k == 1


# ---------------------------------------------------------------- ballots by method


def test_dots_within_budget_and_cap():
    assert vote.validate_ballot(rules("dots", dots=5, cap=3), {11: "3", 12: 2, 13: "", 14: "0"}) == {11: 3, 12: 2}
    assert vote.validate_ballot(rules("dots", dots=5), {11: 5.0}) == {11: 5}
    assert vote.validate_ballot(rules("dots", dots=5), {}) == {}


@pytest.mark.parametrize("raw, why", [
    ({11: 3, 12: 3}, "over_budget"),
    ({11: 4}, "over_cap"),
    ({11: -1}, "not_whole"),
    ({11: "-1"}, "not_whole"),
    ({11: "1.5"}, "not_whole"),
    ({11: 1.5}, "not_whole"),
    ({11: True}, "not_whole"),
    ({11: "two"}, "not_whole"),
    ({11: "\u0663"}, "not_whole"),  # an Arabic-Indic digit: isdigit() but not a number we take
    ({99: 1}, "unknown_option"),
    ({"eleven": 1}, "unknown_option"),
])
def test_bad_dots(raw, why):
    with pytest.raises(InvalidInput) as refused:
        vote.validate_ballot(rules("dots", dots=5, cap=3), raw)
    assert reason(refused) == why


def test_over_budget_says_how_many():
    with pytest.raises(InvalidInput) as refused:
        vote.validate_ballot(rules("dots", dots=5), {11: 4, 12: 3})
    assert refused.value.params == {"field": "vote", "reason": "over_budget", "used": 7, "limit": 5}


def test_rank_places_become_option_places():
    assert vote.validate_ballot(rules("rank", top_k=3), {1: "13", 2: 11, 3: ""}) == {13: 1, 11: 2}
    assert vote.validate_ballot(rules("rank", top_k=3), {1: "", 2: None, 3: " "}) == {}


@pytest.mark.parametrize("raw, why", [
    ({1: 11, 2: 11}, "rank_repeated"),
    ({1: 11, 3: 12}, "rank_gap"),
    ({2: 11}, "rank_gap"),
    ({1: 11, 4: 12}, "rank_too_many"),
    ({0: 11}, "rank_too_many"),
    ({"first": 11}, "not_whole"),
    ({1: 99}, "unknown_option"),
    ({1: "11; DROP TABLE"}, "unknown_option"),
])
def test_bad_rankings(raw, why):
    with pytest.raises(InvalidInput) as refused:
        vote.validate_ballot(rules("rank", top_k=3), raw)
    assert reason(refused) == why


def test_scores_one_to_five_and_blanks_are_unscored():
    assert vote.validate_ballot(rules("score"), {11: "5", 12: 1, 13: "", 14: None}) == {11: 5, 12: 1}


@pytest.mark.parametrize("raw, why", [({11: 0}, "out_of_range"), ({11: "6"}, "out_of_range"),
                                      ({11: "4.5"}, "not_whole"), ({42: 3}, "unknown_option")])
def test_bad_scores(raw, why):
    with pytest.raises(InvalidInput) as refused:
        vote.validate_ballot(rules("score"), raw)
    assert reason(refused) == why


def test_approval_is_a_subset():
    assert vote.validate_ballot(rules("approval"), {11: "true", 12: "false", 13: True, 14: ""}) == {11: 1, 13: 1}
    with pytest.raises(InvalidInput) as refused:
        vote.validate_ballot(rules("approval"), {11: "sure"})
    assert reason(refused) == "not_on_off"
    with pytest.raises(InvalidInput) as refused:
        vote.validate_ballot(rules("approval"), {77: "true"})
    assert reason(refused) == "unknown_option"


# ---------------------------------------------------------------- casting and versions


def open_vote(**settings) -> Step:
    return Step(kind="vote", mode=Mode.ASYNC, title="Vote", settings=settings, state=StepState.OPEN, id=5)


def test_cast_a_first_ballot_then_replace_it_then_clear_it():
    step = open_vote()
    first = vote.cast(step, None, BOB, {11: 2}, 0, NOW)
    assert first == Ballot(step_id=5, voter=BOB, choices={11: 2}, updated_at=NOW, version=0)
    stored = Ballot(step_id=5, voter=BOB, choices={11: 2}, updated_at=NOW, version=3, id=8)
    replaced = vote.cast(step, stored, BOB, {12: 1}, 3, NOW)
    assert replaced.choices == {12: 1} and replaced.id == 8 and replaced.version == 3
    cleared = vote.cast(step, stored, BOB, {}, 3, NOW)
    assert cleared.is_empty and vote.voters([cleared, first]) == {BOB.aad_id}
    assert vote.cast(step, None, BOB, {}, 0, NOW) is None  # nothing to clear


def test_a_stale_or_foreign_version_is_refused():
    step = open_vote()
    stored = Ballot(step_id=5, voter=BOB, choices={11: 2}, updated_at=NOW, version=2)
    for version in (0, 1, 3):
        with pytest.raises(StaleVersion):
            vote.cast(step, stored, BOB, {11: 1}, version, NOW)
    with pytest.raises(StaleVersion):
        vote.cast(step, None, BOB, {11: 1}, 2, NOW)  # someone else's ballot version


def test_closed_steps_and_other_kinds_take_no_ballots():
    for step in (Step(kind="vote", mode=Mode.ASYNC, title="V", state=StepState.CLOSED, id=5),
                 Step(kind="ideas", mode=Mode.ASYNC, title="I", state=StepState.OPEN, id=5)):
        with pytest.raises(StepNotOpen):
            vote.cast(step, None, BOB, {11: 1}, 0, NOW)


def test_results_are_hidden_until_revealed_or_closed():
    step = open_vote()
    state = VoteState(step_id=5, frozen_at=NOW, offered=3)
    assert not vote.results_visible(step, state) and vote.reveal(step, state)
    revealed = VoteState(step_id=5, frozen_at=NOW, offered=3, revealed_at=NOW)
    assert vote.results_visible(step, revealed) and not vote.reveal(step, revealed)
    assert vote.results_visible(open_vote(hidden_results=False), state)
    assert not vote.reveal(open_vote(hidden_results=False), state)  # nothing to reveal
    step.state = StepState.CLOSED
    assert vote.results_visible(step, state)
    with pytest.raises(StepNotOpen):
        vote.reveal(step, state)
    assert vote.is_anonymous(open_vote()) and not vote.is_anonymous(open_vote(anonymous=False))
