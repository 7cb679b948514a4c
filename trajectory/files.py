"""What filing a step's output needs from a document store: the port the Graph gateway (the channel's
Files in SharePoint) and the local outbox folder implement. Plain values only."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol

from .model import ChannelRef

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


@dataclass(frozen=True)
class OutputFile:
    """A document Blend made: ``name`` is the file name with its extension, already safe."""

    name: str
    content: bytes
    content_type: str


@dataclass(frozen=True)
class FiledFile:
    """Where a document went. ``item_id`` lets a re-run replace exactly this file."""

    name: str
    item_id: str  # the drive item id (Graph) or the path (local outbox)
    web_url: str | None = None  # what people open (SharePoint webUrl); None for the local outbox
    path: str | None = None  # local outbox: where the file was written


class FilingFailure(StrEnum):
    CONSENT = "consent"  # 401/403: permissions or admin consent missing
    NOT_FOUND = "not_found"  # 404: unknown team/channel (or its folder)
    THROTTLED = "throttled"  # 429/503 after the retries
    TIMEOUT = "timeout"
    INVALID = "invalid"  # 400/409/413: Graph refused the request
    UNKNOWN = "unknown"


class FilingError(Exception):
    def __init__(self, failure: FilingFailure, detail: str = "") -> None:
        super().__init__(failure.value, detail)
        self.failure, self.detail = failure, detail


class FileStore(Protocol):
    async def file(self, channel: ChannelRef, team_group_id: str, folder: str, document: OutputFile,
                   replaces: FiledFile | None = None) -> FiledFile:
        """Put ``document`` in ``folder`` (created if missing) of the channel's Files.

        ``team_group_id`` is the team's Microsoft 365 group id (Graph's /teams/{id}); ``replaces`` is the
        file Blend filed for the same output before: it is overwritten. A file of the same name that
        Blend did not make is never overwritten (the new one gets another name). Raises FilingError."""
