"""The practice is told, without health data: a real SMTP server (aiosmtpd) and a real webhook
receiver on loopback, the real worker (in process, and as a subprocess killed mid-delivery)."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import logging
import os
import signal
import subprocess
import sys
import threading

import pytest
from sqlalchemy import select

from screener.questionnaire import evaluate
from screener.store import Notification, Submission, drafts, utcnow
from screener.web.logs import JsonFormatter
from tests.conftest import QUESTIONS, ROOT
from tests.conftest_db import fresh_database, make_app
from tests.notify_helpers import (
    ESCALATION,
    PRACTICE,
    WEBHOOK_SECRET,
    SmtpServer,
    deliver,
    notify_config,
    outbox_rows,
)
from tests.security_helpers import CONTACTS, send_persona, with_unique_free_text
from tests.staff_helpers import audit_rows, submit_answers

SIGN_IN = "https://screener.practice.example/staff/login"
P08_CONTACT = {
    "name": "Alexis Thornbury-Quade",
    "method": "phone",
    "phone": "+1 303 555 0177",
    "time": "late evenings after ten",
}


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def db_url(request, tmp_path):
    """A database of this test's own: a SQLite file, then a fresh PostgreSQL database."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'notify.sqlite3'}"
    else:
        with fresh_database() as url:
            yield url


@pytest.fixture
def apps():
    made = []

    def make(tmp_path, url=None, **config):
        app = make_app(tmp_path, url, **config)
        made.append(app)
        return app

    yield make
    for app in made:
        app.extensions["screener"].engine.dispose()


def references(app) -> list[str]:
    with app.extensions["screener"].sessionmaker() as session:
        return list(session.scalars(select(Submission.reference).order_by(Submission.created_at)))


def signed(body: bytes) -> str:
    return "sha256=" + hmac.new(WEBHOOK_SECRET.encode(), body, hashlib.sha256).hexdigest()


# -- one urgent submission: exactly one email and one webhook ---------------------------------
def test_an_urgent_submission_is_one_email_and_one_webhook_saying_only_the_reference(
    tmp_path, db_url, apps, smtp, webhook, questionnaire, personas
):
    app = apps(tmp_path, db_url, **notify_config(smtp.port, webhook.url))
    send_persona(app.test_client(), questionnaire, personas["P08"], P08_CONTACT)
    [reference] = references(app)
    # written with the submission, before any worker ran
    rows = outbox_rows(app)
    assert sorted((r.kind, r.channel, r.state) for r in rows) == [
        ("escalation", "email", "pending"),
        ("escalation", "webhook", "pending"),
        ("urgent", "email", "pending"),
        ("urgent", "webhook", "pending"),
    ]
    assert smtp.messages == [] and webhook.requests == []

    assert deliver(app).sent == 2
    assert deliver(app).sent == 0  # nothing twice
    assert len(smtp.messages) == 1 and len(webhook.requests) == 1

    mail = smtp.messages[0]
    assert smtp.envelopes[0] == ("screener@practice.example", [PRACTICE])
    assert mail["Subject"] == f"Urgent pre-screening submission {reference} (Support first)"
    text = mail.get_content()
    assert f"Reference: {reference}" in text and "Urgency: Support first" in text
    assert f"Sign in to read it: {SIGN_IN}" in text
    assert mail["Message-ID"] == f"<{mail['Idempotency-Key']}.notify@practice.example>"

    hook = webhook.requests[0]
    payload = json.loads(hook["body"])
    submitted = outbox_rows(app)[0].submitted_at
    assert payload == {
        "event": "submission.urgent",
        "idempotency_key": hook["headers"]["Idempotency-Key"],
        "submissions": [
            {
                "reference": reference,
                "level": "Support first",
                "submitted_at": submitted.replace(microsecond=0).isoformat() + "Z",
            }
        ],
        "sign_in_url": SIGN_IN,
    }
    assert hook["headers"]["X-Screener-Signature"] == signed(hook["body"])
    assert hook["headers"]["Content-Type"] == "application/json"
    states = {(r.kind, r.channel): r.state for r in outbox_rows(app)}
    assert states[("urgent", "email")] == states[("urgent", "webhook")] == "sent"


