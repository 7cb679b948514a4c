"""The idea step's cards as one member (or nobody: the shared card) sees them, read from the database,
and keeping the channel's copy current. Shared by dialogs/ideas.py and dialogs/clarify.py."""

from __future__ import annotations

from functools import partial
from typing import Any, Callable

from cards.base import MAX_REFRESH_USERS
from cards.ideas import IdeasCardView, IdeaView, SummaryView, live_page_size, render_ideas_card, render_ideas_summary
from cards.idea_list import PAGE_MAX_IDEAS, ClarificationView, IdeaListView, ListedIdea, MergedView
from trajectory.errors import NotFound
from trajectory.kinds.clarifications import Clarification, takes_clarifications
from trajectory.kinds.ideas import Idea, can_merge, merge_groups, normalise_settings
from trajectory.model import CardRef, Person, Step, StepState, Trajectory
from trajectory.ports import UnitOfWork

from .card_data import ClickCards, int_of
from .context import Deps
from .language import in_trajectory_language, shared_by
from .refusals import describe
from .turn import Answer, Turn


def start_of(data: dict[str, Any]) -> int | None:
    """The page a paging button asked for; None for the member's usual view."""
    if "start" not in data:
        return None
    return max(0, min(int_of(data, "start"), 10_000))


def _clarification_view(c: Clarification, about: Idea, viewer: Person | None) -> ClarificationView:
    return ClarificationView(
        id=c.id or 0, version=c.version, kind=c.kind.value, text=c.text,
        asker_name=c.asker_name,  # None when anonymous: the name is not even stored
        answer=c.answer, answerer_name=about.author.name,
        yours=viewer is not None and c.asker.aad_id == viewer.aad_id,
        can_answer=viewer is not None and about.author.aad_id == viewer.aad_id,
    )


class StepReads:
    """What the idea cards of one step read, each at most once per unit of work: a click renders the
    clicker's card and the channel's from the same rows (issue 9: one read per click)."""

    def __init__(self, uow: UnitOfWork, trajectory: Trajectory, step: Step) -> None:
        assert step.id is not None
        self._uow, self._trajectory, self._step_id = uow, trajectory, step.id
        self._ideas: list[Idea] | None = None
        self._clarifications: list[Clarification] | None = None
        self._refresh_ids: list[str] | None = None
        self._counts: tuple[int, int] | None = None
        self._pages: dict[int, tuple[int, list[Idea]]] = {}  # start -> (limit, ideas)
        self._about: dict[tuple[int, ...], list[Clarification]] = {}

    async def ideas(self) -> list[Idea]:
        if self._ideas is None:
            self._ideas = await self._uow.ideas.in_step(self._step_id)
        return self._ideas

    async def clarifications(self) -> list[Clarification]:
        if self._clarifications is None:
            self._clarifications = await self._uow.clarifications.for_step(self._step_id)
        return self._clarifications

    async def refresh_ids(self) -> list[str]:
        if self._refresh_ids is None:
            self._refresh_ids = await _refresh_ids(self._uow, self._trajectory)
        return self._refresh_ids

    # The live card reads a page (the card holds at most PAGE_MAX_IDEAS), not every idea.
    async def counts(self) -> tuple[int, int]:
        """Active ideas, and the people who wrote the step's ideas."""
        if self._counts is None:
            self._counts = await self._uow.ideas.card_counts(self._step_id)
        return self._counts

    async def page(self, start: int, limit: int = PAGE_MAX_IDEAS) -> list[Idea]:
        """Up to ``limit`` active ideas from ``start`` (a page read for more serves fewer too)."""
        if start not in self._pages or self._pages[start][0] < limit:
            self._pages[start] = (limit, await self._uow.ideas.card_page(self._step_id, start, limit))
        return self._pages[start][1]

    async def clarifications_on(self, ideas: list[Idea]) -> list[Clarification]:
        ids = tuple(i.id for i in ideas if i.id is not None)
        if ids not in self._about:
            self._about[ids] = await self._uow.clarifications.for_ideas(list(ids))
        return self._about[ids]


async def listing(
    uow: UnitOfWork, trajectory: Trajectory, step: Step, viewer: Person | None, start: int = 0, summary: bool = False,
    reads: StepReads | None = None,
) -> IdeaListView:
    """Every active idea, numbered, with the duplicates merged into it and all their clarifications."""
    assert step.id is not None
    reads = reads or StepReads(uow, trajectory, step)
    return _listed(trajectory, step, viewer, await reads.ideas(), await reads.clarifications(), start, summary)


