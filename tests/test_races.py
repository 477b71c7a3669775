"""Requests that really overlap, on SQLite and on PostgreSQL (whose READ COMMITTED does not
serialise them as SQLite's BEGIN IMMEDIATE does): Send pressed twice at once, "Delete my
answers" after it, and two therapists changing one status at once.

Each request runs in its own thread with its own test client against one app; a barrier
releases them together, so their transactions overlap in the database.
"""

from __future__ import annotations

import contextlib
import http.client
import threading
from functools import partial
from urllib.parse import urlencode

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from screener.questionnaire import evaluate
from screener.store import AuditEntry, Draft, StatusChange, Submission, drafts, utcnow
from tests.conftest_db import make_app
from tests.journey_helpers import csrf_token
from tests.staff_helpers import (
    fast_hashing,  # noqa: F401  (fixture)
    login,
    make_therapist,
    submit_answers,
    token,
)

CLIENTS = 20
STATUS_TRIES = 10


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def race_app(request, tmp_path):
    """The app on SQLite, then on PostgreSQL, with a connection for every racing request."""
    url = request.getfixturevalue("pg_url") if request.param == "postgres" else None
    app = make_app(tmp_path, url, DB_POOL_SIZE=10, DB_MAX_OVERFLOW=2 * CLIENTS)
    yield app
    app.extensions["screener"].engine.dispose()


def all_at_once(calls) -> list:
    """Run every call in its own thread, released together; their results, in order."""
    barrier = threading.Barrier(len(calls))
    results: list = [None] * len(calls)

    def run(i, call):
        barrier.wait()
        try:
            results[i] = call()
        except Exception as exc:  # asserted by the caller
            results[i] = exc

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


def finished_draft(app, answers: dict) -> str:
    """A draft with every page answered, as a client has it before Send; returns its id."""
    svc = app.extensions["screener"]
    q = svc.questionnaire
    with svc.sessionmaker.begin() as session:
        draft = drafts.create_draft(session, svc.vault, q)
        state = drafts.DraftState(answers=dict(evaluate(q, answers).answers), page="check")
        drafts.write_state(svc.vault, draft, state)
        return draft.id


def two_tabs(app, draft_id: str):
    """Two browsers holding the same session cookie (one client, two tabs); and its token."""
    first = app.test_client()
    with first.session_transaction() as session:
        session["draft"] = draft_id
    csrf = csrf_token(first.get("/send").get_data(as_text=True))
    name = app.config["SESSION_COOKIE_NAME"]
    second = app.test_client()
    second.set_cookie(name, first.get_cookie(name).value)
    return first, second, csrf


@contextlib.contextmanager
def served(app):
    """The app behind a real threaded HTTP server on loopback; yields its port."""
    from werkzeug.serving import WSGIRequestHandler, make_server

    class Quiet(WSGIRequestHandler):
        def log(self, *args, **kwargs):  # the app logs its own requests
            pass

    server = make_server("127.0.0.1", 0, app, threaded=True, request_handler=Quiet)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server.server_port
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


