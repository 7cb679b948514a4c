"""Blend's Teams activity handler: messages become commands, Action.Execute invokes become
card actions. It translates between botbuilder and the framework-neutral dialogs."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any, Callable

from botbuilder.core import InvokeResponse, TurnContext
from botbuilder.core.teams import TeamsActivityHandler
from botbuilder.schema import Activity, ActivityTypes

from cards.texts import language_of, translate
from dialogs import commands, router
from dialogs.context import Deps
from dialogs.turn import Answer, Messenger
from trajectory.files import FileStore
from trajectory.meetings import MeetingScheduler, MemberDirectory
from trajectory.ports import UnitOfWork

from .activity import MAX_TEXT_LENGTH, activity_json, card_action_of, command_text, locale_of, turn_of
from .answers import MESSAGE_TYPE, invoke_body, reply_of
from .card_json import CardJson
from .messenger import paced_turn_messenger


def utc_now() -> datetime:
    return datetime.now(timezone.utc)


class BlendBot(TeamsActivityHandler):
    def __init__(
        self,
        uows: Callable[[], UnitOfWork],
        *,
        bot_app_id: str = "",
        clock: Callable[[], datetime] = utc_now,
        messenger_for: Callable[[TurnContext], Messenger] | None = None,
        scheduler: MeetingScheduler | None = None,
        directory: MemberDirectory | None = None,
        files: FileStore | None = None,
    ) -> None:
        self._uows = uows
        self._scheduler, self._directory, self._files = scheduler, directory, files
        self._clock = clock
        self._messenger_for = messenger_for or paced_turn_messenger(bot_app_id)

    def deps(self, messenger: Messenger) -> Deps:
        return Deps(
            uows=self._uows,
            messenger=messenger,
            scheduler=self._scheduler,
            directory=self._directory,
            files=self._files,
        )

    def _deps(self, context: TurnContext) -> Deps:
        return self.deps(self._messenger_for(context))

    # The two hot activities, from Teams' JSON: shared by the SDK pipeline below and the direct
    # path (bot/direct.py), which hands in its own messenger.
    async def answer_message(self, data: dict[str, Any], messenger: Messenger) -> Answer:
        text = command_text(data)
        if text is None:
            # An Action.Submit from an old or forged card: Blend's cards only use Action.Execute.
            return Answer(text=translate(language_of(locale_of(data)), "error.bad_action"))
        return await commands.run(self.deps(messenger), turn_of(data, self._clock()), text)

    async def answer_card_action(self, data: dict[str, Any], messenger: Messenger) -> Answer:
        verb, action_data = card_action_of(data)
        return await router.handle_action(self.deps(messenger), turn_of(data, self._clock()), verb, action_data)

    async def on_message_activity(self, turn_context: TurnContext) -> None:
        answer = await self.answer_message(activity_json(turn_context.activity), self._messenger_for(turn_context))
        reply = reply_of(answer)
        if reply is not None:
            await turn_context.send_activity(_sdk_reply(reply))

    async def on_invoke_activity(self, turn_context: TurnContext) -> InvokeResponse:
        activity = turn_context.activity
        if activity.name != "adaptiveCard/action":
            return await super().on_invoke_activity(turn_context)
        answer = await self.answer_card_action(activity_json(activity), self._messenger_for(turn_context))
        return invoke_response(answer)

    async def on_conversation_update_activity(self, turn_context: TurnContext) -> None:
        # Installation and membership changes need no answer yet (the roster is read on demand).
        return None

    async def on_installation_update(self, turn_context: TurnContext) -> None:
        return None


def _sdk_reply(reply: dict[str, Any]) -> Activity:
    activity = Activity().deserialize(reply)
    for attachment in activity.attachments or []:
        attachment.content = CardJson(attachment.content)  # shared, not deep-copied (bot/card_json.py)
    return activity


def invoke_response(answer: Answer) -> InvokeResponse:
    """invoke_body for the SDK pipeline; BlendAdapter sends it as is. CardJson: the SDK's send_activity
    shares it instead of deep-copying it."""
    return InvokeResponse(status=200, body=CardJson(invoke_body(answer)))


__all__ = ["BlendBot", "invoke_body", "invoke_response", "reply_of", "ActivityTypes", "MAX_TEXT_LENGTH", "MESSAGE_TYPE"]
