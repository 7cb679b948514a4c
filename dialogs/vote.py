"""The vote step in the channel: its card, each member's ballot, the reveal, the results."""

from __future__ import annotations

from dataclasses import dataclass, replace
from functools import partial
from typing import Any, Awaitable, Callable

from cards import verbs
from cards.base import MAX_REFRESH_USERS
from cards.setup import step_input
from cards.texts import t
from cards.vote import OptionView, VoteCardView, render_vote_card, render_vote_results, results_view
from cards.vote import setup_fields as setup_fields
from trajectory import vote_service
from trajectory.kinds import vote
from trajectory.kinds.vote import Ballot, VoteOption
from trajectory.model import Person, Step, StepState, Trajectory
from trajectory.ports import UnitOfWork

from . import scope
from .card_data import ClickCards, int_of, post_step_card
from .clicks import click, step_in_data
from .context import Deps
from .language import shared_by
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


@dataclass(frozen=True)
class VoteReads:
    """What both cards of a click show, read once: counts (never every ballot) and the members
    (how many, and the user ids of a card's refresh list; never the whole roster)."""

    counts: vote_service.VoteCounts
    refresh_ids: list[str]
    members: int
    voter_names: list[str] | None = None  # only where shown: the results posted at close


async def _read(uow: UnitOfWork, trajectory: Trajectory, step: Step, options: list[VoteOption] | None = None,
                names: bool = False) -> VoteReads:
    counts = await vote_service.counts(uow, step, options)
    refresh_ids, members = await uow.channels.user_ids(trajectory.channel.team_id, MAX_REFRESH_USERS + 1)
    shown = names and counts.results_visible and not vote.is_anonymous(step) and step.id is not None
    return VoteReads(counts, refresh_ids, members, await uow.votes.voter_names(step.id or 0) if shown else None)


def _view(trajectory: Trajectory, step: Step, reads: VoteReads, viewer: Person | None = None,
          mine: Ballot | None = None, notice: str | None = None, is_error: bool = False) -> VoteCardView:
    counts = reads.counts
    settings = vote.normalise_settings(step.settings)
    members = max(reads.members, counts.voters)
    empty_reason = None
    if not counts.options:
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
        top_k=vote.rules_for(step, counts.options).top_k,
        anonymous=settings["anonymous"],
        options=[OptionView(o.id or 0, o.position + 1, o.label) for o in counts.options],
        offered=counts.state.offered if counts.state else len(counts.options),
        voters=counts.voters,
        members=members,
        is_open=step.state is StepState.OPEN,
        hidden=not counts.results_visible,
        deadline=step.deadline,
        refresh_user_ids=reads.refresh_ids,
        results=(results_view(counts.tally, members, reads.voter_names)
                 if counts.tally is not None and counts.options else None),
        empty_reason=empty_reason,
        personal=viewer is not None,
        mine=dict(mine.choices) if mine else {},
        version=mine.version if mine else 0,
        can_reveal=viewer is not None and trajectory.is_facilitator(viewer.aad_id) and not counts.results_visible,
        notice=notice,
        notice_is_error=is_error,
    )


def _shared(trajectory: Trajectory, step: Step, reads: VoteReads) -> dict[str, Any]:
    """The channel's card, in the trajectory's language."""
    with shared_by(trajectory):
        return render_vote_card(_view(trajectory, step, reads))


async def shared_card(uow: UnitOfWork, trajectory: Trajectory, step: Step) -> dict[str, Any]:
    return _shared(trajectory, step, await _read(uow, trajectory, step))


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
        view = _view(trajectory, step, await _read(uow, trajectory, step, names=True))
        channel = await uow.channels.get(trajectory.channel.channel_id) if step.card is None else None
    closed = render_vote_card(view)
    results = render_vote_results(step.title, trajectory.title, view.results) if view.results else None
    if step.card is not None:
        await deps.messenger.update_card(step.card, closed)
        if results is not None:
            await deps.messenger.reply_card(step.card, results)
    elif channel is not None and results is not None:
        await deps.messenger.post_card(channel, results)


