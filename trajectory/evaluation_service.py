"""Use cases of the evaluation step, over the unit of work (callers own it and commit)."""

from __future__ import annotations

from datetime import datetime
from typing import Mapping

from .errors import NotFound
from .kinds import evaluation
from .kinds.evaluation import EvaluationSummary, Response
from .model import Person, Step, Trajectory
from .ports import UnitOfWork


async def load_step(uow: UnitOfWork, step_id: int) -> tuple[Trajectory, Step]:
    trajectory = await uow.trajectories.by_step(step_id)
    step = trajectory.step(step_id) if trajectory else None
    if trajectory is None or step is None or step.kind != evaluation.KIND.name:
        raise NotFound(what="step")
    return trajectory, step


async def submit_answers(
    uow: UnitOfWork, step_id: int, version: int, actor: Person, raw: Mapping[str, object], now: datetime
) -> tuple[Response, bool]:
    """Store the member's answers (new, or replacing theirs); True when it is their first response.

    The version check happens twice: here against what was read, and in the database (UPDATE ...
    WHERE version, or the unique (step, respondent) constraint for a first response).
    """
    _, step = await load_step(uow, step_id)
    existing = await uow.responses.get(step_id, actor.aad_id)
    response = evaluation.answer(step, existing, actor, version, raw, now)
    if existing is None:
        return await uow.responses.add(response), True
    await uow.responses.save(response, expected_version=version)
    return response, False


async def summary(uow: UnitOfWork, step: Step) -> EvaluationSummary:
    responses = await uow.responses.for_step(step.id) if step.id is not None else []
    return evaluation.summarise(step.settings, responses)
