"""definition_version.live_since (when each version went live) and preview_file (candidate
questions.yaml files uploaded for a staff preview)

Revision ID: 0006_live_versions_and_previews
Revises: 0001_initial
Create Date: 2026-12-03 10:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006_live_versions_and_previews"
down_revision = "0001_initial"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("definition_version", schema=None) as batch_op:
        batch_op.add_column(sa.Column("live_since", sa.DateTime(), nullable=True))
        batch_op.create_index(
            batch_op.f("ix_definition_version_live_since"), ["live_since"], unique=False
        )
    # Versions stored before this revision went live when they were first stored.
    op.execute("UPDATE definition_version SET live_since = created_at")
    op.create_table(
        "preview_file",
        sa.Column("id", sa.String(length=43), nullable=False),
        sa.Column("therapist_id", sa.Integer(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("uploaded_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["therapist_id"], ["therapist.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("preview_file", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_preview_file_uploaded_at"), ["uploaded_at"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("preview_file", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_preview_file_uploaded_at"))
    op.drop_table("preview_file")
    with op.batch_alter_table("definition_version", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_definition_version_live_since"))
        batch_op.drop_column("live_since")
