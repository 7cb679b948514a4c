"""The calendar and the channel's Files Blend runs with: Microsoft Graph when GRAPH_AUTH is set, else
the local outbox."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Awaitable, Callable

from trajectory.files import FileStore
from trajectory.meetings import MeetingScheduler, MemberDirectory
from trajectory.ports import UnitOfWork

from .client import GraphConfig


async def _nothing() -> None:
    return None


@dataclass(frozen=True)
class Calendar:
    scheduler: MeetingScheduler
    directory: MemberDirectory
    close: Callable[[], Awaitable[None]]  # call once at shutdown
    uses_graph: bool
    files: FileStore  # the channel's Files (SharePoint), or <outbox>/files


def graph_config(settings) -> GraphConfig:
    return GraphConfig(
        auth=settings.graph_auth,
        tenant_id=settings.graph_tenant_id,
        client_id=settings.graph_client_id,
        client_secret=settings.graph_client_secret,
        certificate_path=settings.graph_certificate_path,
    )


def create_calendar(settings, uows: Callable[[], UnitOfWork]) -> Calendar:
    """Raises graph.client.GraphConfigError when the GRAPH_* settings can't work (at start-up).
    Builds the credential and client only: no network call until the first request."""
    config = graph_config(settings)
    if not config.enabled:
        from .outbox import OutboxMeetingScheduler, OutboxMemberDirectory
        from .outbox_files import OutboxFileStore

        return Calendar(
            OutboxMeetingScheduler(settings.outbox_dir),
            OutboxMemberDirectory(uows),
            _nothing,
            False,
            OutboxFileStore(settings.outbox_dir),
        )
    from .calendar import GraphMeetingScheduler
    from .client import create_client, create_upload_client
    from .directory import GraphMemberDirectory
    from .files import GraphFileStore

    client, close_client = create_client(config)
    uploads = create_upload_client()

    async def close() -> None:
        try:
            await uploads.aclose()
        finally:
            await close_client()

    files = GraphFileStore(client, uploads)
    return Calendar(GraphMeetingScheduler(client), GraphMemberDirectory(client), close, True, files)