def test_the_outbox_row_is_part_of_the_submission_transaction(tmp_path, apps, personas):
    app = apps(tmp_path)
    state = app.extensions["screener"]
    q = state.questionnaire
    with state.sessionmaker() as session:
        draft = drafts.create_draft(session, state.vault, q)
        drafts.submit(session, state.vault, draft, evaluate(q, personas["P08"].answers), {})
        session.rollback()
    assert outbox_rows(app) == [] and references(app) == []
    submit_answers(app, personas["P08"].answers)
    assert {(r.kind, r.channel) for r in outbox_rows(app)} == {
        ("urgent", "console"),
        ("escalation", "console"),
    }


# -- routine submissions: one digest per interval ------------------------------------------
def test_routine_submissions_wait_for_one_digest(tmp_path, apps, smtp, webhook, personas):
    app = apps(tmp_path, **notify_config(smtp.port, webhook.url, NOTIFY_DIGEST_MINUTES=60))
    first = submit_answers(app, personas["P01"].answers)
    second = submit_answers(app, personas["P03"].answers)  # medical review: still routine
    rows = outbox_rows(app)
    # medical review is routine here: the level must not hint at the client's health
    assert {(r.kind, r.level) for r in rows} == {("routine", "Routine")}
    earliest, latest = min(r.due_at for r in rows), max(r.due_at for r in rows)
    assert earliest > max(r.submitted_at for r in rows)
    assert deliver(app, now=earliest - dt.timedelta(seconds=1)).sent == 0
    assert deliver(app, now=latest).sent == 2  # one digest by email, one by webhook
    assert len(smtp.messages) == 1 and len(webhook.requests) == 1
    mail = smtp.messages[0]
    assert mail["Subject"] == "Pre-screening digest: 2 new submissions"
    assert first in mail.get_content() and second in mail.get_content()
    payload = webhook.bodies()[0]
    assert payload["event"] == "submission.digest"
    assert [s["reference"] for s in payload["submissions"]] == [first, second]
    assert deliver(app, now=latest + dt.timedelta(days=1)).sent == 0


def test_a_digest_sent_again_keeps_its_key_and_its_submissions(tmp_path, apps, webhook, personas):
    from screener.store import outbox

    app = apps(tmp_path, NOTIFY_WEBHOOK_URL=webhook.url, NOTIFY_WEBHOOK_SECRET=WEBHOOK_SECRET)
    first = [submit_answers(app, personas[name].answers) for name in ("P01", "P02")]
    due = max(r.due_at for r in outbox_rows(app))
    with app.extensions["screener"].sessionmaker() as session:  # claimed, then the worker died
        [claimed] = outbox.claim(session, due)
        session.commit()
    assert claimed.kind == "routine" and len(claimed.rows) == 2
    late = submit_answers(app, personas["P03"].answers)  # arrives meanwhile
    # the dead worker's digest again, with its key, and the late one in a digest of its own
    assert deliver(app, now=due + outbox.LEASE).sent == 2
    bodies = {b["idempotency_key"]: b for b in webhook.bodies()}
    assert [s["reference"] for s in bodies.pop(claimed.key)["submissions"]] == first
    [(_key, other)] = bodies.items()
    assert [s["reference"] for s in other["submissions"]] == [late]
    assert all(r.state == "sent" for r in outbox_rows(app))


# -- no health data anywhere --------------------------------------------------------------
def _needles(questionnaire, answers, contact) -> list[str]:
    """What must never leave the database: contact details, typed answers, flags, outcome."""
    out = [v for k, v in contact.items() if k != "method" and v]
    out += [v for k, v in answers.items() if isinstance(v, str) and " nightly" in v]
    ev = evaluate(questionnaire, answers)
    out += [f.flag.id for f in ev.flags] + [f.flag.label for f in ev.flags if f.flag.label]
    out += [ev.outcome.id, ev.outcome.title]
    return out


