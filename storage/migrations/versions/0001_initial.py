"""Initial schema: teams, channels, rosters, trajectories, steps, ideas, processed activities.

Revision ID: 0001
Revises:
Create Date: 2025-11-25
"""

from __future__ import annotations

from typing import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Written out rather than imported from storage.models: a revision must not change when the
# models do. storage.models.UTCDateTime is this type plus UTC normalisation in Python.
Time = sa.DateTime(timezone=True)
ACTIVE = sa.text("state IN ('draft', 'running')")


def upgrade() -> None:
    op.create_table(
        "teams",
        sa.Column("id", sa.String(), nullable=False),
        sa.Column("tenant_id", sa.String(), nullable=False),
        sa.Column("aad_group_id", sa.String(), nullable=True),
        sa.Column("name", sa.String(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_teams")),
    )
    op.create_table(
        "channels",
        sa.Column("id", sa.String(), nullable=False),
        sa.Column("team_id", sa.String(), nullable=False),
        sa.Column("tenant_id", sa.String(), nullable=False),
        sa.Column("service_url", sa.String(), nullable=False),
        sa.Column("conversation_reference", sa.JSON(), nullable=False),
        sa.Column("team_name", sa.String(), nullable=False),
        sa.Column("channel_name", sa.String(), nullable=False),
        sa.Column("updated_at", Time, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_channels")),
    )
    op.create_index(op.f("ix_channels_team_id"), "channels", ["team_id"])
    op.create_table(
        "members",
        sa.Column("team_id", sa.String(), nullable=False),
        sa.Column("aad_id", sa.String(), nullable=False),
        sa.Column("user_id", sa.String(), nullable=False),
        sa.Column("name", sa.String(), nullable=False),
        sa.PrimaryKeyConstraint("team_id", "aad_id", name=op.f("pk_members")),
    )
    op.create_table(
        "trajectories",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("tenant_id", sa.String(), nullable=False),
        sa.Column("team_id", sa.String(), nullable=False),
        sa.Column("channel_id", sa.String(), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("question", sa.Text(), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("created_by_aad_id", sa.String(), nullable=False),
        sa.Column("created_by_name", sa.String(), nullable=False),
        sa.Column("created_by_user_id", sa.String(), nullable=False),
        sa.Column("created_at", Time, nullable=False),
        sa.Column("started_at", Time, nullable=True),
        sa.Column("closed_at", Time, nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_trajectories")),
        sqlite_autoincrement=True,  # ids are never reused (cards carry them)
    )
    op.create_index(op.f("ix_trajectories_channel_id"), "trajectories", ["channel_id"])
    op.create_index(
        "uq_trajectories_active_channel",
        "trajectories",
        ["channel_id"],
        unique=True,
        sqlite_where=ACTIVE,
        postgresql_where=ACTIVE,
    )
    op.create_table(
        "facilitators",
        sa.Column("trajectory_id", sa.Integer(), nullable=False),
        sa.Column("aad_id", sa.String(), nullable=False),
        sa.Column("name", sa.String(), nullable=False),
        sa.Column("user_id", sa.String(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["trajectory_id"],
            ["trajectories.id"],
            name=op.f("fk_facilitators_trajectory_id_trajectories"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("trajectory_id", "aad_id", name=op.f("pk_facilitators")),
    )
    op.create_table(
        "steps",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("trajectory_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("mode", sa.String(length=16), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("prompt", sa.Text(), nullable=False),
        sa.Column("settings", sa.JSON(), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("deadline", Time, nullable=True),
        sa.Column("opened_at", Time, nullable=True),
        sa.Column("closed_at", Time, nullable=True),
        sa.Column("card_conversation_id", sa.String(), nullable=True),
        sa.Column("card_activity_id", sa.String(), nullable=True),
        sa.ForeignKeyConstraint(
            ["trajectory_id"],
            ["trajectories.id"],
            name=op.f("fk_steps_trajectory_id_trajectories"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_steps")),
        sa.UniqueConstraint("trajectory_id", "position", name=op.f("uq_steps_trajectory_id_position")),
        sqlite_autoincrement=True,
    )
    op.create_table(
        "ideas",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("step_id", sa.Integer(), nullable=False),
        sa.Column("author_aad_id", sa.String(), nullable=False),
        sa.Column("author_name", sa.String(), nullable=False),
        sa.Column("author_user_id", sa.String(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("created_at", Time, nullable=False),
        sa.Column("updated_at", Time, nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["step_id"], ["steps.id"], name=op.f("fk_ideas_step_id_steps")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ideas")),
        sqlite_autoincrement=True,
    )
    op.create_index("ix_ideas_step_id_author_aad_id", "ideas", ["step_id", "author_aad_id"])
    op.create_table(
        "processed_activities",
        sa.Column("activity_id", sa.String(), nullable=False),
        sa.Column("received_at", Time, nullable=False),
        sa.PrimaryKeyConstraint("activity_id", name=op.f("pk_processed_activities")),
    )


def downgrade() -> None:
    for table in (
        "processed_activities",
        "ideas",
        "steps",
        "facilitators",
        "trajectories",
        "members",
        "channels",
        "teams",
    ):
        op.drop_table(table)  # drops its indexes too
