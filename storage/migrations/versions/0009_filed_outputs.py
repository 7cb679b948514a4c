"""Filed outputs: what Blend filed in a channel's Files per step and for the final report.

Revision ID: 0009_filed_outputs
Revises: 0008
Create Date: 2026-11-25
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009_filed_outputs"
down_revision = "0008"
branch_labels = None
depends_on = None

Time = sa.DateTime(timezone=True)  # storage.models.UTCDateTime, written out (see 0001)


def upgrade() -> None:
    op.create_table(
        "filed_outputs",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("trajectory_id", sa.Integer(), nullable=False),
        sa.Column("step_id", sa.Integer(), nullable=True),
        sa.Column("name", sa.String(), nullable=False),
        sa.Column("item_id", sa.String(), nullable=False),
        sa.Column("web_url", sa.String(), nullable=True),
        sa.Column("filed_at", Time, nullable=False),
        sa.ForeignKeyConstraint(["trajectory_id"], ["trajectories.id"],
                                name=op.f("fk_filed_outputs_trajectory_id_trajectories")),
        sa.ForeignKeyConstraint(["step_id"], ["steps.id"], name=op.f("fk_filed_outputs_step_id_steps")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_filed_outputs")),
        sqlite_autoincrement=True,  # ids are never reused
    )
    where_step, where_report = sa.text("step_id IS NOT NULL"), sa.text("step_id IS NULL")
    op.create_index("uq_filed_outputs_step", "filed_outputs", ["trajectory_id", "step_id"], unique=True,
                    sqlite_where=where_step, postgresql_where=where_step)
    op.create_index("uq_filed_outputs_report", "filed_outputs", ["trajectory_id"], unique=True,
                    sqlite_where=where_report, postgresql_where=where_report)


def downgrade() -> None:
    op.drop_index("uq_filed_outputs_report", table_name="filed_outputs")
    op.drop_index("uq_filed_outputs_step", table_name="filed_outputs")
    op.drop_table("filed_outputs")
