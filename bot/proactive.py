"""Messaging a channel outside any turn (jobs), from the conversation reference stored for it.

With the app's shared HTTP session (``http``) the direct path's messenger (bot/direct.py) does the
work, with the credentials botbuilder's connector factory gives the app; without it,
``adapter.continue_conversation`` builds a turn context for the reference and the ordinary
TurnMessenger does it. Either way every call keeps within Teams' rate limits (bot/sending.py) and
the roster is the stored one (a job has no turn whose team could be asked).
"""

from __future__ import annotations

import logging
from typing import Any, Awaitable, Callable, TypeVar

from botbuilder.core import BotAdapter, TurnContext
from botbuilder.schema import ConversationReference

from dialogs.turn import Messenger
from trajectory.model import CardRef, Person
from trajectory.ports import ChannelInfo

from .connector_http import ConnectorHttp
from .direct import Connector, DirectMessenger
from .messenger import TurnMessenger
from .sending import PacedMessenger, Sender

log = logging.getLogger(__name__)
T = TypeVar("T")


class _StoredRoster:
    """A Messenger whose team_members() is the roster stored in the database."""

    def __init__(self, inner: Messenger, roster: list[Person]) -> None:
        self._inner, self._roster = inner, list(roster)

    async def post_card(self, channel: ChannelInfo, card: dict[str, Any]) -> CardRef:
        return await self._inner.post_card(channel, card)

    async def update_card(self, ref: CardRef, card: dict[str, Any]) -> None:
        await self._inner.update_card(ref, card)

    async def reply_card(self, ref: CardRef, card: dict[str, Any]) -> CardRef:
        return await self._inner.reply_card(ref, card)  # the summary's ref: it is updated later

    async def reply_text(self, ref: CardRef, text: str) -> None:
        await self._inner.reply_text(ref, text)

    async def send_private(self, channel: ChannelInfo, person: Person, card: dict[str, Any]) -> None:
        await self._inner.send_private(channel, person, card)

    async def team_members(self) -> list[Person]:
        return list(self._roster)


class ProactiveChannels:
    """dialogs.jobs.Channels over botbuilder's proactive messaging."""

    def __init__(self, adapter: BotAdapter, sender: Sender, bot_app_id: str = "", http: ConnectorHttp | None = None) -> None:
        self._adapter, self._sender, self._app_id, self._http = adapter, sender, bot_app_id, http

    async def run(self, channel: ChannelInfo, roster: list[Person], work: Callable[[Messenger], Awaitable[T]]) -> T:
        reference = ConversationReference.deserialize(channel.conversation_reference)
        policy = getattr(self._adapter, "service_urls", None)
        if policy is not None and not policy.allows(reference.service_url):
            # Stored before the allow-list existed, or edited: never post with our token elsewhere.
            raise PermissionError("the channel's stored service URL is not an allowed one")
        # With authentication off botbuilder still wants a non-empty app id: the bot's own id will do.
        app_id = self._app_id or (reference.bot.id if reference.bot else "") or "blend"
        if self._http is not None:
            connector = await self._connector(app_id, reference.service_url)
            bot_id = reference.bot.id if reference.bot else ""
            direct = DirectMessenger(connector, bot_id or "", reference.conversation.id if reference.conversation else "")
            return await work(PacedMessenger(_StoredRoster(direct, roster), self._sender))
        outcome: dict[str, Any] = {}

        async def callback(context: TurnContext) -> None:
            # Caught here: the adapter's pipeline hands errors to on_turn_error and returns normally.
            try:
                messenger = PacedMessenger(_StoredRoster(TurnMessenger(context, self._app_id), roster), self._sender)
                outcome["value"] = await work(messenger)
            except Exception as error:
                outcome["error"] = error

        await self._adapter.continue_conversation(reference, callback, app_id)
        if "error" in outcome:
            raise outcome["error"]
        if "value" not in outcome:
            raise RuntimeError("the proactive turn did not run")
        return outcome["value"]

    async def _connector(self, app_id: str, service_url: str) -> Connector:
        # What continue_conversation does for its connector client (cached per service URL by
        # bot/connector_cache.py): the app's claims, the default audience, botbuilder's credentials.
        auth = self._adapter.bot_framework_authentication
        factory = auth.create_connector_factory(self._adapter.create_claims_identity(app_id))
        client = await factory.create(service_url, None)
        return Connector(self._http, service_url, getattr(getattr(client, "config", None), "credentials", None))