def test_no_answer_name_contact_or_flag_in_messages_outbox_rows_or_logs(
    tmp_path, apps, smtp, webhook, questionnaire, personas, caplog
):
    caplog.set_level(logging.DEBUG)
    app = apps(tmp_path, **notify_config(smtp.port, webhook.url, NOTIFY_DIGEST_MINUTES=5))
    console = apps(tmp_path / "console")  # no SMTP, no webhook: the log
    needles = []
    contacts = {**CONTACTS, "P08": P08_CONTACT}
    for target in (app, console):
        for name, contact in contacts.items():
            answers = with_unique_free_text(personas[name], name)
            send_persona(target.test_client(), questionnaire, personas[name], contact, answers)
            needles += _needles(questionnaire, answers, contact)
    later = utcnow() + dt.timedelta(days=3)  # urgent, digests and escalations all due
    for target in (app, console):
        assert deliver(target, now=later).failed == 0
    assert all(r.state == "sent" for t in (app, console) for r in outbox_rows(t))
    assert len(smtp.messages) >= 3 and len(webhook.requests) >= 3
    formatter = JsonFormatter()
    haystacks = {
        "emails": [raw.decode("utf-8", "replace") for raw in smtp.raw],
        "webhooks": [json.dumps(r["headers"]) + r["body"].decode() for r in webhook.requests],
        "outbox": [
            json.dumps({c.name: str(getattr(r, c.name)) for c in Notification.__table__.columns})
            for t in (app, console)
            for r in outbox_rows(t)
        ],
        "logs": [formatter.format(record) for record in caplog.records],
    }
    console_lines = [line for line in haystacks["logs"] if "screener.notify" in line]
    assert any("submission.urgent" in line for line in console_lines)
    assert len(needles) > 40
    for where, texts in haystacks.items():
        joined = "\n".join(texts)
        for needle in needles:
            assert needle not in joined, f"{needle!r} is in the {where}"


# -- SMTP down for ten minutes, then up -----------------------------------------------------
def test_smtp_down_for_ten_minutes_delays_mail_and_loses_none(tmp_path, apps, webhook, personas):
    mail = SmtpServer()  # not started yet: its port refuses connections
    app = apps(tmp_path, **notify_config(mail.port, webhook.url, NOTIFY_DIGEST_MINUTES=5))
    sent = [submit_answers(app, personas[name].answers) for name in ("P08", "P07", "P01")]
    start = utcnow()
    try:
        for minute in range(11):
            deliver(app, now=start + dt.timedelta(minutes=minute))
        email_rows = [
            r for r in outbox_rows(app) if r.channel == "email" and r.kind != "escalation"
        ]
        assert len(email_rows) == 3
        assert all(r.state == "pending" and r.attempts >= 3 for r in email_rows)
        assert all("ConnectionRefusedError" in r.last_error for r in email_rows)
        assert len(webhook.requests) == 3  # the webhook was up: it went out once each
        mail.start()
        deliver(app, now=start + dt.timedelta(minutes=20))
        deliver(app, now=start + dt.timedelta(minutes=25))
    finally:
        mail.stop()
    subjects = sorted(m["Subject"] for m in mail.messages)
    assert subjects == sorted(
        [
            f"Urgent pre-screening submission {sent[0]} (Support first)",
            f"Urgent pre-screening submission {sent[1]} (Urgent)",
            "Pre-screening digest: 1 new submission",
        ]
    )
    assert len({m["Message-ID"] for m in mail.messages}) == 3
    assert len(webhook.requests) == 3 and len(set(webhook.keys())) == 3
    assert all(r.state == "sent" for r in outbox_rows(app) if r.kind != "escalation")


