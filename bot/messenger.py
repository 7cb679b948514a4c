"""The Messenger port over the Bot Connector, bound to the current turn."""

from __future__ import annotations

import logging
import time
from typing import Any, Callable

from botbuilder.core import BotAdapter, MessageFactory, TurnContext
from botbuilder.core.teams import TeamsInfo
from botbuilder.schema import Activity, ActivityTypes, Attachment, ChannelAccount, ConversationParameters

from cards.base import ADAPTIVE_CARD
from trajectory.model import CardRef, Person
from trajectory.ports import ChannelInfo

from .card_json import CardJson
from .sending import TENANT_REQUESTS_PER_SECOND, PacedMessenger, RetryPolicy, Sender, Window

log = logging.getLogger(__name__)
ROSTER_PAGE = 200
ROSTER_MAX = 5000
# Connector calls within a turn retry briefly: Teams re-sends an activity not answered in 15 s.
TURN_RETRY = RetryPolicy(attempts=3, base=0.5, cap=3.0)
# ...and don't queue behind the per-thread windows (a busy card's thread would hold every click for
# seconds): within a turn a thread's 429 is retried instead; only the tenant-wide rate is kept.
TURN_THREAD_WINDOWS = (Window(TENANT_REQUESTS_PER_SECOND, 1),)


def card_activity(card: dict[str, Any]) -> Activity:
    # CardJson: botbuilder shares the card instead of deep-copying and msrest-serialising it.
    return MessageFactory.attachment(Attachment(content_type=ADAPTIVE_CARD, content=CardJson(card)))


class TurnMessenger:
    def __init__(self, context: TurnContext, bot_app_id: str) -> None:
        self._context = context
        # With auth off botbuilder still needs a non-empty app id for proactive calls.
        self._bot_id = context.activity.recipient.id if context.activity.recipient else ""
        self._bot_app_id = bot_app_id or self._bot_id or "blend"

    def _connector(self):
        client = self._context.turn_state.get(BotAdapter.BOT_CONNECTOR_CLIENT_KEY)
        if client is None:
            raise RuntimeError("no connector client in this turn")
        return client

    async def post_card(self, channel: ChannelInfo, card: dict[str, Any]) -> CardRef:
        reference, activity_id = await TeamsInfo.send_message_to_teams_channel(
            self._context, card_activity(card), channel.ref.channel_id, bot_app_id=self._bot_app_id
        )
        return CardRef(conversation_id=reference.conversation.id, activity_id=activity_id)

    async def update_card(self, ref: CardRef, card: dict[str, Any]) -> None:
        activity = card_activity(card)
        activity.id = ref.activity_id
        activity.type = ActivityTypes.message
        await self._connector().conversations.update_activity(ref.conversation_id, ref.activity_id, activity)

    async def reply_card(self, ref: CardRef, card: dict[str, Any]) -> CardRef:
        sent = await self._connector().conversations.reply_to_activity(
            ref.conversation_id, ref.activity_id, card_activity(card)
        )
        # A reply lives in the thread's conversation: update_card(thread id, reply id) changes it.
        return CardRef(conversation_id=ref.conversation_id, activity_id=(sent.id if sent else None) or "")

    async def reply_text(self, ref: CardRef, text: str) -> None:
        activity = MessageFactory.text(text)
        activity.text_format = "plain"  # the sentence may quote a title someone typed
        await self._connector().conversations.reply_to_activity(ref.conversation_id, ref.activity_id, activity)

    async def send_private(self, channel: ChannelInfo, person: Person, card: dict[str, Any]) -> None:
        """Open (or reuse: Teams returns the same 1:1 chat) a personal chat and post the card there."""
        tenant = channel.ref.tenant_id
        parameters = ConversationParameters(
            is_group=False,
            bot=ChannelAccount(id=self._bot_id),
            members=[ChannelAccount(id=person.user_id)],
            tenant_id=tenant,
            channel_data={"tenant": {"id": tenant}},
        )

        failed: list[Exception] = []

        async def deliver(context: TurnContext) -> None:
            try:
                await context.send_activity(card_activity(card))
            except Exception as error:  # the adapter's pipeline would swallow it: the caller must know
                failed.append(error)

        await self._context.adapter.create_conversation(
            self._bot_app_id, deliver, parameters, "msteams", channel.service_url or self._context.activity.service_url,
            None,
        )
        if failed:
            raise failed[0]

    async def team_members(self) -> list[Person]:
        people: list[Person] = []
        token = None
        try:
            while len(people) < ROSTER_MAX:
                page = await TeamsInfo.get_paged_members(self._context, token, ROSTER_PAGE)
                people += [
                    Person(aad_id=m.aad_object_id, name=m.name or "", user_id=m.id or "")
                    for m in page.members or [] if m.aad_object_id
                ]
                token = page.continuation_token
                if not token:
                    break
        except Exception as error:  # the roster is a cache: a failed read must not block a command
            log.warning("could not read the team roster: %s", type(error).__name__)
        return people


def turn_sender() -> Sender:
    """The Sender for connector calls made within a turn (brief retries, only the tenant-wide rate)."""
    return Sender(time.monotonic, policy=TURN_RETRY, thread_windows=TURN_THREAD_WINDOWS)


def paced_turn_messenger(bot_app_id: str, sender: Sender | None = None) -> Callable[[TurnContext], PacedMessenger]:
    """Turn messengers sharing one Sender (one per bot, i.e. per process): rate limits, and retries of
    429/412/502/504 with backoff honouring Retry-After. What still fails raises SendFailed, which
    fails the turn: logged by the adapter and apologised for, never dropped silently."""
    shared = sender or turn_sender()
    return lambda context: PacedMessenger(TurnMessenger(context, bot_app_id), shared)
