"""What every dialog handler gets besides the turn: a way to open units of work and to send."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from trajectory.files import FileStore
from trajectory.meetings import MeetingScheduler, MemberDirectory
from trajectory.ports import UnitOfWork

from .turn import Messenger


@dataclass(frozen=True)
class Deps:
    uows: Callable[[], UnitOfWork]
    messenger: Messenger
    # The calendar (graph/: Microsoft Graph, or the local .ics outbox); None where none is wired.
    scheduler: MeetingScheduler | None = None
    directory: MemberDirectory | None = None
    # The channel's Files (graph/: SharePoint through Graph, or the local outbox folder).
    files: FileStore | None = None
