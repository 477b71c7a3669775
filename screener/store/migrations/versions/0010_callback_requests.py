"""submission.callback_requested (the client asked the practice to call them) and
submission.sent (false while a call-back request holds only the answers given so far)

Revision ID: 0010_callback_requests
Revises: 0009_notification_outbox
Create Date: 2026-12-06 01:20:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010_callback_requests"
down_revision = "0009_notification_outbox"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("submission", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("callback_requested", sa.Boolean(), nullable=False, server_default=sa.false())
        )
        # Every submission before this revision was sent with Send.
        batch_op.add_column(
            sa.Column("sent", sa.Boolean(), nullable=False, server_default=sa.true())
        )
        batch_op.create_index(
            batch_op.f("ix_submission_callback_requested"), ["callback_requested"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("submission", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_submission_callback_requested"))
        batch_op.drop_column("sent")
        batch_op.drop_column("callback_requested")
