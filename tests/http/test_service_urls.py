"""No relay: Blend only calls back service URLs that are Teams' own (loopback in local mode)."""

from __future__ import annotations

import pytest
from aiohttp.test_utils import TestClient, TestServer

from app import create_app
from bot.service_urls import ServiceUrlPolicy
from settings import Settings

PRODUCTION = ServiceUrlPolicy()
LOCAL = ServiceUrlPolicy(loopback_only=True)


@pytest.mark.parametrize("url", [
    "https://smba.trafficmanager.net/emea/", "https://smba.infra.gcc.teams.microsoft.com/",
    "https://smba.infra.gov.teams.microsoft.us/", "https://SMBA.trafficmanager.net/amer/",
])
def test_teams_hosts_are_allowed_in_production(url):
    assert PRODUCTION.allows(url)


@pytest.mark.parametrize("url", [
    "http://smba.trafficmanager.net/emea/", "https://smba.trafficmanager.net.evil.example/",
    "https://evil.example/?smba.trafficmanager.net", "https://127.0.0.1:3978/", "", None, 42,
    "https://user@evil.example@smba.trafficmanager.net/", "javascript:alert(1)", "https://[::1/",
])
def test_everything_else_is_refused_in_production(url):
    assert not PRODUCTION.allows(url)


def test_local_mode_allows_loopback_only():
    assert LOCAL.allows("http://localhost:56150/_connector")
    assert LOCAL.allows("http://127.0.0.1:9/") and LOCAL.allows("http://[::1]:9/")
    assert not LOCAL.allows("https://smba.trafficmanager.net/emea/")
    assert not LOCAL.allows("http://10.0.0.5/") and not LOCAL.allows("http://169.254.169.254/latest/")


def test_configured_hosts_replace_the_defaults():
    policy = ServiceUrlPolicy(hosts=("bots.contoso.example",))
    assert policy.allows("https://bots.contoso.example/x") and not policy.allows("https://smba.trafficmanager.net/")


async def test_a_crafted_service_url_is_refused_before_the_bot_runs(database_url):
    app = create_app(Settings(database_url=database_url))
    message = {"type": "message", "id": "1", "text": "help", "channelId": "msteams",
               "serviceUrl": "http://169.254.169.254/latest/", "from": {"id": "29:x"},
               "recipient": {"id": "28:bot"}, "conversation": {"id": "a:1"}}
    async with TestClient(TestServer(app)) as client:
        response = await client.post("/api/messages", json=message)
        assert response.status == 403
        assert (await response.json()) == {"error": "serviceUrl not allowed"}
