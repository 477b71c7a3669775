"""Database tables. Anything a person typed or answered is stored encrypted (`*_enc`).

Drafts and submissions each have a data key of their own, wrapped by the master key and kept
apart from the ciphertext in the small `record_key` table. Deleting a record deletes its key
row in the same transaction, and the key table is then rewritten (screener.store.keys)
so no dead copy of the key stays in its files: whatever copies of the ciphertext remain (dead
tuples of the record's table, a backup of it) can no longer be opened.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import (
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
    false,
    true,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


class Base(DeclarativeBase):
    pass


class DefinitionVersion(Base):
    """The full text of each questions.yaml a client answered, so old summaries re-render."""

    __tablename__ = "definition_version"
    #: sha256 of the file's bytes
    hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    #: when the app last started serving this version after serving another one
    live_since: Mapped[dt.datetime | None] = mapped_column(DateTime, index=True)


class PreviewFile(Base):
    """A candidate questions.yaml an admin uploaded to preview; never made live.

    Kept for the staff session that uploaded it (its id is in that session) and for a few
    hours at most; it holds questionnaire content only, never anyone's answers.
    """

    __tablename__ = "preview_file"
    id: Mapped[str] = mapped_column(String(43), primary_key=True)
    therapist_id: Mapped[int] = mapped_column(ForeignKey("therapist.id", ondelete="CASCADE"))
    text: Mapped[str] = mapped_column(Text)
    uploaded_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow, index=True)


class RecordKey(Base):
    """One draft's or submission's data key, wrapped by the master key.

    Its own table, never the record's row: a deleted row lingers as a dead tuple in
    PostgreSQL's files, and a key lying next to its ciphertext would linger with it. This
    table stays small, so rewriting it after a delete is cheap.
    """

    __tablename__ = "record_key"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    #: a Fernet key, encrypted with the first master key of SCREENER_DATA_KEY
    key_enc: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)


class _Keyed:
    """A record sealed with a data key of its own (`key`, a row of record_key)."""

    @property
    def key_enc(self) -> bytes | None:
        """The wrapped data key; None for a record from before per-record keys, which was
        sealed with the master key itself."""
        return self.key.key_enc if self.key is not None else None


class Draft(_Keyed, Base):
    """A questionnaire in progress. Its id lives in the client's session cookie."""

    __tablename__ = "draft"
    __table_args__ = (UniqueConstraint("key_id", name="uq_draft_key_id"),)
    id: Mapped[str] = mapped_column(String(43), primary_key=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow, index=True)
    definition_hash: Mapped[str] = mapped_column(ForeignKey("definition_version.hash"))
    #: encrypted {"answers": {...}, "shown": [...], "page": "...", "finished": bool}
    state_enc: Mapped[bytes] = mapped_column(LargeBinary)
    #: sha256 of the resume code, when the client saved for later
    resume_hash: Mapped[str | None] = mapped_column(String(64), unique=True, index=True)
    #: sha256 of the code a later save replaced, so entering it gets a message of its own
    replaced_resume_hash: Mapped[str | None] = mapped_column(String(64), index=True)
    #: this draft's own data key (None: sealed with the master key)
    key_id: Mapped[int | None] = mapped_column(ForeignKey("record_key.id", name="fk_draft_key_id"))
    submission_id: Mapped[str | None] = mapped_column(
        ForeignKey("submission.id", ondelete="SET NULL")
    )

    key: Mapped[RecordKey | None] = relationship(lazy="joined")


