"""The trajectory aggregate: a channel's sequence of async and sync steps."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any


class Mode(StrEnum):
    ASYNC = "async"
    SYNC = "sync"


class StepState(StrEnum):
    PENDING = "pending"
    OPEN = "open"
    CLOSED = "closed"
    SKIPPED = "skipped"  # never opened: the trajectory closed before reaching it
    CANCELLED = "cancelled"


class TrajectoryState(StrEnum):
    DRAFT = "draft"
    RUNNING = "running"
    CLOSED = "closed"
    CANCELLED = "cancelled"

    @property
    def active(self) -> bool:
        return self in (TrajectoryState.DRAFT, TrajectoryState.RUNNING)


@dataclass(frozen=True)
class Person:
    """Someone in Teams. ``aad_id`` (the Entra object id) is the identity we trust;
    ``user_id`` is the bot-scoped Teams id needed to message or mention them."""

    aad_id: str
    name: str
    user_id: str = ""


@dataclass(frozen=True)
class ChannelRef:
    """Where a trajectory lives, as Teams names it."""

    tenant_id: str
    team_id: str
    channel_id: str


@dataclass(frozen=True)
class CardRef:
    """The channel message that carries a step's card, so it can be updated later."""

    conversation_id: str
    activity_id: str


@dataclass(frozen=True)
class StepDraft:
    """A step as typed on the setup card or listed in a template, before the domain checks it."""

    kind: str
    title: str
    prompt: str = ""
    settings: dict[str, Any] = field(default_factory=dict)
    deadline: datetime | None = None


@dataclass
class Step:
    kind: str
    mode: Mode
    title: str
    prompt: str = ""
    settings: dict[str, Any] = field(default_factory=dict)
    state: StepState = StepState.PENDING
    deadline: datetime | None = None
    opened_at: datetime | None = None
    closed_at: datetime | None = None
    card: CardRef | None = None
    id: int | None = None
    position: int = 0


@dataclass
class Trajectory:
    channel: ChannelRef
    title: str
    question: str
    created_by: Person
    created_at: datetime
    facilitators: list[Person] = field(default_factory=list)
    steps: list[Step] = field(default_factory=list)
    # Trajectory-wide choices: auto_advance (bool), reminder_hours (hours before a deadline),
    # language ("en" or "nl": what its shared cards, invitations and files are written in),
    # time_zone (IANA name its files and invitations show times in; the creator's zone).
    settings: dict[str, Any] = field(default_factory=dict)
    state: TrajectoryState = TrajectoryState.DRAFT
    started_at: datetime | None = None
    closed_at: datetime | None = None
    version: int = 1
    id: int | None = None

    @property
    def language(self) -> str:
        return str(self.settings.get("language") or "en")

    @property
    def time_zone(self) -> str:
        return str(self.settings.get("time_zone") or "UTC")

    def is_facilitator(self, aad_id: str) -> bool:
        return any(p.aad_id == aad_id for p in self.facilitators)

    @property
    def current_step(self) -> Step | None:
        return next((s for s in self.steps if s.state is StepState.OPEN), None)

    def step(self, step_id: int) -> Step | None:
        return next((s for s in self.steps if s.id == step_id), None)
