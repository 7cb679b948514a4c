"""Turning domain refusals into a sentence for the person who asked."""

from __future__ import annotations

from cards.texts import EN, t
from trajectory.errors import DomainError, InvalidInput


def _field(name: object) -> str:
    key = f"field.{name}"
    return t(key) if key in EN else str(name)


def _word(kind: str, value: object) -> str:
    """Domain words in a refusal's params ("idea", "running") in the reader's language."""
    key = f"error.{kind}.{value}"
    return t(key) if key in EN else str(value)


def describe(error: DomainError) -> str:
    params = dict(error.params)
    if isinstance(error, InvalidInput):
        reason = str(params.pop("reason", ""))
        params["field"] = _field(params.get("field"))
        key = f"input.{reason}"
        detail = t(key, **params) if key in EN else reason
        return t("error.invalid_input", detail=detail)
    for kind in ("what", "state"):
        if kind in params:
            params[kind] = _word(kind, params[kind])
    if "names" in params:
        params["names"] = ", ".join(str(n) for n in params["names"])  # type: ignore[union-attr]
    try:
        return t(f"error.{error.code}", **params)
    except (KeyError, IndexError):
        return t("error.internal")
