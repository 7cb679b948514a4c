"""A loopback Bot Connector: answers the REST calls a bot makes (reply, send, update, create a
conversation, read the roster) the way the Bot Connector does, and remembers the last activities
so the harness can read card ids from them."""

from __future__ import annotations

import collections
import itertools
import json
from typing import Any

from aiohttp import web

from .traffic import member


class ConnectorStub:
    def __init__(self, roster_size: int = 50) -> None:
        self.recent: collections.deque[dict[str, Any]] = collections.deque(maxlen=64)
        self.calls = 0
        self.roster = [member(i) for i in range(roster_size)]
        self._ids = itertools.count(1)
        self._runner: web.AppRunner | None = None
        self.port = 0

    @property
    def service_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/"

    def app(self) -> web.Application:
        app = web.Application(client_max_size=4 * 1024 * 1024)
        app.router.add_post("/v3/conversations", self._create)
        app.router.add_post("/v3/conversations/{cid}/activities", self._send)
        app.router.add_post("/v3/conversations/{cid}/activities/{aid}", self._send)
        app.router.add_put("/v3/conversations/{cid}/activities/{aid}", self._update)
        app.router.add_get("/v3/conversations/{cid}/pagedmembers", self._paged_members)
        app.router.add_get("/v3/conversations/{cid}/members", self._members)
        app.router.add_route("*", "/{tail:.*}", self._other)
        return app

    async def start(self) -> None:
        self._runner = web.AppRunner(self.app(), access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    async def _body(self, request: web.Request) -> dict[str, Any]:
        self.calls += 1
        raw = await request.read()
        return json.loads(raw) if raw else {}

    async def _create(self, request: web.Request) -> web.Response:
        body = await self._body(request)
        activity = body.get("activity") or {}
        channel = (body.get("channelData") or {}).get("channel", {}).get("id") or f"a:chat-{next(self._ids)}"
        activity_id = str(next(self._ids))
        self.recent.append({**activity, "id": activity_id})
        return web.json_response({"id": f"{channel};messageid={activity_id}", "activityId": activity_id})

    async def _send(self, request: web.Request) -> web.Response:
        body = await self._body(request)
        activity_id = str(next(self._ids))
        self.recent.append({**body, "id": activity_id})
        return web.json_response({"id": activity_id})

    async def _update(self, request: web.Request) -> web.Response:
        body = await self._body(request)
        self.recent.append(body)
        return web.json_response({"id": request.match_info["aid"]})

    async def _paged_members(self, request: web.Request) -> web.Response:
        self.calls += 1
        return web.json_response({"members": self.roster, "continuationToken": None})

    async def _members(self, request: web.Request) -> web.Response:
        self.calls += 1
        return web.json_response(self.roster)

    async def _other(self, request: web.Request) -> web.Response:
        await self._body(request)
        return web.json_response({})

    def find_action(self, verb: str) -> dict[str, Any] | None:
        """The newest card action with ``verb`` the bot sent, with its card."""
        from .traffic import cards_in, find_actions

        for activity in reversed(self.recent):
            for card in cards_in(activity):
                actions = find_actions(card, verb)
                if actions:
                    return {"data": actions[0].get("data") or {}, "card": card}
        return None
