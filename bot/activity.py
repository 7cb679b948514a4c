"""Reading what we trust from an incoming Teams activity into a framework-neutral Turn.

One copy for both ways an activity arrives: the JSON body as Teams sent it (the direct path,
bot/direct.py) and botbuilder's ``Activity`` (the SDK pipeline and the TestAdapter tests), which is
turned back into that JSON first (``activity_json``: msrest's own ``serialize`` drops the extra
fields Teams sends, such as ``conversation.tenantId`` and the clientInfo entity's time zone).
"""

from __future__ import annotations

import hashlib
import re
import uuid
from datetime import date, datetime
from functools import lru_cache
from typing import Any

from botbuilder.core.re_escape import escape
from botbuilder.schema import Activity, ChannelAccount
from msrest.serialization import Deserializer, Model

import botbuilder.schema as schema

from dialogs.turn import Turn
from trajectory.model import ChannelRef, Person
from trajectory.ports import ChannelInfo

MAX_TEXT_LENGTH = 4000
Json = dict[str, Any]


def activity_json(activity: Activity | Json) -> Json:
    """The activity as Teams' JSON (camelCase keys, extra fields kept); a dict is returned as is."""
    return activity if isinstance(activity, dict) else _as_json(activity)


def _as_json(value: Any) -> Any:
    if isinstance(value, Model):
        out = {spec["key"]: _as_json(item) for attr, spec in value._attribute_map.items()
               if (item := getattr(value, attr, None)) is not None}
        for key, item in (getattr(value, "additional_properties", None) or {}).items():
            out.setdefault(key, _as_json(item))
        return out
    if isinstance(value, (list, tuple)):
        return [_as_json(item) for item in value]
    if isinstance(value, dict):
        return {key: _as_json(item) for key, item in value.items()}
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    return value


def _dict(value: Any) -> Json:
    return value if isinstance(value, dict) else {}


def _str(value: Any) -> str:
    return value if isinstance(value, str) else ""


# --- what msrest would refuse -----------------------------------------------------------------
# ``Activity().deserialize`` refuses a body whose typed fields have the wrong shape (a string where an
# account belongs, an unparsable timestamp); the direct path answers those with the same 400 without
# building the models. Fields typed str or object pass as they are, as msrest passes them.

_SCALARS = frozenset({"iso-8601", "rfc-1123", "unix-time", "date", "time", "duration", "bool", "int", "long",
                      "float", "decimal", "bytearray", "base64"})
_DESERIALIZER = Deserializer()


@lru_cache(maxsize=None)
def _fields(model_name: str) -> tuple[tuple[str, str], ...] | None:
    model = getattr(schema, model_name, None)
    if not (isinstance(model, type) and issubclass(model, Model)):
        return None
    return tuple((spec["key"], spec["type"]) for spec in model._attribute_map.values())


# Teams' own timestamps ("2026-11-25T09:00:00.123Z", "...+01:00"): msrest's isodate parsing of them
# was the largest part of checking an activity. A string of exactly this shape that datetime reads is
# one msrest reads too (tests/http/test_activity_timestamps.py); anything else goes to msrest.
_TIMESTAMP = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,6})?(Z|[+-]\d{2}:\d{2})", re.ASCII)


def _plain_timestamp(value: Any) -> bool:
    if not isinstance(value, str) or _TIMESTAMP.fullmatch(value) is None:
        return False
    try:
        datetime.fromisoformat(value)
    except ValueError:
        return False
    return True


def _valid(value: Any, type_name: str) -> bool:
    if value is None:
        return True
    if type_name.startswith("["):
        return isinstance(value, list) and all(_valid(item, type_name[1:-1]) for item in value)
    if type_name.startswith("{"):
        return isinstance(value, dict) and all(_valid(item, type_name[1:-1]) for item in value.values())
    if type_name == "iso-8601" and _plain_timestamp(value):
        return True
    if type_name in _SCALARS:
        try:
            _DESERIALIZER.deserialize_data(value, type_name)
        except Exception:  # msrest's DeserializationError and the parsers' own errors
            return False
        return True
    fields = _fields(type_name)
    if fields is None:  # str, object and enums: kept as sent
        return True
    return isinstance(value, dict) and all(key not in value or _valid(value[key], kind) for key, kind in fields)


def is_valid_activity(data: Json) -> bool:
    """Whether ``Activity().deserialize(data)`` would accept the body (without building it)."""
    return _valid(data, "Activity")


def auth_activity(data: Json) -> Activity:
    """The few fields botbuilder's authenticate_request reads (channelId, serviceUrl, recipient.role,
    relatesTo), for the direct path that never builds the whole Activity."""
    recipient = data.get("recipient")
    return Activity(
        type=data.get("type"), channel_id=data.get("channelId"), service_url=data.get("serviceUrl"),
        recipient=ChannelAccount(id=recipient.get("id"), role=recipient.get("role")) if isinstance(recipient, dict) else None,
        relates_to=data.get("relatesTo"),
    )


# --- identity, channel and turn ---------------------------------------------------------------

def actor_of(activity: Activity | Json) -> Person | None:
    """Identity comes from the activity (Teams signs it), never from card data."""
    sender = activity_json(activity).get("from")
    aad_id = sender.get("aadObjectId") if isinstance(sender, dict) else None
    if not aad_id:
        return None
    return Person(aad_id=str(aad_id), name=str(sender.get("name") or ""), user_id=str(sender.get("id") or ""))


