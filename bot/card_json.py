"""Cards that botbuilder sends as they are, instead of copying and re-serialising them.

A card (cards/) is already JSON: dicts, lists, strings, numbers. botbuilder still deep-copies every
outgoing activity (``TurnContext.send_activities``, the invoke response included) and msrest walks
an attachment's content value by value to "serialise" it; for a 25 KB idea card those two were the
largest cost of a click after the database (issue 9, profiled under bench traffic). ``CardJson``
marks a card that nobody changes once it is handed over: a deep copy shares it, and msrest passes
it through (json.dumps then writes it once, as before).
"""

from __future__ import annotations

from typing import Any

from msrest.serialization import Serializer


class CardJson(dict):
    """A JSON-ready card (or invoke body) that is not changed after it is sent."""

    def __deepcopy__(self, memo: dict[int, Any]) -> "CardJson":
        return self


def _install() -> None:
    # Without this msrest would cast an unknown dict subclass to str: installed on import, so that
    # whoever can build a CardJson has the patch.
    original = Serializer.serialize_object
    if getattr(original, "passes_card_json", False):
        return

    def serialize_object(self: Serializer, attr: Any, **kwargs: Any) -> Any:
        if type(attr) is CardJson:
            return attr
        return original(self, attr, **kwargs)

    serialize_object.passes_card_json = True  # type: ignore[attr-defined]
    Serializer.serialize_object = serialize_object  # type: ignore[method-assign]


_install()
