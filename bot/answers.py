"""A dialog's Answer as Teams' JSON: the reply to a message, the body of an invoke response, a card
message. Shared by the SDK pipeline (bot/handler.py) and the direct path (bot/direct.py)."""

from __future__ import annotations

from typing import Any

from cards.base import ADAPTIVE_CARD
from dialogs.turn import Answer

MESSAGE_TYPE = "application/vnd.microsoft.activity.message"
Json = dict[str, Any]


def card_message(card: Json) -> Json:
    """A message carrying one Adaptive Card (what botbuilder's MessageFactory.attachment sends)."""
    return {"type": "message", "attachmentLayout": "list", "attachments": [{"contentType": ADAPTIVE_CARD, "content": card}]}


def text_message(text: str) -> Json:
    # Plain: the sentence may quote a title someone typed, which must not become markdown.
    return {"type": "message", "text": text, "textFormat": "plain", "inputHint": "acceptingInput"}


def reply_of(answer: Answer) -> Json | None:
    """A message turn's reply: the card (with the text, if any), else the text; None: no reply."""
    if answer.card is not None:
        reply = card_message(answer.card)
        if answer.text:
            reply.update(text=answer.text, textFormat="plain")
        return reply
    return text_message(answer.text) if answer.text else None


def invoke_body(answer: Answer) -> Json:
    """Answer an adaptiveCard/action invoke: a card replaces the clicked one, a text is shown as a
    message. A plain dict (AdaptiveCardInvokeResponse can't carry a text value)."""
    if answer.card is not None:
        return {"statusCode": 200, "type": ADAPTIVE_CARD, "value": answer.card}
    return {"statusCode": 200, "type": MESSAGE_TYPE, "value": answer.text or ""}
