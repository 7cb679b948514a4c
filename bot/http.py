"""aiohttp handler for the Bot Framework messaging endpoint."""

from __future__ import annotations

import logging
import time
from typing import Awaitable, Callable

from aiohttp import web
from botbuilder.core import Bot

from dialogs import log_context

from .adapter import BlendAdapter

log = logging.getLogger(__name__)

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def messages_route(adapter: BlendAdapter, bot: Bot) -> Handler:
    """Handler for ``app.router.add_post("/api/messages", messages_route(adapter, bot))``."""

    async def messages(request: web.Request) -> web.StreamResponse:
        log_context.clear()  # this request's ids only (the adapter binds them)
        began = time.perf_counter()
        response = await adapter.process(request, bot)
        # BlendAdapter always answers; a stock adapter returns None for non-invoke activities.
        response = response if response is not None else web.Response(status=201)
        # The access log line (aiohttp's own is off: it would repeat this without the ids).
        log.info("answered status=%s ms=%.1f", response.status, 1000 * (time.perf_counter() - began))
        return response

    return messages
