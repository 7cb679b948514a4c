"""Proactive messages (jobs) through the real adapter to a loopback Bot Connector: a stored
conversation reference is enough to post in the channel and open 1:1 chats; Teams' 429s are
retried and failures reach the caller instead of vanishing in the adapter's error handler."""

from __future__ import annotations

import itertools

import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

from bot.adapter import create_adapter
from bot.proactive import ProactiveChannels
from bot.sending import Sender, SendFailed
from settings import Settings
from tests.bot.test_sending import FakeTime
from trajectory.model import CardRef, ChannelRef, Person
from trajectory.ports import ChannelInfo

CARD = {"type": "AdaptiveCard", "version": "1.5", "body": [{"type": "TextBlock", "text": "Hi"}]}
CAROL = Person("aad-carol", "Carol", "29:carol")


class Connector:
    """The Bot Connector's conversation routes, recording calls; ``fail`` holds statuses to answer first."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, str, dict]] = []
        self.fail: list[int] = []
        self.refuse = ""  # a path always answered 403
        self.ids = itertools.count(1)
        self.server: TestServer | None = None

    @property
    def url(self) -> str:
        return str(self.server.make_url("/"))

    async def _record(self, request: web.Request) -> web.Response:
        body = await request.json()
        self.calls.append((request.method, request.path, body))
        if self.fail or (self.refuse and request.path.startswith(self.refuse)):
            status = self.fail.pop(0) if self.fail else 403
            return web.json_response({"error": {"code": "Throttled", "message": "slow down"}}, status=status,
                                     headers={"Retry-After": "2"} if status == 429 else None)
        if request.path == "/v3/conversations":
            conversation = "a:1on1" if not body.get("isGroup") else f"19:dev;messageid={next(self.ids)}"
            return web.json_response({"id": conversation, "activityId": str(next(self.ids))})
        return web.json_response({"id": str(next(self.ids))})

    def app(self) -> web.Application:
        app = web.Application()
        app.router.add_post("/v3/conversations", self._record)
        app.router.add_post("/v3/conversations/{conversation}/activities", self._record)
        app.router.add_post("/v3/conversations/{conversation}/activities/{reply_to}", self._record)
        app.router.add_put("/v3/conversations/{conversation}/activities/{activity}", self._record)
        return app


@pytest.fixture
async def connector():
    fake = Connector()
    fake.server = TestServer(fake.app(), host="127.0.0.1")
    await fake.server.start_server()
    yield fake
    await fake.server.close()


def channel(service_url: str) -> ChannelInfo:
    reference = {
        "activityId": "1", "channelId": "msteams", "serviceUrl": service_url, "locale": "en-US",
        "bot": {"id": "28:blend-bot", "name": "Blend"}, "user": {"id": "29:alice", "aadObjectId": "aad-alice"},
        "conversation": {"id": "19:dev;messageid=1", "isGroup": True, "conversationType": "channel",
                         "tenantId": "tenant-1"},
    }
    return ChannelInfo(ChannelRef("tenant-1", "19:team", "19:dev"), service_url, reference, "Team", "Dev")


def channels() -> tuple[ProactiveChannels, FakeTime, Sender]:
    clock = FakeTime()
    sender = Sender(clock, clock.sleep)
    return ProactiveChannels(create_adapter(Settings()), sender), clock, sender


async def test_a_job_posts_in_the_channel_and_replies_in_the_thread(connector):
    proactive, _, _ = channels()

    async def work(messenger):
        ref = await messenger.post_card(channel(connector.url), CARD)
        await messenger.update_card(ref, CARD)
        await messenger.reply_text(ref, "The deadline has passed.")
        return ref, await messenger.team_members()

    ref, roster = await proactive.run(channel(connector.url), [CAROL], work)
    assert isinstance(ref, CardRef) and roster == [CAROL]
    (m1, p1, b1), (m2, p2, _), (m3, p3, b3) = connector.calls[:3]
    assert (m1, p1) == ("POST", "/v3/conversations") and b1["channelData"]["channel"]["id"] == "19:dev"
    assert m2 == "PUT" and p2.endswith(f"/activities/{ref.activity_id}")
    assert m3 == "POST" and b3["text"] == "The deadline has passed." and b3["textFormat"] == "plain"


async def test_a_private_reminder_opens_a_1on1_chat_and_429_is_retried(connector):
    proactive, clock, sender = channels()
    connector.fail = [429]  # Teams throttles the first attempt

    async def work(messenger):
        await messenger.send_private(channel(connector.url), CAROL, CARD)

    await proactive.run(channel(connector.url), [], work)
    posts = [(m, p) for m, p, _ in connector.calls]
    assert posts[:2] == [("POST", "/v3/conversations"), ("POST", "/v3/conversations")]
    assert posts[2][1].startswith("/v3/conversations/a:1on1/activities") and len(posts) == 3
    create = connector.calls[1][2]
    assert create["isGroup"] is False and create["members"] == [{"id": "29:carol"}]
    assert sender.retries == 1 and clock() >= 2  # Retry-After: 2


async def test_a_failure_inside_the_1on1_chat_reaches_the_caller(connector):
    """The chat opens, then posting in it is refused: botbuilder runs that post in a pipeline whose
    error handler would swallow the error; the caller must see it to record and report it."""
    proactive, _, sender = channels()
    connector.refuse = "/v3/conversations/a:1on1/activities"

    async def work(messenger):
        await messenger.send_private(channel(connector.url), CAROL, CARD)

    with pytest.raises(SendFailed) as failed:
        await proactive.run(channel(connector.url), [], work)
    assert failed.value.status == 403 and sender.retries == 0
    paths = [p for _, p, _ in connector.calls]
    assert paths[0] == "/v3/conversations" and paths[1].startswith("/v3/conversations/a:1on1/activities")
    assert len(paths) == 2


async def test_a_stored_reference_to_a_foreign_service_url_is_refused():
    proactive, _, _ = channels()

    async def work(messenger):  # pragma: no cover - must not run
        raise AssertionError("ran")

    with pytest.raises(PermissionError):
        await proactive.run(channel("https://evil.example/"), [], work)
