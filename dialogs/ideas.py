"""The idea-collection step in the channel: its card, the members' actions, its summary."""

from __future__ import annotations

from typing import Any

from cards import verbs
from cards.ideas import IdeasCardView, IdeaView, render_ideas_card, render_ideas_summary
from cards.ideas import setup_fields as setup_fields
from cards.setup import step_input
from cards.texts import t
from trajectory import services
from trajectory.errors import DomainError, InvalidInput, NotFound
from trajectory.kinds.ideas import Idea, normalise_settings
from trajectory.model import Person, Step, StepState, Trajectory
from trajectory.ports import UnitOfWork

from .context import Deps
from .refusals import describe
from .turn import Answer, Turn


def _int(data: dict[str, Any], key: str) -> int:
    value = data.get(key)
    if isinstance(value, bool) or not isinstance(value, (int, str)):
        raise InvalidInput(field=key, reason="not_a_number")
    try:
        return int(value)
    except ValueError:
        raise InvalidInput(field=key, reason="not_a_number") from None


async def _view(
    uow: UnitOfWork, trajectory: Trajectory, step: Step, viewer: Person | None, notice: str | None = None,
    is_error: bool = False,
) -> IdeasCardView:
    ideas = await uow.ideas.active_for_step(step.id) if step.id is not None else []
    members = await uow.channels.members(trajectory.channel.team_id)
    mine = None
    if viewer is not None:
        mine = [IdeaView(i.id or 0, i.text, i.version) for i in ideas if i.author.aad_id == viewer.aad_id]
    return IdeasCardView(
        step_id=step.id or 0,
        trajectory_title=trajectory.title,
        question=trajectory.question,
        step_title=step.title,
        prompt=step.prompt,
        idea_count=len(ideas),
        contributor_count=len({i.author.aad_id for i in ideas}),
        max_per_person=normalise_settings(step.settings)["max_per_person"],
        is_open=step.state is StepState.OPEN,
        deadline=step.deadline,
        refresh_user_ids=[m.user_id for m in members if m.user_id],
        mine=mine,
        notice=notice,
        notice_is_error=is_error,
    )


async def shared_card(uow: UnitOfWork, trajectory: Trajectory, step: Step) -> dict[str, Any]:
    return render_ideas_card(await _view(uow, trajectory, step, None))


async def on_open(deps: Deps, trajectory: Trajectory, step: Step) -> None:
    """Post the step's card as a new channel post and remember where it is."""
    async with deps.uows() as uow:
        card = await shared_card(uow, trajectory, step)
        channel = await uow.channels.get(trajectory.channel.channel_id)
    if channel is None or step.id is None:
        return
    ref = await deps.messenger.post_card(channel, card)
    step.card = ref
    async with deps.uows() as uow:
        await uow.trajectories.set_step_card(step.id, ref)
        await uow.commit()


async def on_close(deps: Deps, trajectory: Trajectory, step: Step) -> None:
    """Freeze the live card and post the summary of every idea in the step's thread."""
    async with deps.uows() as uow:
        closed = await shared_card(uow, trajectory, step)
        ideas = await uow.ideas.active_for_step(step.id) if step.id is not None else []
    summary = render_ideas_summary(step.title, trajectory.title, [_idea_view(i) for i in ideas])
    if step.card is not None:
        await deps.messenger.update_card(step.card, closed)
        await deps.messenger.reply_card(step.card, summary)
    else:
        async with deps.uows() as uow:
            channel = await uow.channels.get(trajectory.channel.channel_id)
        if channel is not None:
            await deps.messenger.post_card(channel, summary)


def _idea_view(idea: Idea) -> IdeaView:
    return IdeaView(idea.id or 0, idea.text, idea.version, idea.author.name)


async def _respond(deps: Deps, turn: Turn, step_id: int, notice: str | None, is_error: bool, changed: bool) -> Answer:
    """The clicking member's own view; after a change, the channel's shared card too."""
    async with deps.uows() as uow:
        trajectory = await uow.trajectories.by_step(step_id)
        step = trajectory.step(step_id) if trajectory else None
        if trajectory is None or step is None:
            return Answer(text=describe(NotFound(what="step")))
        personal = render_ideas_card(await _view(uow, trajectory, step, turn.actor, notice, is_error))
        shared = await shared_card(uow, trajectory, step) if changed and step.card else None
    if shared is not None and step.card is not None:
        await deps.messenger.update_card(step.card, shared)
    return Answer(card=personal)


async def _step_of_idea(deps: Deps, idea_id: int) -> int | None:
    async with deps.uows() as uow:
        idea = await uow.ideas.get(idea_id)
    return idea.step_id if idea else None


async def _apply(deps: Deps, turn: Turn, step_id: int | None, action, done: str) -> Answer:
    """Run one change in its own unit of work, applied once per activity id."""
    if step_id is None:
        return Answer(text=describe(NotFound(what="idea")))
    try:
        async with deps.uows() as uow:
            if await uow.claim_activity(turn.activity_id):
                await action(uow)
                await uow.commit()
    except DomainError as refusal:
        return await _respond(deps, turn, step_id, describe(refusal), True, changed=False)
    return await _respond(deps, turn, step_id, t(done), False, changed=True)


async def add(deps: Deps, turn: Turn, data: dict[str, Any]) -> Answer:
    assert turn.actor is not None
    actor, step_id = turn.actor, _int(data, "step_id")

    async def action(uow: UnitOfWork) -> None:
        await services.add_idea(uow, step_id, actor, data.get(verbs.IDEA_TEXT), turn.now)

    return await _apply(deps, turn, step_id, action, "ideas.added")


async def edit(deps: Deps, turn: Turn, data: dict[str, Any]) -> Answer:
    assert turn.actor is not None
    actor, idea_id, version = turn.actor, _int(data, "idea_id"), _int(data, "version")
    text = data.get(f"{verbs.EDIT_TEXT_PREFIX}{idea_id}")

    async def action(uow: UnitOfWork) -> None:
        await services.edit_idea(uow, idea_id, version, actor, text, turn.now)

    return await _apply(deps, turn, await _step_of_idea(deps, idea_id), action, "ideas.edited")


async def withdraw(deps: Deps, turn: Turn, data: dict[str, Any]) -> Answer:
    assert turn.actor is not None
    actor, idea_id, version = turn.actor, _int(data, "idea_id"), _int(data, "version")

    async def action(uow: UnitOfWork) -> None:
        await services.withdraw_idea(uow, idea_id, version, actor, turn.now)

    return await _apply(deps, turn, await _step_of_idea(deps, idea_id), action, "ideas.withdrawn")


async def show(deps: Deps, turn: Turn, data: dict[str, Any]) -> Answer:
    return await _respond(deps, turn, _int(data, "step_id"), None, False, changed=False)


def read_setup(data: dict[str, Any], index: int, settings: dict[str, Any]) -> dict[str, Any]:
    """The idea step's settings as typed on the setup card (checked by the domain)."""
    key = step_input(index, "max_per_person")
    return {**settings, "max_per_person": data[key]} if key in data else dict(settings)


async def contributors(uow: UnitOfWork, step: Step) -> set[str]:
    return {i.author.aad_id for i in await uow.ideas.active_for_step(step.id)} if step.id is not None else set()


VERBS = {
    verbs.IDEAS_ADD: add,
    verbs.IDEAS_EDIT: edit,
    verbs.IDEAS_WITHDRAW: withdraw,
    verbs.IDEAS_REFRESH: show,
}
