"""What the app keeps for its lifetime: the questionnaire, the database engine, the vault.

One `AppState` per app, in ``app.extensions["screener"]``; `get()` returns it and `db()` the
request's own database session, opened on first use and closed at teardown. A request uses
that one session (one connection) for everything, stored questionnaire versions included:
a second session would wait on the first one's SQLite write lock.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from flask import Flask, current_app, g

from ..i18n import read_in
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

#: check's warning about placeholder practice details, which production refuses
PLACEHOLDER_CODE = "DEF045"


@dataclass
class AppState:
    questionnaire: Questionnaire
    engine: object
    sessionmaker: object
    vault: Vault
    versions: dict = field(default_factory=dict)
    #: (content hash, language) -> that version read in that language
    translated: dict = field(default_factory=dict)

    def definition(self, content_hash: str, session, language: str = "") -> Questionnaire:
        """The questionnaire a draft or submission was answered against, read (once) through
        the caller's `session`, with its texts in `language` when the file has it."""
        english = self._version(content_hash, session)
        key = (content_hash, language)
        if key not in self.translated:
            self.translated[key] = read_in(english, language)
        return self.translated[key]

    def _version(self, content_hash: str, session) -> Questionnaire:
        if content_hash == self.questionnaire.content_hash:
            return self.questionnaire
        if content_hash not in self.versions:
            stored = load_definition(session, content_hash)
            if stored is None:
                raise LookupError(f"definition {content_hash[:12]} is not stored")
            self.versions[content_hash] = stored
        return self.versions[content_hash]

    def live(self, language: str = "") -> Questionnaire:
        """The live questionnaire in `language`."""
        return self.definition(self.questionnaire.content_hash, None, language)


def init_app(app: Flask) -> None:
    report = check_file(app.config["QUESTIONS"], run_examples_too=False)
    if not report.ok:
        raise DefinitionError(report)
    vault = Vault(app.config["DATA_KEY"])
    refusal = placeholder_refusal(report, app.config)
    if refusal:
        raise SystemExit(refusal)
    engine = make_engine(
        app.config["DATABASE_URL"],
        app.config.get("DB_POOL_SIZE"),
        app.config.get("DB_MAX_OVERFLOW"),
        app.config.get("DB_POOL_RECYCLE"),
    )
    # empty or behind: apply the Alembic migrations
    schema_is_current = migrate.prepare(engine, app.config.get("AUTO_CREATE_SCHEMA", True))
    state = AppState(report.questionnaire, engine, make_sessionmaker(engine), vault)
    app.extensions["screener"] = state
    if schema_is_current:  # else only `flask db-upgrade` can run, and it needs no definition
        with state.sessionmaker.begin() as session:
            migrate.hold_startup_lock(session.connection())
            save_definition(session, state.questionnaire)
            health.seal_key_check(session, state.vault)
    app.teardown_appcontext(_close_session)


def placeholder_refusal(report, config) -> str | None:
    """Why production must not start: clients would see a 555 number or example.org.

    None outside production, when the details are real, or when ALLOW_PLACEHOLDER_CONTACTS
    says so (a demonstration). Also used by gunicorn's master (gunicorn.conf.py), so that
    workers are not started only to exit.
    """
    production = str(config.get("ENV") or "").strip().lower() == "production"
    if not production or config.get("ALLOW_PLACEHOLDER_CONTACTS"):
        return None
    lines = [p.format(report.path) for p in report.problems if p.code == PLACEHOLDER_CODE]
    if not lines:
        return None
    return (
        "Refusing to start in production: questions.yaml still has placeholder practice "
        "details.\n" + "\n".join(lines) + "\nReplace them, or set "
        "SCREENER_ALLOW_PLACEHOLDER_CONTACTS=true to start anyway (a demonstration)."
    )


def get() -> AppState:
    return current_app.extensions["screener"]


def db():
    """The request's database session, opened on first use and closed at teardown."""
    if "db" not in g:
        g.db = get().sessionmaker()
    return g.db


def definition(content_hash: str, language: str | None = None) -> Questionnaire:
    """The questionnaire version `content_hash`, read through the request's own session, in
    `language` (default: the language of the page being made)."""
    if language is None:
        language = page_language()
    return get().definition(content_hash, db(), language)


def live(language: str | None = None) -> Questionnaire:
    """The live questionnaire in `language` (default: the language of the page being made)."""
    return get().live(page_language() if language is None else language)


def page_language() -> str:
    """The language of the page being made: Flask-Babel's locale (see language.py)."""
    from flask_babel import get_locale

    if "babel" not in current_app.extensions:  # an app made without Flask-Babel
        return "en"
    locale = get_locale()
    return locale.language if locale is not None else "en"


def _close_session(exc):
    session = g.pop("db", None)
    if session is not None:
        if exc is not None:
            session.rollback()
        session.close()
