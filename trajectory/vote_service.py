"""Use cases of the vote step, over the unit of work (callers own it and commit)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Mapping

from .errors import InvalidInput, NotFound
from .kinds import vote
from .kinds.vote import Ballot, VoteOption, VoteState
from .kinds.vote_tally import Tally, tally, tally_totals
from .model import Person, Step, Trajectory
from .ports import UnitOfWork
from .services import require_facilitator


async def load_step(uow: UnitOfWork, step_id: int) -> tuple[Trajectory, Step]:
    trajectory = await uow.trajectories.by_step(step_id)
    step = trajectory.step(step_id) if trajectory else None
    if trajectory is None or step is None or step.kind != vote.KIND.name:
        raise NotFound(what="step")
    return trajectory, step


async def freeze_options(uow: UnitOfWork, trajectory: Trajectory, step: Step, now: datetime) -> list[VoteOption]:
    """Fix the ballot when the step opens: typed options, or the source idea step's active ideas.

    Idempotent: a second call (a retried open) keeps what the first one froze, so ballots never
    shift under the members' feet.
    """
    assert step.id is not None
    if await uow.votes.state(step.id) is None:
        typed = vote.normalise_settings(step.settings)["options"]
        if typed:
            candidates: list[tuple[str, int | None]] = [(label, None) for label in typed]
        else:
            source = vote.source_step(trajectory.steps, step)
            ideas = await uow.ideas.active_for_step(source.id) if source and source.id is not None else []
            candidates = vote.candidates_from_ideas(ideas)
        state = VoteState(step_id=step.id, frozen_at=now, offered=len(candidates))
        await uow.votes.freeze(state, vote.freeze_options(step, candidates))
    return await uow.votes.options(step.id)


async def submit_ballot(
    uow: UnitOfWork, step_id: int, version: int, actor: Person, by_option: Mapping[Any, object],
    by_place: Mapping[Any, object], now: datetime,
) -> Ballot | None:
    """Store the member's ballot (new, replaced, or cleared when empty); None if nothing was stored.

    ``by_option`` maps option ids to what was entered (dots, score, approval); ``by_place`` maps
    places (1 = first) to option ids (ranking). The version is checked against what was read and
    again by the database (UPDATE ... WHERE version, or the unique (step, voter) constraint).
    """
    _, step = await load_step(uow, step_id)
    return await cast_ballot(uow, step, await uow.votes.options(step_id), version, actor, by_option, by_place, now)


async def cast_ballot(
    uow: UnitOfWork, step: Step, options: list[VoteOption], version: int, actor: Person,
    by_option: Mapping[Any, object], by_place: Mapping[Any, object], now: datetime,
) -> Ballot | None:
    """``submit_ballot`` for a step and its options already read (a card action reads them once).

    The stored ballot is read only when the answer depends on it (refused content, or an empty
    first ballot): otherwise the database checks the card's version as it writes.
    """
    assert step.id is not None
    vote.require_open(step)
    rules = vote.rules_for(step, options)
    try:
        choices = vote.validate_ballot(rules, by_place if rules.method is vote.Method.RANK else by_option)
    except InvalidInput:
        # A stale card is refused as stale before its content matters.
        vote.require_current(step, await uow.votes.ballot(step.id, actor.aad_id), version)
        raise
    # Version 0 says there is no ballot yet: an empty one stores nothing, unless a ballot came since.
    current = await uow.votes.ballot(step.id, actor.aad_id) if version == 0 and not choices else _unread(step, version)
    ballot = vote.cast(step, current, actor, choices, version, now)
    if ballot is not None:
        await uow.votes.save_ballot(ballot, expected_version=version)
    return ballot


def _unread(step: Step, version: int) -> Ballot | None:
    """A stand-in for the stored ballot the card claims (``version``), not read: save_ballot checks it
    (UPDATE ... WHERE version, or the unique (step, voter) key for a first ballot)."""
    if version == 0:
        return None
    assert step.id is not None
    return Ballot(step_id=step.id, voter=Person("", ""), choices={}, updated_at=datetime.min, version=version)


async def reveal_results(uow: UnitOfWork, step_id: int, actor: Person, now: datetime) -> bool:
    """A facilitator shows the results before the vote closes; True if that changed anything."""
    trajectory, step = await load_step(uow, step_id)
    return await reveal(uow, trajectory, step, actor, now)


async def reveal(uow: UnitOfWork, trajectory: Trajectory, step: Step, actor: Person, now: datetime) -> bool:
    """``reveal_results`` for a step already read."""
    assert step.id is not None
    require_facilitator(trajectory, actor)
    if not vote.reveal(step, await uow.votes.state(step.id)):
        return False
    return await uow.votes.reveal(step.id, now)


@dataclass(frozen=True)
class VoteSnapshot:
    """Everything a vote card shows, read in one unit of work."""

    state: VoteState | None
    options: list[VoteOption]
    ballots: list[Ballot]
    tally: Tally
    results_visible: bool

    @property
    def voters(self) -> set[str]:
        return vote.voters(self.ballots)

    def ballot_of(self, aad_id: str) -> Ballot | None:
        return next((b for b in self.ballots if b.voter.aad_id == aad_id), None)


@dataclass(frozen=True)
class VoteCounts:
    """What a vote card shows, counted by the database: the same few statements whatever the
    number of ballots. The tally only where results are visible."""

    state: VoteState | None
    options: list[VoteOption]
    voters: int  # non-empty ballots
    tally: Tally | None
    results_visible: bool


async def counts(uow: UnitOfWork, step: Step, options: list[VoteOption] | None = None) -> VoteCounts:
    """One statement while results are hidden (state and voters), two when they show (the
    totals); one more without ``options``."""
    assert step.id is not None
    options = options if options is not None else await uow.votes.options(step.id)
    if vote.results_visible(step, None):  # whatever the state says
        state = await uow.votes.state(step.id)
    else:
        state, voters = await uow.votes.state_and_voter_count(step.id)
        if not vote.results_visible(step, state):
            return VoteCounts(state, options, voters, None, False)
    totals = await uow.votes.totals(step.id)
    return VoteCounts(state, options, totals.voters, tally_totals(vote.rules_for(step, options), options, totals), True)


async def snapshot(uow: UnitOfWork, step: Step) -> VoteSnapshot:
    """Every ballot, for the step's file; cards read ``counts``."""
    assert step.id is not None
    state = await uow.votes.state(step.id)
    options = await uow.votes.options(step.id)
    ballots = await uow.votes.ballots(step.id)
    counted = tally(vote.rules_for(step, options), options, ballots)
    return VoteSnapshot(state, options, ballots, counted, vote.results_visible(step, state))


async def contributors(uow: UnitOfWork, step: Step) -> set[str]:
    return await uow.votes.voter_ids(step.id) if step.id is not None else set()
