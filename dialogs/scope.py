"""Card data names objects by id; a click may only touch objects of the conversation it comes from.

A forged or copied card could carry the id of another team's step, idea or trajectory. Before any
handler runs, every id in the data is traced to its trajectory: in a team channel it must be that
channel's; in a personal or group chat (private cards: reminders, questions to an author) the
clicking member must be on the owning team's roster when Blend knows that roster."""

from __future__ import annotations

from typing import Any

from cards import verbs
from trajectory.errors import ForeignObject, InvalidInput
from trajectory.model import Trajectory
from trajectory.ports import UnitOfWork

from . import log_context
from .card_data import int_of
from .context import Deps
from .turn import Turn

ID_KEYS = ("trajectory_id", "step_id", "idea_id", "clarification_id", verbs.MERGE_TARGET)


async def _owner(uow: UnitOfWork, key: str, object_id: int) -> Trajectory | None:
    if key == "trajectory_id":
        return await uow.trajectories.get(object_id)
    if key == "step_id":
        return await uow.trajectories.by_step(object_id)
    if key == "clarification_id":
        clarification = await uow.clarifications.get(object_id)
        return await uow.trajectories.by_step(clarification.step_id) if clarification else None
    idea = await uow.ideas.get(object_id)
    return await uow.trajectories.by_step(idea.step_id) if idea else None


async def _belongs(uow: UnitOfWork, turn: Turn, trajectory: Trajectory) -> bool:
    if turn.channel is not None:
        return trajectory.channel.channel_id == turn.channel.ref.channel_id
    roster = await uow.channels.members(trajectory.channel.team_id)
    return not roster or any(person.aad_id == turn.actor.aad_id for person in roster if turn.actor)


async def check(deps: Deps, turn: Turn, data: dict[str, Any]) -> None:
    """Raise ForeignObject when the data names an object outside this conversation's reach.
    Ids that aren't numbers or name nothing are left to the handler (it refuses them itself)."""
    ids = []
    for key in ID_KEYS:
        if key in data:
            try:
                ids.append((key, int_of(data, key)))
            except InvalidInput:
                continue
    if not ids:
        return
    async with deps.uows() as uow:
        for key, object_id in ids:
            trajectory = await _owner(uow, key, object_id)
            if trajectory is not None:
                log_context.bind(trajectory_id=trajectory.id, step_id=object_id if key == "step_id" else None)
            if trajectory is not None and not await _belongs(uow, turn, trajectory):
                raise ForeignObject()
