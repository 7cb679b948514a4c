"""What a step kind contributes to the filed outputs: its own file, and its part of the final report."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Awaitable, Callable

from trajectory.files import OutputFile
from trajectory.model import Step, Trajectory
from trajectory.ports import UnitOfWork


@dataclass(frozen=True)
class Chart:
    """A bar chart: drawn natively in a workbook, as a picture in the report."""

    title: str
    labels: tuple[str, ...]
    values: tuple[float, ...]


@dataclass(frozen=True)
class StepSummary:
    """What the final report tells of one step's results (texts already in the trajectory's language)."""

    headline: str
    lines: tuple[str, ...] = ()
    chart: Chart | None = None


@dataclass(frozen=True)
class StepOutput:
    """One row of STEP_OUTPUTS. Both run inside ``speaking(trajectory.language)``, in one unit of work."""

    document: Callable[[UnitOfWork, Trajectory, Step], Awaitable[OutputFile]]
    summary: Callable[[UnitOfWork, Trajectory, Step], Awaitable[StepSummary]]
