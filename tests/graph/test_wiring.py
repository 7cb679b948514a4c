"""The app runs with the calendar its settings name, hands it to the bot's Deps, and closes
Graph's connections at shutdown."""

from __future__ import annotations

from aiohttp.test_utils import TestClient, TestServer

from app import DIRECTORY, FILES, SCHEDULER, create_app
from bot.handler import BlendBot
from graph.calendar import GraphMeetingScheduler
from graph.directory import GraphMemberDirectory
from graph.files import GraphFileStore
from graph.outbox import OutboxMeetingScheduler, OutboxMemberDirectory
from graph.outbox_files import OutboxFileStore
from settings import Settings

GRAPH = dict(graph_auth="secret", graph_tenant_id="t", graph_client_id="c", graph_client_secret="s")


async def test_without_graph_the_app_uses_the_outbox(database_url, tmp_path):
    app = create_app(Settings(database_url=database_url, outbox_dir=str(tmp_path / "out")))
    assert isinstance(app[SCHEDULER], OutboxMeetingScheduler) and isinstance(app[DIRECTORY], OutboxMemberDirectory)
    assert app[SCHEDULER].path_of("x").parent == tmp_path / "out"


async def test_with_graph_the_app_uses_graph_and_closes_it_at_shutdown(database_url):
    app = create_app(Settings(database_url=database_url, **GRAPH))
    scheduler = app[SCHEDULER]
    assert isinstance(scheduler, GraphMeetingScheduler) and isinstance(app[DIRECTORY], GraphMemberDirectory)
    http = scheduler._client.request_adapter._http_client
    async with TestClient(TestServer(app)) as client:
        assert (await client.get("/healthz")).status == 200
        assert not http.is_closed
    assert http.is_closed


def test_the_bot_puts_the_calendar_into_deps():
    scheduler, directory = OutboxMeetingScheduler("unused"), OutboxMemberDirectory(lambda: None)
    bot = BlendBot(lambda: None, scheduler=scheduler, directory=directory, messenger_for=lambda context: None)
    deps = bot._deps(None)
    assert deps.scheduler is scheduler and deps.directory is directory
    assert BlendBot(lambda: None, messenger_for=lambda context: None)._deps(None).scheduler is None


async def test_the_files_go_to_the_outbox_without_graph_and_to_graph_with_it(database_url, tmp_path):
    local = create_app(Settings(database_url=database_url, outbox_dir=str(tmp_path / "out")))
    assert isinstance(local[FILES], OutboxFileStore)
    assert local[FILES].folder_of("T") == tmp_path / "out" / "files" / "T"

    app = create_app(Settings(database_url=database_url, **GRAPH))
    files = app[FILES]
    assert isinstance(files, GraphFileStore) and files._client is app[SCHEDULER]._client  # one Graph client
    async with TestClient(TestServer(app)):
        assert not files._uploads.is_closed
    assert files._uploads.is_closed  # the upload sessions' client closes at shutdown too
