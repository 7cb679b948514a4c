"""A click on a step's card in one unit of work (issue 9): the scope check, the activity's
claim with the change, and the reads for the answer share one transaction (one pool checkout, one
BEGIN/COMMIT); the cards are rendered after the commit, the channel's only if its update is sent.

Semantics as before: a refusal stores nothing (not even the claim: the transaction is rolled back
and the answer read afresh); a re-delivered activity changes nothing; the cards come from the rows
read in the click's transaction.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Awaitable, Callable, Generic, Protocol, TypeVar

from cards.texts import t
from trajectory.errors import DomainError, NotFound
from trajectory.model import Person, Step, Trajectory
from trajectory.ports import UnitOfWork

from . import scope
from .card_data import int_of
from .context import Deps
from .card_data import ClickCards
from .idea_views import load_step, read_cards
from .refusals import describe
from .turn import Answer, Turn

R = TypeVar("R")
StepOf = Callable[[UnitOfWork], Awaitable[int | None]]
Change = Callable[[UnitOfWork, Trajectory], Awaitable[R]]


class Reader(Protocol):
    """Reads a step's cards for the clicker (and the channel's copy after a change), unrendered."""

    def __call__(self, uow: UnitOfWork, trajectory: Trajectory, step: Step, viewer: Person | None,
                 notice: str | None, is_error: bool, changed: bool, *, summary: bool | None = None,
                 start: int | None = None) -> Awaitable[ClickCards]: ...


@dataclass(frozen=True)
class Clicked(Generic[R]):
    cards: ClickCards
    result: R | None = None  # what the change returned; None when refused or re-delivered
    refused: bool = False

    async def answer(self, deps: Deps) -> Answer:
        return await self.cards.answer(deps)


def step_in_data(data: dict[str, Any]) -> StepOf:
    async def step_of(uow: UnitOfWork) -> int | None:
        return int_of(data, "step_id")
    return step_of


def step_of_idea(data: dict[str, Any]) -> StepOf:
    async def step_of(uow: UnitOfWork) -> int | None:
        idea = await uow.ideas.get(int_of(data, "idea_id"))
        return idea.step_id if idea is not None else None
    return step_of


async def _loaded(uow: UnitOfWork, step_id: int | None, kind: str | None) -> tuple[Trajectory, Step] | None:
    if step_id is None:
        return None
    try:
        trajectory, step = await load_step(uow, step_id)
    except NotFound:
        return None
    return (trajectory, step) if kind is None or step.kind == kind else None


def _always(result: object) -> bool:
    return True


async def click(
    deps: Deps, turn: Turn, data: dict[str, Any], step_of: StepOf, *, via: str,
    change: Change[R] | None = None, done: str | None = None, missing: str = "step",
    summary: bool | None = None, start: int | None = None, read: Reader = read_cards, kind: str | None = None,
    changes_shared: Callable[[R | None], bool] = _always,
) -> Clicked[R]:
    """Run one click. ``step_of`` finds the step from the data (``via``: the data key it read, whose
    home is then known without asking; ``kind``: the step must be of that kind); ``change`` runs
    once per activity id (refusals become the card's notice); ``done`` is the notice after a change;
    ``changes_shared(result)`` whether the channel's copy needs an update (result None: a
    re-delivery). ``read`` reads the cards (the idea step's by default). Raises ForeignObject (scope)
    and NotFound(``missing``) for the router to answer."""
    async with deps.uows() as uow:
        loaded = await _loaded(uow, await step_of(uow), kind)
        known: scope.Homes = {}
        if loaded is not None and loaded[0].id is not None:
            known[(via, int_of(data, via))] = (loaded[0].id, loaded[0].channel)
        await scope.check_in(uow, turn, data, known)
        if loaded is None:
            raise NotFound(what=missing)
        trajectory, step = loaded
        notice, is_error, changed, result, refused = None, False, False, None, False
        if change is not None:
            try:
                if await uow.claim_activity(turn.activity_id):
                    result = await change(uow, trajectory)
                notice, changed = (t(done) if done else None), changes_shared(result)
            except DomainError as refusal:
                await uow.rollback()  # nothing stored, not even the claim; the answer is read afresh
                notice, is_error, refused = describe(refusal), True, True
        cards = await read(uow, trajectory, step, turn.actor, notice, is_error, changed, summary=summary, start=start)
        await uow.commit()
    return Clicked(cards, result, refused)
