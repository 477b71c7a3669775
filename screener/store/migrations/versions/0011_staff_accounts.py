"""staff accounts: two-factor sign-in (TOTP secret sealed with the data key, last used step,
recovery codes), one row per signed-in device (staff_session), one-time set-password links
(account_link), the account's name and last sign-in

Accounts from before have no authenticator yet: each enrols one at its next sign-in.

Revision ID: 0011_staff_accounts
Revises: 0010_callback_requests
Create Date: 2026-12-06 02:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011_staff_accounts"
down_revision = "0010_callback_requests"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("therapist", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("name", sa.String(length=200), nullable=False, server_default="")
        )
        batch_op.add_column(sa.Column("totp_secret_enc", sa.LargeBinary(), nullable=True))
        batch_op.add_column(sa.Column("totp_enrolled_at", sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column("totp_last_step", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("last_login_at", sa.DateTime(), nullable=True))
    op.create_table(
        "staff_session",
        sa.Column("id", sa.String(length=43), nullable=False),
        sa.Column("therapist_id", sa.Integer(), nullable=False),
        sa.Column("started_at", sa.DateTime(), nullable=False),
        sa.Column("last_seen_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["therapist_id"], ["therapist.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_staff_session_therapist_id", "staff_session", ["therapist_id"])
    op.create_table(
        "recovery_code",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("therapist_id", sa.Integer(), nullable=False),
        sa.Column("code_hash", sa.String(length=255), nullable=False),
        sa.Column("used_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(["therapist_id"], ["therapist.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_recovery_code_therapist_id", "recovery_code", ["therapist_id"])
    op.create_table(
        "account_link",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("therapist_id", sa.Integer(), nullable=False),
        sa.Column("purpose", sa.String(length=16), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("expires_at", sa.DateTime(), nullable=False),
        sa.Column("used_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(["therapist_id"], ["therapist.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("token_hash"),
    )
    op.create_index("ix_account_link_therapist_id", "account_link", ["therapist_id"])


def downgrade() -> None:
    op.drop_index("ix_account_link_therapist_id", table_name="account_link")
    op.drop_table("account_link")
    op.drop_index("ix_recovery_code_therapist_id", table_name="recovery_code")
    op.drop_table("recovery_code")
    op.drop_index("ix_staff_session_therapist_id", table_name="staff_session")
    op.drop_table("staff_session")
    with op.batch_alter_table("therapist", schema=None) as batch_op:
        batch_op.drop_column("last_login_at")
        batch_op.drop_column("totp_last_step")
        batch_op.drop_column("totp_enrolled_at")
        batch_op.drop_column("totp_secret_enc")
        batch_op.drop_column("name")
