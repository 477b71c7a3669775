"""The append-only audit log: who did what, to which submission, when and from where.

Entries name a submission by its reference only, never its answers, contact details or note
text. Nothing in the app updates or deletes an entry: a `before_flush` guard refuses it for
every SQLAlchemy session, and a `do_orm_execute` guard refuses bulk UPDATE/DELETE statements.
"""

from __future__ import annotations

from sqlalchemy import event
from sqlalchemy.orm import Session

from .models import AuditEntry

#: action → what an administrator reads in the log
ACTIONS = {
    "login": "Signed in",
    "login_failed": "Failed sign-in",
    "logout": "Signed out",
    "session_timeout": "Signed out after inactivity",
    "view_submission": "Viewed a submission",
    "pdf_download": "Downloaded a summary PDF",
    "pdf_view": "Viewed a summary PDF",
    "csv_export": "Exported CSV",
    "fhir_download": "Downloaded a FHIR bundle",
    "fhir_export": "Exported FHIR NDJSON (CLI)",
    "api_call": "API call",
    "api_refused": "API call refused",
    "api_token_created": "API token created",
    "api_token_revoked": "API token revoked",
    "status_change": "Changed status",
    "status_corrected": "Corrected a status change",
    "follow_up": "Set a follow-up date",
    "brief_download": "Downloaded a clinician brief PDF",
    "note_added": "Added a note",
    "assign": "Assigned",
    "client_deleted": "Client deleted their answers",
    "purge": "Purged expired data",
    "acknowledged": "Acknowledged an urgent submission",
    "escalated": "Escalated: urgent submission not acknowledged in time",
    "account_created": "Account created (CLI)",
    "account_deactivated": "Account deactivated",
    "account_invited": "Invited a therapist",
    "account_reactivated": "Account reactivated",
    "admin_granted": "Made an administrator",
    "admin_removed": "Administrator rights removed",
    "password_reset_link": "Made a password reset link",
    "password_set": "Set a password with a one-time link",
    "password_changed": "Changed their password",
    "two_factor_enrolled": "Set up two-factor sign-in",
    "two_factor_reset": "Reset two-factor sign-in",
    "account_unlocked": "Unlocked an account",
    "sessions_ended": "Ended sessions",
    "password_reset": "Password reset (CLI)",
}


class AuditImmutable(RuntimeError):
    """Raised when anything tries to change or delete an audit entry."""


def _clip(text: str, size: int) -> str:
    return (text or "")[:size]


def record(
    session: Session,
    action: str,
    *,
    actor: str = "",
    ip: str = "",
    reference: str = "",
    detail: str = "",
) -> AuditEntry:
    """Add an entry to `session`; the caller commits it together with the change it records."""
    entry = AuditEntry(
        actor=_clip(actor, 254),
        action=_clip(action, 64),
        reference=_clip(reference, 20),
        ip=_clip(ip, 64),
        detail=_clip(detail, 255),
    )
    session.add(entry)
    return entry


@event.listens_for(Session, "before_flush")
def _refuse_changes(session: Session, _flush_context, _instances) -> None:
    for obj in session.deleted:
        if isinstance(obj, AuditEntry):
            raise AuditImmutable("audit entries cannot be deleted")
    for obj in session.dirty:
        if isinstance(obj, AuditEntry) and session.is_modified(obj):
            raise AuditImmutable("audit entries cannot be changed")


@event.listens_for(Session, "do_orm_execute")
def _refuse_bulk(state) -> None:
    if not (state.is_update or state.is_delete):
        return
    if any(mapper.class_ is AuditEntry for mapper in state.all_mappers):
        raise AuditImmutable("audit entries cannot be changed or deleted")
