"""Transitions of a trajectory. Pure: they change the aggregate in memory and return events;
callers persist the result and act on the events."""

from __future__ import annotations

from datetime import datetime

from .errors import InvalidTransition, StepNotOpen
from .events import (
    Event,
    StepClosed,
    StepOpened,
    TrajectoryCancelled,
    TrajectoryClosed,
    TrajectoryStarted,
)
from .model import Step, StepState, Trajectory, TrajectoryState


def _refuse(trajectory: Trajectory, action: str) -> InvalidTransition:
    return InvalidTransition(action=action, state=str(trajectory.state))


def _open(step: Step, now: datetime) -> Event:
    step.state = StepState.OPEN
    step.opened_at = now
    assert step.id is not None, "steps are persisted before they open"
    return StepOpened(step.id)


def _close(step: Step, now: datetime) -> Event:
    step.state = StepState.CLOSED
    step.closed_at = now
    assert step.id is not None
    return StepClosed(step.id)


def _finish(trajectory: Trajectory, now: datetime, events: list[Event]) -> None:
    for step in trajectory.steps:
        if step.state is StepState.PENDING:
            step.state = StepState.SKIPPED
    trajectory.state = TrajectoryState.CLOSED
    trajectory.closed_at = now
    assert trajectory.id is not None
    events.append(TrajectoryClosed(trajectory.id))


def start(trajectory: Trajectory, now: datetime) -> list[Event]:
    if trajectory.state is not TrajectoryState.DRAFT:
        raise _refuse(trajectory, "start")
    if not trajectory.steps:
        raise InvalidTransition(action="start", state="no_steps")
    trajectory.state = TrajectoryState.RUNNING
    trajectory.started_at = now
    assert trajectory.id is not None
    return [TrajectoryStarted(trajectory.id), _open(trajectory.steps[0], now)]


def advance(trajectory: Trajectory, now: datetime) -> list[Event]:
    """Close the open step (if any: a deadline may have closed it) and open the next one; after the
    last step the trajectory closes."""
    if trajectory.state is not TrajectoryState.RUNNING:
        raise _refuse(trajectory, "next")
    events: list[Event] = []
    current = trajectory.current_step
    if current is not None:
        events.append(_close(current, now))
    following = next((s for s in trajectory.steps if s.state is StepState.PENDING), None)
    if following is None:
        _finish(trajectory, now, events)
    else:
        events.append(_open(following, now))
    return events


def close_current(trajectory: Trajectory, step_id: int, now: datetime) -> list[Event]:
    """Close step ``step_id`` without opening the next one (its deadline passed); the trajectory keeps
    running with no open step until ``advance``. Refused unless that step is the open one, so a late
    deadline (the facilitator already moved on) changes nothing."""
    if trajectory.state is not TrajectoryState.RUNNING:
        raise _refuse(trajectory, "close_step")
    current = trajectory.current_step
    if current is None or current.id != step_id:
        raise StepNotOpen(step_id=step_id)
    return [_close(current, now)]


def close(trajectory: Trajectory, now: datetime) -> list[Event]:
    """End the trajectory now: the open step closes with its results, later steps are skipped."""
    if trajectory.state is not TrajectoryState.RUNNING:
        raise _refuse(trajectory, "close")
    events: list[Event] = []
    current = trajectory.current_step
    if current is not None:
        events.append(_close(current, now))
    _finish(trajectory, now, events)
    return events


def cancel(trajectory: Trajectory, now: datetime) -> list[Event]:
    """Abandon the trajectory: nothing is summarised, every unfinished step is cancelled."""
    if not trajectory.state.active:
        raise _refuse(trajectory, "cancel")
    for step in trajectory.steps:
        if step.state in (StepState.PENDING, StepState.OPEN):
            step.state = StepState.CANCELLED
            step.closed_at = now if step.opened_at else None
    trajectory.state = TrajectoryState.CANCELLED
    trajectory.closed_at = now
    assert trajectory.id is not None
    return [TrajectoryCancelled(trajectory.id)]