_UNREAD = object()  # no change has said what the member's ballot is now (none ran, or a reveal)


class _Click:
    """What one vote click reads once for its change and both cards (dialogs/clicks.py runs it):
    the options, and the member's ballot as the change left it. ``notice_of`` words the notice
    after a change from the member's view (so a re-delivered click gets the same answer)."""

    def __init__(self, step_id: int, notice_of: Callable[[VoteCardView], str] | None = None) -> None:
        self.step_id, self.notice_of = step_id, notice_of
        self.mine: Any = _UNREAD
        self._options: list[VoteOption] | None = None

    async def options(self, uow: UnitOfWork) -> list[VoteOption]:
        if self._options is None:
            self._options = await uow.votes.options(self.step_id)
        return self._options

    async def cards(self, uow: UnitOfWork, trajectory: Trajectory, step: Step, viewer: Person | None,
                    notice: str | None, is_error: bool, changed: bool, **_: Any) -> ClickCards:
        assert viewer is not None
        options = await self.options(uow)
        mine = self.mine
        if mine is _UNREAD or is_error:  # after a refusal the change was rolled back: read it as stored
            mine = await uow.votes.ballot(step.id or 0, viewer.aad_id)
        reads = await _read(uow, trajectory, step, options)
        view = _view(trajectory, step, reads, viewer, mine)
        if is_error:
            view = replace(view, notice=notice, notice_is_error=True)
        elif self.notice_of is not None:
            view = replace(view, notice=self.notice_of(view))
        personal = partial(render_vote_card, view)
        if not changed or step.card is None:
            return ClickCards(personal)
        return ClickCards(personal, step.card, partial(_shared, trajectory, step, reads))


def _after_submit(view: VoteCardView) -> str:
    # Worded from what is stored, so a re-delivered click gets the same answer as the first.
    return t("vote.saved") if view.mine else t("vote.cleared")


@scope.checked_inside
async def submit(deps: Deps, turn: Turn, data: dict[str, Any]) -> Answer:
    assert turn.actor is not None
    actor, version = turn.actor, int_of(data, "version")
    by_option = _entries(data, verbs.VOTE_OPTION_PREFIX)
    by_place = _entries(data, verbs.VOTE_PLACE_PREFIX)

    clicked = _Click(int_of(data, "step_id"), _after_submit)

    async def change(uow: UnitOfWork, trajectory: Trajectory) -> None:
        step = trajectory.step(clicked.step_id)
        assert step is not None
        # None: nothing stored (an empty ballot and no earlier one), so none to show either.
        clicked.mine = await vote_service.cast_ballot(uow, step, await clicked.options(uow), version, actor,
                                                      by_option, by_place, turn.now)

    return await _run(deps, turn, data, clicked, change)


@scope.checked_inside
async def reveal(deps: Deps, turn: Turn, data: dict[str, Any]) -> Answer:
    assert turn.actor is not None
    actor = turn.actor

    clicked = _Click(int_of(data, "step_id"), lambda _: t("vote.revealed"))

    async def change(uow: UnitOfWork, trajectory: Trajectory) -> None:
        step = trajectory.step(clicked.step_id)
        assert step is not None
        await vote_service.reveal(uow, trajectory, step, actor, turn.now)

    return await _run(deps, turn, data, clicked, change)


@scope.checked_inside
async def show(deps: Deps, turn: Turn, data: dict[str, Any]) -> Answer:
    return await _run(deps, turn, data, _Click(int_of(data, "step_id")), None)


async def _run(deps: Deps, turn: Turn, data: dict[str, Any], clicked: _Click,
               change: Callable[[UnitOfWork, Trajectory], Awaitable[None]] | None) -> Answer:
    """One unit of work (dialogs/clicks.py): the step, the scope check, the change once per
    activity id (a refusal rolled back and answered with the reason), both cards from one read;
    the channel's copy updated after a change or a re-delivery (rendered when sent)."""
    return await (await click(deps, turn, data, step_in_data(data), via="step_id", change=change,
                              read=clicked.cards, kind=vote.KIND.name)).answer(deps)


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
