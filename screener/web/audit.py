"""Audit entries made during a request: by the signed-in therapist, from the client's address."""

from __future__ import annotations

from flask import request
from flask_login import current_user

from ..store import AuditEntry
from ..store import audit as log
from . import app_state

ACTIONS = log.ACTIONS


def record(
    action: str, reference: str = "", detail: str = "", actor: str | None = None
) -> AuditEntry:
    """Add an entry to the request's session; the caller commits it with its change."""
    if actor is None:
        actor = current_user.email if current_user.is_authenticated else ""
    return log.record(
        app_state.db(),
        action,
        actor=actor,
        ip=request.remote_addr or "",
        reference=reference,
        detail=detail,
    )
