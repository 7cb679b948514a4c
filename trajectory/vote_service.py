"""Use cases of the vote step, over the unit of work (callers own it and commit)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Mapping

from .errors import NotFound
from .kinds import vote
from .kinds.vote import Ballot, VoteOption, VoteState
from .kinds.vote_tally import Tally, tally
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
    vote.require_open(step)
    current = await uow.votes.ballot(step_id, actor.aad_id)
    vote.require_current(step, current, version)  # a stale card is refused before its content matters
    rules = vote.rules_for(step, await uow.votes.options(step_id))
    choices = vote.validate_ballot(rules, by_place if rules.method is vote.Method.RANK else by_option)
    ballot = vote.cast(step, current, actor, choices, version, now)
    if ballot is not None:
        await uow.votes.save_ballot(ballot, expected_version=version)
    return ballot


async def reveal_results(uow: UnitOfWork, step_id: int, actor: Person, now: datetime) -> bool:
    """A facilitator shows the results before the vote closes; True if that changed anything."""
    trajectory, step = await load_step(uow, step_id)
    require_facilitator(trajectory, actor)
    if not vote.reveal(step, await uow.votes.state(step_id)):
        return False
    return await uow.votes.reveal(step_id, now)


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


async def snapshot(uow: UnitOfWork, step: Step) -> VoteSnapshot:
    assert step.id is not None
    state = await uow.votes.state(step.id)
    options = await uow.votes.options(step.id)
    ballots = await uow.votes.ballots(step.id)
    counted = tally(vote.rules_for(step, options), options, ballots)
    return VoteSnapshot(state, options, ballots, counted, vote.results_visible(step, state))


async def contributors(uow: UnitOfWork, step: Step) -> set[str]:
    return vote.voters(await uow.votes.ballots(step.id)) if step.id is not None else set()
