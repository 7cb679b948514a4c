"""Database tables. Portable between SQLite and PostgreSQL; the domain never imports this.

Repositories use these tables through Core statements (``Row.__table__``) rather than ORM
instances, so nothing is cached in an identity map and every write is an explicit statement.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

# Deterministic constraint names, so migrations can refer to them on every database.
NAMING = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

ACTIVE_STATES = ("draft", "running")  # TrajectoryState.active, as stored

# Ids travel in cards (step_id, idea_id) and come back later. Without AUTOINCREMENT SQLite
# reuses the highest deleted id (replace_steps deletes), so an old card could hit a new step.
# PostgreSQL sequences never reuse ids.
SQLITE_NO_ID_REUSE = {"sqlite_autoincrement": True}


class UTCDateTime(sa.TypeDecorator[datetime]):
    """Aware UTC datetimes in, aware UTC datetimes out.

    SQLite keeps no offset (it stores the text of the wall time), so values are normalised to UTC
    before writing and tagged UTC after reading; the domain compares aware datetimes only.
    """

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: sa.Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            # A naive time is ambiguous; refusing it finds the bug where it is made.
            raise ValueError(f"naive datetime {value!r}: use an aware (UTC) datetime")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: sa.Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


class Base(DeclarativeBase):
    metadata = sa.MetaData(naming_convention=NAMING)
    type_annotation_map = {datetime: UTCDateTime, dict[str, Any]: sa.JSON}


class TeamRow(Base):
    __tablename__ = "teams"
    id: Mapped[str] = mapped_column(sa.String, primary_key=True)  # the Teams team id
    tenant_id: Mapped[str] = mapped_column(sa.String)
    aad_group_id: Mapped[str | None] = mapped_column(sa.String)  # filled when Graph tells us
    name: Mapped[str] = mapped_column(sa.String)


class ChannelRow(Base):
    __tablename__ = "channels"
    id: Mapped[str] = mapped_column(sa.String, primary_key=True)
    # No foreign key to teams: Teams events arrive in any order and a channel stands alone.
    team_id: Mapped[str] = mapped_column(sa.String, index=True)
    tenant_id: Mapped[str] = mapped_column(sa.String)
    service_url: Mapped[str] = mapped_column(sa.String)
    conversation_reference: Mapped[dict[str, Any]]
    team_name: Mapped[str] = mapped_column(sa.String)
    channel_name: Mapped[str] = mapped_column(sa.String)
    updated_at: Mapped[datetime]


class MemberRow(Base):
    """The team roster as last fetched: who may be named a co-facilitator."""

    __tablename__ = "members"
    team_id: Mapped[str] = mapped_column(sa.String, primary_key=True)
    aad_id: Mapped[str] = mapped_column(sa.String, primary_key=True)
    user_id: Mapped[str] = mapped_column(sa.String)
    name: Mapped[str] = mapped_column(sa.String)


class TrajectoryRow(Base):
    __tablename__ = "trajectories"
    id: Mapped[int] = mapped_column(sa.Integer, primary_key=True, autoincrement=True)
    tenant_id: Mapped[str] = mapped_column(sa.String)
    team_id: Mapped[str] = mapped_column(sa.String)
    channel_id: Mapped[str] = mapped_column(sa.String, index=True)
    title: Mapped[str] = mapped_column(sa.Text)
    question: Mapped[str] = mapped_column(sa.Text)
    state: Mapped[str] = mapped_column(sa.String(16))
    created_by_aad_id: Mapped[str] = mapped_column(sa.String)
    created_by_name: Mapped[str] = mapped_column(sa.String)
    created_by_user_id: Mapped[str] = mapped_column(sa.String)
    created_at: Mapped[datetime]
    started_at: Mapped[datetime | None]
    closed_at: Mapped[datetime | None]
    version: Mapped[int] = mapped_column(sa.Integer)  # optimistic concurrency, see repositories
    settings: Mapped[dict[str, Any]] = mapped_column(sa.JSON, server_default=sa.text("'{}'"))

    __table_args__ = (
        # At most one draft or running trajectory per channel, even when two people race.
        sa.Index(
            "uq_trajectories_active_channel",
            "channel_id",
            unique=True,
            sqlite_where=sa.text("state IN ('draft', 'running')"),
            postgresql_where=sa.text("state IN ('draft', 'running')"),
        ),
        SQLITE_NO_ID_REUSE,
    )


class FacilitatorRow(Base):
    __tablename__ = "facilitators"
    trajectory_id: Mapped[int] = mapped_column(
        sa.ForeignKey("trajectories.id", ondelete="CASCADE"), primary_key=True
    )
    aad_id: Mapped[str] = mapped_column(sa.String, primary_key=True)
    name: Mapped[str] = mapped_column(sa.String)
    user_id: Mapped[str] = mapped_column(sa.String)
    position: Mapped[int] = mapped_column(sa.Integer)  # keeps the creator first


class StepRow(Base):
    __tablename__ = "steps"
    id: Mapped[int] = mapped_column(sa.Integer, primary_key=True, autoincrement=True)
    trajectory_id: Mapped[int] = mapped_column(sa.ForeignKey("trajectories.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(sa.Integer)
    kind: Mapped[str] = mapped_column(sa.String(32))
    mode: Mapped[str] = mapped_column(sa.String(16))
    title: Mapped[str] = mapped_column(sa.Text)
    prompt: Mapped[str] = mapped_column(sa.Text)
    settings: Mapped[dict[str, Any]]
    state: Mapped[str] = mapped_column(sa.String(16))
    deadline: Mapped[datetime | None]
    opened_at: Mapped[datetime | None]
    closed_at: Mapped[datetime | None]
    card_conversation_id: Mapped[str | None] = mapped_column(sa.String)
    card_activity_id: Mapped[str | None] = mapped_column(sa.String)

    __table_args__ = (sa.UniqueConstraint("trajectory_id", "position"), SQLITE_NO_ID_REUSE)


class IdeaRow(Base):
    __tablename__ = "ideas"
    id: Mapped[int] = mapped_column(sa.Integer, primary_key=True, autoincrement=True)
    # No ON DELETE: ideas exist only for opened steps, which are never deleted.
    step_id: Mapped[int] = mapped_column(sa.ForeignKey("steps.id"))
    author_aad_id: Mapped[str] = mapped_column(sa.String)
    author_name: Mapped[str] = mapped_column(sa.String)
    author_user_id: Mapped[str] = mapped_column(sa.String)
    text: Mapped[str] = mapped_column(sa.Text)
    state: Mapped[str] = mapped_column(sa.String(16))
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    version: Mapped[int] = mapped_column(sa.Integer)
    # The idea a facilitator merged this duplicate into (chains resolve to the last one); NULL = not merged.
    merged_into: Mapped[int | None] = mapped_column(sa.ForeignKey("ideas.id"))

    # Leads with step_id, so it also serves the step_id foreign key and "ideas of a step".
    __table_args__ = (
        sa.Index("ix_ideas_step_id_author_aad_id", "step_id", "author_aad_id"),
        SQLITE_NO_ID_REUSE,
    )


class ClarificationRow(Base):
    """A question or comment on an idea, and its author's answer (trajectory/kinds/clarifications.py)."""

    __tablename__ = "clarifications"
    id: Mapped[int] = mapped_column(sa.Integer, primary_key=True, autoincrement=True)
    # The idea's step, copied: a card reads a step's clarifications (and a member's count) in one query.
    step_id: Mapped[int] = mapped_column(sa.ForeignKey("steps.id"))
    # No ON DELETE: ideas are never deleted (withdrawn ones stay, with their clarifications).
    idea_id: Mapped[int] = mapped_column(sa.ForeignKey("ideas.id"), index=True)
    asker_aad_id: Mapped[str] = mapped_column(sa.String)
    asker_name: Mapped[str] = mapped_column(sa.String)  # "" when anonymous
    anonymous: Mapped[bool] = mapped_column(sa.Boolean)
    kind: Mapped[str] = mapped_column(sa.String(16))
    text: Mapped[str] = mapped_column(sa.Text)
    answer: Mapped[str | None] = mapped_column(sa.Text)
    answered_at: Mapped[datetime | None]
    created_at: Mapped[datetime]
    version: Mapped[int] = mapped_column(sa.Integer)

    __table_args__ = (
        # Leads with step_id: serves the foreign key, "clarifications of a step" and the per-asker limit.
        sa.Index("ix_clarifications_step_id_asker_aad_id", "step_id", "asker_aad_id"),
        sa.CheckConstraint("kind IN ('question', 'comment')", name="kind"),
        # The database itself refuses to keep the name of an anonymous asker.
        sa.CheckConstraint("NOT anonymous OR asker_name = ''", name="anonymous_unnamed"),
        SQLITE_NO_ID_REUSE,
    )


