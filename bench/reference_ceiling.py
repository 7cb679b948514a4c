"""Reference: the practical ceiling, a hand-written aiohttp handler doing the same parse, database
work and card replies as Blend, with one shared aiohttp client for the connector calls.
Run as ``python -m bench.reference_ceiling`` with PORT and DATABASE_URL set."""

from __future__ import annotations

import json
import os

import aiohttp
from aiohttp import web

from bench.reference_common import CARD, WRITE_VERBS, create_schema, engine_from_env, handle_action

ENGINE = engine_from_env()
CLIENT = web.AppKey("client", aiohttp.ClientSession)


async def messages(request: web.Request) -> web.Response:
    activity = json.loads(await request.read())
    client = request.app[CLIENT]
    base = activity["serviceUrl"].rstrip("/")
    conversation = activity["conversation"]["id"]
    author = activity["from"]["id"]
    if activity.get("type") == "message":
        await handle_action(ENGINE, conversation, author, "status", {})
        reply = {"type": "message", "text": "No trajectory is running here.", "replyToId": activity["id"],
                 "from": activity["recipient"], "recipient": activity["from"], "conversation": activity["conversation"]}
        async with client.post(f"{base}/v3/conversations/{conversation}/activities/{activity['id']}", json=reply) as r:
            await r.read()
        return web.Response(status=201)
    if activity.get("type") == "invoke" and activity.get("name") == "adaptiveCard/action":
        action = (activity.get("value") or {}).get("action") or {}
        verb, data = action.get("verb") or "", action.get("data") or {}
        shown = await handle_action(ENGINE, conversation, author, verb, data)
        if verb in WRITE_VERBS:  # Blend refreshes the shared channel card after a write
            update = {"type": "message", "id": "1", "attachments": [{"contentType": CARD, "content": shown}]}
            async with client.put(f"{base}/v3/conversations/{conversation}/activities/1", json=update) as r:
                await r.read()
        return web.json_response({"statusCode": 200, "type": CARD, "value": shown})
    return web.Response(status=200)


async def healthz(_: web.Request) -> web.Response:
    return web.json_response({"status": "ok"})


async def lifecycle(app: web.Application):
    await create_schema(ENGINE)
    app[CLIENT] = aiohttp.ClientSession()
    yield
    await app[CLIENT].close()
    await ENGINE.dispose()


def main() -> None:
    app = web.Application()
    app.router.add_post("/api/messages", messages)
    app.router.add_get("/healthz", healthz)
    app.cleanup_ctx.append(lifecycle)
    web.run_app(app, host="127.0.0.1", port=int(os.environ["PORT"]), print=None, access_log=None)


if __name__ == "__main__":
    main()