class Submission(_Keyed, Base):
    """A draft's one submission: sent with Send, or first made by a call-back request.

    Frozen once sent. A call-back request before Send holds the answers given so far;
    Send then completes that same submission.
    """

    __tablename__ = "submission"
    __table_args__ = (
        UniqueConstraint("draft_id", name="uq_submission_draft_id"),
        UniqueConstraint("key_id", name="uq_submission_key_id"),
    )
    id: Mapped[str] = mapped_column(String(43), primary_key=True)
    #: what the client and staff quote, e.g. KAP-7F3K-9QXD; random, not sequential
    reference: Mapped[str] = mapped_column(String(20), unique=True, index=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow, index=True)
    definition_hash: Mapped[str] = mapped_column(ForeignKey("definition_version.hash"))
    #: the draft it was sent from: unique, so a draft is sent once even when Send is
    #: pressed twice at once (no foreign key: the draft may go first, e.g. in a purge)
    draft_id: Mapped[str | None] = mapped_column(String(43))
    #: this submission's own data key; its answers, contact details and notes are sealed
    #: with it (None: sealed with the master key)
    key_id: Mapped[int | None] = mapped_column(
        ForeignKey("record_key.id", name="fk_submission_key_id")
    )
    #: encrypted answers (only those that were shown)
    answers_enc: Mapped[bytes] = mapped_column(LargeBinary)
    #: encrypted {"name", "method", "email", "phone", "time"} and, with a call-back request,
    #: "callback": {"first_name", "phone", "time", "voicemail"}
    contact_enc: Mapped[bytes] = mapped_column(LargeBinary)
    # Plain, so the queue can sort and filter without decrypting:
    outcome_id: Mapped[str] = mapped_column(String(64), index=True)
    #: the language the client answered in: their PDF and result are in it (staff read English)
    language: Mapped[str] = mapped_column(String(8), default="en", server_default="en")
    flag_ids: Mapped[str] = mapped_column(Text, default="")
    #: 3 support first, 2 other urgent flag or a call-back request, 1 needs medical review,
    #: 0 the rest
    urgency: Mapped[int] = mapped_column(Integer, index=True)
    #: the client asked the practice to call them back (details in contact_enc)
    callback_requested: Mapped[bool] = mapped_column(
        Boolean, default=False, server_default=false(), index=True
    )
    #: False while the submission holds only a call-back request and the answers so far
    sent: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())
    status: Mapped[str] = mapped_column(String(32), default="new", index=True)
    assigned_to_id: Mapped[int | None] = mapped_column(ForeignKey("therapist.id"))
    #: the queue's order: 4 support first, 3 another urgent flag, 2 safety history (a past
    #: attempt), 1 needs medical review, 0 the rest (see drafts.queue_rank)
    queue_rank: Mapped[int] = mapped_column(Integer, default=0)
    #: when the status last changed (a "Tried to call" is stamped with it)
    status_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    #: a local day on which the case goes back to the top of the queue
    follow_up_on: Mapped[dt.date | None] = mapped_column(Date)

    assigned_to: Mapped[Therapist | None] = relationship(lazy="joined")
    key: Mapped[RecordKey | None] = relationship(lazy="joined")

    @property
    def flags(self) -> list[str]:
        return self.flag_ids.split() if self.flag_ids else []


class Therapist(Base):
    __tablename__ = "therapist"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    is_admin: Mapped[bool] = mapped_column(Boolean, default=False)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    failed_logins: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[dt.datetime | None] = mapped_column(DateTime)
    #: kept for the command line; sign-ins are the rows of staff_session
    session_token: Mapped[str] = mapped_column(String(64), default="")
    #: the name an administrator typed when inviting the account
    name: Mapped[str] = mapped_column(String(200), default="")
    #: the authenticator (TOTP) secret, sealed with the data key; set at enrolment
    totp_secret_enc: Mapped[bytes | None] = mapped_column(LargeBinary)
    #: when a first code confirmed the secret; None: enrolment is still to do
    totp_enrolled_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    #: the time step of the last code accepted: a code is used once (replay is refused)
    totp_last_step: Mapped[int | None] = mapped_column(Integer)
    last_login_at: Mapped[dt.datetime | None] = mapped_column(DateTime)


class StaffSession(Base):
    """One signed-in device: its random id is in that device's session cookie. Deleting the
    row signs that device out; no address or browser is kept (the audit log has the address)."""

    __tablename__ = "staff_session"
    id: Mapped[str] = mapped_column(String(43), primary_key=True)
    therapist_id: Mapped[int] = mapped_column(
        ForeignKey("therapist.id", ondelete="CASCADE"), index=True
    )
    started_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    last_seen_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)


class RecoveryCode(Base):
    """A one-time code for signing in without the authenticator; only its argon2 hash."""

    __tablename__ = "recovery_code"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    therapist_id: Mapped[int] = mapped_column(
        ForeignKey("therapist.id", ondelete="CASCADE"), index=True
    )
    code_hash: Mapped[str] = mapped_column(String(255))
    used_at: Mapped[dt.datetime | None] = mapped_column(DateTime)


class AccountLink(Base):
    """A one-time set-password link (an invitation or a reset); only its sha256 is kept."""

    __tablename__ = "account_link"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    therapist_id: Mapped[int] = mapped_column(
        ForeignKey("therapist.id", ondelete="CASCADE"), index=True
    )
    #: "invite" or "reset"
    purpose: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    expires_at: Mapped[dt.datetime] = mapped_column(DateTime)
    used_at: Mapped[dt.datetime | None] = mapped_column(DateTime)


class Note(Base):
    """A therapist's note on a submission. Added, never edited or deleted."""

    __tablename__ = "note"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    submission_id: Mapped[str] = mapped_column(
        ForeignKey("submission.id", ondelete="CASCADE"), index=True
    )
    author_id: Mapped[int] = mapped_column(ForeignKey("therapist.id"))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    #: sealed with its submission's data key
    body_enc: Mapped[bytes] = mapped_column(LargeBinary)

    author: Mapped[Therapist] = relationship(lazy="joined")


class StatusChange(Base):
    __tablename__ = "status_change"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    submission_id: Mapped[str] = mapped_column(
        ForeignKey("submission.id", ondelete="CASCADE"), index=True
    )
    by_id: Mapped[int] = mapped_column(ForeignKey("therapist.id"))
    at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    old: Mapped[str] = mapped_column(String(32))
    new: Mapped[str] = mapped_column(String(32))
    #: this change undoes the one before it (a wrong step); both stay in the history
    correction: Mapped[bool] = mapped_column(Boolean, default=False)

    by: Mapped[Therapist] = relationship(lazy="joined")


