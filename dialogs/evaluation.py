"""The evaluation step in the channel: the survey card, members' answers, the results on close."""

from __future__ import annotations

from functools import partial
from typing import Any

from cards import verbs
from cards.base import MAX_REFRESH_USERS
from cards.evaluation import EvaluationCardView, render_evaluation_card, render_evaluation_summary
from cards.evaluation import setup_fields as setup_fields
from cards.setup import step_input
from trajectory import evaluation_service
from trajectory.errors import InvalidInput
from trajectory.kinds.evaluation import KIND, edit_questions, is_anonymous, questions_of
from trajectory.model import Person, Step, StepState, Trajectory
from trajectory.ports import UnitOfWork

from .card_data import ClickCards, int_of, post_step_card
from .clicks import click, step_in_data
from .context import Deps
from .language import in_trajectory_language, shared_by
from .scope import checked_inside
from .turn import Answer, Turn


async def _view(
    uow: UnitOfWork, trajectory: Trajectory, step: Step, viewer: Person | None, notice: str | None = None,
    is_error: bool = False,
) -> EvaluationCardView:
    step_id = step.id or 0
    refresh_ids, _ = await uow.channels.user_ids(trajectory.channel.team_id, MAX_REFRESH_USERS + 1)
    mine, version = None, 0
    if viewer is not None:
        response = await uow.responses.get(step_id, viewer.aad_id)
        mine, version = (dict(response.answers), response.version) if response else ({}, 0)
    return EvaluationCardView(
        step_id=step_id,
        trajectory_title=trajectory.title,
        step_title=step.title,
        prompt=step.prompt,
        questions=questions_of(step.settings),
        respondent_count=len(await uow.responses.respondents(step_id)),
        anonymous=is_anonymous(step.settings),
        is_open=step.state is StepState.OPEN,
        deadline=step.deadline,
        refresh_user_ids=refresh_ids,
        mine=mine,
        version=version,
        notice=notice,
        notice_is_error=is_error,
    )


@in_trajectory_language
async def shared_card(uow: UnitOfWork, trajectory: Trajectory, step: Step) -> dict[str, Any]:
    return render_evaluation_card(await _view(uow, trajectory, step, None))


async def on_open(deps: Deps, trajectory: Trajectory, step: Step) -> None:
    """Post the survey card as a new channel post and remember where it is."""
    await post_step_card(deps, trajectory, step, shared_card)


async def on_close(deps: Deps, trajectory: Trajectory, step: Step) -> None:
    """Freeze the survey card and post the results in its thread."""
    async with deps.uows() as uow:
        closed = await shared_card(uow, trajectory, step)
        summary = await evaluation_service.summary(uow, step)
    results = render_evaluation_summary(step.title, trajectory.title, summary)
    if step.card is not None:
        await deps.messenger.update_card(step.card, closed)
        await deps.messenger.reply_card(step.card, results)
    else:
        async with deps.uows() as uow:
            channel = await uow.channels.get(trajectory.channel.channel_id)
        if channel is not None:
            await deps.messenger.post_card(channel, results)


async def _read(uow: UnitOfWork, trajectory: Trajectory, step: Step, viewer: Person | None, notice: str | None,
                is_error: bool, changed: bool, **_: Any) -> ClickCards:
    """The member's own survey; after a first response, the channel's shared card (the count) too,
    rendered only if its update is sent."""
    personal = partial(render_evaluation_card, await _view(uow, trajectory, step, viewer, notice, is_error))
    if not changed or step.card is None:
        return ClickCards(personal)
    with shared_by(trajectory):
        shared_view = await _view(uow, trajectory, step, None)

    def shared() -> dict[str, Any]:
        with shared_by(trajectory):
            return render_evaluation_card(shared_view)

    return ClickCards(personal, step.card, shared)


def _answers(data: dict[str, Any]) -> dict[str, object]:
    """Answers by question id, from the inputs Teams merged into the action data."""
    prefix = verbs.EVALUATION_ANSWER_PREFIX
    return {key[len(prefix):]: value for key, value in data.items() if key.startswith(prefix)}


@checked_inside
async def submit(deps: Deps, turn: Turn, data: dict[str, Any]) -> Answer:
    assert turn.actor is not None
    step_id, version = int_of(data, "step_id"), int_of(data, "version")
    actor, answers = turn.actor, _answers(data)

    async def change(uow: UnitOfWork, trajectory: Trajectory) -> Any:
        return await evaluation_service.submit_answers(uow, step_id, version, actor, answers, turn.now)

    # One unit of work (dialogs/clicks.py); the shared card changes with a first response only (its
    # count), and a re-delivered activity (None) was applied already: answer with the stored state.
    return await (await click(deps, turn, data, step_in_data(data), via="step_id", change=change,
                              done="evaluation.saved", read=_read, kind=KIND.name,
                              changes_shared=lambda done: bool(done and done[1]))).answer(deps)


@checked_inside
async def show(deps: Deps, turn: Turn, data: dict[str, Any]) -> Answer:
    return await (await click(deps, turn, data, step_in_data(data), via="step_id", read=_read,
                              kind=KIND.name)).answer(deps)


def _lines(value: object) -> list[str]:
    if not isinstance(value, str):
        raise InvalidInput(field="evaluation_questions", reason="not_text")
    return [part for part in value.splitlines() if part.strip()]


def read_setup(data: dict[str, Any], index: int, settings: dict[str, Any]) -> dict[str, Any]:
    """The questions as typed on the setup card (ids of unchanged questions kept; checked by the domain)."""
    keys = {name: step_input(index, name) for name in ("likert", "nps", "open", "anonymous")}
    result = dict(settings)
    if any(keys[name] in data for name in ("likert", "nps", "open")):
        current = questions_of(settings)

        def typed(name: str, kind: str) -> list[str]:
            if keys[name] in data:
                return _lines(data[keys[name]])
            return [q.text for q in current if q.type == kind]

        nps = typed("nps", "nps")
        result["questions"] = edit_questions(current, typed("likert", "likert"), " ".join(nps), typed("open", "text"))
    if keys["anonymous"] in data:
        result["anonymous"] = data[keys["anonymous"]]
    return result


async def contributors(uow: UnitOfWork, step: Step) -> set[str]:
    """aad ids of the members who answered."""
    return await uow.responses.respondents(step.id) if step.id is not None else set()


def anonymous(step: Step) -> bool:
    return is_anonymous(step.settings)


VERBS = {
    verbs.EVALUATION_SUBMIT: submit,
    verbs.EVALUATION_REFRESH: show,
}
