"""The rows every step file starts its "About" sheet with: which trajectory, which step, when."""

from __future__ import annotations

from cards.formatting import moment
from cards.texts import current_language, t
from trajectory.model import Step, Trajectory


def step_rows(trajectory: Trajectory, step: Step) -> list[tuple[str, object]]:
    zone, lang = trajectory.time_zone, current_language()
    rows: list[tuple[str, object]] = [
        (t("output.about.trajectory"), trajectory.title),
        (t("output.about.question"), trajectory.question),
        (t("output.about.step"), f"{step.position + 1}. {step.title}"),
    ]
    if step.prompt:
        rows.append((t("output.about.prompt"), step.prompt))
    if step.opened_at is not None:
        rows.append((t("output.about.opened"), moment(step.opened_at, zone, lang)))
    if step.closed_at is not None:
        rows.append((t("output.about.closed"), moment(step.closed_at, zone, lang)))
    return rows
