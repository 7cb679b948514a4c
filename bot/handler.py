"""Blend's Teams activity handler: messages become commands, Action.Execute invokes become
card actions. It translates between botbuilder and the framework-neutral dialogs."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Callable

from botbuilder.core import InvokeResponse, MessageFactory, TurnContext
from botbuilder.core.teams import TeamsActivityHandler
from botbuilder.schema import ActivityTypes

from cards.base import ADAPTIVE_CARD
from cards.texts import language_of, translate
from dialogs import commands, router
from dialogs.context import Deps
from dialogs.turn import Answer, Messenger
from trajectory.files import FileStore
from trajectory.meetings import MeetingScheduler, MemberDirectory
from trajectory.ports import UnitOfWork

from .activity import turn_of
from .card_json import CardJson
from .messenger import card_activity, paced_turn_messenger

MAX_TEXT_LENGTH = 4000
MESSAGE_TYPE = "application/vnd.microsoft.activity.message"


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

    def _deps(self, context: TurnContext) -> Deps:
        return Deps(
            uows=self._uows,
            messenger=self._messenger_for(context),
            scheduler=self._scheduler,
            directory=self._directory,
            files=self._files,
        )

    async def on_message_activity(self, turn_context: TurnContext) -> None:
        activity = turn_context.activity
        if activity.value is not None and not activity.text:
            # An Action.Submit from an old or forged card: Blend's cards only use Action.Execute.
            await turn_context.send_activity(translate(language_of(activity.locale), "error.bad_action"))
            return
        text = TurnContext.remove_recipient_mention(activity) if activity.entities else activity.text
        text = (text or "").replace("\u00a0", " ").strip()
        if len(text) > MAX_TEXT_LENGTH:
            text = text[:MAX_TEXT_LENGTH]
        answer = await commands.run(self._deps(turn_context), turn_of(activity, self._clock()), text)
        await self._send(turn_context, answer)

    async def _send(self, turn_context: TurnContext, answer: Answer) -> None:
        if answer.card is not None:
            activity = card_activity(answer.card)
            if answer.text:
                activity.text, activity.text_format = answer.text, "plain"
            await turn_context.send_activity(activity)
        elif answer.text:
            # Plain: the sentence may quote a title someone typed, which must not become markdown.
            activity = MessageFactory.text(answer.text)
            activity.text_format = "plain"
            await turn_context.send_activity(activity)

    async def on_invoke_activity(self, turn_context: TurnContext) -> InvokeResponse:
        activity = turn_context.activity
        if activity.name != "adaptiveCard/action":
            return await super().on_invoke_activity(turn_context)
        value = activity.value if isinstance(activity.value, dict) else {}
        action = value.get("action") if isinstance(value.get("action"), dict) else {}
        answer = await router.handle_action(
            self._deps(turn_context), turn_of(activity, self._clock()), action.get("verb"), action.get("data")
        )
        return invoke_response(answer)

    async def on_conversation_update_activity(self, turn_context: TurnContext) -> None:
        # Installation and membership changes need no answer yet (the roster is read on demand).
        return None

    async def on_installation_update(self, turn_context: TurnContext) -> None:
        return None


def invoke_response(answer: Answer) -> InvokeResponse:
    """Answer an adaptiveCard/action invoke: a card replaces the clicked one, a text is shown as a
    message. The body is a plain dict (AdaptiveCardInvokeResponse can't carry a text value);
    BlendAdapter sends it as is. CardJson: the SDK's send_activity shares it instead of deep-copying it."""
    if answer.card is not None:
        body = CardJson({"statusCode": 200, "type": ADAPTIVE_CARD, "value": answer.card})
    else:
        body = CardJson({"statusCode": 200, "type": MESSAGE_TYPE, "value": answer.text or ""})
    return InvokeResponse(status=200, body=body)


__all__ = ["BlendBot", "invoke_response", "ActivityTypes"]
