"""Helpers for the privacy and security tests: apps on a shared database, raw file bytes."""

from __future__ import annotations

import secrets
from pathlib import Path
from urllib.parse import urlsplit

from cryptography.fernet import Fernet
from sqlalchemy import select

from tests.conftest import QUESTIONS
from tests.journey_helpers import Journey

#: contact details of made-up clients, one per persona, all distinctive enough to search for
CONTACTS = {
    "P01": {
        "name": "Dana Quillfeather",
        "method": "email",
        "email": "dana.quill@example.org",
        "time": "weekday mornings before nine",
    },
    "P03": {
        "name": "Priya Vantongeren",
        "method": "phone",
        "phone": "(303) 555 0142",
        "time": "after the school run",
    },
    "P05": {"name": "Walt Brindlecombe", "method": "email", "email": "walt.b@example.net"},
    "P07": {"name": "Sam Oyelaran-Whitby", "method": "phone", "phone": "+1 720 555 0199"},
    "P10": {
        "name": "Robert Fenwick-Abara",
        "method": "email",
        "email": "r.fenwick@example.com",
        "time": "Tuesday evening only",
    },
}


def make_app(tmp_path: Path, db_name: str = "test.sqlite3", **overrides):
    from screener import create_app

    config = {
        "TESTING": True,
        "QUESTIONS": str(QUESTIONS),
        "DATABASE_URL": f"sqlite:///{tmp_path / db_name}",
        "SECRET_KEY": "test-secret-key-that-is-long-enough",
        "DATA_KEY": Fernet.generate_key().decode(),
        "RATELIMIT_ENABLED": False,
        # the shipped questions.yaml has placeholder practice details, which production
        # refuses unless told (DEF045); these apps test other things
        "ALLOW_PLACEHOLDER_CONTACTS": True,
    }
    config.update(overrides)
    return create_app(config)


def db_path(app) -> Path:
    return Path(app.config["DATABASE_URL"].removeprefix("sqlite:///"))


def checkpoint(app) -> None:
    raw = app.extensions["screener"].engine.raw_connection()
    try:
        raw.driver_connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        raw.close()


def raw_bytes(app) -> bytes:
    """The database file as bytes (with the write-ahead log folded in, and any WAL left)."""
    checkpoint(app)
    path = db_path(app)
    data = path.read_bytes()
    for extra in (path.with_name(path.name + "-wal"), path.with_name(path.name + "-journal")):
        if extra.exists():
            data += extra.read_bytes()
    return data


def send_persona(client, questionnaire, persona, contact: dict, answers=None) -> Journey:
    """Answer every page as the persona, then send the summary with these contact details."""
    journey = Journey(client, questionnaire)
    journey.run(answers if answers is not None else persona.answers)
    fields = {
        "name": contact["name"],
        "method": contact.get("method", "email"),
        "email": contact.get("email", ""),
        "phone": contact.get("phone", ""),
        "time": contact.get("time", ""),
        "consent": "y",
    }
    response = journey.post("/send", fields)
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    assert response.headers["Location"].endswith("/sent")
    return journey


def with_unique_free_text(persona, tag: str) -> dict:
    """The persona's answers with every typed answer made unique to this test run.

    The examples' own texts are in questions.yaml, which is stored (as the definition
    version) on purpose, so they cannot prove anything about where answers are kept.
    """
    answers = dict(persona.answers)
    for value in free_text(persona):
        for qid, answer in persona.answers.items():
            if answer == value:
                answers[qid] = f"{value}; {tag} {secrets.token_hex(6)} nightly"
    return answers


def rows(app, model):
    with app.extensions["screener"].sessionmaker() as session:
        return list(session.scalars(select(model)))


def free_text(persona) -> list[str]:
    """The persona's typed answers (longtext and text questions), non-empty."""
    from screener.questionnaire import load_file

    q = load_file(QUESTIONS).questionnaire
    return [
        value
        for qid, value in persona.answers.items()
        if isinstance(value, str)
        and value.strip()
        and q.questions[qid].type in ("text", "longtext")
    ]


def referer_sent(policy: str, page_url: str, target_url: str) -> str | None:
    """The Referer a browser sends when a form on `page_url` posts to `target_url`, under
    the page's Referrer-Policy header (the Fetch standard's rules, for the policies a site
    would choose)."""
    page, target = urlsplit(page_url), urlsplit(target_url)
    same_origin = (page.scheme, page.netloc) == (target.scheme, target.netloc)
    full = page._replace(fragment="").geturl()
    origin = f"{page.scheme}://{page.netloc}/"
    policy = (policy.split(",")[-1].strip().lower()) or "strict-origin-when-cross-origin"
    if policy == "no-referrer":
        return None
    if policy == "same-origin":
        return full if same_origin else None
    if policy in ("origin", "strict-origin"):
        return origin
    return full if same_origin else origin  # *-when-cross-origin, unsafe-url, ...