def conversation_reference(data: Json) -> Json:
    """TurnContext.get_conversation_reference, as the JSON that ConversationReference.deserialize reads."""
    keep_id = data.get("type") != "conversationUpdate" and data.get("channelId") not in ("directline", "webchat")
    reference = {
        "activityId": data.get("id") if keep_id else None, "user": data.get("from"), "bot": data.get("recipient"),
        "conversation": data.get("conversation"), "channelId": data.get("channelId"), "locale": data.get("locale"),
        "serviceUrl": data.get("serviceUrl"),
    }
    return {key: value for key, value in reference.items() if value is not None}


def channel_of(activity: Activity | Json) -> ChannelInfo | None:
    """The team channel this activity comes from; None in personal and group chats."""
    data = activity_json(activity)
    channel_data = _dict(data.get("channelData"))
    team, channel, tenant = (channel_data.get(key) for key in ("team", "channel", "tenant"))
    if not isinstance(team, dict) or not isinstance(channel, dict) or not channel.get("id") or not team.get("id"):
        return None
    tenant_id = tenant.get("id") if isinstance(tenant, dict) else None
    return ChannelInfo(
        ref=ChannelRef(tenant_id=str(tenant_id or ""), team_id=str(team["id"]), channel_id=str(channel["id"])),
        service_url=_str(data.get("serviceUrl")),
        conversation_reference=conversation_reference(data),
        team_name=str(team.get("name") or ""),
        channel_name=str(channel.get("name") or ""),
        aad_group_id=str(team.get("aadGroupId") or ""),
    )


def tenant_of(activity: Activity | Json) -> str:
    """The activity's tenant (channelData.tenant.id, else conversation.tenantId), lower-cased; "" if none."""
    data = activity_json(activity)
    tenant = _dict(data.get("channelData")).get("tenant")
    tenant_id = tenant.get("id") if isinstance(tenant, dict) else None
    if not isinstance(tenant_id, str) or not tenant_id:
        conversation = _dict(data.get("conversation"))
        # msrest's own key is "tenantID"; Teams sends "tenantId".
        tenant_id = conversation.get("tenantID") or conversation.get("tenantId")
    return tenant_id.strip().lower() if isinstance(tenant_id, str) else ""


def time_zone_of(activity: Activity | Json) -> str:
    data = activity_json(activity)
    if data.get("localTimezone"):
        return str(data["localTimezone"])
    for entity in data.get("entities") or []:
        if isinstance(entity, dict) and entity.get("type") == "clientInfo" and entity.get("timezone"):
            return str(entity["timezone"])
    return "UTC"


def delivery_key(activity: Activity | Json) -> str:
    """One key per delivered activity: Teams re-sends the same id when we answer slowly."""
    data = activity_json(activity)
    if not data.get("id"):
        return f"unkeyed:{uuid.uuid4()}"
    conversation = data.get("conversation")
    conversation_id = conversation.get("id") if isinstance(conversation, dict) else ""
    raw = f"{data.get('channelId')}|{conversation_id}|{data.get('type')}|{data.get('id')}"
    return hashlib.sha256(raw.encode()).hexdigest()


def locale_of(activity: Activity | Json) -> str:
    """The member's Teams locale ("en-US" when missing or not a string)."""
    locale = activity_json(activity).get("locale")
    return locale if isinstance(locale, str) and locale else "en-US"


def turn_of(activity: Activity | Json, now: datetime) -> Turn:
    data = activity_json(activity)
    conversation = data.get("conversation")
    return Turn(
        actor=actor_of(data),
        now=now,
        activity_id=delivery_key(data),
        conversation_id=(conversation.get("id") if isinstance(conversation, dict) else None) or "",
        channel=channel_of(data),
        time_zone=time_zone_of(data),
        locale=locale_of(data),
    )


# --- what was asked -----------------------------------------------------------------------------

def _without_recipient_mention(data: Json, text: str) -> str:
    """TurnContext.remove_recipient_mention on the JSON (malformed mentions are skipped, not fatal)."""
    recipient_id = _dict(data.get("recipient")).get("id")
    for entity in data.get("entities") or []:
        if not isinstance(entity, dict) or _str(entity.get("type")).lower() != "mention":
            continue
        mentioned = entity.get("mentioned")
        if not isinstance(mentioned, dict) or mentioned.get("id") != recipient_id:
            continue
        replace = entity.get("text") or mentioned.get("name")
        match = re.match(r"<at(.*)>(.*?)<\/at>", escape(replace), re.IGNORECASE) if isinstance(replace, str) else None
        if match:
            text = re.sub(match.groups()[1], "", text)
            text = re.sub(r"<at><\/at>", "", text)
    return text


def command_text(activity: Activity | Json) -> str | None:
    """A message's command: the bot's mention removed, trimmed, at most 4000 characters. None for an
    Action.Submit (a message with a value and no text): Blend's cards only use Action.Execute."""
    data = activity_json(activity)
    text = data.get("text")
    if data.get("value") is not None and not text:
        return None
    text = _str(text)
    if data.get("entities"):
        text = _without_recipient_mention(data, text)
    return text.replace("\u00a0", " ").strip()[:MAX_TEXT_LENGTH]


def card_action_of(activity: Activity | Json) -> tuple[Any, Any]:
    """An adaptiveCard/action invoke's verb and data (unchecked: the router checks them)."""
    value = _dict(activity_json(activity).get("value"))
    action = _dict(value.get("action"))
    return action.get("verb"), action.get("data")
