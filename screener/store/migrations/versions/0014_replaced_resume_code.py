"""draft.replaced_resume_hash: the code a second save replaced, so that entering it gets a
specific message ("replaced when these answers were saved again")

Revision ID: 0014_replaced_resume_code
Revises: 0013_staff_morning
Create Date: 2026-12-06 02:45:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0014_replaced_resume_code"
down_revision = "0013_staff_morning"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("draft", schema=None) as batch_op:
        batch_op.add_column(sa.Column("replaced_resume_hash", sa.String(length=64), nullable=True))
        batch_op.create_index(
            batch_op.f("ix_draft_replaced_resume_hash"), ["replaced_resume_hash"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("draft", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_draft_replaced_resume_hash"))
        batch_op.drop_column("replaced_resume_hash")
