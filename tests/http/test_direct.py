"""The direct path (bot/direct.py, bot/connector_http.py): messages and card actions answered from the
JSON body, sending over one aiohttp session. It must say what the SDK pipeline says, send the
requests botbuilder sends, keep every check of BlendAdapter.process, and fail the same way."""

from __future__ import annotations

import asyncio
import itertools
import json
import logging
import time

import jwt
import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer
from botbuilder.core import ActivityHandler

from bot.adapter import create_adapter
from bot.connector_http import REFRESH_BEFORE_S, BotTokens, ConnectorError, ConnectorHttp
from bot.direct import Connector, DirectMessenger, DirectTurns
from bot.handler import BlendBot
from bot.messenger import TurnMessenger, turn_sender
from bot.sending import Sender, SendFailed, retry_after_of, status_of
from cards.texts import translate
from settings import Settings
from storage.unit_of_work import SqlUnitOfWork
from tests.http.test_auth import APP_ID, SERVICE_URL, key_server, local_keys  # noqa: F401 - fixture
from trajectory.model import CardRef, ChannelRef, Person
from trajectory.ports import ChannelInfo

CARD = {"type": "AdaptiveCard", "version": "1.5", "body": [{"type": "TextBlock", "text": "Hi"}]}
CAROL = Person("aad-carol", "Carol", "29:carol")
CARD_TYPE = "application/vnd.microsoft.card.adaptive"


