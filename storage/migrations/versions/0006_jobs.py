"""Jobs (deadlines, reminders) and the record of each reminder delivered.

Revision ID: 0006
Revises: 0002
Create Date: 2026-11-25
"""

from __future__ import annotations

from typing import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

Time = sa.DateTime(timezone=True)  # written out, see 0001


def upgrade() -> None:
    op.create_table(
        "jobs",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("trajectory_id", sa.Integer(), nullable=False),
        sa.Column("step_id", sa.Integer(), nullable=False),
        sa.Column("due_at", Time, nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("claimed_by", sa.String(), nullable=True),
        sa.Column("claimed_until", Time, nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("created_at", Time, nullable=False),
        sa.Column("finished_at", Time, nullable=True),
        sa.ForeignKeyConstraint(["trajectory_id"], ["trajectories.id"], name=op.f("fk_jobs_trajectory_id_trajectories")),
        sa.ForeignKeyConstraint(["step_id"], ["steps.id"], name=op.f("fk_jobs_step_id_steps")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_jobs")),
        sa.UniqueConstraint("step_id", "kind", "due_at", name=op.f("uq_jobs_step_id_kind_due_at")),
        sqlite_autoincrement=True,
    )
    op.create_index("ix_jobs_state_due_at", "jobs", ["state", "due_at"])
    op.create_table(
        "reminder_sends",
        sa.Column("job_id", sa.Integer(), nullable=False),
        sa.Column("aad_id", sa.String(), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("at", Time, nullable=False),
        sa.ForeignKeyConstraint(["job_id"], ["jobs.id"], name=op.f("fk_reminder_sends_job_id_jobs")),
        sa.PrimaryKeyConstraint("job_id", "aad_id", name=op.f("pk_reminder_sends")),
    )


def downgrade() -> None:
    op.drop_table("reminder_sends")
    op.drop_table("jobs")  # drops its index too
