"""Evaluation step: one response (answers as JSON) per member and step.

Revision ID: 0004
Revises: 0002
Create Date: 2026-11-25
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0002"
branch_labels = None
depends_on = None

Time = sa.DateTime(timezone=True)  # storage.models.UTCDateTime, written out (see 0001)


def upgrade() -> None:
    op.create_table(
        "responses",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("step_id", sa.Integer(), nullable=False),
        sa.Column("respondent_aad_id", sa.String(), nullable=False),
        sa.Column("respondent_name", sa.String(), nullable=False),
        sa.Column("respondent_user_id", sa.String(), nullable=False),
        sa.Column("answers", sa.JSON(), nullable=False),
        sa.Column("submitted_at", Time, nullable=False),
        sa.Column("updated_at", Time, nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["step_id"], ["steps.id"], name=op.f("fk_responses_step_id_steps")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_responses")),
        sa.UniqueConstraint("step_id", "respondent_aad_id", name=op.f("uq_responses_step_id_respondent_aad_id")),
        sqlite_autoincrement=True,  # ids are never reused
    )


def downgrade() -> None:
    op.drop_table("responses")
