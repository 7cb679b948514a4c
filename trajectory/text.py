"""Normalising what people type, shared by every step kind."""

from __future__ import annotations

import re
import unicodedata

from .errors import InvalidInput

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_BLANK_LINES = re.compile(r"\n{3,}")


def clean_text(raw: object, *, field: str, max_length: int, required: bool = True) -> str:
    """Trim, drop control characters and check the length. Raises InvalidInput."""
    if raw is None:
        raw = ""
    if not isinstance(raw, str):
        raise InvalidInput(field=field, reason="not_text")
    text = unicodedata.normalize("NFC", raw).replace("\r\n", "\n").replace("\r", "\n")
    text = _BLANK_LINES.sub("\n\n", _CONTROL.sub("", text)).strip()
    if required and not text:
        raise InvalidInput(field=field, reason="empty")
    if len(text) > max_length:
        raise InvalidInput(field=field, reason="too_long", max_length=max_length, length=len(text))
    return text
