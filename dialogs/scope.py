"""Card data names objects by id; a click may only touch objects of the conversation it comes from.

A forged or copied card could carry the id of another team's step, idea or trajectory. Before any
handler runs, every id in the data is traced to its trajectory: in a team channel it must be that
channel's; in a personal or group chat (private cards: reminders, questions to an author) the
clicking member must be on the owning team's roster when Blend knows that roster."""

from __future__ import annotations

from typing import Any, TypeVar

from cards import verbs
from trajectory.errors import ForeignObject, InvalidInput
from trajectory.model import ChannelRef
from trajectory.ports import UnitOfWork

from . import log_context
from .card_data import int_of
from .context import Deps
from .turn import Turn

H = TypeVar("H")

ID_KEYS = ("trajectory_id", "step_id", "idea_id", "clarification_id", verbs.MERGE_TARGET)


# What each id key names (merge targets are ideas); one statement per id, the owner's channel only.
KINDS = {"trajectory_id": "trajectory", "step_id": "step", "idea_id": "idea", "clarification_id": "clarification",
         verbs.MERGE_TARGET: "idea"}


async def _belongs(uow: UnitOfWork, turn: Turn, channel: ChannelRef) -> bool:
    if turn.channel is not None:
        return channel.channel_id == turn.channel.ref.channel_id
    roster = await uow.channels.members(channel.team_id)
    return not roster or any(person.aad_id == turn.actor.aad_id for person in roster if turn.actor)


def _ids(data: dict[str, Any]) -> list[tuple[str, int]]:
    ids = []
    for key in ID_KEYS:
        if key in data:
            try:
                ids.append((key, int_of(data, key)))
            except InvalidInput:
                continue
    return ids


Homes = dict[tuple[str, int], tuple[int, ChannelRef]]


async def check(deps: Deps, turn: Turn, data: dict[str, Any]) -> None:
    """Raise ForeignObject when the data names an object outside this conversation's reach.
    Ids that aren't numbers or name nothing are left to the handler (it refuses them itself)."""
    if not _ids(data):
        return
    async with deps.uows() as uow:
        await check_in(uow, turn, data)


async def check_in(uow: UnitOfWork, turn: Turn, data: dict[str, Any], known: Homes | None = None) -> None:
    """``check`` inside the caller's unit of work (a click's one transaction); ``known``: the homes of
    ids the caller has already read, (key, id) -> (trajectory id, channel), asked no further."""
    for key, object_id in _ids(data):
        home = (known or {}).get((key, object_id)) or await uow.trajectories.home_of(KINDS[key], object_id)
        if home is None:
            continue
        trajectory_id, channel = home
        log_context.bind(trajectory_id=trajectory_id, step_id=object_id if key == "step_id" else None)
        if not await _belongs(uow, turn, channel):
            raise ForeignObject()


def checked_inside(handler: H) -> H:
    """Mark a card-action handler that calls ``check_in`` in its own unit of work: the router then
    doesn't open one for ``check`` first (issue 9: one unit of work per click)."""
    handler.checks_scope = True  # type: ignore[attr-defined]
    return handler


def checks_scope(handler: object) -> bool:
    return getattr(handler, "checks_scope", False) is True
