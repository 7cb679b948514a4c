"""Which language a text is in.

* What answers the person at hand (help, refusals, errors, their own view of a card) is in their
  language: the activity's locale. commands.run and router.handle_action speak it for the turn.
* What a trajectory shares (the cards in the channel, transitions, results, reminders, invitations,
  files) is in the trajectory's language, whoever caused it: wrap its rendering in ``shared_by``
  (apply_events, the step dialogs' shared_card renderers, the job runner)."""

from __future__ import annotations

from contextlib import AbstractContextManager
from functools import wraps
from typing import Any, Awaitable, Callable, TypeVar

from cards.texts import CATALOGS, EN, speaking, translate
from trajectory.model import Trajectory
from trajectory.templates import Translator

R = TypeVar("R")


def shared_by(trajectory: Trajectory) -> AbstractContextManager[str]:
    """Within this block, ``t`` writes for everyone in the trajectory's channel."""
    return speaking(trajectory.language)


def in_trajectory_language(render: Callable[..., Awaitable[R]]) -> Callable[..., Awaitable[R]]:
    """For a renderer taking (uow, trajectory, ...): its card is for the channel, in the trajectory's language."""

    @wraps(render)
    async def rendered(uow: Any, trajectory: Trajectory, *args: Any, **kwargs: Any) -> R:
        with shared_by(trajectory):
            return await render(uow, trajectory, *args, **kwargs)

    return rendered


def _is_template_text(key: str) -> bool:
    return key.startswith("template.") or (key.startswith("kind.") and ".default_" in key)


def retranslated(text: str, old: str, new: str) -> str:
    """A template's text, untouched since it was filled in in ``old``, in ``new``; anything a
    facilitator typed stays as it is."""
    for key in EN:
        if _is_template_text(key) and (CATALOGS[old].get(key) or EN[key]) == text:
            return CATALOGS[new].get(key) or EN[key]
    return text


def catalog_translator(lang: str) -> Translator:
    """Templates' texts from the catalogs (English source kept where a key has no entry)."""

    def text(key: str, english: str) -> str:
        return translate(lang, key) if key in EN else english

    return text
