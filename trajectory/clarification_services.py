"""Use cases of clarifications and merges on ideas, over the unit of work (callers own it and commit)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from .errors import NotFound, StaleVersion
from .kinds import clarifications, ideas
from .kinds.clarifications import Clarification
from .kinds.ideas import Idea
from .model import Person, Step, Trajectory
from .ports import UnitOfWork
from .services import require_facilitator


@dataclass(frozen=True)
class IdeaContext:
    """An idea with the step and trajectory it belongs to, as loaded for one action."""

    trajectory: Trajectory
    step: Step
    idea: Idea


async def load_idea(uow: UnitOfWork, idea_id: int) -> IdeaContext:
    idea = await uow.ideas.get(idea_id)
    trajectory = await uow.trajectories.by_step(idea.step_id) if idea else None
    step = trajectory.step(idea.step_id) if trajectory and idea else None
    if idea is None or trajectory is None or step is None or step.kind != ideas.KIND.name:
        raise NotFound(what="idea")
    return IdeaContext(trajectory, step, idea)


async def standing_for(uow: UnitOfWork, idea: Idea) -> Idea:
    """The idea that stands for ``idea``: itself, or the end of its chain of merges."""
    if idea.merged_into is None:
        return idea
    in_step = {i.id: i for i in await uow.ideas.in_step(idea.step_id)}
    target = ideas.final_target(idea.id or 0, {i: x.merged_into for i, x in in_step.items()})
    return in_step.get(target, idea)


async def ask(
    uow: UnitOfWork, idea_id: int, actor: Person, kind: object, text: object, anonymous: object, now: datetime
) -> tuple[Clarification, IdeaContext]:
    """Store a question or comment; a question on a merged idea goes to the idea it was merged into."""
    context = await load_idea(uow, idea_id)
    idea = await standing_for(uow, context.idea)
    assert context.step.id is not None
    asked = await uow.clarifications.count_by_asker(context.step.id, actor.aad_id)
    clarification = clarifications.ask(
        context.step, idea, actor, clarifications.parse_kind(kind), text, clarifications.parse_flag(anonymous),
        asked, now,
    )
    await uow.clarifications.add(clarification)
    return clarification, IdeaContext(context.trajectory, context.step, idea)


async def load_clarification(uow: UnitOfWork, clarification_id: int) -> tuple[Clarification, IdeaContext]:
    clarification = await uow.clarifications.get(clarification_id)
    if clarification is None:
        raise NotFound(what="question")
    return clarification, await load_idea(uow, clarification.idea_id)


async def answer(
    uow: UnitOfWork, clarification_id: int, version: int, actor: Person, text: object, now: datetime
) -> tuple[Clarification, IdeaContext]:
    """The author of the idea the question was asked about answers it (merged or not)."""
    clarification, context = await load_clarification(uow, clarification_id)
    clarifications.answer(context.step, context.idea, clarification, actor, text, version, now)
    await uow.clarifications.save_answer(clarification, expected_version=version)
    return clarification, context


async def merge(
    uow: UnitOfWork, idea_id: int, version: int, target_id: int, actor: Person, now: datetime
) -> IdeaContext:
    context = await load_idea(uow, idea_id)
    require_facilitator(context.trajectory, actor)
    if context.idea.version != version:
        raise StaleVersion(idea_id=idea_id)
    target = await uow.ideas.get(target_id)
    if target is None:
        raise NotFound(what="idea")
    ideas.merge_idea(context.trajectory, context.step, context.idea, target, now)
    await uow.ideas.merge(context.idea, expected_version=version)
    return context


async def unmerge(uow: UnitOfWork, idea_id: int, version: int, actor: Person, now: datetime) -> IdeaContext:
    context = await load_idea(uow, idea_id)
    require_facilitator(context.trajectory, actor)
    if context.idea.version != version:
        raise StaleVersion(idea_id=idea_id)
    ideas.unmerge_idea(context.trajectory, context.step, context.idea, now)
    await uow.ideas.unmerge(context.idea, expected_version=version)
    return context
