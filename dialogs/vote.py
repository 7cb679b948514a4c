"""The vote step in the channel: its card, each member's ballot, the reveal, the results."""

from __future__ import annotations

from dataclasses import replace
from typing import Any, Awaitable, Callable

from cards import verbs
from cards.setup import step_input
from cards.texts import t
from cards.vote import OptionView, VoteCardView, render_vote_card, render_vote_results, results_view
from cards.vote import setup_fields as setup_fields
from trajectory import vote_service
from trajectory.errors import DomainError, NotFound
from trajectory.kinds import vote
from trajectory.model import Person, Step, StepState, Trajectory
from trajectory.ports import UnitOfWork

from .card_data import apply_once, int_of, post_step_card
from .context import Deps
from .language import in_trajectory_language
from .refusals import describe
from .turn import Answer, Turn

SETTINGS = ("method", "dots", "cap", "top_k", "source", "options", "anonymous", "hidden_results")


def _entries(data: dict[str, Any], prefix: str) -> dict[Any, object]:
    """Card inputs named ``prefix<n>``, keyed by n (an int when it is one; the domain refuses the rest)."""
    found: dict[Any, object] = {}
    for key, value in data.items():
        if isinstance(key, str) and key.startswith(prefix):
            suffix = key[len(prefix):]
            found[int(suffix) if suffix.isascii() and suffix.isdigit() else suffix] = value
    return found


VoteReads = tuple[vote_service.VoteSnapshot, list[Person]]


async def _read(uow: UnitOfWork, trajectory: Trajectory, step: Step) -> VoteReads:
    """Ballots, tally and roster: read and counted once per click for both cards it renders."""
    return await vote_service.snapshot(uow, step), await uow.channels.members(trajectory.channel.team_id)


async def _view(uow: UnitOfWork, trajectory: Trajectory, step: Step, viewer: Person | None,
                notice: str | None = None, is_error: bool = False, reads: VoteReads | None = None) -> VoteCardView:
    snap, roster = reads or await _read(uow, trajectory, step)
    settings = vote.normalise_settings(step.settings)
    voters = snap.voters
    members = max(len(roster), len(voters))
    names = None
    if not settings["anonymous"]:
        names = sorted(b.voter.name for b in snap.ballots if not b.is_empty)
    mine = snap.ballot_of(viewer.aad_id) if viewer is not None else None
    empty_reason = None
    if not snap.options:
        empty_reason = "no_ideas" if vote.source_step(trajectory.steps, step) is not None else "no_source"
    return VoteCardView(
        step_id=step.id or 0,
        trajectory_title=trajectory.title,
        question=trajectory.question,
        step_title=step.title,
        prompt=step.prompt,
        method=settings["method"],
        dots=settings["dots"],
        cap=settings["cap"],
        top_k=vote.rules_for(step, snap.options).top_k,
        anonymous=settings["anonymous"],
        options=[OptionView(o.id or 0, o.position + 1, o.label) for o in snap.options],
        offered=snap.state.offered if snap.state else len(snap.options),
        voters=len(voters),
        members=members,
        is_open=step.state is StepState.OPEN,
        hidden=not snap.results_visible,
        deadline=step.deadline,
        refresh_user_ids=[m.user_id for m in roster if m.user_id],
        results=results_view(snap.tally, members, names) if snap.results_visible and snap.options else None,
        empty_reason=empty_reason,
        personal=viewer is not None,
        mine=dict(mine.choices) if mine else {},
        version=mine.version if mine else 0,
        can_reveal=viewer is not None and trajectory.is_facilitator(viewer.aad_id) and not snap.results_visible,
        notice=notice,
        notice_is_error=is_error,
    )


@in_trajectory_language
async def shared_card(uow: UnitOfWork, trajectory: Trajectory, step: Step,
                      reads: VoteReads | None = None) -> dict[str, Any]:
    return render_vote_card(await _view(uow, trajectory, step, None, reads=reads))


async def on_open(deps: Deps, trajectory: Trajectory, step: Step) -> None:
    """Freeze the options (once), post the step's card as a new channel post and remember where it is."""
    assert step.id is not None and step.opened_at is not None
    async with deps.uows() as uow:
        await vote_service.freeze_options(uow, trajectory, step, step.opened_at)
        await uow.commit()
    await post_step_card(deps, trajectory, step, shared_card)


