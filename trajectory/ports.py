"""What the domain needs from persistence. storage/ implements these with SQLAlchemy;
tests may implement them in memory."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Collection, Protocol

from .kinds.evaluation import ResponseRepository
from .kinds.clarifications import ClarificationRepository
from .kinds.ideas import Idea
from .kinds.meeting import MeetingRepository
from .kinds.vote import VoteRepository
from .filing import FiledOutputRepository
from .jobs import JobRepository
from .model import CardRef, ChannelRef, Person, Trajectory


@dataclass(frozen=True)
class ChannelInfo:
    ref: ChannelRef
    service_url: str
    # The botbuilder ConversationReference as a plain dict: enough to message the channel later.
    conversation_reference: dict[str, Any]
    team_name: str = ""
    channel_name: str = ""
    # The team's Microsoft 365 group id (channelData.team.aadGroupId): what Graph's /teams/{id} wants.
    aad_group_id: str = ""


class TrajectoryRepository(Protocol):
    async def add(self, trajectory: Trajectory) -> Trajectory: ...
    async def get(self, trajectory_id: int) -> Trajectory | None: ...
    async def active_in_channel(self, channel_id: str) -> Trajectory | None: ...
    async def by_step(self, step_id: int) -> Trajectory | None: ...
    async def home_of(self, kind: str, object_id: int) -> tuple[int, ChannelRef] | None:
        """The id and channel of the trajectory that owns a "trajectory", "step", "idea" or
        "clarification"; None when it names nothing."""
    async def save(self, trajectory: Trajectory, *, replace_steps: bool = False) -> None:
        """Write state back; raises StaleVersion if someone else saved since it was loaded."""
    async def set_step_card(self, step_id: int, card: CardRef) -> None: ...


class IdeaRepository(Protocol):
    async def add(self, idea: Idea) -> Idea: ...
    async def get(self, idea_id: int) -> Idea | None: ...
    async def save(self, idea: Idea, expected_version: int) -> None: ...
    async def active_for_step(self, step_id: int) -> list[Idea]: ...
    async def active_counts(self, step_id: int, aad_id: str) -> tuple[int, int]:
        """Active ideas (not withdrawn, not merged) of this author in the step, and of everyone."""
    # What the live card shows, a page at a time (issue 9: a click reads a page, not every idea).
    async def card_counts(self, step_id: int) -> tuple[int, int]:
        """Active ideas, and the people who wrote the step's ideas (merged duplicates included)."""
    async def card_page(self, step_id: int, start: int, limit: int) -> list[Idea]:
        """Active ideas from index ``start`` (at most ``limit``) and every merged duplicate of the step
        (not withdrawn), oldest first: one page of the card with what was merged into its ideas."""
    async def active_by_author(self, step_id: int, aad_id: str) -> list[Idea]: ...
    async def author_ids(self, step_id: int) -> set[str]:
        """Who wrote the step's ideas (not withdrawn; merged duplicates included)."""
    # Merges and the summary (clarifications on ideas). "Active" above = not withdrawn and not merged.
    async def in_step(self, step_id: int) -> list[Idea]:
        """Active and merged ideas, oldest first."""
    async def merge(self, idea: Idea, expected_version: int) -> None: ...
    async def unmerge(self, idea: Idea, expected_version: int) -> None: ...
    async def release_merged_into(self, idea_id: int, now: datetime) -> int: ...
    async def summary_card(self, step_id: int) -> CardRef | None: ...
    async def set_summary_card(self, step_id: int, card: CardRef) -> None: ...


class ChannelRepository(Protocol):
    async def upsert(self, channel: ChannelInfo) -> None: ...
    async def get(self, channel_id: str) -> ChannelInfo | None: ...
    async def replace_members(self, team_id: str, members: list[Person]) -> None: ...
    async def members(self, team_id: str) -> list[Person]: ...
    async def member_count(self, team_id: str) -> int: ...
    async def user_ids(self, team_id: str, limit: int) -> tuple[list[str], int]:
        """The user ids of up to ``limit`` members (of those that have one), and how many members
        the team has: a card's refresh list, read without the whole roster."""


class ParticipationReader(Protocol):
    async def contributors(self, step_ids: Collection[int]) -> dict[int, set[str]]:
        """Who took part in each of these steps (each kind's contributions), read at once."""


class UnitOfWork(Protocol):
    trajectories: TrajectoryRepository
    ideas: IdeaRepository
    clarifications: ClarificationRepository  # questions and comments on ideas
    channels: ChannelRepository
    votes: VoteRepository  # vote step
    responses: ResponseRepository  # evaluation step
    jobs: JobRepository
    meetings: MeetingRepository  # meeting and workshop steps
    filed: FiledOutputRepository  # what Blend filed in the channel's Files
    participation: ParticipationReader  # who took part, several steps at once (status)

    async def __aenter__(self) -> "UnitOfWork": ...
    async def __aexit__(self, *exc: object) -> None: ...
    async def claim_activity(self, activity_id: str) -> bool:
        """Record an incoming activity id; False if it was already applied (a re-delivery)."""
    async def commit(self) -> None: ...
    async def rollback(self) -> None: ...
