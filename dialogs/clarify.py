"""Clarifications on ideas in the channel: ask or comment on an idea, the author's answer (on their
private card or their view of the channel card), and a facilitator merging duplicates.

Every change is one unit of work that also claims the activity id, so a re-delivered click changes
nothing (and sends no second private message); the channel's copy of the live card or summary is
updated after the commit.
"""

from __future__ import annotations

import logging
from typing import Any

from cards import verbs
from cards.clarify import MergeFormView, QuestionCardView, render_merge_form, render_question_card
from cards.texts import t
from trajectory import clarification_services as service
from trajectory.errors import DomainError, InvalidInput, MergeTargetUnavailable, MergeTooLate, NotFound, StaleVersion
from trajectory.kinds.clarifications import Clarification, ClarificationKind, takes_clarifications
from trajectory.kinds.ideas import IdeaState, can_merge
from trajectory.model import StepState, Trajectory
from trajectory.ports import UnitOfWork
from trajectory.services import require_facilitator

from .context import Deps
from .language import shared_by
from .card_data import apply_once, int_of
from .clicks import click, step_of_idea
from .idea_views import listing, respond, update_shared
from .scope import checked_inside
from .refusals import describe
from .turn import Answer, Turn

log = logging.getLogger(__name__)


async def _step_of_idea(deps: Deps, idea_id: int) -> int:
    async with deps.uows() as uow:
        idea = await uow.ideas.get(idea_id)
    if idea is None:
        raise NotFound(what="idea")
    return idea.step_id


def _question_card(c: Clarification, context: service.IdeaContext, **extra: Any) -> dict[str, Any]:
    return render_question_card(QuestionCardView(
        clarification_id=c.id or 0, version=c.version, trajectory_title=context.trajectory.title,
        step_title=context.step.title, idea_text=context.idea.text, kind=c.kind.value, text=c.text,
        asker_name=c.asker_name, answer=c.answer,
        can_answer=takes_clarifications(context.step) and context.idea.state is IdeaState.ACTIVE, **extra,
    ))


async def _tell_author(deps: Deps, c: Clarification, context: service.IdeaContext) -> None:
    """The question, privately to the idea's author. A failure (no 1:1 chat allowed, Teams down) is
    logged without names and does not undo the question: the author also sees it on the card."""
    author = context.idea.author
    if not author.user_id:
        return
    async with deps.uows() as uow:
        channel = await uow.channels.get(context.trajectory.channel.channel_id)
    if channel is None:
        return
    with shared_by(context.trajectory):  # we don't know the author's own language outside their turns
        card = _question_card(c, context)
    try:
        await deps.messenger.send_private(channel, author, card)
    except Exception as error:  # noqa: BLE001 - the stored question stands; say why in the log only
        log.warning("could not send question %s to the idea's author: %s", c.id, type(error).__name__)


@checked_inside
async def ask(deps: Deps, turn: Turn, data: dict[str, Any]) -> Answer:
    assert turn.actor is not None
    actor, idea_id = turn.actor, int_of(data, "idea_id")
    text = data.get(f"{verbs.CLARIFY_TEXT_PREFIX}{idea_id}")
    kind = data.get(f"{verbs.CLARIFY_KIND_PREFIX}{idea_id}")
    anonymous = data.get(f"{verbs.CLARIFY_ANONYMOUS_PREFIX}{idea_id}")

    async def change(uow: UnitOfWork, trajectory: Trajectory) -> tuple[Clarification, service.IdeaContext]:
        return await service.ask(uow, idea_id, actor, kind, text, anonymous, turn.now)

    done = "clarify.commented" if kind == ClarificationKind.COMMENT else "clarify.asked"
    clicked = await click(deps, turn, data, step_of_idea(data), via="idea_id", change=change, done=done,
                          missing="idea")
    if clicked.result is not None and clicked.result[0].kind is ClarificationKind.QUESTION:
        await _tell_author(deps, *clicked.result)
    return await clicked.answer(deps)


async def _private_answer(deps: Deps, turn: Turn, clarification_id: int, notice: str, is_error: bool) -> Answer:
    """The author's private card again, as it now stands; anyone else gets a sentence only."""
    assert turn.actor is not None
    try:
        async with deps.uows() as uow:
            c, context = await service.load_clarification(uow, clarification_id)
    except DomainError as refusal:
        return Answer(text=describe(refusal))
    if context.idea.author.aad_id != turn.actor.aad_id:
        return Answer(text=notice)
    return Answer(card=_question_card(c, context, notice=notice, notice_is_error=is_error))


