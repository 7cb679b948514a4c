"""The tenant allow-list (BLEND_ALLOWED_TENANTS): other tenants' activities are refused, unstored."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from aiohttp.test_utils import TestClient, TestServer
from botbuilder.schema import Activity

from app import ENGINE, create_app
from bot.adapter import tenant_of
from settings import Settings, load_settings

ALLOWED = "11111111-1111-1111-1111-111111111111"


def _invoke(service_url: str, tenant: str | None) -> dict:
    channel_data = {"team": {"id": "19:team"}, "channel": {"id": "19:chan"}}
    if tenant is not None:
        channel_data["tenant"] = {"id": tenant}
    return {"type": "invoke", "name": "adaptiveCard/action", "id": "act-1", "channelId": "msteams",
            "serviceUrl": service_url, "from": {"id": "29:u", "aadObjectId": "aad-u", "name": "U"},
            "recipient": {"id": "28:bot"}, "conversation": {"id": "19:chan;messageid=1"},
            "channelData": channel_data,
            "value": {"action": {"type": "Action.Execute", "verb": "idea.add", "data": {"step_id": 1}}}}


def test_tenant_comes_from_channel_data_then_the_conversation():
    assert tenant_of(Activity().deserialize({"type": "message", "channelData": {"tenant": {"id": "ABC"}}})) == "abc"
    assert tenant_of(Activity().deserialize({"type": "message", "conversation": {"id": "c", "tenantId": "T2"}})) == "t2"
    assert tenant_of(Activity().deserialize({"type": "message", "channelData": {"tenant": "x"}})) == ""
    assert tenant_of(Activity().deserialize({"type": "message"})) == ""


def test_the_setting_is_a_comma_separated_list():
    assert load_settings({"BLEND_ALLOWED_TENANTS": f" {ALLOWED.upper()}, other ,"}, None).allowed_tenants == (ALLOWED, "other")
    assert load_settings({}, None).allowed_tenants == ()


async def _counts(engine) -> int:
    async with engine.connect() as connection:
        total = 0
        for table in ("processed_activities", "channels", "trajectories"):
            total += (await connection.execute(sa.text(f"SELECT COUNT(*) FROM {table}"))).scalar_one()
        return total


@pytest.mark.parametrize("tenant", ["22222222-2222-2222-2222-222222222222", None, ""])
async def test_another_tenant_is_refused_and_nothing_is_stored(database_url, connector, tenant):
    app = create_app(Settings(database_url=database_url, allowed_tenants=(ALLOWED,)))
    async with TestClient(TestServer(app, host="127.0.0.1")) as client:
        before = await _counts(app[ENGINE])
        response = await client.post("/api/messages", json=_invoke(connector.url, tenant))
        assert response.status == 403
        assert (await response.json()) == {"error": "tenant not allowed"}
        assert await _counts(app[ENGINE]) == before
    assert connector.posts == []


async def test_an_allowed_tenant_gets_through(database_url, connector):
    app = create_app(Settings(database_url=database_url, allowed_tenants=(ALLOWED,)))
    async with TestClient(TestServer(app, host="127.0.0.1")) as client:
        response = await client.post("/api/messages", json=_invoke(connector.url, ALLOWED.upper()))
        assert response.status == 200
