"""Ballot choices one per row (ballot_choices), beside ballots.choices, for counting in SQL.

Existing ballots are copied: every stored choice of an option of the ballot's own step.

Revision ID: 0010_ballot_choices
Revises: 0009_filed_outputs
Create Date: 2026-12-06
"""

from __future__ import annotations

import json

import sqlalchemy as sa
from alembic import op

revision = "0010_ballot_choices"
down_revision = "0009_filed_outputs"
branch_labels = None
depends_on = None

BATCH = 1000


def upgrade() -> None:
    op.create_table(
        "ballot_choices",
        sa.Column("step_id", sa.Integer(), nullable=False),
        sa.Column("ballot_id", sa.Integer(), nullable=False),
        sa.Column("option_id", sa.Integer(), nullable=False),
        sa.Column("value", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["step_id"], ["steps.id"], name=op.f("fk_ballot_choices_step_id_steps")),
        sa.ForeignKeyConstraint(["ballot_id"], ["ballots.id"], name=op.f("fk_ballot_choices_ballot_id_ballots")),
        sa.ForeignKeyConstraint(["option_id"], ["vote_options.id"],
                                name=op.f("fk_ballot_choices_option_id_vote_options")),
        sa.PrimaryKeyConstraint("step_id", "ballot_id", "option_id", name=op.f("pk_ballot_choices")),
    )
    op.create_index("ix_ballot_choices_step_id_option_id_value", "ballot_choices", ["step_id", "option_id", "value"])
    _copy_existing_ballots()


def _copy_existing_ballots() -> None:
    conn = op.get_bind()
    options = {(row.step_id, row.id) for row in conn.execute(sa.text("SELECT id, step_id FROM vote_options"))}
    table = sa.table("ballot_choices", sa.column("step_id"), sa.column("ballot_id"), sa.column("option_id"),
                     sa.column("value"))
    rows: list[dict[str, int]] = []
    for ballot in conn.execute(sa.text("SELECT id, step_id, choices FROM ballots ORDER BY id")).all():
        choices = ballot.choices if isinstance(ballot.choices, dict) else json.loads(ballot.choices or "{}")
        rows += [{"step_id": ballot.step_id, "ballot_id": ballot.id, "option_id": int(k), "value": int(v)}
                 for k, v in choices.items() if (ballot.step_id, int(k)) in options]
        if len(rows) >= BATCH:
            conn.execute(sa.insert(table), rows)
            rows = []
    if rows:
        conn.execute(sa.insert(table), rows)


def downgrade() -> None:
    op.drop_index("ix_ballot_choices_step_id_option_id_value", table_name="ballot_choices")
    op.drop_table("ballot_choices")
