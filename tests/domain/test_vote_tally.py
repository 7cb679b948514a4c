"""Tallies of each voting method: order, shared ranks for ties, empty ballots and no ballots."""

from datetime import datetime, timezone
from fractions import Fraction

import pytest

from trajectory.kinds.vote import Ballot, Method, Rules, VoteOption
from trajectory.kinds.vote_tally import borda_points, tally
from trajectory.model import Person

NOW = datetime(2026, 11, 25, 9, 0, tzinfo=timezone.utc)
OPTIONS = [VoteOption(step_id=1, position=i, label=label, id=10 + i) for i, label in enumerate("ABCD")]
A, B, C, D = (o.id for o in OPTIONS)


def ballots(*choices: dict[int, int]) -> list[Ballot]:
    return [Ballot(step_id=1, voter=Person(f"aad-{n}", f"Voter {n}"), choices=c, updated_at=NOW, version=1)
            for n, c in enumerate(choices)]


def rules(method: Method, **kw) -> Rules:
    return Rules(method=method, option_ids=frozenset(o.id for o in OPTIONS), **kw)


def table(result) -> list[tuple[str, int, bool, int]]:
    return [(r.option.label, r.rank, r.tied, r.points) for r in result.results]


def test_dots_sum_and_order():
    result = tally(rules(Method.DOTS, dots=5), OPTIONS, ballots({A: 1, C: 4}, {C: 2, B: 3}, {D: 5}))
    assert table(result) == [("C", 1, False, 6), ("D", 2, False, 5), ("B", 3, False, 3), ("A", 4, False, 1)]
    assert result.voters == 3 and result.has_votes
    assert [r.count for r in result.results] == [2, 1, 1, 1]


def test_ties_share_a_rank_and_keep_ballot_order():
    # B and C both get 3; D and A both 0: ranks 1, 2, 2, 4 ... and the ballot order within ties.
    result = tally(rules(Method.DOTS, dots=5), OPTIONS, ballots({C: 3, B: 1}, {B: 2, D: 0}, {A: 0}))
    assert table(result) == [("B", 1, True, 3), ("C", 1, True, 3), ("A", 3, True, 0), ("D", 3, True, 0)]
    result = tally(rules(Method.DOTS, dots=5), OPTIONS, ballots({A: 5}, {B: 2, C: 2, D: 1}))
    assert [(r.option.label, r.rank, r.tied) for r in result.results] == [
        ("A", 1, False), ("B", 2, True), ("C", 2, True), ("D", 4, False)]


def test_rank_is_a_borda_count():
    assert [borda_points(p, 3) for p in (1, 2, 3, 4)] == [3, 2, 1, 0]
    result = tally(rules(Method.RANK, top_k=3), OPTIONS,
                   ballots({A: 1, B: 2, C: 3}, {B: 1, A: 2}, {C: 1}))
    # A: 3 + 2 = 5; B: 2 + 3 = 5; C: 1 + 3 = 4; D: 0
    assert table(result) == [("A", 1, True, 5), ("B", 1, True, 5), ("C", 3, False, 4), ("D", 4, False, 0)]


def test_score_ranks_by_exact_average_and_unscored_options_come_last():
    result = tally(rules(Method.SCORE), OPTIONS, ballots({A: 5, B: 4}, {A: 3, B: 4, C: 2}, {A: 4}))
    rows = {r.option.label: r for r in result.results}
    assert rows["A"].average == Fraction(4) and (rows["A"].points, rows["A"].count) == (12, 3)
    assert rows["B"].average == Fraction(4) and (rows["B"].points, rows["B"].count) == (8, 2)
    assert rows["D"].average is None and rows["D"].count == 0
    assert [(r.option.label, r.rank, r.tied) for r in result.results] == [
        ("A", 1, True), ("B", 1, True), ("C", 3, False), ("D", 4, False)]


def test_score_averages_that_differ_only_after_rounding_are_not_tied():
    # 10/3 = 3.33... and 3.3 would round alike; exact fractions keep them apart.
    result = tally(rules(Method.SCORE), OPTIONS, ballots({A: 4, B: 3}, {A: 3, B: 3}, {A: 3}, {B: 4}))
    rows = {r.option.label: r for r in result.results}
    assert rows["A"].average == Fraction(10, 3) and rows["B"].average == Fraction(10, 3)
    assert rows["A"].tied and rows["B"].tied and rows["A"].rank == rows["B"].rank == 1
    result = tally(rules(Method.SCORE), OPTIONS, ballots({A: 4, B: 4}, {A: 3, B: 3}, {A: 3, B: 3}, {B: 3}))
    assert [r.option.label for r in result.results][:2] == ["A", "B"] and not result.results[0].tied


def test_approval_counts_ballots():
    result = tally(rules(Method.APPROVAL), OPTIONS, ballots({A: 1, D: 1}, {D: 1}, {B: 1, D: 1}))
    assert table(result) == [("D", 1, False, 3), ("A", 2, True, 1), ("B", 2, True, 1), ("C", 4, False, 0)]


@pytest.mark.parametrize("method", list(Method))
def test_no_ballots_or_only_empty_ones(method):
    for cast in ([], ballots({}, {})):
        result = tally(rules(method, dots=5, top_k=3), OPTIONS, cast)
        assert result.voters == 0 and not result.has_votes
        assert [(r.option.label, r.rank, r.tied) for r in result.results] == [
            ("A", 1, True), ("B", 1, True), ("C", 1, True), ("D", 1, True)]


@pytest.mark.parametrize("method", list(Method))
def test_choices_for_options_not_on_the_ballot_are_ignored(method):
    result = tally(rules(method, dots=5, top_k=3), OPTIONS, ballots({999: 1}, {A: 1}))
    assert result.voters == 1 and result.results[0].option.label == "A"


def test_no_options():
    result = tally(rules(Method.DOTS), [], ballots({A: 1}))
    assert result.results == [] and result.voters == 0


def test_the_same_ballots_in_any_order_give_the_same_tally():
    cast = ballots({A: 2, B: 3}, {C: 3, D: 2}, {B: 2, C: 2, A: 1})
    assert tally(rules(Method.DOTS, dots=5), OPTIONS, cast) == tally(rules(Method.DOTS, dots=5), OPTIONS[::-1],
                                                                     cast[::-1])