async def page_listing(trajectory: Trajectory, step: Step, viewer: Person | None, start: int,
                       reads: StepReads, own: int = 0) -> IdeaListView:
    """The active ideas a card can show from ``start`` on (one page), as ``listing`` numbers them:
    no more than fit the card (``own``: how many are the viewer's, listed without an ask form)."""
    total = (await reads.counts())[0]
    first = max(0, min(start, max(total - 1, 0)))  # where render_idea_list starts the page
    ideas = await reads.page(first, live_page_size(takes_clarifications(step), own))
    return _listed(trajectory, step, viewer, ideas, await reads.clarifications_on(ideas), start, False,
                   offset=first, total=total)


def _listed(trajectory: Trajectory, step: Step, viewer: Person | None, ideas: list[Idea],
            about: list[Clarification], start: int, summary: bool, offset: int = 0,
            total: int | None = None) -> IdeaListView:
    assert step.id is not None
    by_id = {i.id: i for i in ideas}
    groups = merge_groups(ideas)
    group_of = {m.id: target for target, merged in groups.items() for m in merged}
    clarifications: dict[int, list[ClarificationView]] = {}
    for c in about:
        about_idea = by_id.get(c.idea_id)
        target = group_of.get(c.idea_id, c.idea_id)
        if about_idea is not None and target in groups:  # not shown: those of withdrawn ideas
            clarifications.setdefault(target, []).append(_clarification_view(c, about_idea, viewer))
    listed = []
    for number, idea in enumerate((i for i in ideas if i.merged_into is None), start=offset + 1):
        assert idea.id is not None
        listed.append(ListedIdea(
            id=idea.id, version=idea.version, number=number, text=idea.text, author_name=idea.author.name,
            merged=tuple(MergedView(m.id or 0, m.version, m.text, m.author.name) for m in groups[idea.id]),
            clarifications=tuple(clarifications.get(idea.id, ())),
            yours=viewer is not None and idea.author.aad_id == viewer.aad_id,
        ))
    merging = viewer is not None and trajectory.is_facilitator(viewer.aad_id) and can_merge(trajectory, step)
    return IdeaListView(step_id=step.id, ideas=listed, start=start, can_ask=takes_clarifications(step),
                        can_merge=merging, page_data={"summary": True} if summary else {}, offset=offset,
                        total=total)


async def _refresh_ids(uow: UnitOfWork, trajectory: Trajectory) -> list[str]:
    # One more than a card's refresh list takes: more than that and the card refreshes on demand.
    return (await uow.channels.user_ids(trajectory.channel.team_id, MAX_REFRESH_USERS + 1))[0]


async def live_view(
    uow: UnitOfWork, trajectory: Trajectory, step: Step, viewer: Person | None, notice: str | None = None,
    is_error: bool = False, start: int | None = None, reads: StepReads | None = None,
) -> IdeasCardView:
    reads = reads or StepReads(uow, trajectory, step)
    assert step.id is not None
    idea_count, contributor_count = await reads.counts()  # authors of merged duplicates took part too
    mine = None
    if viewer is not None:
        mine = [IdeaView(i.id or 0, i.text, i.version)
                for i in await uow.ideas.active_by_author(step.id, viewer.aad_id)]
    return IdeasCardView(
        step_id=step.id or 0,
        trajectory_title=trajectory.title,
        question=trajectory.question,
        step_title=step.title,
        prompt=step.prompt,
        idea_count=idea_count,
        contributor_count=contributor_count,
        max_per_person=normalise_settings(step.settings)["max_per_person"],
        is_open=step.state is StepState.OPEN,
        deadline=step.deadline,
        refresh_user_ids=await reads.refresh_ids(),
        mine=mine,
        notice=notice,
        notice_is_error=is_error,
        listing=await page_listing(trajectory, step, viewer, start or 0, reads, len(mine or ()))
        if step.state is StepState.OPEN else None,
        browsing=start is not None,
        has_summary=step.state is StepState.CLOSED,
    )


