"""BlendAdapter through a real aiohttp server, with authentication off (local mode)."""

from __future__ import annotations

import json
import logging
from types import SimpleNamespace

import pytest
from botbuilder.core import ActivityHandler, InvokeResponse, TurnContext
from botbuilder.core.teams import TeamsActivityHandler
from botbuilder.integration.aiohttp import CloudAdapter, ConfigurationBotFrameworkAuthentication
from botbuilder.schema import AdaptiveCardInvokeResponse

from bot.adapter import APOLOGY, MAX_BODY_BYTES, create_adapter
from cards.texts import translate
from settings import Settings

CARD_TYPE = "application/vnd.microsoft.card.adaptive"
CARD = {
    "type": "AdaptiveCard",
    "version": "1.5",
    "body": [{"type": "TextBlock", "text": "Thanks, vote recorded"}],
}
SECRET_TEXT = "my private thought 7c1f"


class CardBot(TeamsActivityHandler):
    """Answers card actions the documented way: through on_adaptive_card_invoke."""

    def __init__(self) -> None:
        self.calls: list[str] = []

    async def on_message_activity(self, turn_context: TurnContext):
        self.calls.append(turn_context.activity.text)
        if turn_context.activity.text == "boom":
            raise RuntimeError("handler bug")
        await turn_context.send_activity(f"echo: {turn_context.activity.text}")

    async def on_adaptive_card_invoke(self, turn_context, invoke_value):
        self.calls.append(invoke_value.action["verb"])
        if invoke_value.action["verb"] == "explode":
            raise RuntimeError(f"bug while handling {SECRET_TEXT}")
        return AdaptiveCardInvokeResponse(status_code=200, type=CARD_TYPE, value=CARD)


class ExplicitInvokeBot(ActivityHandler):
    """Answers the invoke itself with an InvokeResponse carrying an msrest model."""

    async def on_invoke_activity(self, turn_context: TurnContext):
        body = AdaptiveCardInvokeResponse(status_code=200, type=CARD_TYPE, value=CARD)
        return InvokeResponse(status=200, body=body)


def activity(service_url: str = "http://127.0.0.1:9/", **fields) -> dict:
    base = {
        "type": "message",
        "id": "act-1",
        "channelId": "msteams",
        "serviceUrl": service_url,
        "from": {"id": "user-1", "name": "Ada", "aadObjectId": "aad-1"},
        "recipient": {"id": "bot-1", "name": "Blend"},
        "conversation": {"id": "conv-1"},
        "text": "hi",
    }
    return {**base, **fields}


def card_action(verb: str = "vote", **fields) -> dict:
    value = {"action": {"type": "Action.Execute", "verb": verb, "data": {"n": 1}}, "trigger": "manual"}
    return activity(type="invoke", name="adaptiveCard/action", value=value, text=None, **fields)


@pytest.fixture
def adapter():
    return create_adapter(Settings())


async def test_card_action_through_on_adaptive_card_invoke_returns_the_card(serve, adapter):
    client = await serve(adapter, CardBot())
    response = await client.post("/api/messages", json=card_action())
    assert response.status == 200
    assert await response.json() == {"statusCode": 200, "type": CARD_TYPE, "value": CARD}


async def test_stock_cloud_adapter_answers_the_same_request_with_500(serve):
    """Documents the botbuilder 4.17.1 bug that BlendAdapter works around."""
    stock = CloudAdapter(ConfigurationBotFrameworkAuthentication(SimpleNamespace(APP_ID="", APP_PASSWORD="")))
    bot, errors = CardBot(), []

    async def handler(request):
        try:
            return await stock.process(request, bot)
        except Exception as error:
            errors.append(error)
            raise

    client = await serve(stock, bot, handler)
    response = await client.post("/api/messages", json=card_action())
    assert response.status == 500
    assert bot.calls == ["vote"]  # the bot did its work; only the answer is lost
    assert "is_xml_model" in str(errors[0])


async def test_explicit_invoke_response_with_model_body(serve, adapter):
    client = await serve(adapter, ExplicitInvokeBot())
    response = await client.post("/api/messages", json=card_action())
    assert response.status == 200
    assert await response.json() == {"statusCode": 200, "type": CARD_TYPE, "value": CARD}


async def test_unhandled_invoke_name_keeps_the_sdk_501(serve, adapter):
    client = await serve(adapter, CardBot())
    response = await client.post("/api/messages", json=activity(type="invoke", name="some/thing"))
    assert response.status == 501


