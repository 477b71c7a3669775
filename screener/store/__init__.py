"""Storage: SQLAlchemy models and sessions, encryption, drafts, audit, queries, export,
retention, the notification outbox and its schedule, and Alembic migrations. Knows the
questionnaire, never the web layer.
"""

from __future__ import annotations

from . import audit, drafts, export, health, maintenance, migrate, outbox, queries, schedule
from .crypto import KeyError_, Vault
from .db import is_sqlite, make_engine, make_sessionmaker, read_only
from .definitions import drafts_by_version, live_versions, load_definition, save_definition
from .models import (
    Acknowledgement,
    AuditEntry,
    Base,
    DefinitionVersion,
    Draft,
    KeyCheck,
    Note,
    Notification,
    PreviewFile,
    StatusChange,
    Submission,
    Therapist,
    Tombstone,
    utcnow,
)

__all__ = [
    "Acknowledgement",
    "AuditEntry",
    "Base",
    "DefinitionVersion",
    "Draft",
    "KeyCheck",
    "KeyError_",
    "Note",
    "Notification",
    "PreviewFile",
    "StatusChange",
    "Submission",
    "Therapist",
    "Tombstone",
    "Vault",
    "audit",
    "drafts",
    "drafts_by_version",
    "export",
    "health",
    "is_sqlite",
    "live_versions",
    "load_definition",
    "maintenance",
    "make_engine",
    "make_sessionmaker",
    "migrate",
    "outbox",
    "queries",
    "read_only",
    "save_definition",
    "schedule",
    "utcnow",
]