async def answer(deps: Deps, turn: Turn, data: dict[str, Any]) -> Answer:
    assert turn.actor is not None
    actor, clarification_id, version = turn.actor, int_of(data, "clarification_id"), int_of(data, "version")
    text = data.get(f"{verbs.ANSWER_TEXT_PREFIX}{clarification_id}")
    private = data.get("view") == "private"

    async def action(uow: UnitOfWork) -> int:
        _, context = await service.answer(uow, clarification_id, version, actor, text, turn.now)
        return context.step.id or 0

    try:
        step_id = await apply_once(deps, turn, action)
    except DomainError as refusal:
        if private:
            return await _private_answer(deps, turn, clarification_id, describe(refusal), True)
        try:
            async with deps.uows() as uow:
                _, context = await service.load_clarification(uow, clarification_id)
        except DomainError:
            return Answer(text=describe(refusal))
        return await respond(deps, turn, context.step.id or 0, describe(refusal), True, changed=False)
    if step_id is None:  # a re-delivery: the answer was stored the first time
        async with deps.uows() as uow:
            _, context = await service.load_clarification(uow, clarification_id)
        step_id = context.step.id or 0
    if private:
        await update_shared(deps, step_id)
        return await _private_answer(deps, turn, clarification_id, t("clarify.answered"), False)
    return await respond(deps, turn, step_id, t("clarify.answered"), False, changed=True)


async def merge_form(deps: Deps, turn: Turn, data: dict[str, Any]) -> Answer:
    """A facilitator's form to pick the idea a duplicate goes into."""
    assert turn.actor is not None
    idea_id, version = int_of(data, "idea_id"), int_of(data, "version")
    step_id = await _step_of_idea(deps, idea_id)
    try:
        async with deps.uows() as uow:
            context = await service.load_idea(uow, idea_id)
            require_facilitator(context.trajectory, turn.actor)
            if context.idea.version != version:
                raise StaleVersion(idea_id=idea_id)
            if not can_merge(context.trajectory, context.step):
                raise MergeTooLate(step_id=step_id)
            if not context.idea.is_active:
                raise MergeTargetUnavailable(idea_id=idea_id)
            ideas = (await listing(uow, context.trajectory, context.step, turn.actor)).ideas
    except DomainError as refusal:
        return await respond(deps, turn, step_id, describe(refusal), True, changed=False)
    chosen = next(i for i in ideas if i.id == idea_id)
    summary = context.step.state is StepState.CLOSED
    return Answer(card=render_merge_form(MergeFormView(step_id, chosen, ideas, summary=summary)))


@checked_inside
async def merge(deps: Deps, turn: Turn, data: dict[str, Any]) -> Answer:
    assert turn.actor is not None
    actor, idea_id, version = turn.actor, int_of(data, "idea_id"), int_of(data, "version")

    async def change(uow: UnitOfWork, trajectory: Trajectory) -> None:
        raw = data.get(verbs.MERGE_TARGET)
        if raw in (None, ""):
            raise InvalidInput(field="merge_target", reason="not_a_choice")
        await service.merge(uow, idea_id, version, int_of(data, verbs.MERGE_TARGET), actor, turn.now)

    return await (await click(deps, turn, data, step_of_idea(data), via="idea_id", change=change,
                              done="clarify.merged", missing="idea")).answer(deps)


@checked_inside
async def unmerge(deps: Deps, turn: Turn, data: dict[str, Any]) -> Answer:
    assert turn.actor is not None
    actor, idea_id, version = turn.actor, int_of(data, "idea_id"), int_of(data, "version")

    async def change(uow: UnitOfWork, trajectory: Trajectory) -> None:
        await service.unmerge(uow, idea_id, version, actor, turn.now)

    return await (await click(deps, turn, data, step_of_idea(data), via="idea_id", change=change,
                              done="clarify.unmerged", missing="idea")).answer(deps)


VERBS = {
    verbs.IDEAS_CLARIFY: ask,
    verbs.IDEAS_ANSWER: answer,
    verbs.IDEAS_MERGE_CHOOSE: merge_form,
    verbs.IDEAS_MERGE: merge,
    verbs.IDEAS_UNMERGE: unmerge,
}
