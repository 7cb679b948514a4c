"""Reference: stock botbuilder 4.17.1 (CloudAdapter, ActivityHandler, no fixes) doing the same
database work and cards as Blend. Run as ``python -m bench.reference_stock`` with PORT and
DATABASE_URL set. Stock ``on_adaptive_card_invoke`` answers HTTP 500 in 4.17.1 (the body is
serialised twice), so invokes are answered from ``on_invoke_activity`` with an msrest model body,
the one way the stock adapter serialises correctly."""

from __future__ import annotations

import os
from types import SimpleNamespace

from aiohttp import web
from botbuilder.core import ActivityHandler, InvokeResponse, MessageFactory, TurnContext
from botbuilder.integration.aiohttp import CloudAdapter, ConfigurationBotFrameworkAuthentication
from botbuilder.schema import Activity, ActivityTypes, AdaptiveCardInvokeResponse, Attachment

from bench.reference_common import CARD, WRITE_VERBS, create_schema, engine_from_env, handle_action

ENGINE = engine_from_env()


class StockBot(ActivityHandler):
    async def on_message_activity(self, turn_context: TurnContext) -> None:
        activity = turn_context.activity
        await handle_action(ENGINE, activity.conversation.id, activity.from_property.id, "status", {})
        await turn_context.send_activity(MessageFactory.text("No trajectory is running here."))

    async def on_invoke_activity(self, turn_context: TurnContext) -> InvokeResponse:
        activity = turn_context.activity
        action = (activity.value or {}).get("action") or {}
        verb, data = action.get("verb") or "", action.get("data") or {}
        shown = await handle_action(ENGINE, activity.conversation.id, activity.from_property.id, verb, data)
        if verb in WRITE_VERBS:  # Blend refreshes the shared channel card after a write
            update = MessageFactory.attachment(Attachment(content_type=CARD, content=shown))
            update.id, update.type = "1", ActivityTypes.message
            await turn_context.update_activity(update)
        body = AdaptiveCardInvokeResponse(status_code=200, type=CARD, value=shown)
        return InvokeResponse(status=200, body=body)


def main() -> None:
    config = SimpleNamespace(APP_ID="", APP_PASSWORD="", APP_TYPE="MultiTenant", APP_TENANTID="")
    adapter = CloudAdapter(ConfigurationBotFrameworkAuthentication(config))
    bot = StockBot()

    async def messages(request: web.Request) -> web.Response:
        return await adapter.process(request, bot)

    async def healthz(_: web.Request) -> web.Response:
        return web.json_response({"status": "ok"})

    async def schema(_: web.Application):
        await create_schema(ENGINE)
        yield
        await ENGINE.dispose()

    app = web.Application()
    app.router.add_post("/api/messages", messages)
    app.router.add_get("/healthz", healthz)
    app.cleanup_ctx.append(schema)
    web.run_app(app, host="127.0.0.1", port=int(os.environ["PORT"]), print=None, access_log=None)


if __name__ == "__main__":
    main()