class SummaryCardRow(Base):
    """Where a step's summary was posted (a reply in its thread), so that it can be updated later."""

    __tablename__ = "summary_cards"
    step_id: Mapped[int] = mapped_column(sa.ForeignKey("steps.id"), primary_key=True)
    conversation_id: Mapped[str] = mapped_column(sa.String)
    activity_id: Mapped[str] = mapped_column(sa.String)


class ResponseRow(Base):
    """One member's answers to an evaluation step, replaced whole (version-checked) on change."""

    __tablename__ = "responses"
    id: Mapped[int] = mapped_column(sa.Integer, primary_key=True, autoincrement=True)
    # No ON DELETE: responses exist only for opened steps, which are never deleted.
    step_id: Mapped[int] = mapped_column(sa.ForeignKey("steps.id"))
    respondent_aad_id: Mapped[str] = mapped_column(sa.String)
    respondent_name: Mapped[str] = mapped_column(sa.String)
    respondent_user_id: Mapped[str] = mapped_column(sa.String)
    answers: Mapped[dict[str, Any]]  # question id -> 1..5, 0..10 or text
    submitted_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    version: Mapped[int] = mapped_column(sa.Integer)

    # One response per member and step, even when two submissions race; it also serves the foreign key.
    __table_args__ = (sa.UniqueConstraint("step_id", "respondent_aad_id"), SQLITE_NO_ID_REUSE)