class Tombstone(Base):
    """What is left of a submission its client deleted: the reference, how urgent it was,
    and when. No answers, no contact details, no notes and no data key: those went with the
    submission's row, so a therapist about to call sees it was withdrawn, not that it vanished.
    """

    __tablename__ = "tombstone"
    reference: Mapped[str] = mapped_column(String(20), primary_key=True)
    urgency: Mapped[int] = mapped_column(Integer)
    queue_rank: Mapped[int] = mapped_column(Integer, default=0)
    received_at: Mapped[dt.datetime] = mapped_column(DateTime)
    deleted_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow, index=True)
    status: Mapped[str] = mapped_column(String(32), default="new")
    assigned_to_id: Mapped[int | None] = mapped_column(
        ForeignKey("therapist.id", ondelete="SET NULL")
    )


class AuditEntry(Base):
    """Append-only: who did what, to which submission (by reference only), when, from where."""

    __tablename__ = "audit_entry"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow, index=True)
    actor: Mapped[str] = mapped_column(String(254), default="")
    action: Mapped[str] = mapped_column(String(64), index=True)
    reference: Mapped[str] = mapped_column(String(20), default="", index=True)
    ip: Mapped[str] = mapped_column(String(64), default="")
    detail: Mapped[str] = mapped_column(String(255), default="")


class ApiToken(Base):
    """A therapist's token for the read-only staff API. Only its sha256 is kept: the token
    itself is shown once, when an admin creates it."""

    __tablename__ = "api_token"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    therapist_id: Mapped[int] = mapped_column(
        ForeignKey("therapist.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(100))
    #: sha256 of the token (hex); the token is random, so no slow hash is needed
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    created_by: Mapped[str] = mapped_column(String(254), default="")
    expires_at: Mapped[dt.datetime] = mapped_column(DateTime)
    last_used_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    revoked_at: Mapped[dt.datetime | None] = mapped_column(DateTime)

    therapist: Mapped[Therapist] = relationship(lazy="joined")


class KeyCheck(Base):
    """A known value sealed with the data key when the database was first used, so that the
    readiness check notices a wrong SCREENER_DATA_KEY before anyone's answers fail to open.
    `flask rotate-key` re-seals it with the new key like every other encrypted column."""

    __tablename__ = "key_check"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    sealed: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)


class Notification(Base):
    """The outbox: one message to the practice about a submission, on one channel.

    Written in the same transaction as the submission (or the acknowledgement deadline it
    escalates), then delivered by the notify worker. It holds the reference, the urgency
    level and times only: never an answer, a name, a contact detail or a flag.
    """

    __tablename__ = "notification"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    #: the idempotency key: the same for every delivery attempt of this message
    key: Mapped[str] = mapped_column(String(64), unique=True)
    submission_id: Mapped[str] = mapped_column(
        ForeignKey("submission.id", ondelete="CASCADE"), index=True
    )
    reference: Mapped[str] = mapped_column(String(20))
    #: urgent (sent at once) · routine (in the next digest) · escalation (not acknowledged)
    kind: Mapped[str] = mapped_column(String(16))
    #: email · webhook · console
    channel: Mapped[str] = mapped_column(String(16))
    level: Mapped[str] = mapped_column(String(32))
    submitted_at: Mapped[dt.datetime] = mapped_column(DateTime)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    #: pending · sending (claimed by a worker until claimed_until) · sent · cancelled
    state: Mapped[str] = mapped_column(String(16), default="pending")
    due_at: Mapped[dt.datetime] = mapped_column(DateTime)
    claimed_until: Mapped[dt.datetime | None] = mapped_column(DateTime)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    sent_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    last_error: Mapped[str] = mapped_column(String(255), default="")
    #: routine rows delivered in one digest share this key (set when first claimed)
    batch: Mapped[str | None] = mapped_column(String(64))


class Acknowledgement(Base):
    """A therapist has seen an urgent submission; its escalation is then called off."""

    __tablename__ = "acknowledgement"
    submission_id: Mapped[str] = mapped_column(
        ForeignKey("submission.id", ondelete="CASCADE"), primary_key=True
    )
    by_id: Mapped[int] = mapped_column(ForeignKey("therapist.id"))
    at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)

    by: Mapped[Therapist] = relationship(lazy="joined")


# The staff queue sorts by urgency (most urgent first), then oldest first; this index
# serves that order directly, so the queue stays fast at 10,000 submissions.
Index("ix_submission_queue", Submission.urgency.desc(), Submission.created_at, Submission.id)
# ... and by rank (safety history above routine cases), the order the queue shows now.
Index("ix_submission_rank", Submission.queue_rank.desc(), Submission.created_at, Submission.id)
Index("ix_submission_follow_up", Submission.follow_up_on)
# The notify worker looks for due rows by state and time.
Index("ix_notification_due", Notification.state, Notification.due_at)
