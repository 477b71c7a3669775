"""submission.draft_id (unique: a draft is sent once, even when Send is pressed twice at
once) and record_key (each draft's and submission's own data key, wrapped by the master key,
for crypto-shredding), referenced by draft.key_id and submission.key_id

The keys have a table of their own, apart from the ciphertext they open, so that a deleted
record's dead tuple (PostgreSQL) holds ciphertext only, and rewriting the small key table
clears the deleted keys from the files. PostgreSQL collects no statistics on the wrapped
keys: ANALYZE would otherwise copy a sample of them into pg_statistic.

Rows from before keep key_id NULL and stay sealed with the master key, which still opens
them: the migration cannot re-encrypt them, as it never sees SCREENER_DATA_KEY. A draft gets
its own key on its next change; `flask --app screener rotate-key` gives every remaining row
one.

Revision ID: 0007_send_once_and_record_keys
Revises: 0006_live_versions_and_previews
Create Date: 2026-12-06 01:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007_send_once_and_record_keys"
down_revision = "0006_live_versions_and_previews"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "record_key",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key_enc", sa.LargeBinary(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    if op.get_bind().dialect.name == "postgresql":
        op.execute("ALTER TABLE record_key ALTER COLUMN key_enc SET STATISTICS 0")
    with op.batch_alter_table("draft", schema=None) as batch_op:
        batch_op.add_column(sa.Column("key_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key("fk_draft_key_id", "record_key", ["key_id"], ["id"])
        batch_op.create_unique_constraint("uq_draft_key_id", ["key_id"])
    with op.batch_alter_table("submission", schema=None) as batch_op:
        batch_op.add_column(sa.Column("draft_id", sa.String(length=43), nullable=True))
        batch_op.add_column(sa.Column("key_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key("fk_submission_key_id", "record_key", ["key_id"], ["id"])
        batch_op.create_unique_constraint("uq_submission_key_id", ["key_id"])
    # Each draft already points at the one submission it was sent as; copies a double Send
    # made before this revision keep draft_id NULL, so the constraint can be added.
    op.execute(
        "UPDATE submission SET draft_id = (SELECT min(draft.id) FROM draft "
        "WHERE draft.submission_id = submission.id)"
    )
    with op.batch_alter_table("submission", schema=None) as batch_op:
        batch_op.create_unique_constraint("uq_submission_draft_id", ["draft_id"])


def downgrade() -> None:
    with op.batch_alter_table("submission", schema=None) as batch_op:
        batch_op.drop_constraint("uq_submission_draft_id", type_="unique")
        batch_op.drop_constraint("uq_submission_key_id", type_="unique")
        batch_op.drop_constraint("fk_submission_key_id", type_="foreignkey")
        batch_op.drop_column("key_id")
        batch_op.drop_column("draft_id")
    with op.batch_alter_table("draft", schema=None) as batch_op:
        batch_op.drop_constraint("uq_draft_key_id", type_="unique")
        batch_op.drop_constraint("fk_draft_key_id", type_="foreignkey")
        batch_op.drop_column("key_id")
    op.drop_table("record_key")
