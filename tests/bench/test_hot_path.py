"""The hot-path pieces issue 9 added: coalesced shared-card updates and cached connector clients."""

from __future__ import annotations

import asyncio

import pytest

from bot.card_updates import CardUpdates
from bot.connector_cache import CachingAuthentication


async def test_an_update_with_nothing_on_its_way_is_sent_before_returning():
    updates, sent = CardUpdates(), []

    async def send() -> None:
        sent.append("v1")

    await updates.update("card", send)
    assert sent == ["v1"]


async def test_updates_during_a_send_collapse_into_the_newest():
    updates, sent = CardUpdates(), []
    release = asyncio.Event()

    def sending(version: str, wait: bool = False):
        async def send() -> None:
            if wait:
                await release.wait()
            sent.append(version)
        return send

    first = asyncio.create_task(updates.update("card", sending("v1", wait=True)))
    await asyncio.sleep(0)
    for version in ("v2", "v3", "v4"):
        await updates.update("card", sending(version))  # returns at once
    await updates.update("other card", sending("x1"))  # other cards are not held up
    assert sent == ["x1"]
    release.set()
    await first
    for _ in range(5):
        await asyncio.sleep(0)
    assert sent == ["x1", "v1", "v4"] and updates.skipped == 2
    await updates.update("card", sending("v5"))  # idle again: sent directly
    assert sent[-1] == "v5"


async def test_an_update_the_rate_limit_would_delay_goes_in_the_background():
    updates, sent = CardUpdates(), []

    async def send() -> None:
        sent.append("v1")

    await updates.update("card", send, ready=lambda: False)
    assert sent == []
    await asyncio.sleep(0)
    assert sent == ["v1"]


async def test_a_direct_update_that_fails_fails_the_caller():
    async def send() -> None:
        raise RuntimeError("connector down")

    with pytest.raises(RuntimeError):
        await CardUpdates().update("card", send)


class FakeFactory:
    def __init__(self, app_id: str) -> None:
        self._app_id, self.created = app_id, 0

    async def create(self, service_url: str, audience: str | None = None):
        self.created += 1
        return object()


class FakeResult:
    def __init__(self, factory) -> None:
        self.connector_factory = factory


class FakeAuthentication:
    def __init__(self) -> None:
        self.factories: list[FakeFactory] = []
        self.token_clients = 0

    async def authenticate_request(self, activity, auth_header):
        self.factories.append(FakeFactory("app-1"))  # botbuilder makes a new factory per request
        return FakeResult(self.factories[-1])

    async def create_user_token_client(self, claims_identity):
        self.token_clients += 1
        return object()


async def test_connector_clients_are_built_once_per_service_url_and_audience():
    inner = FakeAuthentication()
    auth = CachingAuthentication(inner)  # type: ignore[arg-type]
    clients = []
    for url in ("https://smba.example/emea/", "https://smba.example/emea/", "https://smba.example/amer/"):
        result = await auth.authenticate_request(None, None)
        clients.append(await result.connector_factory.create(url, "aud"))
    assert clients[0] is clients[1] and clients[0] is not clients[2]
    assert sum(f.created for f in inner.factories) == 2
    assert await auth.create_user_token_client(None) is await auth.create_user_token_client(None)
    assert inner.token_clients == 1


def test_a_card_json_is_shared_by_deep_copies_and_serialised_as_the_plain_card():
    import copy

    from botbuilder.core import MessageFactory, serializer_helper
    from botbuilder.schema import Attachment

    from bot.card_json import CardJson
    from bot.messenger import card_activity

    card = {"type": "AdaptiveCard", "version": "1.5", "body": [{"type": "TextBlock", "text": "caf\u00e9", "n": 1}]}
    sent = card_activity(card)
    assert copy.deepcopy(sent).attachments[0].content is sent.attachments[0].content
    plain = MessageFactory.attachment(Attachment(content_type=sent.attachments[0].content_type,
                                                 content=copy.deepcopy(card)))
    assert serializer_helper(sent) == serializer_helper(plain)
    assert serializer_helper(sent)["attachments"][0]["content"] == card
    assert isinstance(CardJson(card), dict)


async def test_a_shared_card_handed_over_as_a_function_is_rendered_only_when_its_update_goes():
    import time

    from bot.sending import PacedMessenger, Sender
    from trajectory.model import CardRef

    release, sent, rendered = asyncio.Event(), [], []

    class Inner:
        async def update_card(self, ref, card) -> None:
            assert isinstance(card, dict)  # inner messengers always get the card itself
            if card["v"] == 1:
                await release.wait()
            sent.append(card["v"])

    def version(v: int):
        def card() -> dict:
            rendered.append(v)
            return {"v": v}
        return card

    paced = PacedMessenger(Inner(), Sender(time.monotonic))  # type: ignore[arg-type]
    ref = CardRef(conversation_id="19:c;messageid=1", activity_id="1")
    first = asyncio.create_task(paced.update_card(ref, version(1)))
    await asyncio.sleep(0)
    for v in (2, 3, 4):
        await paced.update_card(ref, version(v))  # coalesced while the first is on its way
    await paced.update_card(CardRef("19:c;messageid=2", "2"), {"v": 10})  # a plain card still goes
    release.set()
    await first
    for _ in range(5):
        await asyncio.sleep(0)
    assert sent == [10, 1, 4] and rendered == [1, 4]  # 2 and 3 were never rendered
