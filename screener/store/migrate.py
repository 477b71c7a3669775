"""Schema migrations (Alembic): what `flask --app screener db-upgrade` and the start-up run.

The migrations live in screener/store/migrations/versions. ``upgrade(engine)`` brings any database
to the newest revision:

- an empty database is built by running every migration;
- a database made by ``Base.metadata.create_all`` before migrations existed (it has the
  tables but no ``alembic_version``) is stamped with the first revision, whose schema it
  has, and then upgraded;
- a database already at the newest revision is left alone after one cheap SELECT.

Concurrent starters (several gunicorn workers, several instances) are serialised: SQLite
by BEGIN IMMEDIATE (screener.store.db), PostgreSQL by a transaction-level advisory lock, and each
re-reads the revision once it holds the lock.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import inspect, text
from sqlalchemy.engine import Connection, Engine

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
#: the revision whose schema `create_all` made before migrations existed
INITIAL = "0001_initial"
#: any constant; it names the PostgreSQL advisory lock held while migrating
PG_LOCK_KEY = 0x5C12EE0E


def alembic_config(url: str | None = None) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    if url:
        cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


@lru_cache(maxsize=1)
def head() -> str:
    heads = ScriptDirectory.from_config(alembic_config()).get_heads()
    if len(heads) != 1:
        raise RuntimeError(f"migrations have {len(heads)} heads; merge them: {heads}")
    return heads[0]


def current(conn: Connection) -> str | None:
    return MigrationContext.configure(conn).get_current_revision()


def hold_startup_lock(conn: Connection) -> None:
    """Serialise the writes every process makes at start (the live definition, the key
    check) until this transaction ends: gunicorn boots its workers at the same moment, and
    on PostgreSQL two of them would both insert the same row. SQLite's BEGIN IMMEDIATE
    already serialises them."""
    if conn.dialect.name == "postgresql":
        conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": PG_LOCK_KEY})


def upgrade(engine: Engine, revision: str = "head") -> tuple[str | None, str]:
    """Apply pending migrations; returns (revision before, revision after)."""
    with engine.connect() as conn:
        before = current(conn)
        conn.rollback()
    if revision == "head" and before == head():
        return before, before
    with engine.begin() as conn:
        hold_startup_lock(conn)
        before = current(conn)
        cfg = alembic_config()
        cfg.attributes["connection"] = conn
        if before is None and _has_app_tables(conn):
            command.stamp(cfg, INITIAL)
        command.upgrade(cfg, revision)
        after = current(conn)
    return before, after


def _has_app_tables(conn: Connection) -> bool:
    names = set(inspect(conn).get_table_names())
    return {"submission", "draft"} <= names


def prepare(engine: Engine, auto: bool = True) -> bool:
    """At start: migrate, unless `auto` is off (SCREENER_AUTO_CREATE_SCHEMA=false).

    Returns whether the schema is now the newest, so that the app (and `flask db-upgrade`)
    can start on an older one without touching tables whose columns have changed.
    """
    if auto:
        upgrade(engine)
        return True
    with engine.connect() as conn:
        return current(conn) == head()


def main(argv: list[str] | None = None) -> int:
    """`python -m screener.store.migrate [URL]`: migrate without starting the app (e.g. when
    SCREENER_AUTO_CREATE_SCHEMA=false and the database is still empty)."""
    import os
    import sys

    from .db import make_engine

    args = sys.argv[1:] if argv is None else argv
    url = args[0] if args else os.environ.get("SCREENER_DATABASE_URL")
    if not url:
        print(
            "usage: python -m screener.store.migrate URL (or set SCREENER_DATABASE_URL)",
            file=sys.stderr,
        )
        return 2
    engine = make_engine(url)
    try:
        before, after = upgrade(engine)
    finally:
        engine.dispose()
    print(f"db-upgrade: {before or 'empty'} -> {after}.")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
