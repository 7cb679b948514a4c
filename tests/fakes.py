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