# -- a worker killed mid-delivery -----------------------------------------------------------
def _worker_env(app, webhook_url) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SCREENER_")}
    env.update(
        SCREENER_DATABASE_URL=app.config["DATABASE_URL"],
        SCREENER_SECRET_KEY=app.config["SECRET_KEY"],
        SCREENER_DATA_KEY=app.config["DATA_KEY"],
        SCREENER_QUESTIONS=str(QUESTIONS),
        SCREENER_NOTIFY_WEBHOOK_URL=webhook_url,
        SCREENER_NOTIFY_WEBHOOK_SECRET=WEBHOOK_SECRET,
        SCREENER_BUSINESS_HOURS="always",
    )
    return env


def test_a_worker_killed_mid_delivery_sends_again_with_the_same_idempotency_key(
    tmp_path, apps, webhook, personas
):
    app = apps(
        tmp_path,
        NOTIFY_WEBHOOK_URL=webhook.url,
        NOTIFY_WEBHOOK_SECRET=WEBHOOK_SECRET,
        BUSINESS_HOURS="always",
    )
    reference = submit_answers(app, personas["P08"].answers)
    webhook.hold = threading.Event()
    flask = os.path.join(os.path.dirname(sys.executable), "flask")
    worker = subprocess.Popen(
        [flask, "--app", "screener", "notify", "--once"],
        cwd=ROOT,
        env=_worker_env(app, webhook.url),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    try:
        assert webhook.arrived.wait(60), worker.communicate(timeout=5)
        os.kill(worker.pid, signal.SIGKILL)  # while the receiver holds the request
        worker.wait(30)
    finally:
        if worker.poll() is None:
            worker.kill()
        worker.communicate()
    assert worker.returncode == -signal.SIGKILL
    webhook.hold.set()
    webhook.hold = None
    [urgent] = [r for r in outbox_rows(app) if r.kind == "urgent"]
    assert (urgent.state, urgent.attempts) == ("sending", 1)
    # while the dead worker's lease lasts, no one else sends it...
    assert deliver(app).sent == 0
    # ...and once it has run out, the next worker does, with the same key and body
    assert deliver(app, now=urgent.claimed_until).sent == 1
    first, second = webhook.requests
    assert first["headers"]["Idempotency-Key"] == second["headers"]["Idempotency-Key"]
    assert first["body"] == second["body"]
    assert second["headers"]["X-Screener-Signature"] == signed(second["body"])
    # a receiver that drops repeated keys sees it once
    assert len(set(webhook.keys())) == 1
    assert [b["submissions"][0]["reference"] for b in webhook.bodies()] == [reference] * 2
    [urgent] = [r for r in outbox_rows(app) if r.kind == "urgent"]
    assert (urgent.state, urgent.attempts) == ("sent", 2)


def test_several_workers_at_once_deliver_each_notification_once(
    tmp_path, db_url, apps, webhook, personas
):
    app = apps(
        tmp_path, db_url, NOTIFY_WEBHOOK_URL=webhook.url, NOTIFY_WEBHOOK_SECRET=WEBHOOK_SECRET
    )
    for _ in range(12):
        submit_answers(app, personas["P08"].answers)
    barrier = threading.Barrier(4)
    errors = []

    def work():
        try:
            barrier.wait(30)
            deliver(app)
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=work) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    assert errors == []
    assert len(webhook.requests) == 12 and len(set(webhook.keys())) == 12
    assert sorted(r.state for r in outbox_rows(app) if r.kind == "urgent") == ["sent"] * 12


@pytest.mark.parametrize("answer", [500, 302, 404])
def test_a_webhook_that_does_not_accept_is_tried_again_with_the_same_key(
    tmp_path, apps, webhook, personas, answer
):
    app = apps(tmp_path, NOTIFY_WEBHOOK_URL=webhook.url, NOTIFY_WEBHOOK_SECRET=WEBHOOK_SECRET)
    submit_answers(app, personas["P08"].answers)
    webhook.status = answer
    start = utcnow()
    assert deliver(app, now=start).failed == 1
    [row] = [r for r in outbox_rows(app) if r.kind == "urgent"]
    assert (row.state, row.attempts) == ("pending", 1)
    assert f"HTTP Error {answer}" in row.last_error
    assert row.due_at == start + dt.timedelta(seconds=30)
    webhook.status = 200
    assert deliver(app, now=row.due_at).sent == 1
    assert [r.get("get", False) for r in webhook.requests] == [False, False]  # never a GET
    assert len(set(webhook.keys())) == 1


