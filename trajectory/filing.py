"""Filing a trajectory's outputs in the channel's Files: which jobs a transition plans, and the record
of what Blend filed (so a re-run replaces its own file and never makes a second one). Pure."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Iterable, Protocol

from .events import Event, StepClosed, TrajectoryClosed
from .files import FiledFile
from .jobs import Job, JobKind
from .model import Trajectory


@dataclass(frozen=True)
class FiledOutput:
    """One file Blend filed for a trajectory: a step's document, or the final report (step_id None)."""

    trajectory_id: int
    step_id: int | None
    name: str
    item_id: str
    web_url: str | None
    filed_at: datetime

    def as_filed_file(self) -> FiledFile:
        return FiledFile(name=self.name, item_id=self.item_id, web_url=self.web_url)


class FiledOutputRepository(Protocol):
    async def get(self, trajectory_id: int, step_id: int | None) -> FiledOutput | None: ...
    async def record(self, filed: FiledOutput) -> None:
        """Insert, or replace the record of the same (trajectory, step): one per output."""
    async def for_trajectory(self, trajectory_id: int) -> list[FiledOutput]: ...


def filing_jobs(trajectory: Trajectory, events: Iterable[Event]) -> list[Job]:
    """A FILE_STEP job per closed step and a FILE_REPORT job when the trajectory closed (not when it
    was cancelled). Due at the transition's own time, so announcing the same events again (a deadline
    job taken up after a crash) stores nothing new: jobs are unique by (step, kind, due time)."""
    assert trajectory.id is not None
    jobs: list[Job] = []
    for event in events:
        if isinstance(event, StepClosed):
            step = trajectory.step(event.step_id)
            if step is not None and step.closed_at is not None:
                jobs.append(Job(JobKind.FILE_STEP, trajectory.id, event.step_id, step.closed_at))
        elif isinstance(event, TrajectoryClosed) and trajectory.closed_at is not None and trajectory.steps:
            # The jobs table wants a step: the report rides on the trajectory's last one.
            last = trajectory.steps[-1]
            assert last.id is not None
            jobs.append(Job(JobKind.FILE_REPORT, trajectory.id, last.id, trajectory.closed_at))
    return jobs


def folder_title(trajectory: Trajectory) -> str:
    """The trajectory's folder in the channel's Files (sanitised by the caller): its start date first,
    so folders sort by time and two trajectories of the same title rarely share one."""
    started = trajectory.started_at or trajectory.created_at
    return f"{started:%Y-%m-%d} {trajectory.title}"
