"""Building blocks shared by every card."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

SCHEMA_URL = "http://adaptivecards.io/schemas/adaptive-card.json"
VERSION = "1.5"
ADAPTIVE_CARD = "application/vnd.microsoft.card.adaptive"
# Teams refreshes a card automatically only for the users listed, and accepts at most 60.
MAX_REFRESH_USERS = 60

Json = dict[str, Any]


def card(body: list[Json], actions: list[Json] | None = None, refresh: Json | None = None) -> Json:
    result: Json = {"type": "AdaptiveCard", "$schema": SCHEMA_URL, "version": VERSION, "body": body}
    if actions:
        result["actions"] = actions
    if refresh:
        result["refresh"] = refresh
    # Teams: use the full width of the conversation for the card.
    result["msteams"] = {"width": "Full"}
    return result


def heading(text: str, *, subtle_line: str | None = None) -> list[Json]:
    blocks: list[Json] = [{"type": "TextBlock", "text": escape(text), "weight": "Bolder", "size": "Medium", "wrap": True}]
    if subtle_line:
        blocks.append({"type": "TextBlock", "text": escape(subtle_line), "isSubtle": True, "spacing": "None", "wrap": True})
    return blocks


def line(text: str, **style: Any) -> Json:
    """A TextBlock for Blend's own words (already safe markdown)."""
    return {"type": "TextBlock", "text": text, "wrap": True, **style}


def user_text(text: str, **style: Any) -> Json:
    """People's words go into a TextRun: Teams renders no markdown, links or mentions there."""
    return {"type": "RichTextBlock", "inlines": [{"type": "TextRun", "text": text, **style}]}


_MARKDOWN = str.maketrans({c: "\\" + c for c in "\\`*_{}[]()#+-.!<>|~"})


def escape(text: str) -> str:
    """Neutralise markdown in a TextBlock (titles typed by a facilitator)."""
    return text.translate(_MARKDOWN)


def when(moment: datetime) -> str:
    """A time Teams renders in the reader's own time zone and locale."""
    stamp = moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    return f"{{{{DATE({stamp}, SHORT)}}}} {{{{TIME({stamp})}}}}"


def execute(title: str, verb: str, data: Json, *, inputs: str = "auto", style: str | None = None) -> Json:
    action: Json = {"type": "Action.Execute", "title": title, "verb": verb, "data": data}
    if inputs != "auto":
        action["associatedInputs"] = inputs
    if style:
        action["style"] = style
    return action


def refresh(verb: str, data: Json, user_ids: list[str]) -> Json:
    """Per-user refresh; over the Teams limit, an empty list means 'refresh on demand'."""
    ids = user_ids if len(user_ids) <= MAX_REFRESH_USERS else []
    return {"action": {"type": "Action.Execute", "verb": verb, "data": data}, "userIds": ids}


def notice(text: str, *, attention: bool = False) -> Json:
    """Feedback after an action. A TextRun, because it may quote a title someone typed."""
    block = user_text(text, color="Attention" if attention else "Good", weight="Bolder")
    block["spacing"] = "Medium"
    return block


def attachment(content: Json) -> Json:
    return {"contentType": ADAPTIVE_CARD, "content": content}
