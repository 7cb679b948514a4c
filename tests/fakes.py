"""Fakes shared by the bot and dialog tests (fakes, not mocks: they behave, and they record)."""

from __future__ import annotations

import copy
import itertools
from dataclasses import dataclass, field
from typing import Any, Iterator

from trajectory.model import CardRef, Person
from trajectory.ports import ChannelInfo


@dataclass
class FakeMessenger:
    """A channel in memory: posts, updates and thread replies, and a fixed team roster."""

    roster: list[Person] = field(default_factory=list)
    posts: dict[str, dict[str, Any]] = field(default_factory=dict)  # activity id -> current card
    replies: list[tuple[CardRef, Any]] = field(default_factory=list)
    reply_posts: dict[str, dict[str, Any]] = field(default_factory=dict)  # reply id -> current card (reply_card)
    private: list[tuple[Person, dict[str, Any]]] = field(default_factory=list)  # 1:1 messages sent
    updates: list[tuple[CardRef, dict[str, Any]]] = field(default_factory=list)
    _ids: Any = field(default_factory=lambda: itertools.count(1000))

    async def post_card(self, channel: ChannelInfo, card: dict[str, Any]) -> CardRef:
        activity_id = str(next(self._ids))
        self.posts[activity_id] = copy.deepcopy(card)
        return CardRef(conversation_id=f"{channel.ref.channel_id};messageid={activity_id}", activity_id=activity_id)

    async def update_card(self, ref: CardRef, card: dict[str, Any]) -> None:
        assert ref.activity_id in self.posts or ref.activity_id in self.reply_posts, "update of a message never sent"
        (self.posts if ref.activity_id in self.posts else self.reply_posts)[ref.activity_id] = copy.deepcopy(card)
        self.updates.append((ref, copy.deepcopy(card)))

    async def reply_card(self, ref: CardRef, card: dict[str, Any]) -> CardRef:
        self.replies.append((ref, copy.deepcopy(card)))
        activity_id = str(next(self._ids))
        self.reply_posts[activity_id] = copy.deepcopy(card)
        return CardRef(conversation_id=ref.conversation_id, activity_id=activity_id)

    async def reply_text(self, ref: CardRef, text: str) -> None:
        self.replies.append((ref, text))

    async def send_private(self, channel: ChannelInfo, person: Person, card: dict[str, Any]) -> None:
        assert person.user_id, "a private message needs the member's Teams id"
        self.private.append((person, copy.deepcopy(card)))

    async def team_members(self) -> list[Person]:
        return list(self.roster)


def nodes(card: Any) -> Iterator[dict[str, Any]]:
    """Every object in a card, depth first."""
    if isinstance(card, dict):
        yield card
        for value in card.values():
            yield from nodes(value)
    elif isinstance(card, list):
        for item in card:
            yield from nodes(item)


def card_texts(card: Any) -> list[str]:
    """Every piece of text in a card, depth first (TextBlocks, TextRuns, facts, titles, values)."""
    return [node[key] for node in nodes(card) if node.get("type") != "Input.ChoiceSet"
            for key in ("text", "title", "value") if isinstance(node.get(key), str)]


def find_actions(card: Any, verb: str) -> list[dict[str, Any]]:
    return [n for n in nodes(card) if n.get("type") == "Action.Execute" and n.get("verb") == verb]


@dataclass
class FakeScheduler:
    """The calendar port in memory: records every call; ``fail_with`` makes the next calls fail.
    Like Graph, a create with a transaction id it has seen returns the same event."""

    fail_with: Any = None  # a SchedulingFailure
    online_url: str = "https://teams.microsoft.com/l/meetup-join/fake"
    ics_dir: str | None = None  # set: behave like the local .ics outbox (no links, a file path)
    requests: list[Any] = field(default_factory=list)  # MeetingRequest of each schedule call
    reschedules: list[tuple[str, Any]] = field(default_factory=list)
    cancels: list[tuple[str, str, str]] = field(default_factory=list)
    events: dict[str, Any] = field(default_factory=dict)  # transaction id -> ScheduledMeeting
    _ids: Any = field(default_factory=lambda: itertools.count(1))

    def _fail(self) -> None:
        from trajectory.meetings import SchedulingError

        if self.fail_with is not None:
            raise SchedulingError(self.fail_with, "fake")

    def _event(self, request: Any, event_id: str | None = None) -> Any:
        from trajectory.meetings import ScheduledMeeting

        event_id = event_id or f"event-{next(self._ids)}"
        if self.ics_dir is not None:
            return ScheduledMeeting(event_id=event_id, ics_path=f"{self.ics_dir}/{request.transaction_id}.ics")
        return ScheduledMeeting(event_id=event_id, join_url=f"{self.online_url}/{event_id}" if request.online else None,
                                web_link=f"https://outlook.office365.com/calendar/item/{event_id}")

    async def schedule(self, request: Any) -> Any:
        self.requests.append(request)
        self._fail()
        if request.transaction_id not in self.events:
            self.events[request.transaction_id] = self._event(request)
        return self.events[request.transaction_id]

    async def reschedule(self, event_id: str, request: Any) -> Any:
        self.reschedules.append((event_id, request))
        self._fail()
        return self._event(request, event_id)

    async def cancel(self, event_id: str, organizer: str, comment: str) -> None:
        self.cancels.append((event_id, organizer, comment))
        self._fail()


@dataclass
class FakeDirectory:
    """Channel members with e-mail addresses, by (team, channel)."""

    attendees: list[Any] = field(default_factory=list)
    asked: list[tuple[str, str]] = field(default_factory=list)

    async def channel_attendees(self, team_id: str, channel_id: str) -> list[Any]:
        self.asked.append((team_id, channel_id))
        return list(self.attendees)