class MeetingRow(Base):
    """The calendar event of a meeting or workshop step (trajectory/kinds/meeting.py), one per step."""

    __tablename__ = "meetings"
    id: Mapped[int] = mapped_column(sa.Integer, primary_key=True, autoincrement=True)
    step_id: Mapped[int] = mapped_column(sa.ForeignKey("steps.id"), unique=True)
    event_id: Mapped[str] = mapped_column(sa.String)
    join_url: Mapped[str | None] = mapped_column(sa.String)
    web_link: Mapped[str | None] = mapped_column(sa.String)
    ics_path: Mapped[str | None] = mapped_column(sa.String)
    start: Mapped[datetime]
    end: Mapped[datetime]
    time_zone: Mapped[str] = mapped_column(sa.String)
    organizer: Mapped[str] = mapped_column(sa.String)
    location: Mapped[str] = mapped_column(sa.String)
    online: Mapped[bool] = mapped_column(sa.Boolean)
    agenda_html: Mapped[str] = mapped_column(sa.Text)
    state: Mapped[str] = mapped_column(sa.String(16))  # scheduled | cancelled
    version: Mapped[int] = mapped_column(sa.Integer)
    outcomes: Mapped[str] = mapped_column(sa.Text)
    decisions: Mapped[str] = mapped_column(sa.Text)

    __table_args__ = (SQLITE_NO_ID_REUSE,)


