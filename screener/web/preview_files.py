"""Candidate questions.yaml files uploaded for a preview: checked first, never made live.

A candidate is kept in the database (so every instance behind a load balancer sees it)
for the staff session that uploaded it: its id lives only in that session's cookie, it
belongs to that therapist, and it is dropped after a few hours or at the next upload.
"""

from __future__ import annotations

import datetime as dt
import functools
import secrets

from flask import session
from flask_login import current_user
from sqlalchemy import delete, or_

from ..questionnaire import Questionnaire, Report, check_bytes
from ..store import PreviewFile, utcnow
from . import app_state
from .forms import PREVIEW_MAX_BYTES

KEEP = dt.timedelta(hours=8)
SESSION_KEY = "preview_file"


def store(upload) -> Report:
    """Check an uploaded file (UploadForm checked its size) and keep it if it has no errors."""
    raw = upload.read(PREVIEW_MAX_BYTES + 1)
    report = _check(raw, upload.filename or "questions.yaml")
    if report.ok:
        db = app_state.db()
        therapist = current_user.therapist.id
        db.execute(
            delete(PreviewFile).where(
                or_(
                    PreviewFile.therapist_id == therapist, PreviewFile.uploaded_at < utcnow() - KEEP
                )
            )
        )
        row = PreviewFile(id=secrets.token_urlsafe(24), therapist_id=therapist, text=raw.decode())
        db.add(row)
        db.commit()
        session[SESSION_KEY] = row.id
    return report


def _row() -> PreviewFile | None:
    file_id = session.get(SESSION_KEY)
    if not file_id or not current_user.is_authenticated:
        return None
    row = app_state.db().get(PreviewFile, file_id)
    if row is None or row.therapist_id != current_user.therapist.id:
        return None
    return row if row.uploaded_at >= utcnow() - KEEP else None


def current() -> Questionnaire | None:
    """This staff session's candidate, if it still has one."""
    report = current_report()
    return report.questionnaire if report is not None else None


def current_report() -> Report | None:
    row = _row()
    return None if row is None else _check(row.text.encode(), "candidate questions.yaml")


@functools.lru_cache(maxsize=8)
def _check(raw: bytes, name: str) -> Report:
    return check_bytes(raw, name)
