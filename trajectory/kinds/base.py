"""The interface every step kind shares."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable

from ..model import Mode


@dataclass(frozen=True)
class StepKind:
    """What the engine needs to know about a kind of step.

    ``normalise_settings`` takes settings as typed or stored and returns a complete, valid dict
    (defaults filled in) or raises ``InvalidInput``; it is the one gate for settings.
    """

    name: str
    mode: Mode
    default_title: str
    default_prompt: str
    normalise_settings: Callable[[dict[str, Any]], dict[str, Any]]
    # Whether a member's contribution can be counted (participation, reminders).
    collects_contributions: bool = True
    defaults: dict[str, Any] = field(default_factory=dict)
    # Setup-time check of a step against the whole draft (e.g. a vote needs an earlier idea step);
    # raises InvalidInput. Steps carry their positions.
    check_in_trajectory: Callable[[Any, list[Any]], None] = lambda step, steps: None