async def summary_view(
    uow: UnitOfWork, trajectory: Trajectory, step: Step, viewer: Person | None, notice: str | None = None,
    is_error: bool = False, start: int | None = None, reads: StepReads | None = None,
) -> SummaryView:
    reads = reads or StepReads(uow, trajectory, step)
    return SummaryView(
        step_id=step.id or 0, step_title=step.title, trajectory_title=trajectory.title,
        listing=await listing(uow, trajectory, step, viewer, start or 0, summary=True, reads=reads),
        refresh_user_ids=await reads.refresh_ids(), personal=viewer is not None,
        notice=notice, notice_is_error=is_error,
    )


@in_trajectory_language
async def shared_card(uow: UnitOfWork, trajectory: Trajectory, step: Step,
                      reads: StepReads | None = None) -> dict[str, Any]:
    return render_ideas_card(await live_view(uow, trajectory, step, None, reads=reads))


@in_trajectory_language
async def shared_summary(uow: UnitOfWork, trajectory: Trajectory, step: Step,
                         reads: StepReads | None = None) -> dict[str, Any]:
    return render_ideas_summary(await summary_view(uow, trajectory, step, None, reads=reads))


async def load_step(uow: UnitOfWork, step_id: int) -> tuple[Trajectory, Step]:
    trajectory = await uow.trajectories.by_step(step_id)
    step = trajectory.step(step_id) if trajectory else None
    if trajectory is None or step is None:
        raise NotFound(what="step")
    return trajectory, step


def _for_channel(trajectory: Trajectory, render: Callable[[Any], dict[str, Any]], view: Any) -> Callable[[], dict[str, Any]]:
    def card() -> dict[str, Any]:
        with shared_by(trajectory):
            return render(view)
    return card


async def _channel_view(uow: UnitOfWork, trajectory: Trajectory, step: Step,
                        reads: StepReads) -> tuple[CardRef | None, Callable[[], dict[str, Any]] | None]:
    """The channel's copy and where it is: the live card while the step is open, else its summary."""
    with shared_by(trajectory):
        if step.state is StepState.OPEN:
            if step.card is None:
                return None, None
            return step.card, _for_channel(trajectory, render_ideas_card,
                                           await live_view(uow, trajectory, step, None, reads=reads))
        ref = await uow.ideas.summary_card(step.id) if step.id is not None else None
        if ref is None:
            return None, None
        return ref, _for_channel(trajectory, render_ideas_summary,
                                 await summary_view(uow, trajectory, step, None, reads=reads))


async def read_cards(
    uow: UnitOfWork, trajectory: Trajectory, step: Step, viewer: Person | None, notice: str | None,
    is_error: bool, changed: bool, *, summary: bool | None = None, start: int | None = None,
) -> ClickCards:
    """The clicker's own view of the card they clicked; after a change, the channel's copy too.

    ``summary``: None = whichever card is live (the summary once the step closed). Both cards come
    from one read of the step's rows."""
    reads = StepReads(uow, trajectory, step)
    if step.state is StepState.CLOSED and (summary is None or summary):
        personal = partial(render_ideas_summary,
                           await summary_view(uow, trajectory, step, viewer, notice, is_error, start, reads))
    else:
        personal = partial(render_ideas_card,
                           await live_view(uow, trajectory, step, viewer, notice, is_error, start, reads))
    if not changed:
        return ClickCards(personal)
    ref, shared = await _channel_view(uow, trajectory, step, reads)
    return ClickCards(personal, ref, shared)


async def update_shared(deps: Deps, step_id: int) -> None:
    """Bring the channel's copy up to date."""
    async with deps.uows() as uow:
        trajectory, step = await load_step(uow, step_id)
        ref, content = await _channel_view(uow, trajectory, step, StepReads(uow, trajectory, step))
    if ref is not None and content is not None:
        await deps.messenger.update_card(ref, content)


async def respond(
    deps: Deps, turn: Turn, step_id: int, notice: str | None, is_error: bool, changed: bool, *,
    summary: bool | None = None, start: int | None = None,
) -> Answer:
    """``read_cards`` in a unit of work of its own, then the answer (see dialogs/clicks.py for a
    click that changes something and reads its answer in one)."""
    try:
        async with deps.uows() as uow:
            trajectory, step = await load_step(uow, step_id)
            cards = await read_cards(uow, trajectory, step, turn.actor, notice, is_error, changed,
                                     summary=summary, start=start)
    except NotFound as refusal:
        return Answer(text=describe(refusal))
    return await cards.answer(deps)
