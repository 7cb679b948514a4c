"""What both reference bots do per request, so only the framework differs: one SQLAlchemy
statement (an insert for a submission or vote, a select for a refresh or a message) and a card."""

from __future__ import annotations

import os
from typing import Any

import sqlalchemy as sa

from storage.database import create_engine

METADATA = sa.MetaData()
ENTRIES = sa.Table(
    "bench_entries", METADATA,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("conversation", sa.String(200), nullable=False),
    sa.Column("author", sa.String(200), nullable=False),
    sa.Column("verb", sa.String(40), nullable=False),
    sa.Column("payload", sa.JSON, nullable=False),
)
WRITE_VERBS = frozenset({"ideas.add", "vote.submit"})
CARD = "application/vnd.microsoft.card.adaptive"


def engine_from_env():
    return create_engine(os.environ["DATABASE_URL"])


async def create_schema(engine) -> None:
    async with engine.begin() as conn:
        await conn.run_sync(METADATA.create_all)


def card(title: str, count: int, text: str) -> dict[str, Any]:
    return {
        "type": "AdaptiveCard", "version": "1.5",
        "body": [
            {"type": "TextBlock", "text": title, "weight": "Bolder", "size": "Medium", "wrap": True},
            {"type": "TextBlock", "text": f"{count} entries so far", "isSubtle": True},
            {"type": "RichTextBlock", "inlines": [{"type": "TextRun", "text": text}]},
            {"type": "Input.Text", "id": "idea_text", "placeholder": "Your idea", "maxLength": 500},
        ],
        "actions": [{"type": "Action.Execute", "title": "Add", "verb": "ideas.add", "data": {"step_id": 1}}],
    }


async def handle_action(engine, conversation: str, author: str, verb: str, data: dict[str, Any]) -> dict[str, Any]:
    """One statement and a card: insert for a write verb, a count for a refresh."""
    async with engine.begin() as conn:
        if verb in WRITE_VERBS:
            result = await conn.execute(ENTRIES.insert().values(
                conversation=conversation, author=author, verb=verb, payload=data))
            count = int(result.inserted_primary_key[0])
        else:
            count = int((await conn.execute(sa.select(sa.func.count()).select_from(ENTRIES))).scalar_one())
    return card("Bench", count, str(data.get("idea_text", "")))


async def count_entries(engine) -> int:
    async with engine.connect() as conn:
        return int((await conn.execute(sa.select(sa.func.count()).select_from(ENTRIES))).scalar_one())
