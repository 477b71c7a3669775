"""Alembic: an empty database upgrades to head on SQLite and PostgreSQL, and the migrated
schema is exactly what screener.store.models describes (autogenerate finds no difference)."""

from __future__ import annotations

import sqlite3

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import inspect, text
from sqlalchemy.exc import DBAPIError

from screener.store import Base, make_engine, migrate
from tests.conftest_db import fresh_database, make_app


def _diff(engine) -> list:
    with engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        return compare_metadata(context, Base.metadata)


def _upgrade_empty_and_compare(url: str) -> None:
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            assert inspect(conn).get_table_names() == []
        assert migrate.upgrade(engine) == (None, migrate.head())
        assert _diff(engine) == []
        with engine.connect() as conn:
            tables = set(inspect(conn).get_table_names())
        assert set(Base.metadata.tables) | {"alembic_version"} == tables
        # the audit log refuses changes in the database itself
        with engine.begin() as conn:
            conn.execute(
                text(
                    "INSERT INTO audit_entry (at, actor, action, reference, ip, "
                    "detail) VALUES (CURRENT_TIMESTAMP, 'a', 'login', '', '', 'x')"
                )
            )
        for statement in ("UPDATE audit_entry SET detail = 'y'", "DELETE FROM audit_entry"):
            with pytest.raises(DBAPIError, match="append-only"), engine.begin() as conn:
                conn.execute(text(statement))
        # running it again changes nothing
        assert migrate.upgrade(engine) == (migrate.head(), migrate.head())
    finally:
        engine.dispose()


def test_migrations_have_one_head_starting_at_the_initial_schema():
    script = ScriptDirectory.from_config(migrate.alembic_config())
    assert len(script.get_heads()) == 1
    assert script.get_base() == migrate.INITIAL


def test_empty_sqlite_upgrades_to_head_matching_the_models(tmp_path):
    _upgrade_empty_and_compare(f"sqlite:///{tmp_path / 'empty.sqlite3'}")


@pytest.mark.postgres
def test_empty_postgres_upgrades_to_head_matching_the_models():
    with fresh_database() as url:
        _upgrade_empty_and_compare(url)


def test_downgrade_to_base_and_back(tmp_path):
    url = f"sqlite:///{tmp_path / 'db.sqlite3'}"
    engine = make_engine(url)
    try:
        migrate.upgrade(engine)
        with engine.begin() as conn:
            cfg = migrate.alembic_config()
            cfg.attributes["connection"] = conn
            command.downgrade(cfg, "base")
        with engine.connect() as conn:
            assert set(inspect(conn).get_table_names()) == {"alembic_version"}
        migrate.upgrade(engine)
        assert _diff(engine) == []
    finally:
        engine.dispose()


def test_a_database_made_by_create_all_is_stamped_then_upgraded(tmp_path):
    path = tmp_path / "legacy.sqlite3"
    engine = make_engine(f"sqlite:///{path}")
    # create_all made the first revision's tables, without alembic_version
    migrate.upgrade(engine, migrate.INITIAL)
    with engine.begin() as conn:
        conn.execute(text("DROP TABLE alembic_version"))
    try:
        assert migrate.upgrade(engine) == (None, migrate.head())
        assert _diff(engine) == []
    finally:
        engine.dispose()
    with sqlite3.connect(path) as conn:
        assert conn.execute("SELECT version_num FROM alembic_version").fetchall() == [
            (migrate.head(),)
        ]


def test_app_start_migrates_and_db_upgrade_reports(tmp_path):
    app = make_app(tmp_path)
    try:
        with app.extensions["screener"].engine.connect() as conn:
            assert MigrationContext.configure(conn).get_current_revision() == migrate.head()
        result = app.test_cli_runner().invoke(args=["db-upgrade"])
        assert result.exit_code == 0, result.output
        assert result.output.strip() == f"db-upgrade: already at {migrate.head()}."
    finally:
        app.extensions["screener"].engine.dispose()


def test_auto_create_schema_off_leaves_the_schema_to_db_upgrade(tmp_path):
    url = f"sqlite:///{tmp_path / 'managed.sqlite3'}"
    engine = make_engine(url)
    migrate.upgrade(engine, migrate.INITIAL)
    engine.dispose()
    app = make_app(tmp_path, url, AUTO_CREATE_SCHEMA=False)
    try:
        result = app.test_cli_runner().invoke(args=["db-upgrade"])
        assert result.exit_code == 0, result.output
        assert "db-upgrade:" in result.output
    finally:
        app.extensions["screener"].engine.dispose()
