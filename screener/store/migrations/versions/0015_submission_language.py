"""submission.language: the language the client answered in (their PDF and result use it;
staff read the English); earlier submissions were all in English

Revision ID: 0015_submission_language
Revises: 0014_replaced_resume_code
Create Date: 2026-12-06 05:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0015_submission_language"
down_revision = "0014_replaced_resume_code"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("submission", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("language", sa.String(length=8), nullable=False, server_default="en")
        )


def downgrade() -> None:
    with op.batch_alter_table("submission", schema=None) as batch_op:
        batch_op.drop_column("language")