def http_post(port: int, path: str, cookie: str, data: dict) -> tuple[int, str]:
    """One POST over a connection of its own: (status, Location)."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        conn.request(
            "POST",
            path,
            body=urlencode(data),
            headers={"Cookie": cookie, "Content-Type": "application/x-www-form-urlencoded"},
        )
        response = conn.getresponse()
        response.read()
        return response.status, response.getheader("Location") or ""
    finally:
        conn.close()


def count(app, stmt) -> int:
    with app.extensions["screener"].sessionmaker() as session:
        return session.scalar(stmt) or 0


def test_send_pressed_twice_at_once_sends_once_and_delete_leaves_nothing(race_app, personas):
    app = race_app
    tabs, contact = [], {"name": "Race Client", "method": "email", "consent": "y"}
    draft_ids = [finished_draft(app, personas["P01"].answers) for _ in range(CLIENTS)]
    for i, draft_id in enumerate(draft_ids):
        first, second, csrf = two_tabs(app, draft_id)
        data = {**contact, "email": f"race{i}@example.org", "csrf_token": csrf}
        tabs.append((first, second, data))
    since = utcnow()  # the PostgreSQL database is shared by the run: count ours only
    sends = [lambda c=c, d=d: c.post("/send", data=d) for f, s, d in tabs for c in (f, s)]
    responses = all_at_once(sends)
    assert [getattr(r, "status_code", r) for r in responses] == [302] * len(sends)
    assert all(r.headers["Location"].endswith("/sent") for r in responses)
    ours = select(func.count()).select_from(Submission).where(Submission.created_at >= since)
    submissions = count(app, ours)
    assert submissions == CLIENTS, f"{submissions} submissions from {CLIENTS} clients"

    for first, _second, data in tabs:
        response = first.post("/delete", data={"csrf_token": data["csrf_token"]})
        assert response.status_code == 200
    left = count(app, ours)
    assert left == 0, f"{left} of {CLIENTS} deleted clients still in the queue"
    drafts_left = select(func.count()).select_from(Draft).where(Draft.id.in_(draft_ids))
    assert count(app, drafts_left) == 0


def test_two_therapists_changing_a_status_at_once_record_it_once(race_app, personas):
    app = race_app
    therapists = []
    for email in ("first@example.org", "second@example.org"):
        make_therapist(app, email=email)
        client = app.test_client()
        login(client, email=email)
        therapists.append(client)
    twice = 0
    for _ in range(STATUS_TRIES):
        reference = submit_answers(app, personas["P01"].answers)
        url = f"/staff/s/{reference}/status"
        forms = [
            {"csrf_token": token(c), "status": "in_review", "current": "new"} for c in therapists
        ]
        responses = all_at_once(
            [
                lambda c=c, f=f, u=url: c.post(u, data=f)
                for c, f in zip(therapists, forms, strict=True)
            ]
        )
        assert [getattr(r, "status_code", r) for r in responses] == [303, 303]
        changes = count(
            app,
            select(func.count())
            .select_from(StatusChange)
            .join(Submission, Submission.id == StatusChange.submission_id)
            .where(Submission.reference == reference),
        )
        assert changes >= 1
        twice += changes > 1
        if changes == 1:  # one was told it changed, the other that it changed meanwhile
            pages = [c.get(f"/staff/s/{reference}").get_data(as_text=True) for c in therapists]
            assert sum("Status changed to" in page for page in pages) == 1
            assert sum("while you had this page open" in page for page in pages) == 1
    assert twice == 0, f"recorded twice in {twice} of {STATUS_TRIES} tries"


def test_the_database_itself_refuses_a_second_submission_of_one_draft(race_app, personas):
    """The last guard, below the row lock: submission.draft_id is unique."""
    app = race_app
    svc = app.extensions["screener"]
    draft_id = finished_draft(app, personas["P01"].answers)
    evaluation = evaluate(svc.questionnaire, personas["P01"].answers)
    with svc.sessionmaker.begin() as session:
        draft = session.get(Draft, draft_id)
        first = drafts.submit(session, svc.vault, draft, evaluation, {"name": "A"})
        again = drafts.submit(session, svc.vault, draft, evaluation, {"name": "B"})
        assert again.id == first.id
    with pytest.raises(IntegrityError), svc.sessionmaker.begin() as session:
        session.add(
            Submission(
                id=drafts.new_id(),
                reference=drafts.new_reference(),
                definition_hash=svc.questionnaire.content_hash,
                draft_id=draft_id,
                answers_enc=b"x",
                contact_enc=b"x",
                outcome_id="x",
                urgency=0,
            )
        )


def test_send_pressed_twice_at_once_over_http_sends_once(race_app, personas):
    """The same race through a real threaded HTTP server: one connection per press."""
    app = race_app
    name = app.config["SESSION_COOKIE_NAME"]
    presses = []
    for i in range(CLIENTS):
        first, _second, csrf = two_tabs(app, finished_draft(app, personas["P01"].answers))
        cookie = f"{name}={first.get_cookie(name).value}"
        data = {"name": "Race Client", "method": "email", "email": f"h{i}@example.org"}
        presses += [(cookie, {**data, "consent": "y", "csrf_token": csrf})] * 2
    since = utcnow()
    with served(app) as port:
        results = all_at_once([lambda c=c, d=d: http_post(port, "/send", c, d) for c, d in presses])
        assert [r if isinstance(r, Exception) else r[0] for r in results] == [302] * len(presses)
        assert all(location.endswith("/sent") for _status, location in results)
        ours = select(func.count()).select_from(Submission).where(Submission.created_at >= since)
        submissions = count(app, ours)
        assert submissions == CLIENTS, f"{submissions} submissions from {CLIENTS} clients"
        for cookie, data in presses[::2]:
            status, _ = http_post(port, "/delete", cookie, {"csrf_token": data["csrf_token"]})
            assert status == 200
        left = count(app, ours)
        assert left == 0, f"{left} of {CLIENTS} deleted clients still in the queue"


def test_send_and_delete_at_once_from_two_tabs_leave_nothing(race_app, personas):
    """Whichever lands first: no error, nothing left in the queue, and every submission
    that was sent and then deleted is in the audit log as the client's delete."""
    app = race_app
    since, sent_first = utcnow(), 0
    for _ in range(STATUS_TRIES):
        first, second, csrf = two_tabs(app, finished_draft(app, personas["P01"].answers))
        data = {"name": "Race Client", "method": "email", "email": "r@example.org"}
        send = {**data, "consent": "y", "csrf_token": csrf}
        sent, deleted = all_at_once(
            [
                partial(first.post, "/send", data=send),
                partial(second.post, "/delete", data={"csrf_token": csrf}),
            ]
        )
        assert getattr(sent, "status_code", sent) == 302
        assert getattr(deleted, "status_code", deleted) == 200
        sent_first += sent.headers["Location"].endswith("/sent")
    ours = select(func.count()).select_from(Submission).where(Submission.created_at >= since)
    assert count(app, ours) == 0
    audited = select(func.count()).select_from(AuditEntry)
    audited = audited.where(AuditEntry.action == "client_deleted", AuditEntry.at >= since)
    assert count(app, audited) == sent_first
