"""Teams-shaped activities for the benchmark: channel messages that @mention the bot and
Action.Execute invokes, addressed so that replies go to the local connector stub."""

from __future__ import annotations

import itertools
import uuid
from typing import Any

BOT_ID, BOT_NAME = "28:blend-bench", "Blend"
TENANT, TEAM = "bench-tenant", "19:bench-team@thread.tacv2"
FACILITATOR = 0  # member index of the person who sets up the trajectories

_ids = itertools.count(1)


def member(index: int) -> dict[str, str]:
    """The index-th member of the team: a stable Teams user id and AAD object id."""
    return {"id": f"29:bench-user-{index}", "name": f"Member {index}",
            "aadObjectId": f"00000000-0000-4000-8000-{index:012d}"}


def _base(service_url: str, channel: str, user: int, kind: str) -> dict[str, Any]:
    return {
        "type": kind, "id": f"bench-{next(_ids)}-{uuid.uuid4().hex[:8]}", "channelId": "msteams",
        "serviceUrl": service_url, "from": member(user), "recipient": {"id": BOT_ID, "name": BOT_NAME},
        "locale": "en-US", "timestamp": "2026-11-25T09:00:00.000Z",
        "conversation": {"id": f"{channel};messageid=1", "isGroup": True, "conversationType": "channel",
                         "tenantId": TENANT},
        "channelData": {"tenant": {"id": TENANT}, "team": {"id": TEAM, "name": "Bench Team"},
                        "channel": {"id": channel, "name": channel.split(":")[1].split("@")[0]}},
    }


def message(service_url: str, channel: str, user: int, text: str) -> dict[str, Any]:
    activity = _base(service_url, channel, user, "message")
    activity.update(text=f"<at>{BOT_NAME}</at> {text}", textFormat="plain", entities=[{
        "type": "mention", "mentioned": {"id": BOT_ID, "name": BOT_NAME}, "text": f"<at>{BOT_NAME}</at>"}])
    return activity


def invoke(service_url: str, channel: str, user: int, verb: str, data: dict[str, Any]) -> dict[str, Any]:
    activity = _base(service_url, channel, user, "invoke")
    activity.update(name="adaptiveCard/action",
                    value={"action": {"type": "Action.Execute", "verb": verb, "data": data}, "trigger": "manual"})
    return activity


def find_actions(node: Any, verb: str) -> list[dict[str, Any]]:
    """Every Action.Execute with ``verb`` anywhere in a card."""
    found: list[dict[str, Any]] = []
    if isinstance(node, dict):
        if node.get("type") == "Action.Execute" and node.get("verb") == verb:
            found.append(node)
        for value in node.values():
            found += find_actions(value, verb)
    elif isinstance(node, list):
        for value in node:
            found += find_actions(value, verb)
    return found


def input_ids(node: Any, prefix: str) -> list[str]:
    found: list[str] = []
    if isinstance(node, dict):
        if str(node.get("type", "")).startswith("Input.") and str(node.get("id", "")).startswith(prefix):
            found.append(node["id"])
        for value in node.values():
            found += input_ids(value, prefix)
    elif isinstance(node, list):
        for value in node:
            found += input_ids(value, prefix)
    return found


def cards_in(activity: dict[str, Any]) -> list[dict[str, Any]]:
    return [a.get("content") or {} for a in activity.get("attachments") or []
            if a.get("contentType") == "application/vnd.microsoft.card.adaptive"]
