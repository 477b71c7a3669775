"""/healthz: the database answers and the definition is loaded; it exposes nothing else."""

from __future__ import annotations

from screener.store import make_engine


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
