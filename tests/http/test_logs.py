"""Logs carry the request's ids, never what people typed, tokens or the app password."""

from __future__ import annotations

import logging

from aiohttp.test_utils import TestClient, TestServer

from app import create_app
from bot.logs import ContextFilter, KeyValueFormatter, redact
from settings import Settings
from tests.http.test_proactive import connector  # noqa: F401 - fixture
from tests.http.test_turn_retries import add_idea, open_ideas_step

IDEA = "Confidential-idea-text-4711"
TOKEN = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJzZWNyZXQifQ.c2lnbmF0dXJlLXNlY3JldA"
PASSWORD = "app-password-s3cr3t"


async def test_turns_log_ids_but_no_contributions_tokens_or_secrets(database_url, connector, caplog):  # noqa: F811
    step_id = await open_ideas_step(database_url, connector.url)
    caplog.set_level(logging.INFO)  # what a deployment logs (configure() keeps drivers' DEBUG SQL out)
    caplog.handler.addFilter(ContextFilter())
    app = create_app(Settings(database_url=database_url, app_password=PASSWORD))
    async with TestClient(TestServer(app, host="127.0.0.1")) as client:
        ok = await client.post("/api/messages", json=add_idea(connector.url, step_id, IDEA, "act-ok"))
        forged = add_idea(connector.url, step_id, IDEA + "3", "act-forged")
        forged["value"]["action"]["verb"] = IDEA  # hostile text in a field Blend echoes nowhere
        await client.post("/api/messages", json=forged)
        # A token is checked even with authentication off; a malformed one is refused, and not logged.
        bearer = await client.post("/api/messages", json=add_idea(connector.url, step_id, IDEA + "4", "act-tok"),
                                   headers={"Authorization": f"Bearer {TOKEN}"})
        connector.refuse = "/v3/conversations/19:dev"  # the card update fails: an error with a traceback
        failed = await client.post("/api/messages", json=add_idea(connector.url, step_id, IDEA + "2", "act-ko"))
    assert (ok.status, bearer.status, failed.status) == (200, 401, 500)
    formatter = KeyValueFormatter()
    lines = [formatter.format(record) for record in caplog.records]
    text = "\n".join(lines)
    assert IDEA not in text and TOKEN not in text and PASSWORD not in text
    assert any("activity_id=act-ko" in line and f"step_id={step_id}" in line and "trajectory_id=" in line
               and "level=ERROR" in line for line in lines), text
    assert any("activity_id=act-ok" in line and "answered status=200" in line for line in lines), text


def test_configure_keeps_database_drivers_debug_sql_out(monkeypatch):
    from bot.logs import configure

    root = logging.getLogger()
    monkeypatch.setattr(root, "handlers", list(root.handlers))
    for logger in (root, *(logging.getLogger(n) for n in ("aiosqlite", "asyncpg", "sqlalchemy.engine", "sqlalchemy.pool"))):
        monkeypatch.setattr(logger, "level", logger.level)
    configure(logging.DEBUG)
    assert not logging.getLogger("aiosqlite").isEnabledFor(logging.DEBUG)
    assert not logging.getLogger("sqlalchemy.engine").isEnabledFor(logging.INFO)


def test_tokens_in_exception_messages_are_masked():
    assert redact(f"401 for Authorization: Bearer {TOKEN} at x") == "401 for Authorization: Bearer [redacted] at x"
    assert TOKEN not in redact(f"token {TOKEN}")


def test_a_line_is_key_value_with_quoted_free_text():
    record = logging.LogRecord("blend", logging.INFO, __file__, 1, 'said "hi"\nthere', None, None)
    record.activity_id = "a-1"
    line = KeyValueFormatter().format(record)
    assert line.startswith("ts=") and 'msg="said \\"hi\\"\\nthere"' in line and "activity_id=a-1" in line
    assert "\n" not in line
