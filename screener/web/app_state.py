"""What the app keeps for its lifetime: the questionnaire, the database engine, the vault.

One `AppState` per app, in ``app.extensions["screener"]``; `get()` returns it and `db()` the
request's own database session, opened on first use and closed at teardown.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from flask import Flask, current_app, g

from ..questionnaire import DefinitionError, Questionnaire, check_file
from ..store import (
    Vault,
    health,
    load_definition,
    make_engine,
    make_sessionmaker,
    migrate,
    save_definition,
)


@dataclass
class AppState:
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
                stored = load_definition(session, content_hash)
            if stored is None:
                raise LookupError(f"definition {content_hash[:12]} is not stored")
            self.versions[content_hash] = stored
        return self.versions[content_hash]


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
    # empty or behind: apply the Alembic migrations
    schema_is_current = migrate.prepare(engine, app.config.get("AUTO_CREATE_SCHEMA", True))
    state = AppState(
        report.questionnaire, engine, make_sessionmaker(engine), Vault(app.config["DATA_KEY"])
    )
    app.extensions["screener"] = state
    if schema_is_current:  # else only `flask db-upgrade` can run, and it needs no definition
        with state.sessionmaker.begin() as session:
            save_definition(session, state.questionnaire)
            health.seal_key_check(session, state.vault)
    app.teardown_appcontext(_close_session)


def get() -> AppState:
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
