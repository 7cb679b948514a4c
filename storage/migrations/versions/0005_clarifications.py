"""Clarifications on ideas, merged duplicate ideas, and where a step's summary was posted.

Revision ID: 0005
Revises: 0002
Create Date: 2026-11-25
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0002"
branch_labels = None
depends_on = None

Time = sa.DateTime(timezone=True)  # storage.models.UTCDateTime, written out (see 0001)


def upgrade() -> None:
    # SQLite adds a foreign key by copying the table: keep AUTOINCREMENT (idea ids are never reused).
    with op.batch_alter_table("ideas", table_kwargs={"sqlite_autoincrement": True}) as batch:
        batch.add_column(sa.Column("merged_into", sa.Integer(), nullable=True))
        batch.create_foreign_key(op.f("fk_ideas_merged_into_ideas"), "ideas", ["merged_into"], ["id"])
    op.create_table(
        "clarifications",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("step_id", sa.Integer(), nullable=False),
        sa.Column("idea_id", sa.Integer(), nullable=False),
        sa.Column("asker_aad_id", sa.String(), nullable=False),
        sa.Column("asker_name", sa.String(), nullable=False),
        sa.Column("anonymous", sa.Boolean(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("answer", sa.Text(), nullable=True),
        sa.Column("answered_at", Time, nullable=True),
        sa.Column("created_at", Time, nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.CheckConstraint("kind IN ('question', 'comment')", name=op.f("ck_clarifications_kind")),
        sa.CheckConstraint("NOT anonymous OR asker_name = ''", name=op.f("ck_clarifications_anonymous_unnamed")),
        sa.ForeignKeyConstraint(["step_id"], ["steps.id"], name=op.f("fk_clarifications_step_id_steps")),
        sa.ForeignKeyConstraint(["idea_id"], ["ideas.id"], name=op.f("fk_clarifications_idea_id_ideas")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_clarifications")),
        sqlite_autoincrement=True,  # clarification ids travel in cards: never reused
    )
    op.create_index("ix_clarifications_step_id_asker_aad_id", "clarifications", ["step_id", "asker_aad_id"])
    op.create_index(op.f("ix_clarifications_idea_id"), "clarifications", ["idea_id"])
    op.create_table(
        "summary_cards",
        sa.Column("step_id", sa.Integer(), nullable=False),
        sa.Column("conversation_id", sa.String(), nullable=False),
        sa.Column("activity_id", sa.String(), nullable=False),
        sa.ForeignKeyConstraint(["step_id"], ["steps.id"], name=op.f("fk_summary_cards_step_id_steps")),
        sa.PrimaryKeyConstraint("step_id", name=op.f("pk_summary_cards")),
    )


def downgrade() -> None:
    op.drop_table("summary_cards")
    op.drop_table("clarifications")
    with op.batch_alter_table("ideas", table_kwargs={"sqlite_autoincrement": True}) as batch:
        batch.drop_constraint(op.f("fk_ideas_merged_into_ideas"), type_="foreignkey")
        batch.drop_column("merged_into")
