"""the therapist's morning: queue rank (safety history above routine), status time and
follow-up date, corrections in the status history, tombstones of client-deleted submissions

Revision ID: 0013_staff_morning
Revises: 0012_api_tokens
Create Date: 2026-12-06 02:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0013_staff_morning"
down_revision = "0012_api_tokens"
branch_labels = None
depends_on = None

#: the same rule as screener.store.drafts.queue_rank, on the plain columns
RANK = """
UPDATE submission SET queue_rank = CASE
  WHEN urgency = 3 THEN 4
  WHEN urgency = 2 THEN 3
  WHEN (' ' || flag_ids || ' ') LIKE '% safety_past_attempt %' THEN 2
  WHEN urgency = 1 THEN 1
  ELSE 0 END
"""


def upgrade() -> None:
    with op.batch_alter_table("submission", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("queue_rank", sa.Integer(), nullable=False, server_default="0")
        )
        batch_op.add_column(sa.Column("status_at", sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column("follow_up_on", sa.Date(), nullable=True))
    op.execute(RANK)
    # outside a batch: SQLite adds an index without copying the table
    op.create_index(
        "ix_submission_rank",
        "submission",
        [sa.literal_column("queue_rank DESC"), "created_at", "id"],
        unique=False,
    )
    op.create_index("ix_submission_follow_up", "submission", ["follow_up_on"], unique=False)
    # the server defaults fill the rows there are; new rows get theirs from the app
    with op.batch_alter_table("status_change", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("correction", sa.Boolean(), nullable=False, server_default=sa.false())
        )
    op.create_table(
        "tombstone",
        sa.Column("reference", sa.String(length=20), nullable=False),
        sa.Column("urgency", sa.Integer(), nullable=False),
        sa.Column("queue_rank", sa.Integer(), nullable=False),
        sa.Column("received_at", sa.DateTime(), nullable=False),
        sa.Column("deleted_at", sa.DateTime(), nullable=False),
        sa.Column("status", sa.String(length=32), nullable=False),
        sa.Column("assigned_to_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["assigned_to_id"], ["therapist.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("reference"),
    )
    with op.batch_alter_table("tombstone", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_tombstone_deleted_at"), ["deleted_at"], unique=False)


def downgrade() -> None:
    op.drop_table("tombstone")
    with op.batch_alter_table("status_change", schema=None) as batch_op:
        batch_op.drop_column("correction")
    op.drop_index("ix_submission_follow_up", table_name="submission")
    op.drop_index("ix_submission_rank", table_name="submission")
    with op.batch_alter_table("submission", schema=None) as batch_op:
        batch_op.drop_column("follow_up_on")
        batch_op.drop_column("status_at")
        batch_op.drop_column("queue_rank")
