"""What both reference bots do per request, so only the framework differs: the database write of
a submission or vote (one insert), and for every card action the card Blend shows, drawn by Blend's
own renderer (cards/ideas.py) from a page of the stored entries and their count (two selects) -- so
the card grows during a run as Blend's does (a vote's card: 8 entries, as the bench's vote has 8
options). A message reads the count and answers a sentence."""

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


def small_card(title: str, count: int, text: str) -> dict[str, Any]:
    """The fixed card the references sent before issue 9's second session (kept for comparison)."""
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


def card(count: int, entries: list[Any]) -> dict[str, Any]:
    """The live idea card as Blend renders it for a member: header, form, a page of everyone's entries."""
    from cards.idea_list import IdeaListView, ListedIdea
    from cards.ideas import IdeasCardView, render_ideas_card

    listed = [ListedIdea(id=row.id, version=1, number=n, text=str(row.payload.get("idea_text") or row.verb),
                         author_name=row.author) for n, row in enumerate(entries, start=1)]
    return render_ideas_card(IdeasCardView(
        step_id=1, trajectory_title="Bench trajectory", question="", step_title="Collect ideas",
        prompt="What should we try next?", idea_count=count, contributor_count=count, max_per_person=5,
        is_open=True, mine=[], listing=IdeaListView(step_id=1, ideas=listed, total=count)))


async def handle_action(engine, conversation: str, author: str, verb: str, data: dict[str, Any]) -> dict[str, Any]:
    """A write verb's insert, then the card: the count and the first page of entries."""
    from cards.idea_list import PAGE_MAX_IDEAS

    async with engine.begin() as conn:
        if verb in WRITE_VERBS:
            await conn.execute(ENTRIES.insert().values(
                conversation=conversation, author=author, verb=verb, payload=data))
        if verb == "status":
            count = int((await conn.execute(sa.select(sa.func.count()).select_from(ENTRIES))).scalar_one())
            return small_card("Bench", count, "")
        count = int((await conn.execute(sa.select(sa.func.count()).select_from(ENTRIES))).scalar_one())
        # A vote card lists its options (the bench's vote has 8), an idea card a page of ideas.
        limit = 8 if verb.startswith("vote.") else PAGE_MAX_IDEAS
        entries = list(await conn.execute(sa.select(ENTRIES).order_by(ENTRIES.c.id).limit(limit)))
    return card(count, entries)


async def count_entries(engine) -> int:
    async with engine.connect() as conn:
        return int((await conn.execute(sa.select(sa.func.count()).select_from(ENTRIES))).scalar_one())
