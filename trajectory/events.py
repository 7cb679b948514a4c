"""What a transition tells the outside world to do (post a card, a summary, ...)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class StepOpened:
    step_id: int


@dataclass(frozen=True)
class StepClosed:
    step_id: int


@dataclass(frozen=True)
class TrajectoryStarted:
    trajectory_id: int


@dataclass(frozen=True)
class TrajectoryClosed:
    trajectory_id: int


@dataclass(frozen=True)
class TrajectoryCancelled:
    trajectory_id: int


Event = StepOpened | StepClosed | TrajectoryStarted | TrajectoryClosed | TrajectoryCancelled
