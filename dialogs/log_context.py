"""Ids that every log line of the current request carries (activity, conversation, trajectory, step).

A context variable, so concurrent turns (each its own asyncio task) keep their own ids. Only ids go
here, never text a person typed. bot/logs.py prints them."""

from __future__ import annotations

from contextvars import ContextVar

FIELDS = ("activity_id", "activity_type", "conversation_id", "channel_id", "trajectory_id", "step_id", "job_id")
_CONTEXT: ContextVar[dict[str, str]] = ContextVar("blend_log_context", default={})


def bind(**ids: object) -> None:
    """Add ids (None values are skipped) to this task's log context."""
    known = {k: str(v)[:200] for k, v in ids.items() if v is not None and k in FIELDS}
    if known:
        _CONTEXT.set({**_CONTEXT.get(), **known})


def clear() -> None:
    _CONTEXT.set({})


def current() -> dict[str, str]:
    return _CONTEXT.get()
