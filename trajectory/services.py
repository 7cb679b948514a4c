"""Use cases: load through the unit of work, apply the domain rules, write back.

Callers own the unit of work (and so the transaction and the activity claim); these functions
never commit, so a refusal leaves nothing behind.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Callable

from . import deadlines, engine
from .errors import NoActiveTrajectory, NotFacilitator, NotFound, StaleVersion, TrajectoryExists
from .events import Event
from .kinds import ideas
from .kinds.ideas import Idea
from .model import ChannelRef, Person, Step, Trajectory, TrajectoryState
from .ports import UnitOfWork
from .setup import StepDraft, edit_draft, new_trajectory, normalise_trajectory_settings
from .templates import Translator, english

TRANSITIONS = {
    "start": engine.start,
    "next": engine.advance,
    "close": engine.close,
    "cancel": engine.cancel,
}


def require_facilitator(trajectory: Trajectory, actor: Person) -> None:
    if not trajectory.is_facilitator(actor.aad_id):
        raise NotFacilitator(names=[p.name for p in trajectory.facilitators])


async def active_trajectory(uow: UnitOfWork, channel_id: str) -> Trajectory:
    trajectory = await uow.trajectories.active_in_channel(channel_id)
    if trajectory is None:
        raise NoActiveTrajectory()
    return trajectory


async def create_trajectory(
    uow: UnitOfWork, channel: ChannelRef, actor: Person, title: object, now: datetime,
    settings: dict[str, Any] | None = None, text: Translator = english,
) -> Trajectory:
    existing = await uow.trajectories.active_in_channel(channel.channel_id)
    if existing is not None:
        raise TrajectoryExists(title=existing.title)
    return await uow.trajectories.add(new_trajectory(channel, actor, title, now, settings=settings, text=text))


async def set_language(uow: UnitOfWork, channel_id: str, actor: Person, language: object,
                       retranslate: Callable[[str, str], str] | None = None) -> Trajectory:
    """A facilitator chooses what the trajectory's shared cards, invitations and files are written in.
    While it is a draft, ``retranslate(text, old language)`` brings the template's texts along."""
    trajectory = await active_trajectory(uow, channel_id)
    require_facilitator(trajectory, actor)
    old = trajectory.language
    trajectory.settings = normalise_trajectory_settings({**trajectory.settings, "language": language})
    if retranslate is not None and trajectory.state is TrajectoryState.DRAFT:
        def again(text: str) -> str:
            return retranslate(text, old)

        trajectory.question = again(trajectory.question)
        for step in trajectory.steps:
            step.title, step.prompt = again(step.title), again(step.prompt)
            questions = step.settings.get("questions")
            if isinstance(questions, list):
                step.settings = {**step.settings, "questions": [{**q, "text": again(q["text"])} for q in questions]}
    await uow.trajectories.save(trajectory)
    return trajectory


async def transition(
    uow: UnitOfWork, channel_id: str, actor: Person, action: str, now: datetime
) -> tuple[Trajectory, list[Event]]:
    trajectory = await active_trajectory(uow, channel_id)
    require_facilitator(trajectory, actor)
    events = TRANSITIONS[action](trajectory, now)
    await uow.trajectories.save(trajectory)
    await deadlines.schedule_after(uow, trajectory, events, now)  # in the same transaction
    return trajectory, events


@dataclass(frozen=True)
class SetupForm:
    title: object
    question: object
    steps: list[StepDraft]
    co_facilitator_ids: list[str]
    settings: dict[str, Any] = field(default_factory=dict)


async def edit_setup(
    uow: UnitOfWork, trajectory_id: int, version: int, actor: Person, form: SetupForm, now: datetime
) -> Trajectory:
    trajectory = await uow.trajectories.get(trajectory_id)
    if trajectory is None:
        raise NotFound(what="trajectory")
    require_facilitator(trajectory, actor)
    if trajectory.version != version:
        raise StaleVersion()
    # Co-facilitators must be known members of the team: card data names them, it cannot invent them.
    roster = {p.aad_id: p for p in await uow.channels.members(trajectory.channel.team_id)}
    roster.update({p.aad_id: p for p in trajectory.facilitators})
    chosen = [roster[i] for i in form.co_facilitator_ids if i in roster]
    edit_draft(
        trajectory, title=form.title, question=form.question, steps=form.steps, co_facilitators=chosen, now=now,
        settings=form.settings,
    )
    await uow.trajectories.save(trajectory, replace_steps=True)
    return trajectory


async def _open_ideas_step(uow: UnitOfWork, step_id: int, loaded: Trajectory | None = None) -> tuple[Trajectory, Step]:
    # ``loaded``: the step's trajectory, already read in this unit of work by the caller (one read per click).
    trajectory = loaded if loaded is not None and loaded.step(step_id) is not None else \
        await uow.trajectories.by_step(step_id)
    step = trajectory.step(step_id) if trajectory else None
    if trajectory is None or step is None:
        raise NotFound(what="step")
    return trajectory, step


async def add_idea(uow: UnitOfWork, step_id: int, actor: Person, text: object, now: datetime, *,
                   trajectory: Trajectory | None = None) -> Idea:
    _, step = await _open_ideas_step(uow, step_id, trajectory)
    mine, everyone = await uow.ideas.active_counts(step_id, actor.aad_id)  # counts: no idea is loaded
    idea = ideas.new_idea(step, actor, text, mine, now)
    ideas.require_room(everyone)
    return await uow.ideas.add(idea)


async def _own_idea(uow: UnitOfWork, idea_id: int, version: int, loaded: Trajectory | None) -> tuple[Step, Idea]:
    idea = await uow.ideas.get(idea_id)
    if idea is None:
        raise NotFound(what="idea")
    if idea.version != version:
        raise StaleVersion()
    _, step = await _open_ideas_step(uow, idea.step_id, loaded)
    return step, idea


async def edit_idea(
    uow: UnitOfWork, idea_id: int, version: int, actor: Person, text: object, now: datetime, *,
    trajectory: Trajectory | None = None,
) -> Idea:
    step, idea = await _own_idea(uow, idea_id, version, trajectory)
    ideas.edit_idea(step, idea, actor, text, now)
    await uow.ideas.save(idea, expected_version=version)
    return idea


async def withdraw_idea(uow: UnitOfWork, idea_id: int, version: int, actor: Person, now: datetime, *,
                        trajectory: Trajectory | None = None) -> Idea:
    step, idea = await _own_idea(uow, idea_id, version, trajectory)
    ideas.withdraw_idea(step, idea, actor, now)
    await uow.ideas.save(idea, expected_version=version)
    # Duplicates a facilitator merged into it would vanish with it: they stand on their own again.
    await uow.ideas.release_merged_into(idea_id, now)
    return idea
