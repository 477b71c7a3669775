"""questions.yaml changes and the app restarts: drafts and submissions keep their version.

The first request that needs an older version must read it through the request's own
database session. Opening a second one while the first holds SQLite's write lock
(BEGIN IMMEDIATE) waited 30 s and ended in "database is locked" and a 500.
"""

from __future__ import annotations

import contextlib
import re
import secrets
import shutil

import pytest
from cryptography.fernet import Fernet
from flask import has_request_context, request
from sqlalchemy import event

from screener.store import Draft, drafts
from tests.conftest import QUESTIONS
from tests.conftest_db import fresh_database, make_app
from tests.journey_helpers import Journey, csrf_token, form_values
from tests.staff_helpers import fast_hashing, login, make_therapist  # noqa: F401

SECRET = "test-secret-key-that-is-long-enough"


class ConnectionGuard:
    """Counts the database connections checked out at once; notes requests that held two."""

    def __init__(self, engine):
        self.engine = engine
        self.out = 0
        self.offenders: list[str] = []
        event.listen(engine, "checkout", self._checkout)
        event.listen(engine, "checkin", self._checkin)

    def _checkout(self, *_):
        self.out += 1
        if self.out > 1 and has_request_context():
            self.offenders.append(f"{request.method} {request.path}")

    def _checkin(self, *_):
        self.out -= 1

    def close(self):
        event.remove(self.engine, "checkout", self._checkout)
        event.remove(self.engine, "checkin", self._checkin)


def guard(app) -> ConnectionGuard:
    return ConnectionGuard(app.extensions["screener"].engine)


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def database_url(request, tmp_path):
    if request.param == "postgres":
        return request.getfixturevalue("pg_url")
    return f"sqlite:///{tmp_path / 'shared.sqlite3'}"


@pytest.fixture
def data_key():
    return Fernet.generate_key().decode()


def start_app(tmp_path, name, database_url, data_key, questions=QUESTIONS):
    app = make_app(
        tmp_path / name,
        database_url,
        QUESTIONS=str(questions),
        SECRET_KEY=SECRET,
        DATA_KEY=data_key,
    )
    return app


def changed_file(tmp_path):
    """questions.yaml with one edit: a different title, so a different content hash."""
    path = tmp_path / "questions-changed.yaml"
    shutil.copy(QUESTIONS, path)
    text = path.read_text()
    edited = text.replace(
        "title: {en: KAP pre-screening questionnaire,",
        "title: {en: KAP pre-screening questions,",
        1,
    )
    assert edited != text
    path.write_text(edited)
    return path


def move_cookies(old, new):
    """The same browser, now talking to the restarted app."""
    for cookie in old._cookies.values():
        new.set_cookie(cookie.key, cookie.value, domain=cookie.domain, path=cookie.path)


class Before:
    """What the old app left behind: a draft with a page open, a sent submission."""

    def __init__(self, app, personas, questionnaire):
        answers = personas["P01"].answers
        self.client = app.test_client()
        journey = Journey(self.client, questionnaire)
        journey.start()
        journey.answer_all(answers, until="phq9")
        self.page_id = journey.where
        self.page_url = journey.location.split("#")[0]
        html = self.client.get(self.page_url).get_data(as_text=True)
        ids = [q.id for q in questionnaire.pages[self.page_id].questions]
        self.post = {"csrf_token": csrf_token(html), **form_values(ids, answers)}
        with self.client.session_transaction() as session:
            self.draft_id = session["draft"]
        sender = Journey(app.test_client(), questionnaire)
        sender.run(answers)
        sender.send()
        self.reference = sender.client.get("/sent").get_data(as_text=True)
        self.reference = _reference(self.reference)
        self.email = f"t-{secrets.token_hex(4)}@example.com"  # the PostgreSQL database is shared
        make_therapist(app, self.email)
        self.old_hash = app.extensions["screener"].questionnaire.content_hash


def _reference(html: str) -> str:
    return re.search(r"KAP-[0-9A-Z]{4}-[0-9A-Z]{4}", html).group(0)


@pytest.fixture
def before(tmp_path, database_url, data_key, personas, questionnaire):
    app = start_app(tmp_path, "old", database_url, data_key)
    made = Before(app, personas, questionnaire)
    app.extensions["screener"].engine.dispose()
    return made


def restarted(tmp_path, database_url, data_key):
    app = start_app(tmp_path, "new", database_url, data_key, changed_file(tmp_path))
    return app, guard(app)


def test_first_request_after_a_change_is_the_post_of_the_open_page(
    tmp_path, database_url, data_key, before, personas
):
    app, connections = restarted(tmp_path, database_url, data_key)
    svc = app.extensions["screener"]
    assert svc.questionnaire.content_hash != before.old_hash
    client = app.test_client()
    move_cookies(before.client, client)

    response = client.post(before.page_url, data=before.post)

    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    with svc.sessionmaker() as session:
        draft = session.get(Draft, before.draft_id)
        state = drafts.read_state(svc.vault, draft)
    assert draft.definition_hash == before.old_hash  # the draft keeps its version
    phq9 = [q.id for q in svc.questionnaire.pages[before.page_id].questions]
    expected = {k: personas["P01"].answers[k] for k in phq9 if k in personas["P01"].answers}
    assert expected and {k: state.answers.get(k) for k in expected} == expected
    assert connections.offenders == []
    connections.close()
    svc.engine.dispose()


@pytest.mark.parametrize("page", ["queue", "detail"])
def test_first_staff_request_after_a_change_shows_old_submissions(
    tmp_path, database_url, data_key, before, page
):
    app, connections = restarted(tmp_path, database_url, data_key)
    client = app.test_client()
    assert login(client, before.email).status_code == 303
    url = "/staff/" if page == "queue" else f"/staff/s/{before.reference}"

    response = client.get(url)

    assert response.status_code == 200
    assert before.reference in response.get_data(as_text=True)
    assert connections.offenders == []
    connections.close()
    app.extensions["screener"].engine.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def own_db_app(request, tmp_path, data_key):
    """The app on SQLite or on a PostgreSQL database of its own (the CSV export reads all)."""
    with contextlib.ExitStack() as stack:
        url = stack.enter_context(fresh_database()) if request.param == "postgres" else None
        app = make_app(tmp_path, url, DATA_KEY=data_key)
        yield app
        app.extensions["screener"].engine.dispose()


def test_a_whole_journey_and_the_staff_pages_use_one_connection_per_request(
    own_db_app, personas, questionnaire
):
    any_db_app = own_db_app
    connections = guard(any_db_app)
    journey = Journey(any_db_app.test_client(), questionnaire)
    journey.run(personas["P01"].answers)
    journey.client.get("/summary.pdf")
    journey.send()
    reference = _reference(journey.client.get("/sent").get_data(as_text=True))
    email = f"t-{secrets.token_hex(4)}@example.com"
    make_therapist(any_db_app, email, admin=True)
    staff = any_db_app.test_client()
    login(staff, email)
    for url in (
        "/staff/",
        f"/staff/s/{reference}",
        f"/staff/s/{reference}/summary.pdf",
        "/staff/export.csv",
        "/staff/audit",
        "/staff/content/",
        "/staff/content/flow",
        "/healthz",
    ):
        assert staff.get(url).status_code < 400, url
    assert connections.out == 0
    assert connections.offenders == []
    connections.close()
