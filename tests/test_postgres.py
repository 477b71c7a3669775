"""The same code on PostgreSQL: whole client journeys, sending, and nothing SQLite leaking."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import event, func, select, text
from sqlalchemy.exc import DBAPIError

from screener.store import AuditEntry, Draft, Submission
from tests.journey_helpers import Journey, h1


def _submission(app, reference):
    with app.extensions["screener"].sessionmaker() as session:
        return session.scalars(select(Submission).where(Submission.reference == reference)).first()


def _send_whole_journey(app, questionnaire, answers, name="Test Client"):
    journey = Journey(app.test_client(), questionnaire)
    result = journey.run(answers)
    sent = journey.send(name=name)
    assert sent.status_code == 302 and sent.headers["Location"].endswith("/sent"), sent.status_code
    html = journey.client.get("/sent").get_data(as_text=True)
    reference = html.split("KAP-", 1)[1][:9]
    return journey, result, "KAP-" + reference


@pytest.mark.parametrize(
    "persona, heading",
    [
        ("P01", "A consultation looks like a good next step"),
        ("P08", "Please reach out for immediate support first"),
    ],
)
def test_whole_journey_and_send(any_db_app, questionnaire, personas, persona, heading):
    journey, result, reference = _send_whole_journey(
        any_db_app, questionnaire, personas[persona].answers
    )
    assert h1(result.get_data(as_text=True)) == heading
    submission = _submission(any_db_app, reference)
    assert submission is not None and submission.status == "new"
    sealer = any_db_app.extensions["screener"].vault.record(submission.key_enc)
    assert sealer.open(submission.contact_enc)["name"] == "Test Client"
    expected = personas[persona].answers
    stored = sealer.open(submission.answers_enc)
    assert all(stored[k] == expected[k] for k in stored)
    # sending again freezes the same submission
    journey.send(name="Someone Else")
    assert sealer.open(_submission(any_db_app, reference).contact_enc)["name"] == "Test Client"


def test_health_and_save_resume(any_db_app, questionnaire, personas):
    client = any_db_app.test_client()
    assert client.get("/healthz").get_json() == {"status": "ok"}
    journey = Journey(client, questionnaire)
    journey.start()
    journey.answer_all(personas["P01"].answers, until="phq9")
    with any_db_app.extensions["screener"].sessionmaker() as session:
        assert session.scalar(select(func.count()).select_from(Draft)) >= 1


@pytest.mark.postgres
def test_concurrent_sends_on_postgres_lose_nothing(pg_url, tmp_path, questionnaire, personas):
    from tests.conftest_db import make_app

    app = make_app(tmp_path, pg_url)
    try:
        references, errors = [], []

        def one(i):
            try:
                references.append(
                    _send_whole_journey(app, questionnaire, personas["P01"].answers, f"C{i}")[2]
                )
            except Exception as exc:  # collected and asserted below
                errors.append(repr(exc))

        threads = [threading.Thread(target=one, args=(i,)) for i in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert errors == []
        assert all(_submission(app, ref) is not None for ref in references)
        assert len(set(references)) == 4
    finally:
        app.extensions["screener"].engine.dispose()


@pytest.mark.postgres
def test_nothing_sqlite_specific_reaches_postgres(pg_url, tmp_path):
    from tests.conftest_db import make_app

    app = make_app(tmp_path, pg_url)
    engine = app.extensions["screener"].engine
    try:
        assert engine.dialect.name == "postgresql"
        assert not engine.dispatch.begin  # no BEGIN IMMEDIATE hook
        seen = []
        event.listen(
            engine,
            "before_cursor_execute",
            lambda conn, cursor, statement, *a: seen.append(statement),
        )
        with app.extensions["screener"].sessionmaker.begin() as session:
            session.scalar(select(func.count()).select_from(Submission))
        assert not [s for s in seen if "PRAGMA" in s or "IMMEDIATE" in s]
        assert engine.pool.size() >= 1 and engine.pool._pre_ping
    finally:
        engine.dispose()


@pytest.mark.postgres
def test_audit_entries_are_append_only_in_postgres_itself(pg_url, tmp_path):
    from tests.conftest_db import make_app

    app = make_app(tmp_path, pg_url)
    engine = app.extensions["screener"].engine
    try:
        with app.extensions["screener"].sessionmaker.begin() as session:
            session.add(AuditEntry(actor="test", action="login", detail="pg trigger"))
        for statement in (
            "UPDATE audit_entry SET detail = 'tampered'",
            "DELETE FROM audit_entry",
            "TRUNCATE audit_entry",
        ):
            with pytest.raises(DBAPIError, match="append-only"), engine.begin() as conn:
                conn.execute(text(statement))
        with engine.connect() as conn:
            assert (
                conn.scalar(text("SELECT count(*) FROM audit_entry WHERE detail = 'pg trigger'"))
                == 1
            )
    finally:
        engine.dispose()


#: each process builds the app at the same moment, as gunicorn's workers do when they boot
_BOOT = """
import sys, time
from screener import create_app
start = float(sys.argv[1])
time.sleep(max(0.0, start - time.time()))
create_app({"DATABASE_URL": sys.argv[2], "SECRET_KEY": "k" * 40, "DATA_KEY": sys.argv[3],
            "RATELIMIT_ENABLED": False})
"""


@pytest.mark.postgres
def test_workers_booting_at_once_on_a_new_database_all_start(tmp_path):
    """Every process writes the live definition and the key check at start; on PostgreSQL
    two of them inserting the same row at once made a worker fail to boot."""
    import subprocess
    import sys
    import time

    from cryptography.fernet import Fernet

    from screener.store import make_engine, migrate
    from screener.store.models import DefinitionVersion, KeyCheck
    from tests.conftest import ROOT
    from tests.conftest_db import fresh_database

    key = Fernet.generate_key().decode()
    for _attempt in range(2):  # the race needs the same moment; twice makes it likely
        with fresh_database() as url:
            engine = make_engine(url)
            migrate.upgrade(engine)  # as `flask db-upgrade` does before gunicorn starts
            start = time.time() + 5  # after every process has imported the app
            boots = [
                subprocess.Popen(
                    [sys.executable, "-c", _BOOT, str(start), url, key],
                    cwd=ROOT,
                    stderr=subprocess.PIPE,
                    text=True,
                )
                for _ in range(6)
            ]
            errors = [p.communicate(timeout=120)[1] for p in boots]
            failures = [err for p, err in zip(boots, errors, strict=True) if p.returncode]
            with engine.connect() as conn:
                definitions = conn.scalar(select(func.count()).select_from(DefinitionVersion))
                checks = conn.scalar(select(func.count()).select_from(KeyCheck))
            engine.dispose()
        assert not failures, failures[0][-2000:]
        assert (definitions, checks) == (1, 1)
