"""Ready-made trajectories a facilitator starts from.

A template may name kinds that are not built yet (the reference trajectory's meeting and workshop
arrive with the Graph work); those steps are left out until their kind is registered, so a
template only ever holds what works."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .kinds import STEP_KINDS
from .model import StepDraft


@dataclass(frozen=True)
class Template:
    name: str
    label: str
    question: str
    steps: tuple[StepDraft, ...]
    settings: dict[str, Any] = field(default_factory=dict)

    def available_steps(self) -> list[StepDraft]:
        return [s for s in self.steps if s.kind in STEP_KINDS]


TEMPLATES: dict[str, Template] = {t.name: t for t in (
    Template(
        name="reference",
        label="Blended trajectory: ideas, meeting, vote, workshop, evaluation",
        question="How can we improve the way we work together?",
        steps=(
            StepDraft("ideas", "Collect ideas", "Add your ideas. Ask the author when something is unclear."),
            StepDraft("meeting", "Discuss the ideas online"),
            StepDraft("vote", "Prioritise", "Spread your dots over the ideas that matter most to you.",
                          {"method": "dots"}),
            StepDraft("workshop", "Make the priorities concrete"),
            StepDraft("evaluation", "Evaluate", "A few short questions about how this went."),
        ),
    ),
    Template(
        name="brainstorm",
        label="Brainstorm and vote",
        question="What should we try next?",
        steps=(
            StepDraft("ideas", "Brainstorm", "Add as many ideas as you like; quantity first."),
            StepDraft("vote", "Vote", "Approve every idea you would support.", {"method": "approval"}),
        ),
    ),
    Template(
        name="retrospective",
        label="Retrospective",
        question="How did the last period go?",
        steps=(
            StepDraft("ideas", "What went well, what could be better?",
                          "One observation per entry; start with \u201cKeep:\u201d or \u201cChange:\u201d."),
            StepDraft("vote", "What do we tackle first?", "Rank the three that matter most.",
                          {"method": "rank", "top_k": 3}),
        ),
    ),
    Template(
        name="ideas",
        label="Just collect ideas",
        question="What should we improve?",
        steps=(StepDraft("ideas", "Collect ideas", "Add your ideas. You can edit or withdraw them until the step closes."),),
    ),
)}

DEFAULT_TEMPLATE = "reference"
