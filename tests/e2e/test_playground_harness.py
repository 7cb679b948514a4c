"""Checks the Playground harness (tests/e2e/playground.py) against a throw-away echo bot.

The echo bot does what Blend does at the HTTP level: replies in the thread, opens a new channel
thread with an adaptive card (POST /v3/conversations), answers adaptiveCard/action invokes with a
card and, for verb "bump", updates the card message (PUT activity) before answering.
"""

from __future__ import annotations

import os
import re

import aiohttp
import pytest
from aiohttp import web

from playground import ADAPTIVE_CARD, Playground, PlaygroundError, free_port, unavailable_reason

_reason = unavailable_reason()
if _reason:
    pytest.skip(_reason, allow_module_level=True)

pytestmark = pytest.mark.e2e


def card(text: str, verb: str | None = None) -> dict:
    content = {"type": "AdaptiveCard", "version": "1.5", "body": [{"type": "TextBlock", "text": text}]}
    if verb:
        content["actions"] = [{"type": "Action.Execute", "title": verb, "verb": verb, "data": {"step": 1}}]
    return {"contentType": ADAPTIVE_CARD, "content": content}


class EchoBot:
    def __init__(self) -> None:
        self.received: list[dict] = []
        self.headers: list[dict] = []
        self.port = free_port()
        self._runner: web.AppRunner | None = None
        self._http: aiohttp.ClientSession | None = None

    async def start(self) -> None:
        app = web.Application()
        app.router.add_post("/api/messages", self.handle)
        self._runner = web.AppRunner(app)
        await self._runner.setup()
        await web.TCPSite(self._runner, "127.0.0.1", self.port).start()
        self._http = aiohttp.ClientSession()

    async def stop(self) -> None:
        await self._http.close()
        await self._runner.cleanup()

    async def _call(self, method: str, url: str, body: dict) -> dict:
        async with self._http.request(method, url, json=body) as r:
            r.raise_for_status()
            return await r.json()

    async def handle(self, request: web.Request) -> web.Response:
        act = await request.json()
        self.received.append(act)
        self.headers.append(dict(request.headers))
        su, conv = act["serviceUrl"].rstrip("/"), act["conversation"]["id"]
        if act["type"] == "invoke" and act.get("name") == "adaptiveCard/action":
            verb, who = act["value"]["action"]["verb"], act["from"].get("name")
            if verb == "bump":
                await self._call("PUT", f"{su}/v3/conversations/{conv}/activities/{act['replyToId']}",
                                 {"type": "message", "attachments": [card(f"bumped by {who}", "bump")]})
            return web.json_response({"statusCode": 200, "type": ADAPTIVE_CARD,
                                      "value": card(f"clicked {verb} by {who}")["content"]})
        if act["type"] == "message":
            text = re.sub(r"<at>.*?</at>\s*", "", act.get("text") or "")
            await self._call("POST", f"{su}/v3/conversations/{conv}/activities",
                             {"type": "message", "text": f"echo: {text}", "replyToId": act["id"]})
            if act["conversation"].get("conversationType") == "channel":
                await self._call("POST", f"{su}/v3/conversations", {
                    "isGroup": True, "channelData": {"channel": {"id": act["channelData"]["channel"]["id"]}},
                    "activity": {"type": "message", "attachments": [card(f"Step card: {text}", "bump")]}})
        return web.Response(status=200)


@pytest.fixture
async def bot():
    b = EchoBot()
    await b.start()
    yield b
    await b.stop()


@pytest.fixture
async def pg(bot, playground_factory) -> Playground:
    return await playground_factory(bot.port)


def echo_in(conv: str, text: str):
    return lambda ev: ev["actionConversationId"] == conv and ev["message"].get("text") == f"echo: {text}"


async def test_channel_mention_from_current_user(pg, bot):
    dev, team, alice = pg.channel("Dev"), pg.team, pg.current_user
    sent = await pg.post_to_channel("hello world")

    assert sent.status == 200
    assert sent.conversation_id == f"{dev['id']};messageid={sent.message_id}"
    act = bot.received[-1]
    assert act == sent.activity
    assert act["type"] == "message" and act["text"] == "<at>Blend</at> hello world"
    assert act["from"] == Playground.channel_account(alice)
    assert act["conversation"] == {"isGroup": True, "conversationType": "channel",
                                   "tenantId": pg.tenant_id, "id": sent.conversation_id}
    assert act["channelData"]["team"] == {"id": team["id"]}  # no name / aadGroupId from the Playground
    assert act["channelData"]["channel"] == {"id": dev["id"]}
    assert act["channelData"]["tenant"] == {"id": pg.tenant_id}
    assert {"type": "mention", "mentioned": pg.bot, "text": "<at>Blend</at>"} in act["entities"]
    assert act["id"] != sent.message_id  # a UUID, unlike Teams
    assert act["serviceUrl"] == pg.service_url
    assert bot.headers[-1].get("x-ms-agents-playground") == "true"
    assert "Authorization" not in bot.headers[-1]

    # the reply in the thread and the new channel post both show up on the websocket
    reply = await pg.wait_for_bot_message(echo_in(sent.conversation_id, "hello world"))
    assert reply["action"] == "createMessage" and "postConversationId" not in reply["message"]
    post = await pg.wait_for_card("Step card: hello world")
    assert post["action"] == "createMessage"
    assert post["actionConversationId"] == dev["id"]
    assert pg.thread_of(post) == f"{dev['id']};messageid={post['message']['messageId']}"
    assert pg.find_card_message("Step card: hello world") is post
    assert [c["activityName"] for c in pg.connector_calls()][-2:] == ["message", "createConversation"]


