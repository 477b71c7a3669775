"""/healthz (liveness) and /readyz (readiness): they expose nothing but the names of failed
checks; readiness tries a write, the data key and Redis for real."""

from __future__ import annotations

from screener.store import make_engine
from tests.conftest_db import make_app
from tests.readonly_helpers import read_only_database


def test_healthz_is_ok_and_says_nothing_else(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok"}
    assert response.headers["Cache-Control"] == "no-store"
    assert "Set-Cookie" not in response.headers
    assert len(response.get_data()) < 40


def test_healthz_needs_no_session_and_only_answers_get(client):
    assert client.post("/healthz").status_code == 405
    assert client.head("/healthz").status_code == 200


def test_healthz_reports_an_unreachable_database_without_details(app, client, tmp_path):
    svc = app.extensions["screener"]
    good = svc.engine
    svc.engine = make_engine(f"sqlite:///{tmp_path / 'missing' / 'nowhere.sqlite3'}")
    try:
        response = client.get("/healthz")
    finally:
        svc.engine.dispose()
        svc.engine = good
    assert response.status_code == 503
    assert response.get_json() == {"status": "unavailable"}
    body = response.get_data(as_text=True)
    assert "sqlite" not in body.lower() and "nowhere" not in body


def test_healthz_reports_a_missing_definition(app, client):
    svc = app.extensions["screener"]
    good = svc.questionnaire
    svc.questionnaire = None
    try:
        assert client.get("/healthz").status_code == 503
    finally:
        svc.questionnaire = good


# -- /readyz: each dependency tried for real ------------------------------------------------
def test_readyz_is_ready_and_says_nothing_else(any_db_app):
    response = any_db_app.test_client().get("/readyz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ready"}
    assert response.headers["Cache-Control"] == "no-store"
    assert "Set-Cookie" not in response.headers


def test_readyz_fails_on_a_read_only_database_while_healthz_stays_cheap(any_db_app):
    client = any_db_app.test_client()
    with read_only_database(any_db_app):
        ready = client.get("/readyz")
        live = client.get("/healthz")
    assert ready.status_code == 503
    assert ready.get_json() == {"status": "unavailable", "failed": ["database"]}
    assert live.status_code == 200  # liveness: the process and the database still answer
    assert client.get("/readyz").status_code == 200  # writable again


def test_readyz_fails_with_the_wrong_data_key(tmp_path):
    from cryptography.fernet import Fernet

    first = make_app(tmp_path, DATA_KEY=Fernet.generate_key().decode())
    first.extensions["screener"].engine.dispose()
    wrong = make_app(tmp_path, DATA_KEY=Fernet.generate_key().decode())
    try:
        response = wrong.test_client().get("/readyz")
    finally:
        wrong.extensions["screener"].engine.dispose()
    assert response.status_code == 503
    assert response.get_json() == {"status": "unavailable", "failed": ["data_key"]}
    body = response.get_data(as_text=True)
    assert "Fernet" not in body and "token" not in body.lower()


def test_readyz_passes_after_a_key_rotation(tmp_path):
    from cryptography.fernet import Fernet

    old, new = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    make_app(tmp_path, DATA_KEY=old).extensions["screener"].engine.dispose()
    rotating = make_app(tmp_path, DATA_KEY=f"{new},{old}")
    try:
        assert rotating.test_client().get("/readyz").status_code == 200
        assert rotating.test_cli_runner().invoke(args=["rotate-key"]).exit_code == 0
    finally:
        rotating.extensions["screener"].engine.dispose()
    rotated = make_app(tmp_path, DATA_KEY=new)
    try:
        assert rotated.test_client().get("/readyz").status_code == 200
    finally:
        rotated.extensions["screener"].engine.dispose()
