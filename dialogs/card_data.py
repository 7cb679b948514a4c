"""Shared plumbing of the step dialogs: reading ids from card data, posting a step's card."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Awaitable, Callable, TypeVar

from trajectory.errors import InvalidInput
from trajectory.model import CardRef, Step, Trajectory
from trajectory.ports import UnitOfWork

from .context import Deps
from .turn import Answer, Turn

CardRenderer = Callable[[UnitOfWork, Trajectory, Step], Awaitable[dict[str, Any]]]
T = TypeVar("T")


@dataclass(frozen=True)
class ClickCards:
    """What a click answers with, read in its unit of work and rendered after the commit: the
    clicker's card and, after a change, the channel's copy, rendered only if its update is sent."""

    personal: Callable[[], dict[str, Any]]
    shared_ref: CardRef | None = None
    shared: Callable[[], dict[str, Any]] | None = None

    async def answer(self, deps: Deps) -> Answer:
        personal = self.personal()
        if self.shared_ref is not None and self.shared is not None:
            await deps.messenger.update_card(self.shared_ref, self.shared)
        return Answer(card=personal)


def int_of(data: dict[str, Any], key: str) -> int:
    """An id or version from card data; anything else is refused as bad input."""
    value = data.get(key)
    if isinstance(value, bool) or not isinstance(value, (int, str)):
        raise InvalidInput(field=key, reason="not_a_number")
    try:
        return int(value)
    except ValueError:
        raise InvalidInput(field=key, reason="not_a_number") from None


async def post_step_card(deps: Deps, trajectory: Trajectory, step: Step, render: CardRenderer) -> None:
    """Post the step's card as a new channel post and remember where it is (to update it later)."""
    async with deps.uows() as uow:
        card = await render(uow, trajectory, step)
        channel = await uow.channels.get(trajectory.channel.channel_id)
    if channel is None or step.id is None:
        return
    ref = await deps.messenger.post_card(channel, card)
    step.card = ref
    async with deps.uows() as uow:
        await uow.trajectories.set_step_card(step.id, ref)
        await uow.commit()


async def apply_once(deps: Deps, turn: Turn, action: Callable[[UnitOfWork], Awaitable[T]]) -> T | None:
    """Apply ``action`` in one transaction with the activity's claim: a re-delivered activity
    (Teams retries after 15 s) changes nothing and gives None. Refusals propagate, nothing stored."""
    async with deps.uows() as uow:
        if not await uow.claim_activity(turn.activity_id):
            return None
        result = await action(uow)
        await uow.commit()
        return result