# -- escalation -----------------------------------------------------------------------------
@pytest.mark.parametrize("hours", ["always", "mon-fri 09:00-17:00"])
def test_an_unacknowledged_urgent_submission_escalates_on_time_and_is_audited(
    tmp_path, apps, smtp, webhook, personas, hours
):
    from zoneinfo import ZoneInfo

    from screener.store.schedule import escalation_due, parse_hours

    app = apps(tmp_path, **notify_config(smtp.port, webhook.url, BUSINESS_HOURS=hours))
    reference = submit_answers(app, personas["P07"].answers)
    assert deliver(app).sent == 2  # the urgent email and webhook, at once
    escalations = [r for r in outbox_rows(app) if r.kind == "escalation"]
    due = escalation_due(
        escalations[0].submitted_at,
        dt.timedelta(minutes=30),
        parse_hours(hours),
        ZoneInfo(app.config["STAFF_TIMEZONE"]),
    )
    assert {r.due_at for r in escalations} == {due}
    assert deliver(app, now=due - dt.timedelta(seconds=1)).sent == 0
    assert audit_rows(app, "escalated") == []
    assert deliver(app, now=due).sent == 2
    mail = smtp.messages[-1]
    assert smtp.envelopes[-1][1] == [ESCALATION]
    assert mail["Subject"] == f"Not yet acknowledged: urgent submission {reference} (Urgent)"
    assert webhook.bodies()[-1]["event"] == "submission.escalation"
    entries = audit_rows(app, "escalated")
    assert sorted((e.actor, e.reference, e.detail) for e in entries) == [
        ("notify-worker", reference, "escalation sent by email"),
        ("notify-worker", reference, "escalation sent by webhook"),
    ]
    assert deliver(app, now=due + dt.timedelta(days=7)).sent == 0  # once only


# -- the development server and the commands ----------------------------------------------
def test_the_development_server_delivers_to_the_console_without_a_second_process(
    tmp_path, apps, questionnaire, personas, caplog
):
    caplog.set_level(logging.INFO, logger="screener.notify")
    app = apps(tmp_path, NOTIFY_IN_PROCESS=True, NOTIFY_POLL_SECONDS=0.05)
    client = app.test_client()
    send_persona(client, questionnaire, personas["P08"], P08_CONTACT)
    [reference] = references(app)
    state = app.extensions["screener"]
    try:
        for _ in range(600):  # until the server's own worker has delivered it
            if any(r.kind == "urgent" and r.state == "sent" for r in outbox_rows(app)):
                break
            state.notify_stop.wait(0.05)
    finally:
        state.notify_stop.set()
        state.notify_thread.join(10)
    lines = [r.getMessage() for r in caplog.records if r.name == "screener.notify"]
    assert any(
        f"notification submission.urgent: {reference} (Support first); sign in: "
        "http://127.0.0.1:5000/staff/login" in line
        for line in lines
    ), lines
    assert not any(P08_CONTACT["name"] in line or "safety" in line for line in lines)


def test_notify_once_command_for_cron(tmp_path, apps, personas):
    app = apps(tmp_path)
    submit_answers(app, personas["P08"].answers)
    runner = app.test_cli_runner()
    result = runner.invoke(args=["notify", "--once"])
    assert result.exit_code == 0, result.output
    assert result.output == "notify: 1 delivered, 0 to retry.\n"
    assert runner.invoke(args=["notify", "--once"]).output == "notify: 0 delivered, 0 to retry.\n"
    assert "notify-worker" in runner.invoke(args=["--help"]).output


def test_a_webhook_without_its_secret_refuses_to_start(tmp_path):
    with pytest.raises(ValueError, match="SCREENER_NOTIFY_WEBHOOK_SECRET"):
        make_app(tmp_path, NOTIFY_WEBHOOK_URL="http://127.0.0.1:9/hook")
