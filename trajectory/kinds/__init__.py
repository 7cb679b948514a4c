"""The one table of step kinds. A new kind is one module here plus its cards and dialog."""

from __future__ import annotations

from ..errors import InvalidInput
from . import evaluation
from . import ideas
from . import meeting
from . import vote
from .base import StepKind

STEP_KINDS: dict[str, StepKind] = {
    ideas.KIND.name: ideas.KIND,
    vote.KIND.name: vote.KIND,
    evaluation.KIND.name: evaluation.KIND,
    **{kind.name: kind for kind in meeting.KINDS},
}


def kind_of(name: str) -> StepKind:
    try:
        return STEP_KINDS[name]
    except KeyError:
        raise InvalidInput(field="kind", reason="unknown_kind", kind=name) from None


__all__ = ["STEP_KINDS", "StepKind", "kind_of"]