class Recorder:
    """The Bot Connector's routes on loopback, recording (method, raw path and query, auth, body)."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, str, str | None, dict | None]] = []
        self.status = 200
        self.ids = itertools.count(100)
        self.roster_pages = [
            {"members": [{"id": "29:a", "name": "A", "aadObjectId": "aad-a"}, {"id": "28:bot"}], "continuationToken": "p2"},
            {"members": [{"id": "29:b", "name": "B", "aadObjectId": "aad-b"}], "continuationToken": None},
        ]
        self.server: TestServer | None = None

    @property
    def url(self) -> str:
        return str(self.server.make_url("/"))

    async def _handle(self, request: web.Request) -> web.Response:
        raw = await request.read()
        self.calls.append((request.method, request.raw_path, request.headers.get("Authorization"),
                           json.loads(raw) if raw else None))
        if self.status != 200:
            return web.json_response({"error": {"code": "Nope"}}, status=self.status, headers={"Retry-After": "3"})
        if request.path == "/v3/conversations":
            body = json.loads(raw)
            if body.get("isGroup"):
                return web.json_response({"id": f"19:dev;messageid={next(self.ids)}", "activityId": "77"})
            return web.json_response({"id": "a:1on1"})
        if request.path.endswith("/pagedmembers"):
            page = 1 if request.query.get("continuationToken") == "p2" else 0
            return web.json_response(self.roster_pages[page])
        return web.json_response({"id": str(next(self.ids))})

    def app(self) -> web.Application:
        app = web.Application()
        app.router.add_route("*", "/{tail:.*}", self._handle)
        return app


@pytest.fixture
async def recorder():
    recording = Recorder()
    recording.server = TestServer(recording.app(), host="127.0.0.1")
    await recording.server.start_server()
    yield recording
    await recording.server.close()


@pytest.fixture
async def http():
    connector = ConnectorHttp()
    await connector.start()
    yield connector
    await connector.close()


def activity(service_url: str, **fields) -> dict:
    base = {
        "type": "message", "id": "act-1", "channelId": "msteams", "serviceUrl": service_url, "locale": "en-US",
        "from": {"id": "29:alice", "name": "Alice", "aadObjectId": "aad-alice"},
        "recipient": {"id": "28:bot", "name": "Blend"},
        "conversation": {"id": "19:dev;messageid=1", "conversationType": "channel", "isGroup": True, "tenantId": "t1"},
        "channelData": {"tenant": {"id": "t1"}, "team": {"id": "19:team", "name": "Team"},
                        "channel": {"id": "19:dev", "name": "Dev"}},
        "entities": [{"type": "mention", "text": "<at>Blend</at>", "mentioned": {"id": "28:bot", "name": "Blend"}},
                     {"type": "clientInfo", "timezone": "Europe/Amsterdam"}],
        "text": "<at>Blend</at> help",
    }
    return {**base, **fields}


def card_action(service_url: str, verb: object, data: object, **fields) -> dict:
    value = {"action": {"type": "Action.Execute", "verb": verb, "data": data}, "trigger": "manual"}
    return activity(service_url, type="invoke", name="adaptiveCard/action", value=value, text=None, entities=None,
                    **fields)


def channel(service_url: str) -> ChannelInfo:
    return ChannelInfo(ChannelRef("t1", "19:team", "19:dev"), service_url, {}, "Team", "Dev")


async def script(messenger, service_url: str) -> list:
    """Every Messenger call once, as a dialog would make them."""
    ref = await messenger.post_card(channel(service_url), CARD)
    await messenger.update_card(ref, CARD)
    reply = await messenger.reply_card(ref, CARD)
    await messenger.reply_text(ref, "The deadline has passed.")
    await messenger.send_private(channel(service_url), CAROL, CARD)
    return [ref, reply, await messenger.team_members()]


async def test_the_direct_messenger_sends_the_requests_botbuilder_sends(serve, recorder, http):
    outcome = {}

    class ScriptBot(ActivityHandler):
        async def on_message_activity(self, turn_context):
            outcome["sdk"] = await script(TurnMessenger(turn_context, ""), recorder.url)

    client = await serve(create_adapter(Settings()), ScriptBot())
    response = await client.post("/api/messages", json=activity(recorder.url))
    assert response.status == 201
    sdk_calls, recorder.calls, recorder.ids = recorder.calls, [], itertools.count(100)

    direct = await script(DirectMessenger.of(Connector(http, recorder.url, None), activity(recorder.url)), recorder.url)

    assert direct == outcome["sdk"]
    sdk_calls = [(m, p, b) for m, p, _, b in sdk_calls]
    # botbuilder "replies" in a new 1:1 chat to a made-up activity id (a uuid); the direct path posts
    # to the chat as the Bot Connector documents it. Everything else is the same request.
    method, path, body = sdk_calls[5]
    assert path.startswith("/v3/conversations/a%3A1on1/activities/") and len(body.pop("replyToId")) == 36
    sdk_calls[5] = (method, "/v3/conversations/a%3A1on1/activities", body)
    assert [(m, p, b) for m, p, _, b in recorder.calls] == sdk_calls
    ref, reply, roster = direct
    assert ref == CardRef("19:dev;messageid=100", "77") and reply.conversation_id == ref.conversation_id
    assert [p.aad_id for p in roster] == ["aad-a", "aad-b"]  # both pages; the bot (no aadObjectId) left out
    assert recorder.calls[1][1] == "/v3/conversations/19%3Adev%3Bmessageid%3D100/activities/77"
    assert {auth for _, _, auth, _ in recorder.calls} == {None}  # local mode: no token, as botbuilder


async def app_paths(sessions):
    """The SDK pipeline and the direct path over one bot and database."""
    bot = BlendBot(lambda: SqlUnitOfWork(sessions))
    sdk = create_adapter(Settings())
    direct = create_adapter(Settings())
    http = ConnectorHttp()
    await http.start()
    direct.direct = DirectTurns(bot, http, turn_sender())
    return bot, sdk, direct, http


async def test_both_paths_answer_the_same(serve, sessions, recorder):
    bot, sdk, direct, http = await app_paths(sessions)
    sdk_client, direct_client = await serve(sdk, bot), await serve(direct, bot)
    try:
        cases = [
            activity(recorder.url),  # help, with the bot's mention removed
            activity(recorder.url, text="<at>Blend</at>  status\u00a0", locale="nl-NL"),  # nothing running
            activity(recorder.url, text="", value={"x": 1}),  # an Action.Submit
            card_action(recorder.url, "no.such.verb", {}),
            {**card_action(recorder.url, "ideas.add", "not a dict"), "from": {"id": "29:x"}},
        ]
        for n, case in enumerate(cases):
            answers = []
            for client in (sdk_client, direct_client):
                recorder.calls = []
                response = await client.post("/api/messages", json={**case, "id": f"{n}-{len(answers)}"})
                body = await response.json() if response.status == 200 else None
                posted = [(m, p.rsplit("/", 1)[0], b.get("text"), b.get("textFormat"), b.get("replyToId") is not None,
                           b.get("from"), b.get("recipient")) for m, p, _, b in recorder.calls]
                answers.append((response.status, body, posted))
            assert answers[0] == answers[1], case
            status, _, posted = answers[0]
            assert (status, len(posted)) == ((201, 1) if case["type"] == "message" else (200, 0)), answers[0]
    finally:
        await http.close()


async def test_a_message_reply_goes_to_the_incoming_activity(serve, sessions, recorder):
    bot, _, direct, http = await app_paths(sessions)
    client = await serve(direct, bot)
    try:
        response = await client.post("/api/messages", json=activity(recorder.url))
        assert response.status == 201
        [(method, path, auth, body)] = recorder.calls
        assert (method, path, auth) == ("POST", "/v3/conversations/19%3Adev%3Bmessageid%3D1/activities/act-1", None)
        assert body["replyToId"] == "act-1" and body["type"] == "message"
        assert body["from"]["id"] == "28:bot" and body["recipient"]["id"] == "29:alice"
        assert body["conversation"]["id"] == "19:dev;messageid=1" and body["serviceUrl"] == recorder.url
    finally:
        await http.close()


async def test_a_failing_reply_fails_the_turn_and_the_apology_is_tried(serve, sessions, recorder, caplog):
    bot, _, direct, http = await app_paths(sessions)
    client = await serve(direct, bot)
    recorder.status = 403  # not retried
    try:
        with caplog.at_level(logging.INFO):
            response = await client.post("/api/messages", json=activity(recorder.url, locale="nl-NL"))
        assert response.status == 500
        assert await response.json() == {"error": "internal error"}
        assert recorder.calls[-1][3]["text"] == translate("nl", "error.internal") and len(recorder.calls) == 2
        assert "turn failed: type=message" in caplog.text and "could not send the apology" in caplog.text
    finally:
        await http.close()


async def test_a_bug_in_a_card_action_is_apologised_for_in_the_members_language(serve, sessions, recorder,
                                                                                  monkeypatch, caplog):
    bot, _, direct, http = await app_paths(sessions)

    async def broken(*_args):
        raise RuntimeError("bug")

    monkeypatch.setattr(bot, "answer_card_action", broken)
    client = await serve(direct, bot)
    try:
        with caplog.at_level(logging.INFO):
            response = await client.post("/api/messages", json=card_action(recorder.url, "v", {}, locale="nl-BE"))
        assert response.status == 500
        [(_, path, _, body)] = recorder.calls
        assert path.endswith("/activities/act-1") and body["text"] == translate("nl", "error.internal")
        assert any("turn failed: type=invoke name=adaptiveCard/action" in r.getMessage() and r.exc_info
                   for r in caplog.records)
    finally:
        await http.close()


@pytest.mark.parametrize(("fields", "status"), [
    ({"timestamp": "not a date"}, 400),
    ({"from": "someone"}, 400),
    ({"entities": [5]}, 400),
    ({"type": ""}, 400),
    ({"conversation": {"id": ""}}, 400),
    ({"serviceUrl": "https://evil.example/"}, 403),
])
async def test_bad_bodies_are_refused_before_the_direct_path_runs(serve, recorder, fields, status):
    class Refusing(DirectTurns):
        async def process(self, data, auth_result):  # pragma: no cover - must not run
            raise AssertionError("reached the direct path")

    adapter = create_adapter(Settings())
    adapter.direct = Refusing(None, None, None)
    client = await serve(adapter, ActivityHandler())
    response = await client.post("/api/messages", json=activity(recorder.url, **fields))
    assert response.status == status


class Reached(DirectTurns):
    """Records what the direct path gets after authentication: the credentials it would send with."""

    def __init__(self) -> None:
        super().__init__(None, None, None)
        self.credentials = []

    async def process(self, data, auth_result):
        self.credentials.append((await self._connector(data, auth_result)).credentials)
        return web.json_response({"ok": True})


def signed_invoke(recipient: str = f"28:{APP_ID}", **fields) -> dict:
    return {**card_action(SERVICE_URL, "v", {}), "recipient": {"id": recipient}, **fields}


async def test_with_authentication_a_valid_token_reaches_the_direct_path_with_the_apps_credentials(
        serve, key_server):  # noqa: F811
    adapter = create_adapter(local_keys(key_server))
    adapter.direct = reached = Reached()
    client = await serve(adapter, ActivityHandler())
    response = await client.post("/api/messages", json=signed_invoke(),
                                 headers={"Authorization": f"Bearer {key_server.token()}"})
    assert response.status == 200
    [credentials] = reached.credentials
    assert credentials.microsoft_app_id == APP_ID  # so ConnectorHttp sends its bearer token


@pytest.mark.parametrize(("make_header", "fields"), [
    (lambda ks: None, {}),
    (lambda ks: "Bearer garbage", {}),
    (lambda ks: f"Bearer {ks.token(exp=int(time.time()) - 3600)}", {}),
    (lambda ks: f"Bearer {ks.token(serviceurl='https://smba.trafficmanager.net/other/')}", {}),
    (lambda ks: f"Bearer {ks.token()}", {"channelId": "webchat"}),  # the key isn't endorsed for it
], ids=["missing", "garbage", "expired", "other-serviceurl", "other-channel"])
async def test_with_authentication_bad_tokens_never_reach_the_direct_path(serve, key_server, make_header, fields):  # noqa: F811
    adapter = create_adapter(local_keys(key_server))
    adapter.direct = reached = Reached()
    client = await serve(adapter, ActivityHandler())
    header = make_header(key_server)
    response = await client.post("/api/messages", json=signed_invoke(**fields),
                                 headers={"Authorization": header} if header else {})
    assert response.status == 401
    assert reached.credentials == []


class FakeCredentials:
    microsoft_app_id = "app-1"
    oauth_scope = "https://api.botframework.com"

    def __init__(self, lifetime: float, clock=time.time) -> None:
        self.lifetime, self.clock, self.calls = lifetime, clock, 0

    def get_access_token(self) -> str:  # blocking, like MSAL: run in a worker thread
        self.calls += 1
        return jwt.encode({"exp": int(self.clock() + self.lifetime), "n": self.calls}, "k" * 32, algorithm="HS256")


async def test_tokens_are_cached_and_renewed_before_they_expire():
    now = [time.time()]
    tokens = BotTokens(clock=lambda: now[0])
    credentials = FakeCredentials(lifetime=3600, clock=lambda: now[0])
    first = await tokens.header(credentials)
    assert first.startswith("Bearer ") and await tokens.header(credentials) == first and credentials.calls == 1

    now[0] += 3600 - REFRESH_BEFORE_S + 10  # close to expiry: the old one still goes, a new one is fetched
    assert await tokens.header(credentials) == first
    for _ in range(200):
        if credentials.calls == 2:
            break
        await asyncio.sleep(0.01)
    assert credentials.calls == 2

    now[0] += 7200  # expired: waited for
    renewed = await tokens.header(credentials)
    assert renewed != first and credentials.calls == 3


async def test_concurrent_requests_share_one_token_fetch():
    tokens, credentials = BotTokens(), FakeCredentials(lifetime=3600)
    headers = await asyncio.gather(*(tokens.header(credentials) for _ in range(10)))
    assert len(set(headers)) == 1 and credentials.calls == 1


async def test_no_app_id_means_no_authorization_header():
    class Anonymous:
        microsoft_app_id = None

    assert await BotTokens().header(Anonymous()) is None
    assert await BotTokens().header(None) is None


async def test_connector_errors_carry_what_the_sender_reads(recorder, http):
    recorder.status = 429
    with pytest.raises(ConnectorError) as raised:
        await http.call("POST", recorder.url, "/v3/conversations/c/activities", FakeCredentials(3600), {"type": "message"})
    assert status_of(raised.value) == 429 and retry_after_of(raised.value) == 3.0
    [(_, _, auth, _)] = recorder.calls
    assert auth.startswith("Bearer ")  # with an app id, the token goes along


# --- jobs: proactive messages over the same session ------------------------------------------------

def proactive(http=None):
    from bot.proactive import ProactiveChannels
    from tests.bot.test_sending import FakeTime

    clock = FakeTime()
    sender = Sender(clock, clock.sleep)
    return ProactiveChannels(create_adapter(Settings()), sender, http=http), sender, clock


async def test_a_job_sends_what_botbuilders_proactive_turn_sends(http):
    from tests.http.test_proactive import CAROL as carol, Connector as Teams, channel as stored_channel

    async def work(messenger):
        ref = await messenger.post_card(stored_channel(teams.url), CARD)
        await messenger.update_card(ref, CARD)
        reply = await messenger.reply_card(ref, CARD)
        await messenger.reply_text(ref, "The deadline has passed.")
        await messenger.send_private(stored_channel(teams.url), carol, CARD)
        return ref, reply, await messenger.team_members()

    outcomes, calls = [], []
    for with_http in (None, http):
        teams = Teams()
        teams.server = TestServer(teams.app(), host="127.0.0.1")
        await teams.server.start_server()
        try:
            channels, _, _ = proactive(with_http)
            outcomes.append(await channels.run(stored_channel(teams.url), [carol], work))
            calls.append(json.loads(json.dumps(teams.calls).replace(teams.url, "SERVICE_URL")))  # the port differs
        finally:
            await teams.server.close()
    assert outcomes[0] == outcomes[1] and outcomes[1][2] == [carol]
    assert calls[0] == calls[1] and len(calls[1]) == 6  # this stub names the 1:1 chat's first activity


async def test_a_jobs_429_is_retried_and_a_refused_1on1_post_reaches_the_caller(http):
    from tests.http.test_proactive import CAROL as carol, Connector as Teams, channel as stored_channel

    teams = Teams()
    teams.server = TestServer(teams.app(), host="127.0.0.1")
    await teams.server.start_server()
    try:
        channels, sender, clock = proactive(http)
        teams.fail = [429]
        await channels.run(stored_channel(teams.url), [], lambda m: m.send_private(stored_channel(teams.url), carol, CARD))
        assert [p for _, p, _ in teams.calls][:2] == ["/v3/conversations"] * 2 and len(teams.calls) == 3
        assert teams.calls[2][1].startswith("/v3/conversations/a:1on1/activities")
        assert sender.retries == 1 and clock() >= 2  # Retry-After: 2

        teams.calls, teams.refuse = [], "/v3/conversations/a:1on1/activities"
        with pytest.raises(SendFailed) as failed:
            await channels.run(stored_channel(teams.url), [], lambda m: m.send_private(stored_channel(teams.url), carol, CARD))
        assert failed.value.status == 403 and len(teams.calls) == 2
        with pytest.raises(PermissionError):  # the allow-list still applies
            await channels.run(stored_channel("https://evil.example/"), [], lambda m: m.team_members())
    finally:
        await teams.server.close()


@pytest.mark.parametrize("fields", [{"locale": 5}, {"text": 5}, {"entities": [{"type": None}, {"type": "mention"}]},
                                    {"recipient": None}, {"id": None}], ids=["locale", "text", "mentions", "recipient", "id"])
async def test_odd_but_valid_fields_get_an_answer_not_a_500(serve, sessions, recorder, fields):
    bot, _, direct, http = await app_paths(sessions)
    client = await serve(direct, bot)
    try:
        response = await client.post("/api/messages", json=activity(recorder.url, **fields))
        assert response.status == 201
        response = await client.post("/api/messages", json={**card_action(recorder.url, "v", {}), **fields})
        assert response.status == 200
    finally:
        await http.close()