async def test_channel_message_as_another_user(pg, bot):
    bob, dave, team, dev = pg.user("Bob"), pg.user("dave devops"), pg.team, pg.channel("Dev")
    sent = await pg.post_to_channel("from bob", as_user="Bob")

    assert sent.status == 200
    act = bot.received[-1]
    assert act == sent.activity
    assert act["from"] == {"id": "29:user-bob", "name": "Bob Builder", "aadObjectId": bob["aadObjectId"]}
    assert act["id"] == sent.message_id
    assert act["conversation"]["id"] == sent.conversation_id == f"{dev['id']};messageid={sent.message_id}"
    assert act["channelData"]["team"] == {"id": team["id"], "name": team["name"],
                                          "aadGroupId": team["aadGroupId"]}
    assert act["channelData"]["channel"] == {"id": dev["id"], "name": "Dev"}
    await pg.wait_for_bot_message(echo_in(sent.conversation_id, "from bob"))

    # a reply inside that thread, as Dave
    sent2 = await pg.post_to_channel("me too", as_user=dave, thread_id=sent.conversation_id)
    act2 = bot.received[-1]
    assert act2["conversation"]["id"] == sent.conversation_id and act2["id"] == sent2.message_id
    assert act2["from"]["aadObjectId"] == dave["aadObjectId"]
    await pg.wait_for_bot_message(echo_in(sent.conversation_id, "me too"))


async def test_message_route_ignores_from(pg, bot):
    """Why the customActivities trick exists: the message route always sends currentUser."""
    mark = len(pg.log_events)
    tag = "<at>Blend</at>"
    status, _ = await pg.request("POST", f"/_conversation/v1/conversations/{pg.channel()['id']}/messages", {
        "from": {"id": pg.user("Bob")["id"]}, "text": f"{tag} hi", "textFormat": "plain",
        "mentions": [{"mentioned": {"id": pg.bot["id"]}, "text": tag}]})
    assert status == 200
    req = await pg.wait_for_bot_request(lambda r: r.activity.get("text") == f"{tag} hi", since=mark)
    assert req.activity["from"]["id"] == pg.current_user["id"]


async def test_invoke_as_carol(pg, bot):
    await pg.post_to_channel("plan")
    post = await pg.wait_for_card("Step card: plan")
    thread, card_id = pg.thread_of(post), post["message"]["messageId"]
    carol, team, dev = pg.user("Carol"), pg.team, pg.channel("Dev")
    n_events = len(pg.conversation_events)

    status, body = await pg.invoke(thread, card_id, "Carol", "vote", {"choice": "a"})

    assert status == 200
    assert body == {"type": ADAPTIVE_CARD, "value": card("clicked vote by Carol Coder")["content"]}
    inv = bot.received[-1]
    assert inv["type"] == "invoke" and inv["name"] == "adaptiveCard/action"
    # The Playground fills name and aadObjectId of the invoking user from the yml.
    assert inv["from"] == {"id": carol["id"], "name": "Carol Coder", "aadObjectId": carol["aadObjectId"]}
    assert inv["conversation"] == {"isGroup": True, "conversationType": "channel",
                                   "tenantId": pg.tenant_id, "id": thread}
    assert inv["replyToId"] == card_id
    assert inv["channelData"] == {"source": {"name": "message"}, "tenant": {"id": pg.tenant_id},
                                  "team": {"id": team["id"]}, "channel": {"id": dev["id"]}}
    assert inv["value"] == {"action": {"type": "Action.Execute", "verb": "vote", "data": {"choice": "a"}}}
    assert pg.bot_requests()[-1].status == 200
    assert len(pg.conversation_events) == n_events  # an invoke response emits no websocket event

    # the card lives in the thread, not in the bare channel
    status, body = await pg.invoke(dev["id"], card_id, "Carol", "vote")
    assert status == 400 and body["code"] == "ActivityNotFoundInConversation"

    # value is forwarded verbatim: a Teams-like trigger can be added
    status, _ = await pg.invoke(thread, card_id, carol, "vote", trigger="manual")
    assert status == 200 and bot.received[-1]["value"]["trigger"] == "manual"

    # Action.Submit arrives as a message with value, from the clicking user
    status, _ = await pg.submit(thread, card_id, "Dave", {"choice": "b"})
    assert status == 200
    sub = (await pg.wait_for_bot_request(lambda r: r.activity.get("value") == {"choice": "b"})).activity
    assert sub["type"] == "message" and sub["replyToId"] == card_id
    assert sub["from"] == Playground.channel_account(pg.user("Dave"))