async def test_message_reply_goes_to_the_service_url(serve, adapter, connector):
    bot = CardBot()
    client = await serve(adapter, bot)
    response = await client.post("/api/messages", json=activity(connector.url, text="hello"))
    assert response.status == 201
    assert bot.calls == ["hello"]
    [post] = connector.posts
    assert post["path"] == "/v3/conversations/conv-1/activities/act-1"  # a reply to the incoming id
    assert post["json"]["type"] == "message"
    assert post["json"]["text"] == "echo: hello"
    assert post["authorization"] is None  # auth off: no token is fetched or sent


async def test_failing_message_turn_apologises_and_answers_500(serve, adapter, connector, caplog):
    client = await serve(adapter, CardBot())
    with caplog.at_level(logging.INFO):
        response = await client.post("/api/messages", json=activity(connector.url, text="boom"))
    assert response.status == 500
    assert await response.json() == {"error": "internal error"}
    assert [p["json"]["text"] for p in connector.posts] == [APOLOGY]
    assert "RuntimeError: handler bug" in caplog.text  # logged with its traceback


async def test_failing_card_action_answers_500_without_user_text_in_logs(serve, adapter, connector, caplog):
    client = await serve(adapter, CardBot())
    payload = card_action("explode", serviceUrl=connector.url)
    payload["value"]["action"]["data"] = {"idea": SECRET_TEXT}
    with caplog.at_level(logging.DEBUG, logger="bot"):
        response = await client.post("/api/messages", json=payload)
    assert response.status == 500
    assert [p["json"]["text"] for p in connector.posts] == [APOLOGY]
    records = "\n".join(r.getMessage() for r in caplog.records)
    assert "turn failed: type=invoke name=adaptiveCard/action" in records
    assert SECRET_TEXT not in records


async def test_failing_connector_fails_the_turn_and_the_apology_quietly(serve, adapter, connector):
    connector.status = 403
    client = await serve(adapter, CardBot())
    response = await client.post("/api/messages", json=activity(connector.url, text="hi"))
    assert response.status == 500
    assert [p["json"]["text"] for p in connector.posts] == ["echo: hi", APOLOGY]


async def _oversized_chunks():
    for _ in range(MAX_BODY_BYTES // 1024 + 2):
        yield b" " * 1024


@pytest.mark.parametrize(
    ("kwargs", "status"),
    [
        ({"data": json.dumps(activity()), "headers": {"Content-Type": "text/plain"}}, 415),
        ({"data": json.dumps(activity()).encode()}, 415),  # no content type at all
        ({"data": "{not json", "headers": {"Content-Type": "application/json"}}, 400),
        ({"data": b'{"type": "\xff"}', "headers": {"Content-Type": "application/json"}}, 400),
        ({"json": [activity()]}, 400),
        ({"json": "message"}, 400),
        ({"json": {"text": "hi"}}, 400),
        ({"json": activity(type="")}, 400),
        ({"json": activity(timestamp="not a date")}, 400),
        ({"json": activity(text="x" * MAX_BODY_BYTES)}, 413),
    ],
    ids=["text-plain", "no-content-type", "invalid-json", "bad-utf8", "array", "string",
         "no-type", "empty-type", "bad-field", "oversized"],
)
async def test_bad_requests_get_4xx_and_never_reach_the_bot(serve, adapter, kwargs, status):
    bot = CardBot()
    client = await serve(adapter, bot)
    response = await client.post("/api/messages", **kwargs)
    assert response.status == status
    assert set(await response.json()) == {"error"}
    assert bot.calls == []


async def test_oversized_chunked_body_without_content_length(serve, adapter):
    bot = CardBot()
    client = await serve(adapter, bot)
    response = await client.post(
        "/api/messages", data=_oversized_chunks(), headers={"Content-Type": "application/json"}
    )
    assert response.status == 413
    assert bot.calls == []


@pytest.mark.parametrize("method", ["GET", "PUT", "DELETE"])
async def test_other_methods_get_405(serve, adapter, method):
    client = await serve(adapter, CardBot())
    response = await client.request(method, "/api/messages")
    assert response.status == 405
    assert response.headers["Allow"] == "POST"


async def test_the_apology_is_in_the_members_language(serve, adapter, connector):
    client = await serve(adapter, CardBot())
    response = await client.post("/api/messages", json=activity(connector.url, text="boom", locale="nl-BE"))
    assert response.status == 500
    [post] = connector.posts
    assert post["json"]["text"] == translate("nl", "error.internal") != APOLOGY
