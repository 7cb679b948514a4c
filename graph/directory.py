"""MemberDirectory on Microsoft Graph: a channel's members with their e-mail addresses
(application permission ChannelMember.Read.All, or the RSC permission ChannelMember.Read.Group)."""

from __future__ import annotations

import asyncio
from typing import Any

from trajectory.meetings import Attendee, SchedulingError, SchedulingFailure

from .calendar import DEFAULT_TIMEOUT
from .errors import scheduling_error

MAX_PAGES = 100  # a runaway nextLink chain must end


def is_thread_id(team_id: str) -> bool:
    """Teams' own team id ("19:...@thread.tacv2"): Graph's /teams/{id} wants the group id instead."""
    return team_id.startswith("19:") or "@thread" in team_id


class GraphMemberDirectory:
    def __init__(self, client: Any, *, timeout: float = DEFAULT_TIMEOUT) -> None:
        self._client = client
        self._timeout = timeout

    async def channel_attendees(self, team_id: str, channel_id: str) -> list[Attendee]:
        """``team_id`` is the team's Microsoft 365 group id (ChannelInfo.aad_group_id);
        ``channel_id`` is the Teams channel id ("19:...@thread.tacv2")."""
        if not team_id or is_thread_id(team_id):
            raise SchedulingError(SchedulingFailure.INVALID, "the team's Microsoft 365 group id is not known yet")
        try:
            return await asyncio.wait_for(self._read(team_id, channel_id), self._timeout)
        except SchedulingError:
            raise
        except Exception as error:
            raise scheduling_error(error) from error

    async def _read(self, team_id: str, channel_id: str) -> list[Attendee]:
        members = self._client.teams.by_team_id(team_id).channels.by_channel_id(channel_id).members
        page = await members.get()
        found: dict[str, Attendee] = {}
        for _ in range(MAX_PAGES):
            for member in (page.value if page else None) or []:
                email = (getattr(member, "email", None) or "").strip()
                if email and email.lower() not in found:  # guests and bots may have none
                    found[email.lower()] = Attendee(name=member.display_name or email, email=email)
            next_link = page.odata_next_link if page else None
            if not next_link:
                break
            page = await members.with_url(next_link).get()
        return list(found.values())
