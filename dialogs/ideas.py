"""The idea-collection step in the channel: its card, the members' actions, its summary."""

from __future__ import annotations

from typing import Any

from cards import verbs
from cards.ideas import setup_fields as setup_fields
from cards.setup import step_input
from trajectory import services
from trajectory.model import Step, Trajectory
from trajectory.ports import UnitOfWork

from . import clarify
from .card_data import int_of, post_step_card
from .context import Deps
from .clicks import click, step_in_data, step_of_idea
from .idea_views import shared_card, shared_summary, start_of
from .scope import checked_inside
from .turn import Answer, Turn


async def on_open(deps: Deps, trajectory: Trajectory, step: Step) -> None:
    """Post the step's card as a new channel post and remember where it is."""
    await post_step_card(deps, trajectory, step, shared_card)


async def on_close(deps: Deps, trajectory: Trajectory, step: Step) -> None:
    """Freeze the live card and post the summary of every idea in the step's thread; remember the
    summary, where questions and answers go on."""
    async with deps.uows() as uow:
        closed = await shared_card(uow, trajectory, step)
        summary = await shared_summary(uow, trajectory, step)
    if step.card is not None:
        await deps.messenger.update_card(step.card, closed)
        ref = await deps.messenger.reply_card(step.card, summary)
    else:
        async with deps.uows() as uow:
            channel = await uow.channels.get(trajectory.channel.channel_id)
        ref = await deps.messenger.post_card(channel, summary) if channel is not None else None
    if ref is not None and step.id is not None:
        async with deps.uows() as uow:
            await uow.ideas.set_summary_card(step.id, ref)
            await uow.commit()


@checked_inside
async def add(deps: Deps, turn: Turn, data: dict[str, Any]) -> Answer:
    assert turn.actor is not None
    actor, step_id = turn.actor, int_of(data, "step_id")

    async def change(uow: UnitOfWork, trajectory: Trajectory) -> None:
        await services.add_idea(uow, step_id, actor, data.get(verbs.IDEA_TEXT), turn.now, trajectory=trajectory)

    return await (await click(deps, turn, data, step_in_data(data), via="step_id", change=change,
                              done="ideas.added", summary=False)).answer(deps)


@checked_inside
async def edit(deps: Deps, turn: Turn, data: dict[str, Any]) -> Answer:
    assert turn.actor is not None
    actor, idea_id, version = turn.actor, int_of(data, "idea_id"), int_of(data, "version")
    text = data.get(f"{verbs.EDIT_TEXT_PREFIX}{idea_id}")

    async def change(uow: UnitOfWork, trajectory: Trajectory) -> None:
        await services.edit_idea(uow, idea_id, version, actor, text, turn.now, trajectory=trajectory)

    return await (await click(deps, turn, data, step_of_idea(data), via="idea_id", change=change,
                              done="ideas.edited", missing="idea", summary=False)).answer(deps)


@checked_inside
async def withdraw(deps: Deps, turn: Turn, data: dict[str, Any]) -> Answer:
    assert turn.actor is not None
    actor, idea_id, version = turn.actor, int_of(data, "idea_id"), int_of(data, "version")

    async def change(uow: UnitOfWork, trajectory: Trajectory) -> None:
        await services.withdraw_idea(uow, idea_id, version, actor, turn.now, trajectory=trajectory)

    return await (await click(deps, turn, data, step_of_idea(data), via="idea_id", change=change,
                              done="ideas.withdrawn", missing="idea", summary=False)).answer(deps)


@checked_inside
async def show(deps: Deps, turn: Turn, data: dict[str, Any]) -> Answer:
    """A refresh, "Show my ideas", or a page of everyone's ideas; of the summary with ``summary``."""
    summary = data.get("summary") is True
    return await (await click(deps, turn, data, step_in_data(data), via="step_id", summary=summary,
                              start=start_of(data))).answer(deps)


def read_setup(data: dict[str, Any], index: int, settings: dict[str, Any]) -> dict[str, Any]:
    """The idea step's settings as typed on the setup card (checked by the domain)."""
    key = step_input(index, "max_per_person")
    return {**settings, "max_per_person": data[key]} if key in data else dict(settings)


async def contributors(uow: UnitOfWork, step: Step) -> set[str]:
    # Merged duplicates count: their authors took part. (One row per author, not per idea: status
    # and reminders ask this.)
    return await uow.ideas.author_ids(step.id) if step.id is not None else set()


VERBS = {
    verbs.IDEAS_ADD: add,
    verbs.IDEAS_EDIT: edit,
    verbs.IDEAS_WITHDRAW: withdraw,
    verbs.IDEAS_REFRESH: show,
    **clarify.VERBS,
}
