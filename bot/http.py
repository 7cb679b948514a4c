"""aiohttp handler for the Bot Framework messaging endpoint."""

from __future__ import annotations

from typing import Awaitable, Callable

from aiohttp import web
from botbuilder.core import Bot

from .adapter import BlendAdapter

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def messages_route(adapter: BlendAdapter, bot: Bot) -> Handler:
    """Handler for ``app.router.add_post("/api/messages", messages_route(adapter, bot))``."""

    async def messages(request: web.Request) -> web.StreamResponse:
        response = await adapter.process(request, bot)
        # BlendAdapter always answers; a stock adapter returns None for non-invoke activities.
        return response if response is not None else web.Response(status=201)

    return messages