class FiledOutputRow(Base):
    """A file Blend filed in a channel's Files (trajectory/filing.py): a step's document, or the final
    report (step_id NULL). One per output, so a re-run replaces Blend's own file, never duplicates it."""

    __tablename__ = "filed_outputs"
    id: Mapped[int] = mapped_column(sa.Integer, primary_key=True, autoincrement=True)
    trajectory_id: Mapped[int] = mapped_column(sa.ForeignKey("trajectories.id"))
    step_id: Mapped[int | None] = mapped_column(sa.ForeignKey("steps.id"))
    name: Mapped[str] = mapped_column(sa.String)
    item_id: Mapped[str] = mapped_column(sa.String)  # the drive item id, or the local outbox path
    web_url: Mapped[str | None] = mapped_column(sa.String)
    filed_at: Mapped[datetime]

    __table_args__ = (
        # NULLs never collide in a unique constraint: the report gets its own partial index.
        sa.Index("uq_filed_outputs_step", "trajectory_id", "step_id", unique=True,
                 sqlite_where=sa.text("step_id IS NOT NULL"), postgresql_where=sa.text("step_id IS NOT NULL")),
        sa.Index("uq_filed_outputs_report", "trajectory_id", unique=True,
                 sqlite_where=sa.text("step_id IS NULL"), postgresql_where=sa.text("step_id IS NULL")),
        SQLITE_NO_ID_REUSE,
    )


class ProcessedActivityRow(Base):
    """Ids of incoming activities already applied: Teams re-delivers on timeouts."""

    __tablename__ = "processed_activities"
    activity_id: Mapped[str] = mapped_column(sa.String, primary_key=True)
    received_at: Mapped[datetime]


class JobRow(Base):
    """A deadline or reminder due at a time (trajectory/jobs.py); claimed with a lease by one instance."""

    __tablename__ = "jobs"
    id: Mapped[int] = mapped_column(sa.Integer, primary_key=True, autoincrement=True)
    kind: Mapped[str] = mapped_column(sa.String(16))
    trajectory_id: Mapped[int] = mapped_column(sa.ForeignKey("trajectories.id"))
    # No ON DELETE: jobs exist only for opened steps, which are never deleted.
    step_id: Mapped[int] = mapped_column(sa.ForeignKey("steps.id"))
    due_at: Mapped[datetime]
    payload: Mapped[dict[str, Any]]
    state: Mapped[str] = mapped_column(sa.String(16))
    attempts: Mapped[int] = mapped_column(sa.Integer)
    claimed_by: Mapped[str | None] = mapped_column(sa.String)
    claimed_until: Mapped[datetime | None]  # the lease of a running job; "not before" of a retry
    last_error: Mapped[str | None] = mapped_column(sa.Text)
    created_at: Mapped[datetime]
    finished_at: Mapped[datetime | None]

    __table_args__ = (
        # The same job can't be stored twice (a transition re-planned, two instances racing).
        sa.UniqueConstraint("step_id", "kind", "due_at"),
        sa.Index("ix_jobs_state_due_at", "state", "due_at"),  # the claim query
        SQLITE_NO_ID_REUSE,
    )


class ReminderSendRow(Base):
    """One reminder job's delivery to one member: a re-run of the job skips who already got it."""

    __tablename__ = "reminder_sends"
    job_id: Mapped[int] = mapped_column(sa.ForeignKey("jobs.id"), primary_key=True)
    aad_id: Mapped[str] = mapped_column(sa.String, primary_key=True)
    state: Mapped[str] = mapped_column(sa.String(16))  # sent | failed
    error: Mapped[str | None] = mapped_column(sa.Text)
    at: Mapped[datetime]


