"""Fakes shared by the bot and dialog tests (fakes, not mocks: they behave, and they record)."""

from __future__ import annotations

import copy
import itertools
from dataclasses import dataclass, field
from typing import Any, Iterator

from dialogs.turn import CardContent, card_of
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

    async def update_card(self, ref: CardRef, card: CardContent) -> None:
        card = card_of(card)  # a card handed over as a function is rendered when sent
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


@dataclass
class FakeFileStore:
    """The channel's Files in memory (trajectory/files.py FileStore): folders of named files. Like
    SharePoint it never overwrites a file it wasn't told to replace (the new one gets "name (2).ext")."""

    files: dict[str, dict[str, bytes]] = field(default_factory=dict)  # folder -> name -> content
    calls: list[tuple[str, str, str, Any]] = field(default_factory=list)  # (team group id, folder, name, replaces)
    failures: list[Any] = field(default_factory=list)  # FilingErrors raised by the next calls, in order
    web: bool = True  # False: like the local outbox (no webUrl)
    _ids: dict[str, tuple[str, str]] = field(default_factory=dict)  # item id -> (folder, name)
    _next: Iterator[int] = field(default_factory=lambda: itertools.count(1))

    async def file(self, channel: Any, team_group_id: str, folder: str, document: Any, replaces: Any = None) -> Any:
        from trajectory.files import FiledFile

        self.calls.append((team_group_id, folder, document.name, replaces))
        if self.failures:
            raise self.failures.pop(0)
        names = self.files.setdefault(folder, {})
        if replaces is not None and replaces.item_id in self._ids:
            item_id = replaces.item_id
            old_folder, old_name = self._ids[item_id]
            self.files[old_folder].pop(old_name, None)
        else:
            item_id = f"item-{next(self._next)}"
        name, stem, dot, ext = document.name, *document.name.rpartition(".")
        n = 1
        while name in names:
            n += 1
            name = f"{stem} ({n}){dot}{ext}"
        names[name] = document.content
        self._ids[item_id] = (folder, name)
        url = f"https://contoso.sharepoint.com/sites/team/Shared%20Documents/{folder}/{name}" if self.web else None
        return FiledFile(name=name, item_id=item_id, web_url=url, path=None if self.web else f"{folder}/{name}")
