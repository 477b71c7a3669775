"""What the app holds for its lifetime: the questionnaire, the database, the vault."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache

from flask import Flask, current_app, g

from . import migrate
from .check import DefinitionError, check_file
from .crypto import Vault
from .db import make_engine, make_sessionmaker
from .definition import Questionnaire
from .loader import load_text
from .models import DefinitionVersion


@dataclass
class Services:
    questionnaire: Questionnaire
    engine: object
    sessionmaker: object
    vault: Vault
    versions: dict = field(default_factory=dict)

    def definition(self, content_hash: str) -> Questionnaire:
        """The questionnaire a draft or submission was answered against."""
        if content_hash == self.questionnaire.content_hash:
            return self.questionnaire
        if content_hash not in self.versions:
            with self.sessionmaker() as session:
                row = session.get(DefinitionVersion, content_hash)
            if row is None:
                raise LookupError(f"definition {content_hash[:12]} is not stored")
            self.versions[content_hash] = _load_stored(row.text, content_hash)
        return self.versions[content_hash]


@lru_cache(maxsize=16)
def _load_stored(text: str, content_hash: str) -> Questionnaire:
    return load_text(text, "stored", content_hash).questionnaire


def init_app(app: Flask) -> None:
    report = check_file(app.config["QUESTIONS"], run_examples_too=False)
    if not report.ok:
        raise DefinitionError(report)
    engine = make_engine(
        app.config["DATABASE_URL"],
        app.config.get("DB_POOL_SIZE"),
        app.config.get("DB_MAX_OVERFLOW"),
        app.config.get("DB_POOL_RECYCLE"),
    )
    migrate.prepare(app, engine)  # empty or behind: apply the Alembic migrations
    migrate.init_app(app)  # `flask db-upgrade`
    svc = Services(
        report.questionnaire, engine, make_sessionmaker(engine), Vault(app.config["DATA_KEY"])
    )
    app.extensions["screener"] = svc
    _store_definition(svc)
    app.teardown_appcontext(_close_session)


def _store_definition(svc: Services) -> None:
    q = svc.questionnaire
    with svc.sessionmaker.begin() as session:
        if session.get(DefinitionVersion, q.content_hash) is None:
            session.add(DefinitionVersion(hash=q.content_hash, text=q.text))


def get() -> Services:
    return current_app.extensions["screener"]


def db():
    """The request's database session, opened on first use and closed at teardown."""
    if "db" not in g:
        g.db = get().sessionmaker()
    return g.db


def _close_session(exc):
    session = g.pop("db", None)
    if session is not None:
        if exc is not None:
            session.rollback()
        session.close()
