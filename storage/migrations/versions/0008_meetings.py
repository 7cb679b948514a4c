"""Meeting and workshop steps: the calendar event of each sync step.

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-25
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

Time = sa.DateTime(timezone=True)  # storage.models.UTCDateTime, written out (see 0001)


def upgrade() -> None:
    op.create_table(
        "meetings",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("step_id", sa.Integer(), nullable=False),
        sa.Column("event_id", sa.String(), nullable=False),
        sa.Column("join_url", sa.String(), nullable=True),
        sa.Column("web_link", sa.String(), nullable=True),
        sa.Column("ics_path", sa.String(), nullable=True),
        sa.Column("start", Time, nullable=False),
        sa.Column("end", Time, nullable=False),
        sa.Column("time_zone", sa.String(), nullable=False),
        sa.Column("organizer", sa.String(), nullable=False),
        sa.Column("location", sa.String(), nullable=False),
        sa.Column("online", sa.Boolean(), nullable=False),
        sa.Column("agenda_html", sa.Text(), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("outcomes", sa.Text(), nullable=False),
        sa.Column("decisions", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(["step_id"], ["steps.id"], name=op.f("fk_meetings_step_id_steps")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_meetings")),
        sa.UniqueConstraint("step_id", name=op.f("uq_meetings_step_id")),
        sqlite_autoincrement=True,  # ids are never reused
    )


def downgrade() -> None:
    op.drop_table("meetings")
