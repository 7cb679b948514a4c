"""The direct path: messages and card actions (``adaptiveCard/action`` invokes) answered straight from
Teams' JSON, without botbuilder's turn pipeline.

These two are nearly all of Blend's traffic. BlendAdapter.process still does every check first (body,
JSON, service URL, botbuilder's own JWT validation, tenant); then, instead of a TurnContext, the
middleware and ActivityHandler, the activity's dict goes to the same BlendBot methods the SDK
pipeline calls (``answer_message``, ``answer_card_action``), with a Messenger that speaks the Bot
Connector's REST API over one shared aiohttp session (bot/connector_http.py), paced by the shared
Sender like the SDK path's. Every other activity (conversation and installation updates, other
invokes) and the jobs' proactive messages stay on botbuilder.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from aiohttp import web

from dialogs.turn import CardContent, card_of
from trajectory.model import CardRef, Person
from trajectory.ports import ChannelInfo

from .adapter import error_response, json_answer, report_turn_error
from .answers import card_message, invoke_body, reply_of, text_message
from .connector_http import ConnectorHttp, conversation_path, post_into
from .messenger import ROSTER_MAX, ROSTER_PAGE
from .sending import PacedMessenger, Sender

if TYPE_CHECKING:
    from .handler import BlendBot

log = logging.getLogger(__name__)
Json = dict[str, Any]
CARD_ACTION = "adaptiveCard/action"


class Connector:
    """The Bot Connector at one service URL, called with the app's credentials."""

    def __init__(self, http: ConnectorHttp, service_url: str, credentials: Any) -> None:
        self.http, self.service_url, self.credentials = http, service_url, credentials

    async def call(self, method: str, path: str, body: Json | None = None, *, service_url: str | None = None,
                   params: dict[str, str] | None = None) -> Json:
        return await self.http.call(method, service_url or self.service_url, path, self.credentials, body, params)

    async def reply(self, activity: Json, message: Json) -> Json:
        """Send ``message`` into the activity's conversation as a reply to it (TurnContext.send_activity:
        the conversation reference's fields applied, replyToId the incoming id)."""
        reply = {
            **message, "serviceUrl": activity.get("serviceUrl"), "channelId": activity.get("channelId"),
            "from": activity.get("recipient"), "conversation": activity.get("conversation"),
            "recipient": activity.get("from"), "locale": activity.get("locale"),
        }
        path = post_into(activity["conversation"]["id"], reply, activity.get("id"))
        return await self.call("POST", path, {key: value for key, value in reply.items() if value is not None})


