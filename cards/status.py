"""The status card and the help card."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from .base import Json, card, escape, heading, line, when
from .texts import t



@dataclass(frozen=True)
class StepStatus:
    title: str
    kind: str
    state: str
    deadline: datetime | None
    contributed: int | None = None  # None: the step has not opened yet
    members: int = 0
    missing: list[str] | None = None  # names, only for facilitators and only when not anonymous


@dataclass(frozen=True)
class StatusView:
    title: str
    state: str
    facilitators: list[str]
    steps: list[StepStatus]


def render_status(view: StatusView) -> Json:
    body = heading(t("status.header", title=view.title), subtle_line=t(f"status.state.{view.state}"))
    body.append({"type": "FactSet", "facts": [
        {"title": t("status.facilitators"), "value": escape(", ".join(view.facilitators))},
    ]})
    for number, step in enumerate(view.steps, start=1):
        facts = [{"title": t(f"kind.{step.kind}"), "value": t(f"status.step_state.{step.state}")}]
        if step.deadline is not None:
            facts.append({"title": t("status.deadline"), "value": when(step.deadline)})
        if step.contributed is not None:
            facts.append({"title": t("status.participation"),
                          "value": t("status.contributed", n=step.contributed, members=step.members)})
        if step.missing:
            facts.append({"title": t("status.missing"), "value": escape(", ".join(step.missing))})
        body.append({"type": "Container", "separator": True, "items": [
            line(f"{number}. {escape(step.title)}", weight="Bolder"),
            {"type": "FactSet", "facts": facts},
        ]})
    return card(body)


def _usage(command: str) -> str:
    """The command as the reader types it: “new <title>” / “nieuw <titel>”."""
    word = t(f"command.{command}")
    argument = {"new": "help.argument.title", "language": "help.argument.language"}.get(command)
    return f"{word} <{t(argument)}>" if argument else word


def render_help(commands: tuple[str, ...], *, in_channel: bool, unknown: str | None = None) -> Json:
    body: list[Json] = []
    if unknown is not None:
        body.append(line(t("help.unknown", command=escape(unknown[:60])), weight="Bolder"))
    body.append(line(t("help.title"), weight="Bolder" if unknown is None else "Default"))
    if not in_channel:
        body.append(line(t("help.personal")))
    body.append(line(t("help.facilitators"), spacing="Medium"))
    body.append({"type": "FactSet", "facts": [
        {"title": escape(_usage(c)), "value": t(f"cmd.{c}")} for c in commands
    ]})
    body.append(line(t("help.members"), isSubtle=True))
    return card(body)