async def on_close(deps: Deps, trajectory: Trajectory, step: Step) -> None:
    """Freeze the card and post the results (chart and ranked list) in the step's thread."""
    async with deps.uows() as uow:
        view = await _view(uow, trajectory, step, None)
        channel = await uow.channels.get(trajectory.channel.channel_id) if step.card is None else None
    closed = render_vote_card(view)
    results = render_vote_results(step.title, trajectory.title, view.results) if view.results else None
    if step.card is not None:
        await deps.messenger.update_card(step.card, closed)
        if results is not None:
            await deps.messenger.reply_card(step.card, results)
    elif channel is not None and results is not None:
        await deps.messenger.post_card(channel, results)


async def _respond(deps: Deps, turn: Turn, step_id: int, notice: Callable[[VoteCardView], str | None] | None,
                   is_error: bool, changed: bool) -> Answer:
    """The member's own view of the card; after a change, the channel's shared card too."""
    async with deps.uows() as uow:
        trajectory = await uow.trajectories.by_step(step_id)
        step = trajectory.step(step_id) if trajectory else None
        if trajectory is None or step is None or step.kind != vote.KIND.name:
            return Answer(text=describe(NotFound(what="step")))
        reads = await _read(uow, trajectory, step)
        view = await _view(uow, trajectory, step, turn.actor, reads=reads)
        if notice is not None:
            view = replace(view, notice=notice(view), notice_is_error=is_error)
        shared = await shared_card(uow, trajectory, step, reads) if changed and step.card else None
    if shared is not None and step.card is not None:
        await deps.messenger.update_card(step.card, shared)
    return Answer(card=render_vote_card(view))


async def _apply(deps: Deps, turn: Turn, step_id: int, action: Callable[[UnitOfWork], Awaitable[Any]],
                 done: Callable[[VoteCardView], str | None]) -> Answer:
    """Run one change in its own unit of work, applied once per activity id."""
    try:
        await apply_once(deps, turn, action)
    except DomainError as refusal:
        return await _respond(deps, turn, step_id, lambda _: describe(refusal), True, changed=False)
    return await _respond(deps, turn, step_id, done, False, changed=True)


def _after_submit(view: VoteCardView) -> str:
    # Worded from what is stored, so a re-delivered click gets the same answer as the first.
    return t("vote.saved") if view.mine else t("vote.cleared")


async def submit(deps: Deps, turn: Turn, data: dict[str, Any]) -> Answer:
    assert turn.actor is not None
    actor, step_id, version = turn.actor, int_of(data, "step_id"), int_of(data, "version")
    by_option = _entries(data, verbs.VOTE_OPTION_PREFIX)
    by_place = _entries(data, verbs.VOTE_PLACE_PREFIX)

    async def action(uow: UnitOfWork) -> None:
        await vote_service.submit_ballot(uow, step_id, version, actor, by_option, by_place, turn.now)

    return await _apply(deps, turn, step_id, action, _after_submit)


async def reveal(deps: Deps, turn: Turn, data: dict[str, Any]) -> Answer:
    assert turn.actor is not None
    actor, step_id = turn.actor, int_of(data, "step_id")

    async def action(uow: UnitOfWork) -> None:
        await vote_service.reveal_results(uow, step_id, actor, turn.now)

    return await _apply(deps, turn, step_id, action, lambda _: t("vote.revealed"))


async def show(deps: Deps, turn: Turn, data: dict[str, Any]) -> Answer:
    return await _respond(deps, turn, int_of(data, "step_id"), None, False, changed=False)


def read_setup(data: dict[str, Any], index: int, settings: dict[str, Any]) -> dict[str, Any]:
    """The vote step's settings as typed on the setup card (checked by the domain)."""
    typed = {name: data[step_input(index, name)] for name in SETTINGS if step_input(index, name) in data}
    return {**settings, **typed}


async def contributors(uow: UnitOfWork, step: Step) -> set[str]:
    """Members whose ballot is not empty."""
    return await vote_service.contributors(uow, step)


def anonymous(step: Step) -> bool:
    return vote.is_anonymous(step)


VERBS = {
    verbs.VOTE_SUBMIT: submit,
    verbs.VOTE_REFRESH: show,
    verbs.VOTE_REVEAL: reveal,
}
