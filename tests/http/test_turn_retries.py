"""Connector calls made while handling a turn go through the Sender: 412/429/502/504 are retried with
backoff; a call that still fails fails the turn (logged, HTTP 500) instead of vanishing."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta, timezone

from aiohttp.test_utils import TestClient, TestServer

from app import create_app
from cards import verbs
from settings import Settings
from storage.database import create_engine, session_factory
from storage.migrate import migrate
from storage.unit_of_work import SqlUnitOfWork
from tests.http.test_proactive import channel, connector  # noqa: F401 - fixture
from trajectory import engine as transitions
from trajectory.model import CardRef, ChannelRef, Person
from trajectory.setup import StepDraft, edit_draft, new_trajectory

ALICE = Person("aad-alice", "Alice", "29:alice")
BOB = {"id": "29:bob", "aadObjectId": "aad-bob", "name": "Bob"}


async def open_ideas_step(database_url: str, service_url: str) -> int:
    """A started trajectory whose open idea step has a channel card (so a new idea updates it)."""
    now = datetime.now(timezone.utc) - timedelta(minutes=5)
    engine = create_engine(database_url)
    try:
        await migrate(engine)
        async with SqlUnitOfWork(session_factory(engine)) as uow:
            await uow.channels.upsert(channel(service_url))
            trajectory = new_trajectory(ChannelRef("tenant-1", "19:team", "19:dev"), ALICE, "Offsite", now)
            edit_draft(trajectory, title="Offsite", question="Q?", co_facilitators=[], now=now,
                       steps=[StepDraft("ideas", "Round 1")], settings={"reminder_hours": []})
            await uow.trajectories.add(trajectory)
            transitions.start(trajectory, now)
            await uow.trajectories.save(trajectory)
            step_id = trajectory.steps[0].id
            await uow.trajectories.set_step_card(step_id, CardRef("19:dev;messageid=7", "7"))
            await uow.commit()
            return step_id
    finally:
        await engine.dispose()


def add_idea(service_url: str, step_id: int, text: str, activity_id: str) -> dict:
    return {"type": "invoke", "name": "adaptiveCard/action", "id": activity_id, "channelId": "msteams",
            "serviceUrl": service_url, "from": BOB, "recipient": {"id": "28:bot"},
            "conversation": {"id": "19:dev;messageid=7", "conversationType": "channel", "tenantId": "tenant-1"},
            "channelData": {"tenant": {"id": "tenant-1"}, "team": {"id": "19:team"}, "channel": {"id": "19:dev"}},
            "value": {"action": {"type": "Action.Execute", "verb": verbs.IDEAS_ADD,
                                 "data": {"step_id": step_id, verbs.IDEA_TEXT: text}}}}


async def test_a_throttled_card_update_is_retried_within_the_turn(database_url, connector):  # noqa: F811
    step_id = await open_ideas_step(database_url, connector.url)
    connector.fail = [502, 412]
    async with TestClient(TestServer(create_app(Settings(database_url=database_url)), host="127.0.0.1")) as client:
        response = await client.post("/api/messages", json=add_idea(connector.url, step_id, "Walk", "a-1"))
        assert response.status == 200
    updates = [c for c in connector.calls if c[0] == "PUT"]
    assert len(updates) == 3 and connector.fail == []  # two refusals, then the update went through


async def test_an_update_that_keeps_failing_fails_the_turn_loudly(database_url, connector, caplog):  # noqa: F811
    step_id = await open_ideas_step(database_url, connector.url)
    connector.refuse = "/v3/conversations/19:dev"  # 403: not retryable
    caplog.set_level(logging.ERROR)
    async with TestClient(TestServer(create_app(Settings(database_url=database_url)), host="127.0.0.1")) as client:
        response = await client.post("/api/messages", json=add_idea(connector.url, step_id, "Walk", "a-2"))
        assert response.status == 500
    assert any("turn failed" in r.getMessage() and r.exc_info for r in caplog.records)
