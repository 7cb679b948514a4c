"""Vote step: frozen options, one ballot per member and step, reveal state.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-25
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

Time = sa.DateTime(timezone=True)  # storage.models.UTCDateTime, written out (see 0001)


def upgrade() -> None:
    op.create_table(
        "vote_options",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("step_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("label", sa.Text(), nullable=False),
        sa.Column("idea_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["step_id"], ["steps.id"], name=op.f("fk_vote_options_step_id_steps")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_vote_options")),
        sa.UniqueConstraint("step_id", "position", name=op.f("uq_vote_options_step_id_position")),
        sqlite_autoincrement=True,  # option ids travel in cards: never reused
    )
    op.create_table(
        "vote_state",
        sa.Column("step_id", sa.Integer(), nullable=False),
        sa.Column("frozen_at", Time, nullable=False),
        sa.Column("offered", sa.Integer(), nullable=False),
        sa.Column("revealed_at", Time, nullable=True),
        sa.ForeignKeyConstraint(["step_id"], ["steps.id"], name=op.f("fk_vote_state_step_id_steps")),
        sa.PrimaryKeyConstraint("step_id", name=op.f("pk_vote_state")),
    )
    op.create_table(
        "ballots",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("step_id", sa.Integer(), nullable=False),
        sa.Column("voter_aad_id", sa.String(), nullable=False),
        sa.Column("voter_name", sa.String(), nullable=False),
        sa.Column("voter_user_id", sa.String(), nullable=False),
        sa.Column("choices", sa.JSON(), nullable=False),
        sa.Column("updated_at", Time, nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["step_id"], ["steps.id"], name=op.f("fk_ballots_step_id_steps")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ballots")),
        sa.UniqueConstraint("step_id", "voter_aad_id", name=op.f("uq_ballots_step_id_voter_aad_id")),
        sqlite_autoincrement=True,
    )


def downgrade() -> None:
    for table in ("ballots", "vote_state", "vote_options"):
        op.drop_table(table)
