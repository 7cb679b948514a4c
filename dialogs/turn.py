"""What a dialog knows of an incoming activity, and what it answers."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Callable, Protocol

from trajectory.model import CardRef, ChannelRef, Person
from trajectory.ports import ChannelInfo


@dataclass(frozen=True)
class Turn:
    actor: Person | None  # None when Teams did not say who it is (no aadObjectId)
    now: datetime
    activity_id: str
    conversation_id: str
    channel: ChannelInfo | None = None  # set for team channel conversations
    time_zone: str = "UTC"
    locale: str = "en-US"

    @property
    def channel_ref(self) -> ChannelRef | None:
        return self.channel.ref if self.channel else None


CardContent = dict[str, Any] | Callable[[], dict[str, Any]]


def card_of(content: CardContent) -> dict[str, Any]:
    """The card itself, rendering it now if it was handed over as a function."""
    return content() if callable(content) else content


@dataclass
class Answer:
    """The reply to this turn: text and/or a card; for an invoke, ``card`` replaces the clicked card."""

    text: str | None = None
    card: dict[str, Any] | None = None
    status: int = 200
    extra: list[dict[str, Any]] = field(default_factory=list)  # further cards for a message turn


class Messenger(Protocol):
    """Outgoing channel messages, implemented by bot/ over the Bot Connector."""

    async def post_card(self, channel: ChannelInfo, card: dict[str, Any]) -> CardRef:
        """Start a new post (thread) in the channel with this card."""

    async def update_card(self, ref: CardRef, card: "CardContent") -> None:
        """Replace a posted card. ``card`` may be a zero-argument function returning it: rendered only
        if and when the update is actually sent (bot/sending.py skips all but the newest of a rush)."""

    async def reply_card(self, ref: CardRef, card: dict[str, Any]) -> CardRef:
        """Reply in the thread of an earlier post; the reply's ref (update_card can change it later)."""

    async def reply_text(self, ref: CardRef, text: str) -> None: ...

    async def send_private(self, channel: ChannelInfo, person: Person, card: dict[str, Any]) -> None:
        """A 1:1 message from the bot to one member of the channel's team (reminders, questions)."""

    async def team_members(self) -> list[Person]:
        """The roster of the team this turn comes from (empty outside a team)."""