class VoteOptionRow(Base):
    """A vote step's ballot line, frozen when the step opens (ideas may change later; ballots don't)."""

    __tablename__ = "vote_options"
    id: Mapped[int] = mapped_column(sa.Integer, primary_key=True, autoincrement=True)
    # No ON DELETE: options exist only for opened steps, which are never deleted.
    step_id: Mapped[int] = mapped_column(sa.ForeignKey("steps.id"))
    position: Mapped[int] = mapped_column(sa.Integer)
    label: Mapped[str] = mapped_column(sa.Text)
    # The idea it was copied from: a record of origin, not a link (no foreign key, so the ideas
    # table can evolve without touching frozen ballots).
    idea_id: Mapped[int | None] = mapped_column(sa.Integer)

    __table_args__ = (sa.UniqueConstraint("step_id", "position"), SQLITE_NO_ID_REUSE)


class VoteStateRow(Base):
    """One row per opened vote step: when its options were frozen, and whether results are revealed."""

    __tablename__ = "vote_state"
    step_id: Mapped[int] = mapped_column(sa.ForeignKey("steps.id"), primary_key=True)
    frozen_at: Mapped[datetime]
    offered: Mapped[int] = mapped_column(sa.Integer)  # candidates before the ballot was cut to size
    revealed_at: Mapped[datetime | None]


class BallotRow(Base):
    """One member's ballot on a vote step, replaced whole (version-checked) on change."""

    __tablename__ = "ballots"
    id: Mapped[int] = mapped_column(sa.Integer, primary_key=True, autoincrement=True)
    step_id: Mapped[int] = mapped_column(sa.ForeignKey("steps.id"))
    voter_aad_id: Mapped[str] = mapped_column(sa.String)
    voter_name: Mapped[str] = mapped_column(sa.String)
    voter_user_id: Mapped[str] = mapped_column(sa.String)
    choices: Mapped[dict[str, Any]]  # option id -> dots / place / score / 1; {} = cleared
    updated_at: Mapped[datetime]
    version: Mapped[int] = mapped_column(sa.Integer)
    # Not empty (choices != {}): the card's voter count is a COUNT over an index, not over choices.
    voted: Mapped[bool] = mapped_column(sa.Boolean, server_default=sa.false())

    # One ballot per member and step, even when two first submissions race; serves the foreign key.
    __table_args__ = (sa.UniqueConstraint("step_id", "voter_aad_id"),
                      sa.Index("ix_ballots_step_id_voted", "step_id", "voted"), SQLITE_NO_ID_REUSE)


class BallotChoiceRow(Base):
    """One option's value on one ballot: ``ballots.choices`` again, a row per option, so cards count
    voters and tally in SQL (COUNT, GROUP BY) instead of loading every ballot. Written with the
    ballot, in the same transaction; a cleared ballot has none."""

    __tablename__ = "ballot_choices"
    step_id: Mapped[int] = mapped_column(sa.ForeignKey("steps.id"), primary_key=True)
    ballot_id: Mapped[int] = mapped_column(sa.ForeignKey("ballots.id"), primary_key=True)
    option_id: Mapped[int] = mapped_column(sa.ForeignKey("vote_options.id"), primary_key=True)
    value: Mapped[int] = mapped_column(sa.Integer)  # dots / place / score / 1, as in ballots.choices

    # The tally's GROUP BY (option, value) reads this index alone; the primary key counts voters.
    __table_args__ = (sa.Index("ix_ballot_choices_step_id_option_id_value", "step_id", "option_id", "value"),)


teams = TeamRow.__table__
channels = ChannelRow.__table__
members = MemberRow.__table__
trajectories = TrajectoryRow.__table__
facilitators = FacilitatorRow.__table__
steps = StepRow.__table__
ideas = IdeaRow.__table__
clarifications = ClarificationRow.__table__
summary_cards = SummaryCardRow.__table__
processed_activities = ProcessedActivityRow.__table__
vote_options = VoteOptionRow.__table__
vote_state = VoteStateRow.__table__
ballots = BallotRow.__table__
ballot_choices = BallotChoiceRow.__table__
jobs = JobRow.__table__
reminder_sends = ReminderSendRow.__table__
responses = ResponseRow.__table__
meetings = MeetingRow.__table__
filed_outputs = FiledOutputRow.__table__
metadata = Base.metadata
