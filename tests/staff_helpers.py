"""Helpers for the staff-side tests: accounts, submissions made from personas, signing in."""

from __future__ import annotations

import datetime as dt
import re
import time

import pyotp
import pytest
from argon2 import PasswordHasher
from sqlalchemy import select

from screener.questionnaire import evaluate
from screener.store import AuditEntry, Submission, Therapist, drafts
from screener.web import auth
from tests.journey_helpers import csrf_token

PASSWORD = "correct horse battery staple"
#: the authenticator secret of the accounts make_therapist enrols (codes come from pyotp)
TOTP_SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
CONTACT = {
    "name": "Dana Example",
    "method": "phone",
    "email": "",
    "phone": "(303) 555 0142",
    "time": "Weekday mornings",
}


@pytest.fixture(autouse=True)
def fast_hashing(monkeypatch):
    """Cheap argon2 parameters, so the many sign-ins in these tests stay quick."""
    monkeypatch.setattr(
        auth, "hasher", PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    )


def svc(app):
    return app.extensions["screener"]


def make_therapist(
    app,
    email="therapist@example.com",
    password=PASSWORD,
    admin=False,
    active=True,
    enrolled=True,
    secret=TOTP_SECRET,
) -> int:
    """An account; `enrolled` ones already have an authenticator with `secret`."""
    with svc(app).sessionmaker.begin() as session:
        therapist = Therapist(
            email=email,
            password_hash=auth.hash_password(password),
            is_admin=admin,
            active=active,
            session_token=auth.new_session_token(),
        )
        if enrolled:
            therapist.totp_secret_enc = svc(app).vault.seal(secret)
            therapist.totp_enrolled_at = dt.datetime(2026, 1, 1)
        session.add(therapist)
        session.flush()
        return therapist.id


def last_step(app, email) -> int | None:
    with svc(app).sessionmaker() as session:
        stored = session.scalars(
            select(Therapist).where(Therapist.email == auth.normalise_email(email))
        ).first()
        return stored.totp_last_step if stored is not None else None


def fresh_code(app, email, secret=TOTP_SECRET) -> str:
    """A code the app will accept now: this step's, or the next one's when this one is used;
    waits if both are. Never the previous step's: the app's window (one step either side)
    moves on at the next 30 s boundary, which may fall between making the code and sending it.
    """
    while True:
        current = int(time.time() // 30)
        used = last_step(app, email)
        for step in range(current, current + 2):
            if used is None or step > used:
                return pyotp.TOTP(secret).at(step * 30)
        time.sleep(30 - time.time() % 30 + 0.05)


def password_step(client, email="therapist@example.com", password=PASSWORD, next=None, **kw):
    """Only the password step; returns its response."""
    url = "/staff/login" + (f"?next={next}" if next else "")
    html = client.get(url, **kw).get_data(as_text=True)
    return client.post(
        url, data={"csrf_token": csrf_token(html), "email": email, "password": password}, **kw
    )


def code_step(client, code: str, **kw):
    html = client.get("/staff/two-factor", **kw).get_data(as_text=True)
    return client.post(
        "/staff/two-factor", data={"csrf_token": csrf_token(html), "code": code}, **kw
    )


def login(client, email="therapist@example.com", password=PASSWORD, next=None, secret=None, **kw):
    """Sign in as a person would: the password, then a code computed with pyotp from the
    account's authenticator secret (TOTP_SECRET, or the key shown at enrolment). Returns the
    last response: the refused password page, or the redirect after the code."""
    first = password_step(client, email, password, next, **kw)
    if first.status_code != 303 or not first.headers["Location"].endswith("/staff/two-factor"):
        return first
    page = client.get("/staff/two-factor", **kw).get_data(as_text=True)
    key = re.search(r'id="totp-key">([A-Z2-7 ]+)<', page)
    if key:  # first sign-in: enrol with the key shown as text
        secret = key.group(1).replace(" ", "")
    code = fresh_code(client.application, email, secret or TOTP_SECRET)
    return client.post(
        "/staff/two-factor", data={"csrf_token": csrf_token(page), "code": code}, **kw
    )


def submit_answers(
    app,
    answers: dict,
    contact: dict | None = None,
    created_at: dt.datetime | None = None,
    language: str = "en",
) -> str:
    """A submission as the client journey makes it; returns its reference."""
    services = svc(app)
    q = services.questionnaire
    with services.sessionmaker.begin() as session:
        draft = drafts.create_draft(session, services.vault, q)
        evaluation = evaluate(q, answers)
        sub = drafts.submit(
            session, services.vault, draft, evaluation, contact or CONTACT, language=language
        )
        if created_at is not None:
            sub.created_at = created_at
        return sub.reference


def token(client, url="/staff/") -> str:
    return csrf_token(client.get(url).get_data(as_text=True))


def post(client, url, data=None, page="/staff/", **kw):
    return client.post(url, data={"csrf_token": token(client, page), **(data or {})}, **kw)


def audit_rows(app, action=None) -> list[AuditEntry]:
    with svc(app).sessionmaker() as session:
        stmt = select(AuditEntry).order_by(AuditEntry.id)
        if action:
            stmt = stmt.where(AuditEntry.action == action)
        return list(session.scalars(stmt))


def submission(app, reference) -> Submission:
    with svc(app).sessionmaker() as session:
        return session.scalars(select(Submission).where(Submission.reference == reference)).one()


def therapist(app, email="therapist@example.com") -> Therapist:
    with svc(app).sessionmaker() as session:
        return session.scalars(select(Therapist).where(Therapist.email == email)).one()


def text(html: str) -> str:
    """The page as a person reads it: tags dropped, whitespace collapsed, entities kept simple."""
    body = re.sub(r"<(script|style)[^>]*>.*?</\1>", " ", html, flags=re.S)
    body = re.sub(r"<[^>]+>", " ", body)
    body = (
        body.replace("&amp;", "&")
        .replace("&#39;", "'")
        .replace("&quot;", '"')
        .replace("&lt;", "<")
        .replace("&gt;", ">")
    )
    return re.sub(r"\s+", " ", body).strip()