class DirectMessenger:
    """The dialogs' Messenger port for one turn, over the Bot Connector's REST API. The requests are
    botbuilder's own (TeamsInfo, ConnectorClient, create_conversation), as JSON."""

    def __init__(self, connector: Connector, bot_id: str, conversation_id: str, team_id: str = "") -> None:
        self._connector = connector
        self._bot_id, self._conversation_id, self._team_id = bot_id, conversation_id, team_id

    @classmethod
    def of(cls, connector: Connector, activity: Json) -> "DirectMessenger":
        """The messenger for a turn: the bot is the activity's recipient, the roster its team's."""
        recipient = activity.get("recipient") if isinstance(activity.get("recipient"), dict) else {}
        channel_data = activity.get("channelData") if isinstance(activity.get("channelData"), dict) else {}
        team = channel_data.get("team") if isinstance(channel_data.get("team"), dict) else {}
        team_id = team.get("id") if isinstance(team.get("id"), str) else ""
        return cls(connector, str(recipient.get("id") or ""), activity["conversation"]["id"], team_id)

    async def post_card(self, channel: ChannelInfo, card: dict[str, Any]) -> CardRef:
        # TeamsInfo.send_message_to_teams_channel: a new conversation (thread) in the channel.
        created = await self._connector.call("POST", "/v3/conversations", {
            "isGroup": True, "activity": card_message(card),
            "channelData": {"channel": {"id": channel.ref.channel_id}, "onBehalfOf": []},
        })
        return CardRef(conversation_id=str(created.get("id") or ""), activity_id=str(created.get("activityId") or ""))

    async def update_card(self, ref: CardRef, card: CardContent) -> None:
        path = conversation_path(ref.conversation_id, "activities", ref.activity_id)
        await self._connector.call("PUT", path, {**card_message(card_of(card)), "id": ref.activity_id})

    async def reply_card(self, ref: CardRef, card: dict[str, Any]) -> CardRef:
        sent = await self._connector.call(
            "POST", conversation_path(ref.conversation_id, "activities", ref.activity_id), card_message(card))
        # A reply lives in the thread's conversation: update_card(thread id, reply id) changes it.
        return CardRef(conversation_id=ref.conversation_id, activity_id=str(sent.get("id") or ""))

    async def reply_text(self, ref: CardRef, text: str) -> None:
        await self._connector.call(
            "POST", conversation_path(ref.conversation_id, "activities", ref.activity_id), text_message(text))

    async def send_private(self, channel: ChannelInfo, person: Person, card: dict[str, Any]) -> None:
        """Open (or reuse: Teams returns the same 1:1 chat) a personal chat and post the card there."""
        tenant = channel.ref.tenant_id
        service_url = channel.service_url or self._connector.service_url
        created = await self._connector.call("POST", "/v3/conversations", {
            "isGroup": False, "bot": {"id": self._bot_id}, "members": [{"id": person.user_id}],
            "channelData": {"tenant": {"id": tenant}}, "tenantID": tenant,
        }, service_url=service_url)
        conversation_id = str(created.get("id") or "")
        message = {**card_message(card), "serviceUrl": service_url, "channelId": "msteams",
                   "from": {"id": self._bot_id}, "conversation": {"id": conversation_id, "tenantID": tenant},
                   "inputHint": "acceptingInput"}
        path = post_into(conversation_id, message, created.get("activityId"))
        await self._connector.call("POST", path, message, service_url=service_url)

    async def team_members(self) -> list[Person]:
        # TeamsInfo.get_paged_members: the team's roster in a team, else the conversation's.
        path = conversation_path(self._team_id or self._conversation_id, "pagedmembers")
        people: list[Person] = []
        token = None
        try:
            while len(people) < ROSTER_MAX:
                params = {"pageSize": str(ROSTER_PAGE), **({"continuationToken": token} if token else {})}
                page = await self._connector.call("GET", path, params=params)
                members = page.get("members") if isinstance(page.get("members"), list) else []
                people += [
                    Person(aad_id=str(m["aadObjectId"]), name=str(m.get("name") or ""), user_id=str(m.get("id") or ""))
                    for m in members if isinstance(m, dict) and m.get("aadObjectId")
                ]
                token = page.get("continuationToken")
                if not token or not isinstance(token, str):
                    break
        except Exception as error:  # the roster is a cache: a failed read must not block a command
            log.warning("could not read the team roster: %s", type(error).__name__)
        return people


class DirectTurns:
    """Answers the hot activities for BlendAdapter.process, after its checks."""

    def __init__(self, bot: "BlendBot", http: ConnectorHttp, sender: Sender) -> None:
        self._bot, self._http, self._sender = bot, http, sender

    @staticmethod
    def handles(data: Json) -> bool:
        kind = data.get("type")
        return kind == "message" or (kind == "invoke" and data.get("name") == CARD_ACTION)

    async def _connector(self, data: Json, auth_result: Any) -> Connector:
        # The credentials of the connector client botbuilder would use (cached per service URL by
        # bot/connector_cache.py): the same app id, scope and token endpoint.
        service_url = data["serviceUrl"]
        client = await auth_result.connector_factory.create(service_url, auth_result.audience)
        return Connector(self._http, service_url, getattr(getattr(client, "config", None), "credentials", None))

    async def process(self, data: Json, auth_result: Any) -> web.Response:
        kind = data["type"]
        connector: Connector | None = None
        try:
            connector = await self._connector(data, auth_result)
            messenger = PacedMessenger(DirectMessenger.of(connector, data), self._sender)
            if kind == "invoke":
                answer = await self._bot.answer_card_action(data, messenger)
                return json_answer(invoke_body(answer))
            answer = await self._bot.answer_message(data, messenger)
            reply = reply_of(answer)
            if reply is not None:
                await connector.reply(data, reply)
            return web.Response(status=201)
        except Exception as error:
            await report_turn_error(error, data, lambda text: _apologise(connector, data, text))
            log.warning("answered 500: the %s turn failed", kind)
            return error_response(500, "internal error")


async def _apologise(connector: Connector | None, data: Json, text: str) -> None:
    if connector is None:
        raise RuntimeError("no connector to apologise through")
    await connector.reply(data, text_message(text))
