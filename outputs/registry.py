"""The table of step outputs, one row per step kind (a test checks every kind in STEP_KINDS has one)."""

from __future__ import annotations

from . import evaluation, ideas, meeting, vote
from .model import StepOutput

STEP_OUTPUTS: dict[str, StepOutput] = {
    # --- ideas, vote, evaluation: rows below this line ---
    "ideas": StepOutput(document=ideas.document, summary=ideas.summary),
    "vote": StepOutput(document=vote.document, summary=vote.summary),
    "evaluation": StepOutput(document=evaluation.document, summary=evaluation.summary),
    # --- end of ideas, vote, evaluation ---
    # --- meeting, workshop: rows below this line ---
    "meeting": StepOutput(document=meeting.document, summary=meeting.summary),
    "workshop": StepOutput(document=meeting.document, summary=meeting.summary),
    # --- end of meeting, workshop ---
}
