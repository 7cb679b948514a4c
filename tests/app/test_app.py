"""The composed app over HTTP: health, start-up migrations, and Blend's own invoke path through
the real CloudAdapter (the botbuilder 4.17.1 invoke bug would make these 500)."""

from __future__ import annotations

import pytest
from aiohttp.test_utils import TestClient, TestServer

from app import create_app
from settings import Settings, load_settings


@pytest.fixture
async def client(database_url):
    app = create_app(Settings(database_url=database_url))
    async with TestClient(TestServer(app)) as client:
        yield client


def invoke(verb, data):
    return {
        "type": "invoke", "name": "adaptiveCard/action", "id": "f:1", "channelId": "msteams",
        "serviceUrl": "http://127.0.0.1:9/", "from": {"id": "29:bob", "name": "Bob", "aadObjectId": "aad-bob"},
        "recipient": {"id": "28:bot", "name": "Blend"},
        "conversation": {"id": "19:dev@thread.tacv2;messageid=1", "isGroup": True, "conversationType": "channel"},
        "channelData": {"tenant": {"id": "t"}, "team": {"id": "19:team"}, "channel": {"id": "19:dev@thread.tacv2"}},
        "value": {"action": {"type": "Action.Execute", "verb": verb, "data": data}, "trigger": "manual"},
    }


async def test_healthz_answers_when_the_database_does(client):
    response = await client.get("/healthz")
    assert response.status == 200 and (await response.json())["status"] == "ok"


async def test_healthz_is_503_when_the_database_is_unreachable(tmp_path):
    app = create_app(Settings(database_url="postgresql+asyncpg://nobody@127.0.0.1:9/none"))
    app.on_startup.clear()  # migrations would fail first; we want the running app's view
    async with TestClient(TestServer(app)) as client:
        response = await client.get("/healthz")
    assert response.status == 503


@pytest.mark.parametrize("verb, data", [("ideas.refresh", {"step_id": 404}), ("no.such.verb", {}), ("ideas.add", "x")])
async def test_invokes_through_the_real_adapter_answer_200(client, verb, data):
    response = await client.post("/api/messages", json=invoke(verb, data))
    assert response.status == 200
    body = await response.json()
    assert body["statusCode"] == 200 and body["type"] == "application/vnd.microsoft.activity.message"
    assert body["value"]


async def test_malformed_requests_get_4xx(client):
    assert (await client.post("/api/messages", data="{not json", headers={"Content-Type": "application/json"})).status == 400
    assert (await client.post("/api/messages", data="hi", headers={"Content-Type": "text/plain"})).status == 415
    assert (await client.get("/api/messages")).status == 405


def test_settings_from_environment_and_dotenv(tmp_path, monkeypatch):
    for key in ("APP_ID", "APP_PASSWORD", "APP_TYPE", "APP_TENANTID", "DATABASE_URL", "PORT", "HOST"):
        monkeypatch.delenv(key, raising=False)
    env_file = tmp_path / ".env"
    env_file.write_text("APP_ID=from-dotenv\nPORT=4000\n")
    monkeypatch.setenv("PORT", "5000")
    settings = load_settings(dotenv=env_file)
    assert settings.app_id == "from-dotenv" and settings.port == 5000  # the environment wins
    assert "APP_ID" not in __import__("os").environ  # reading .env leaves the process environment alone
    assert settings.app_type == "SingleTenant" and not settings.local_mode and settings.bind_host == "0.0.0.0"
    local = load_settings(env={})
    assert local.local_mode and local.bind_host == "127.0.0.1" and local.database_url.startswith("sqlite+aiosqlite")


def test_database_pool_size_setting():
    assert load_settings(env={}).database_pool_size == 20
    assert load_settings(env={"BLEND_DATABASE_POOL_SIZE": "8"}).database_pool_size == 8
    for bad in ("0", "-3", "many"):
        with pytest.raises(ValueError, match="BLEND_DATABASE_POOL_SIZE"):
            load_settings(env={"BLEND_DATABASE_POOL_SIZE": bad})


async def test_postgres_keeps_a_steady_pool_and_sqlite_one_connection(tmp_path):
    from storage.database import create_engine

    postgres = create_engine("postgresql://u@127.0.0.1:1/db", pool_size=8)  # nothing connects here
    sqlite = create_engine(f"sqlite+aiosqlite:///{tmp_path}/one.db", pool_size=8)
    try:
        assert postgres.pool.size() == 8 and postgres.pool._max_overflow == 0
        assert sqlite.pool.size() == 1 and sqlite.pool._max_overflow == 0
    finally:
        await postgres.dispose()
        await sqlite.dispose()
