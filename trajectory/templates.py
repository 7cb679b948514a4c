"""Ready-made trajectories a facilitator starts from.

A template may name kinds that are not built yet (the reference trajectory's meeting and workshop
arrive with the Graph work); those steps are left out until their kind is registered, so a
template only ever holds what works.

Templates are written in English; each text also has a catalog key (``template.<name>.label``,
``.question``, ``.step<n>.title``/``.prompt``; the default evaluation questions
``template.evaluation.<id>``) so a caller that has catalogs passes a ``Translator`` and gets the
template in a trajectory's language. The domain has no catalogs itself."""

from __future__ import annotations

from dataclasses import dataclass, field
from dataclasses import replace
from typing import Any, Callable

from .kinds import STEP_KINDS
from .kinds.evaluation import DEFAULT_QUESTIONS
from .model import StepDraft

# (catalog key, English text) -> the text in the wanted language
Translator = Callable[[str, str], str]


def english(key: str, text: str) -> str:
    return text


@dataclass(frozen=True)
class Template:
    name: str
    label: str
    question: str
    steps: tuple[StepDraft, ...]
    settings: dict[str, Any] = field(default_factory=dict)

    def available_steps(self) -> list[StepDraft]:
        return [s for s in self.steps if s.kind in STEP_KINDS]

    def in_language(self, text: Translator) -> Template:
        """This template with every text passed through ``text`` (keyed as the module says)."""
        key = f"template.{self.name}"
        steps = tuple(
            replace(s, title=text(f"{key}.step{n}.title", s.title),
                    prompt=text(f"{key}.step{n}.prompt", s.prompt) if s.prompt else s.prompt,
                    settings=_settings_in_language(s, text))
            for n, s in enumerate(self.steps, start=1))
        return replace(self, label=text(f"{key}.label", self.label),
                       question=text(f"{key}.question", self.question), steps=steps)


def _settings_in_language(step: StepDraft, text: Translator) -> dict[str, Any]:
    """An evaluation without its own questions gets the default ones, translated."""
    if step.kind != "evaluation" or "questions" in step.settings:
        return dict(step.settings)
    questions = [{**q, "text": text(f"template.evaluation.{q['id']}", q["text"])} for q in DEFAULT_QUESTIONS]
    return {**step.settings, "questions": questions}


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
