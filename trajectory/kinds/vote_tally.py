"""Counting ballots. Pure and deterministic: the same ballots always give the same ranking.

Options are ordered by their value (highest first); options with equal values share a rank
("1, 2, 2, 4") and are marked tied, and among them the ballot order decides only who is listed
first. Averages are exact fractions, so ties are never made or broken by rounding.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from typing import Iterable, Mapping

from .vote import Ballot, Method, Rules, VoteOption


@dataclass(frozen=True)
class OptionResult:
    option: VoteOption
    rank: int  # 1 = best; equal values share a rank
    tied: bool  # another option has the same value
    points: int  # dots, Borda points, approvals, or the sum of scores
    count: int  # ballots that gave the option something (dots, a place, a score, an approval)
    average: Fraction | None = None  # scoring only; None when nobody scored the option


@dataclass(frozen=True)
class Tally:
    method: Method
    results: list[OptionResult]
    voters: int  # non-empty ballots counted

    @property
    def has_votes(self) -> bool:
        return self.voters > 0


def borda_points(place: int, top_k: int) -> int:
    """k points for the 1st place, k-1 for the 2nd, ... 1 for the k-th."""
    return max(0, top_k - place + 1)


def _contribution(rules: Rules, value: int) -> int:
    if rules.method is Method.RANK:
        return borda_points(value, rules.top_k)
    if rules.method is Method.APPROVAL:
        return 1
    return value  # dots, score


def _sort_key(method: Method, points: int, average: Fraction | None) -> tuple[int, Fraction]:
    if method is Method.SCORE:
        # Unscored options come after every scored one, all sharing the last rank.
        return (0, Fraction(0)) if average is None else (1, average)
    return (1, Fraction(points))


@dataclass(frozen=True)
class Totals:
    """All a tally needs: how many ballots gave each option each value (counted choices only:
    options on the ballot, values above 0), and how many ballots had at least one. The storage
    counts these in SQL (GROUP BY option, value); ``totals`` counts them from ballots."""

    voters: int
    given: Mapping[tuple[int, int], int]  # (option id, value) -> ballots


def totals(options: Iterable[VoteOption], ballots: Iterable[Ballot]) -> Totals:
    """Count ballots per (option, value). Empty ballots and unknown options are ignored."""
    known = {o.id for o in options if o.id is not None}
    given: dict[tuple[int, int], int] = {}
    voters = 0
    for ballot in ballots:
        counted = [(k, v) for k, v in ballot.choices.items() if k in known and v > 0]
        if not counted:
            continue
        voters += 1
        for pair in counted:
            given[pair] = given.get(pair, 0) + 1
    return Totals(voters=voters, given=given)


def tally(rules: Rules, options: Iterable[VoteOption], ballots: Iterable[Ballot]) -> Tally:
    """Count the ballots for the options, best first. Empty ballots and unknown options are ignored."""
    options = list(options)
    return tally_totals(rules, options, totals(options, ballots))


def tally_totals(rules: Rules, options: Iterable[VoteOption], counted: Totals) -> Tally:
    """The tally from counted totals, best first (the same result ``tally`` gives from the ballots)."""
    known = {o.id: o for o in options if o.id is not None}
    points = {option_id: 0 for option_id in known}
    counts = {option_id: 0 for option_id in known}
    for (option_id, value), ballots in counted.given.items():
        if option_id in known and value > 0:
            points[option_id] += _contribution(rules, value) * ballots
            counts[option_id] += ballots
    voters = counted.voters

    def average(option_id: int) -> Fraction | None:
        if rules.method is not Method.SCORE or counts[option_id] == 0:
            return None
        return Fraction(points[option_id], counts[option_id])

    keyed = [(_sort_key(rules.method, points[i], average(i)), known[i]) for i in known]
    keyed.sort(key=lambda pair: (tuple(-part for part in pair[0]), pair[1].position, pair[1].id))
    frequency: dict[tuple[int, Fraction], int] = {}
    for key, _ in keyed:
        frequency[key] = frequency.get(key, 0) + 1
    results: list[OptionResult] = []
    rank = 0
    previous: tuple[int, Fraction] | None = None
    for index, (key, option) in enumerate(keyed, start=1):
        if key != previous:
            rank, previous = index, key
        assert option.id is not None
        results.append(OptionResult(option=option, rank=rank, tied=frequency[key] > 1, points=points[option.id],
                                    count=counts[option.id], average=average(option.id)))
    return Tally(method=rules.method, results=results, voters=voters)
