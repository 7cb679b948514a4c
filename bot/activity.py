"""Reading what we trust from an incoming Teams activity into a framework-neutral Turn."""

from __future__ import annotations

import hashlib
import uuid
from datetime import datetime

from botbuilder.core import TurnContext
from botbuilder.core.teams.teams_activity_extensions import teams_get_channel_data
from botbuilder.schema import Activity

from dialogs.turn import Turn
from trajectory.model import ChannelRef, Person
from trajectory.ports import ChannelInfo


def actor_of(activity: Activity) -> Person | None:
    """Identity comes from the activity (Teams signs it), never from card data."""
    sender = activity.from_property
    aad_id = getattr(sender, "aad_object_id", None) if sender else None
    if not aad_id:
        return None
    return Person(aad_id=str(aad_id), name=str(sender.name or ""), user_id=str(sender.id or ""))


def channel_of(activity: Activity) -> ChannelInfo | None:
    """The team channel this activity comes from; None in personal and group chats."""
    try:
        data = teams_get_channel_data(activity)
    except Exception:  # malformed channelData: treat as not a channel
        return None
    if data is None or data.team is None or data.channel is None or not data.channel.id or not data.team.id:
        return None
    tenant = data.tenant.id if data.tenant and data.tenant.id else ""
    reference = TurnContext.get_conversation_reference(activity).serialize()
    return ChannelInfo(
        ref=ChannelRef(tenant_id=tenant, team_id=str(data.team.id), channel_id=str(data.channel.id)),
        service_url=activity.service_url or "",
        conversation_reference=reference,
        team_name=str(data.team.name or ""),
        channel_name=str(data.channel.name or ""),
        aad_group_id=str(getattr(data.team, "aad_group_id", None) or ""),
    )


def time_zone_of(activity: Activity) -> str:
    if activity.local_timezone:
        return str(activity.local_timezone)
    for entity in activity.entities or []:
        props = entity.additional_properties if hasattr(entity, "additional_properties") else {}
        if getattr(entity, "type", None) == "clientInfo" and props.get("timezone"):
            return str(props["timezone"])
    return "UTC"


def delivery_key(activity: Activity) -> str:
    """One key per delivered activity: Teams re-sends the same id when we answer slowly."""
    if not activity.id:
        return f"unkeyed:{uuid.uuid4()}"
    conversation = activity.conversation.id if activity.conversation else ""
    raw = f"{activity.channel_id}|{conversation}|{activity.type}|{activity.id}"
    return hashlib.sha256(raw.encode()).hexdigest()


def turn_of(activity: Activity, now: datetime) -> Turn:
    return Turn(
        actor=actor_of(activity),
        now=now,
        activity_id=delivery_key(activity),
        conversation_id=activity.conversation.id if activity.conversation else "",
        channel=channel_of(activity),
        time_zone=time_zone_of(activity),
        locale=activity.locale or "en-US",
    )
