"""ballots.voted (the ballot is not empty), indexed with the step: the vote card's voter count.

Existing ballots: voted where they have a counted choice in ballot_choices (0010 copied them).

Revision ID: 0011_ballots_voted
Revises: 0010_ballot_choices
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011_ballots_voted"
down_revision = "0010_ballot_choices"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("ballots", sa.Column("voted", sa.Boolean(), server_default=sa.false(), nullable=False))
    op.execute("UPDATE ballots SET voted = EXISTS (SELECT 1 FROM ballot_choices c"
               " WHERE c.step_id = ballots.step_id AND c.ballot_id = ballots.id AND c.value > 0)")
    op.create_index("ix_ballots_step_id_voted", "ballots", ["step_id", "voted"])


def downgrade() -> None:
    op.drop_index("ix_ballots_step_id_voted", table_name="ballots")
    with op.batch_alter_table("ballots") as batch:
        batch.drop_column("voted")
