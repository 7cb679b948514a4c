"""Fixtures for HTTP-level tests: a loopback-only network guard and a recording connector."""

from __future__ import annotations

import ipaddress
import socket

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

def _is_loopback(host) -> bool:
    if isinstance(host, bytes):
        host = host.decode()
    if host is None or host == "localhost":
        return True
    try:
        return ipaddress.ip_address(str(host).split("%")[0]).is_loopback
    except ValueError:
        return False


@pytest.fixture(autouse=True)
def no_network_except_loopback(monkeypatch):
    """Fail the test on any DNS lookup or connection to a non-loopback host.

    The violation is raised where it happens *and* reported at teardown, because code under
    test (e.g. on_turn_error) may swallow the exception. Generic: could move to tests/conftest.py.
    """
    violations: list[str] = []
    real_getaddrinfo = socket.getaddrinfo
    real_connect = socket.socket.connect
    real_connect_ex = socket.socket.connect_ex

    def check(host, what):
        if not _is_loopback(host):
            violations.append(f"{what} {host!r}")
            raise OSError(f"test tried to reach the network: {what} {host!r}")

    def getaddrinfo(host, *args, **kwargs):
        check(host, "getaddrinfo")
        return real_getaddrinfo(host, *args, **kwargs)

    def connect(sock, address):
        if sock.family in (socket.AF_INET, socket.AF_INET6):
            check(address[0], "connect")
        return real_connect(sock, address)

    def connect_ex(sock, address):
        if sock.family in (socket.AF_INET, socket.AF_INET6):
            check(address[0], "connect")
        return real_connect_ex(sock, address)

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    monkeypatch.setattr(socket.socket, "connect", connect)
    monkeypatch.setattr(socket.socket, "connect_ex", connect_ex)
    yield violations
    assert not violations, f"non-loopback network access: {violations}"


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
