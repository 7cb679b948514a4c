"""A Blend bot on botbuilder's TestAdapter, a real database and a fake channel."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest
from botbuilder.core.adapters import TestAdapter
from botbuilder.schema import Activity, ChannelAccount, ConversationAccount, Entity

from bot.handler import BlendBot
from storage.unit_of_work import SqlUnitOfWork
from cards import verbs
from tests.cardcheck import assert_valid_card
from tests.fakes import FakeDirectory, FakeMessenger, FakeScheduler, find_actions
from trajectory.model import Person

ALICE = Person("aaaaaaaa-0000-4000-8000-000000000000", "Alice Admin", "29:user-alice")
BOB = Person("bbbbbbbb-0000-4000-8000-000000000001", "Bob Builder", "29:user-bob")
CAROL = Person("cccccccc-0000-4000-8000-000000000002", "Carol Coder", "29:user-carol")
DAVE = Person("dddddddd-0000-4000-8000-000000000003", "Dave Devops", "29:user-dave")
BOT = ChannelAccount(id="28:blend-bot", name="Blend")
TEAM, CHANNEL, TENANT = "19:team@thread.tacv2", "19:dev@thread.tacv2", "tenant-1"


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2026, 11, 25, 9, 0, tzinfo=timezone.utc)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


def activity(user: Person | None, text: str | None = None, *, kind: str = "message", name: str | None = None,
             value: Any = None, activity_id: str | None = None, in_channel: bool = True,
             locale: str = "en-US") -> Activity:
    sender = ChannelAccount(id=user.user_id, name=user.name, aad_object_id=user.aad_id) if user else \
        ChannelAccount(id="29:anonymous", name="Nobody")
    entities = []
    if text is not None and in_channel:
        text = f"<at>Blend</at> {text}"
        entities = [Entity().deserialize({"type": "mention", "mentioned": {"id": BOT.id, "name": BOT.name},
                                          "text": "<at>Blend</at>"})]
    return Activity(
        type=kind, id=activity_id or str(uuid.uuid4()), name=name, value=value, text=text, entities=entities,
        channel_id="msteams", service_url="https://smba.trafficmanager.net/emea/",
        from_property=sender, recipient=BOT, locale=locale,
        conversation=ConversationAccount(id=f"{CHANNEL};messageid=1" if in_channel else "a:personal",
                                         is_group=in_channel, conversation_type="channel" if in_channel else "personal",
                                         tenant_id=TENANT),
        channel_data={"tenant": {"id": TENANT}, "team": {"id": TEAM, "name": "Smoke Team"},
                      "channel": {"id": CHANNEL, "name": "Dev"}} if in_channel else {"tenant": {"id": TENANT}},
    )


def invoke(user: Person | None, verb: Any, data: Any, activity_id: str | None = None, locale: str = "en-US") -> Activity:
    return activity(user, kind="invoke", name="adaptiveCard/action", activity_id=activity_id, locale=locale,
                    value={"action": {"type": "Action.Execute", "verb": verb, "data": data}, "trigger": "manual"})


class Harness:
    def __init__(self, sessions, messenger: FakeMessenger, clock: Clock, scheduler: FakeScheduler | None = None,
                 directory: FakeDirectory | None = None) -> None:
        self.sessions, self.messenger, self.clock = sessions, messenger, clock
        self.scheduler, self.directory = scheduler or FakeScheduler(), directory or FakeDirectory()
        self.bot = BlendBot(lambda: SqlUnitOfWork(sessions), clock=clock, messenger_for=lambda _: messenger,
                            scheduler=self.scheduler, directory=self.directory)
        self.adapter = TestAdapter(self.bot.on_turn)

    async def send(self, act: Activity) -> list[Activity]:
        before = len(self.adapter.activity_buffer)
        await self.adapter.receive_activity(act)
        sent = list(self.adapter.activity_buffer)[before:]
        return sent

    async def say(self, user: Person | None, text: str, **kw: Any) -> list[Activity]:
        return await self.send(activity(user, text, **kw))

    async def act(self, user: Person | None, verb: Any, data: Any, activity_id: str | None = None) -> dict[str, Any]:
        sent = await self.send(invoke(user, verb, data, activity_id))
        responses = [a for a in sent if a.type == "invokeResponse"]
        assert len(responses) == 1, sent
        response = responses[0].value
        assert response.status == 200
        body = response.body.serialize() if hasattr(response.body, "serialize") else response.body
        return body

    def uow(self) -> SqlUnitOfWork:
        return SqlUnitOfWork(self.sessions)


@pytest.fixture
async def harness(sessions) -> Harness:
    return Harness(sessions, FakeMessenger(roster=[ALICE, BOB, CAROL, DAVE]), Clock())


def card_of(body: dict) -> dict:
    """The card of an invoke response, checked against the schema."""
    assert body["type"] == "application/vnd.microsoft.card.adaptive", body
    assert_valid_card(body["value"])
    return body["value"]


async def setup(h: Harness, verb: str, ids: dict, **fields) -> tuple[dict, dict]:
    """One click on the setup card; returns the new card and the ids (and version) it carries."""
    card = card_of(await h.act(ALICE, verb, {**ids, **fields}))
    saves = find_actions(card, verbs.SETUP_SAVE)
    return card, saves[0]["data"] if saves else {}
