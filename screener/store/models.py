"""Database tables. Anything a person typed or answered is stored encrypted (`*_enc`).

Drafts and submissions each have a data key of their own (`key_enc`, wrapped by the master
key); deleting the row deletes the key, so any copy of its ciphertext left elsewhere
(write-ahead log, dead tuples, a backup of the ciphertext alone) can no longer be opened.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import (
    Boolean,
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


class Draft(Base):
    """A questionnaire in progress. Its id lives in the client's session cookie."""

    __tablename__ = "draft"
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
    #: this draft's own data key, wrapped by the master key (None: sealed with the master key)
    key_enc: Mapped[bytes | None] = mapped_column(LargeBinary)
    submission_id: Mapped[str | None] = mapped_column(
        ForeignKey("submission.id", ondelete="SET NULL")
    )


class Submission(Base):
    """A draft's one submission: sent with Send, or first made by a call-back request.

    Frozen once sent. A call-back request before Send holds the answers given so far;
    Send then completes that same submission.
    """

    __tablename__ = "submission"
    __table_args__ = (UniqueConstraint("draft_id", name="uq_submission_draft_id"),)
    id: Mapped[str] = mapped_column(String(43), primary_key=True)
    #: what the client and staff quote, e.g. KAP-7F3K-9QXD; random, not sequential
    reference: Mapped[str] = mapped_column(String(20), unique=True, index=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow, index=True)
    definition_hash: Mapped[str] = mapped_column(ForeignKey("definition_version.hash"))
    #: the draft it was sent from: unique, so a draft is sent once even when Send is
    #: pressed twice at once (no foreign key: the draft may go first, e.g. in a purge)
    draft_id: Mapped[str | None] = mapped_column(String(43))
    #: this submission's own data key, wrapped by the master key; its answers, contact
    #: details and notes are sealed with it (None: sealed with the master key)
    key_enc: Mapped[bytes | None] = mapped_column(LargeBinary)
    #: encrypted answers (only those that were shown)
    answers_enc: Mapped[bytes] = mapped_column(LargeBinary)
    #: encrypted {"name", "method", "email", "phone", "time"} and, with a call-back request,
    #: "callback": {"first_name", "phone", "time", "voicemail"}
    contact_enc: Mapped[bytes] = mapped_column(LargeBinary)
    # Plain, so the queue can sort and filter without decrypting:
    outcome_id: Mapped[str] = mapped_column(String(64), index=True)
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

    assigned_to: Mapped[Therapist | None] = relationship(lazy="joined")

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
    #: changes on logout and deactivation, so old session cookies stop working
    session_token: Mapped[str] = mapped_column(String(64), default="")


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

    by: Mapped[Therapist] = relationship(lazy="joined")


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
# The notify worker looks for due rows by state and time.
Index("ix_notification_due", Notification.state, Notification.due_at)
