"""Storage: SQLAlchemy models and sessions, encryption, drafts, audit, queries, export,
retention and Alembic migrations. Knows the questionnaire, never the web layer.
"""

from __future__ import annotations

from . import audit, drafts, export, keys, maintenance, migrate, queries
from .crypto import KeyError_, Vault
from .db import is_sqlite, make_engine, make_sessionmaker, read_only
from .definitions import live_versions, load_definition, save_definition
from .models import (
    AuditEntry,
    Base,
    DefinitionVersion,
    Draft,
    Note,
    PreviewFile,
    RecordKey,
    StatusChange,
    Submission,
    Therapist,
    utcnow,
)

__all__ = [
    "AuditEntry",
    "Base",
    "DefinitionVersion",
    "Draft",
    "KeyError_",
    "Note",
    "PreviewFile",
    "RecordKey",
    "StatusChange",
    "Submission",
    "Therapist",
    "Vault",
    "audit",
    "drafts",
    "export",
    "is_sqlite",
    "keys",
    "live_versions",
    "load_definition",
    "maintenance",
    "make_engine",
    "make_sessionmaker",
    "migrate",
    "queries",
    "read_only",
    "save_definition",
    "utcnow",
]
