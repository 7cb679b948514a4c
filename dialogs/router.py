"""Card actions: the verb of an Action.Execute picks its handler from one table."""

from __future__ import annotations

from cards.texts import speaking, t
from trajectory.errors import DomainError

from . import scope, setup
from .context import Deps
from .refusals import describe
from .steps import STEP_DIALOGS, VerbHandler
from .turn import Answer, Turn

VERBS: dict[str, VerbHandler] = {**setup.VERBS}
for _dialog in STEP_DIALOGS.values():
    VERBS.update(_dialog.verbs)


async def handle_action(deps: Deps, turn: Turn, verb: object, data: object) -> Answer:
    """Answer one card action in the clicker's language (what goes to the channel switches to the trajectory's)."""
    with speaking(turn.locale):
        return await _handle_action(deps, turn, verb, data)


async def _handle_action(deps: Deps, turn: Turn, verb: object, data: object) -> Answer:
    handler = VERBS.get(verb) if isinstance(verb, str) else None
    if handler is None or not isinstance(data, dict):
        return Answer(text=t("error.bad_action"), status=200)
    if turn.actor is None:
        return Answer(text=t("error.unknown_identity"))
    try:
        if not scope.checks_scope(handler):
            await scope.check(deps, turn, data)
        return await handler(deps, turn, data)
    except DomainError as refusal:
        return Answer(text=describe(refusal))
