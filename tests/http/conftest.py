"""Fixtures for HTTP-level tests: a recording connector (the network guard is in tests/conftest.py)."""

from __future__ import annotations

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

class RecordingConnector:
    """Stands in for the Bot Connector service (activity.serviceUrl) and records every post."""

    def __init__(self) -> None:
        self.posts: list[dict] = []
        self.server: TestServer | None = None
        self.status = 200  # set e.g. 403 to make every post fail (403 is not retried by msrest)

    @property
    def url(self) -> str:
        return str(self.server.make_url("/"))

    async def _post(self, request: web.Request) -> web.Response:
        self.posts.append(
            {
                "path": request.path,
                "authorization": request.headers.get("Authorization"),
                "json": await request.json(),
            }
        )
        if self.status != 200:
            return web.json_response({"error": {"code": "Forbidden"}}, status=self.status)
        return web.json_response({"id": str(len(self.posts))})

    def app(self) -> web.Application:
        app = web.Application()
        app.router.add_post("/v3/conversations/{conversation}/activities", self._post)
        app.router.add_post("/v3/conversations/{conversation}/activities/{reply_to}", self._post)
        return app


@pytest.fixture
async def connector():
    recording = RecordingConnector()
    recording.server = TestServer(recording.app(), host="127.0.0.1")
    await recording.server.start_server()
    yield recording
    await recording.server.close()


@pytest.fixture
async def serve():
    """serve(adapter, bot) -> TestClient posting to /api/messages on a loopback test server."""
    from bot.http import messages_route

    clients = []

    async def _serve(adapter, bot, handler=None):
        app = web.Application()
        # "*" so the adapter itself (not aiohttp's router) answers other methods.
        app.router.add_route("*", "/api/messages", handler or messages_route(adapter, bot))
        client = TestClient(TestServer(app, host="127.0.0.1"))
        await client.start_server()
        clients.append(client)
        return client

    yield _serve
    for client in clients:
        await client.close()
