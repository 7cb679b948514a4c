"""The table of step dialogs (one per step kind) and what happens in the channel when
transitions fire."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Awaitable, Callable

from cards.texts import t
from trajectory.events import Event, StepClosed, StepOpened, TrajectoryCancelled, TrajectoryClosed, TrajectoryStarted
from trajectory.model import Step, Trajectory
from trajectory.ports import UnitOfWork

from . import evaluation
from . import filing
from . import ideas
from . import meeting
from . import vote
from .context import Deps
from .language import shared_by
from .turn import Answer, Turn

StepHook = Callable[[Deps, Trajectory, Step], Awaitable[None]]
VerbHandler = Callable[[Deps, Turn, dict[str, Any]], Awaitable[Answer]]


@dataclass(frozen=True)
class StepDialog:
    """What a step kind does in the channel. One row per kind in STEP_DIALOGS."""

    on_open: StepHook  # post the step's card (and remember where it is)
    on_close: StepHook  # freeze the card, post the results
    verbs: dict[str, VerbHandler]  # its card actions
    contributors: Callable[[UnitOfWork, Step], Awaitable[set[str]]]  # aad ids of who took part
    setup_fields: Callable[[int, dict[str, Any]], list[dict[str, Any]]]  # its inputs on the setup card
    read_setup: Callable[[dict[str, Any], int, dict[str, Any]], dict[str, Any]]  # settings from those inputs
    anonymous: Callable[[Step], bool] = lambda step: False  # whether names may be shown (status, reminders)


STEP_DIALOGS: dict[str, StepDialog] = {
    "ideas": StepDialog(on_open=ideas.on_open, on_close=ideas.on_close, verbs=ideas.VERBS,
                        contributors=ideas.contributors, setup_fields=ideas.setup_fields, read_setup=ideas.read_setup),
    "vote": StepDialog(on_open=vote.on_open, on_close=vote.on_close, verbs=vote.VERBS, contributors=vote.contributors,
                       setup_fields=vote.setup_fields, read_setup=vote.read_setup, anonymous=vote.anonymous),
    "evaluation": StepDialog(on_open=evaluation.on_open, on_close=evaluation.on_close, verbs=evaluation.VERBS,
                             contributors=evaluation.contributors, setup_fields=evaluation.setup_fields,
                             read_setup=evaluation.read_setup, anonymous=evaluation.anonymous),
    "meeting": StepDialog(on_open=meeting.on_open, on_close=meeting.on_close, verbs=meeting.VERBS, contributors=meeting.contributors, setup_fields=meeting.meeting_setup_fields, read_setup=meeting.read_setup),  # noqa: E501
    "workshop": StepDialog(on_open=meeting.on_open, on_close=meeting.on_close, verbs=meeting.VERBS, contributors=meeting.contributors, setup_fields=meeting.workshop_setup_fields, read_setup=meeting.read_setup),  # noqa: E501
}


async def apply_events(deps: Deps, trajectory: Trajectory, events: list[Event]) -> str:
    """Post, update and summarise cards for what just happened; returns a sentence for the channel.
    All of it in the trajectory's language, whoever made it happen."""
    with shared_by(trajectory):
        return await _apply_events(deps, trajectory, events)


async def _apply_events(deps: Deps, trajectory: Trajectory, events: list[Event]) -> str:
    # First: a failed post below must not lose the step files (the jobs are unique, a repeat adds none).
    await filing.plan(deps, trajectory, events)
    closed: Step | None = None
    opened: Step | None = None
    for event in events:
        if isinstance(event, StepClosed):
            closed = trajectory.step(event.step_id)
            assert closed is not None
            await STEP_DIALOGS[closed.kind].on_close(deps, trajectory, closed)
        elif isinstance(event, StepOpened):
            opened = trajectory.step(event.step_id)
            assert opened is not None
            await STEP_DIALOGS[opened.kind].on_open(deps, trajectory, opened)
    if any(isinstance(e, TrajectoryCancelled) for e in events):
        return t("cancelled", title=trajectory.title)
    if any(isinstance(e, TrajectoryClosed) for e in events):
        # (No step may have been open: a deadline closed it; "next" then finishes.)
        return t("finished" if all(s.state != "skipped" for s in trajectory.steps) else "closed",
                 title=trajectory.title)
    if opened is not None and closed is None:
        if any(isinstance(e, TrajectoryStarted) for e in events):
            return t("started", title=trajectory.title, step=opened.title)
        return t("jobs.opened", step=opened.title)  # "next" after a deadline closed the step
    if opened is not None and closed is not None:
        return t("advanced", closed=closed.title, opened=opened.title)
    return ""