async def test_update_message_appears(pg, bot):
    dev = pg.channel("Dev")
    sent = await pg.post_to_channel("to update")
    post = await pg.wait_for_card("Step card: to update")
    card_id = post["message"]["messageId"]

    status, _ = await pg.invoke(pg.thread_of(post), card_id, "Erin", "bump")
    assert status == 200
    upd = await pg.wait_for_bot_message(lambda ev: ev["action"] == "updateMessage")
    assert upd["message"]["messageId"] == card_id
    assert upd["actionConversationId"] == dev["id"]  # the channel, like its createMessage
    assert "postConversationId" not in upd["message"]
    assert pg.card_contains(upd, "bumped by Erin Engineer")
    assert pg.find_card_message("bumped by") is upd

    # updating a reply inside a thread names the thread
    reply = await pg.wait_for_bot_message(echo_in(sent.conversation_id, "to update"))
    mark = len(pg.conversation_events)
    async with aiohttp.ClientSession() as http:
        url = f"{pg.service_url}/v3/conversations/{sent.conversation_id}/activities/{reply['message']['messageId']}"
        async with http.put(url, json={"type": "message", "text": "edited"}) as r:
            assert r.status == 200
    upd2 = await pg.wait_for_bot_message(lambda ev: ev["message"].get("text") == "edited", since=mark)
    assert upd2["action"] == "updateMessage" and upd2["actionConversationId"] == sent.conversation_id


async def test_personal_message(pg, bot):
    sent = await pg.personal_message("hi there")
    assert sent.status == 200
    act = bot.received[-1]
    assert act["conversation"] == {"conversationType": "personal", "tenantId": pg.tenant_id,
                                   "id": pg.personal_chat_id}
    assert act["channelData"] == {"tenant": {"id": pg.tenant_id}}
    assert act["from"] == Playground.channel_account(pg.current_user)
    await pg.wait_for_bot_message(echo_in(pg.personal_chat_id, "hi there"))


async def test_duplicate_delivery_reaches_bot_again(pg, bot):
    sent = await pg.post_to_channel("dup me", as_user="Frank")
    n = len(bot.received)
    again = await pg.resend_last_activity_to_bot()
    assert len(bot.received) == n + 1
    assert bot.received[-1] == bot.received[-2] == sent.activity == again.activity
    assert again.status == 200

    # same for a Playground-made message (UUID id) and for an invoke
    native = await pg.post_to_channel("native dup")
    again = await pg.send_raw_activity(native.activity)
    assert again.activity == native.activity and bot.received[-1] == native.activity

    post = await pg.wait_for_card("Step card: native dup")
    await pg.invoke(pg.thread_of(post), post["message"]["messageId"], "Bob", "vote")
    again = await pg.resend_last_activity_to_bot(lambda r: r.activity["type"] == "invoke")
    assert bot.received[-1] == bot.received[-2] and bot.received[-1]["type"] == "invoke"
    assert again.status == 200 and again.response["type"] == ADAPTIVE_CARD


async def test_unreachable_bot_is_reported(playground_factory):
    pg = await playground_factory(free_port())  # nothing listens there
    with pytest.raises(PlaygroundError, match="cannot reach the bot"):
        await pg.post_to_channel("anyone?", timeout=5)
    with pytest.raises(PlaygroundError, match="cannot reach the bot"):
        await pg.post_to_channel("anyone?", as_user="Bob", timeout=5)


async def test_taken_port_and_clean_exit(bot):
    import socket

    with socket.socket() as blocker:
        blocker.bind(("", 0))
        blocker.listen()
        taken = blocker.getsockname()[1]
        async with Playground(bot.port, port=taken) as pg:
            pid, workdir = pg.process_id, pg.workdir
            assert pg.port != taken  # it silently picked another port
            assert (await pg.request("GET", "/_debug/ping")) == (200, "pong")
            assert (workdir / ".m365agentsplayground.yml").exists()
            assert pg.log_path.exists()
    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)
    assert not workdir.exists()
