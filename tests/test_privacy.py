"""Encryption at rest, keys, cookie flags, key rotation and "delete my answers"."""

from __future__ import annotations

import functools
import json
import stat

import pytest
from cryptography.fernet import Fernet
from sqlalchemy import func, select

from screener.store import AuditEntry, Draft, KeyError_, Note, Submission, Therapist, Vault
from tests.security_helpers import (
    CONTACTS,
    make_app,
    raw_bytes,
    rows,
    send_persona,
    with_unique_free_text,
)

SENT = ("P01", "P03", "P05", "P07", "P10")


def test_raw_database_file_holds_no_answers_or_contact_details(app, questionnaire, personas):
    needles = []
    for name in SENT:
        answers = with_unique_free_text(personas[name], name)
        send_persona(app.test_client(), questionnaire, personas[name], CONTACTS[name], answers)
        needles += [v for k, v in CONTACTS[name].items() if k != "method" and v]
        needles += [answers[k] for k in answers if answers[k] != personas[name].answers[k]]
    data = raw_bytes(app)
    # the reading method works: plain columns (outcome ids, status) are found
    assert b"consult_recommended" in data and b"support_first" in data
    assert len(needles) > 15
    for needle in needles:
        for encoded in (needle.encode(), needle.lower().encode(), json.dumps(needle).encode()):
            assert encoded not in data, f"{needle!r} is stored in plain text"
    # ... and yet everything is there, for whoever holds the key
    vault = app.extensions["screener"].vault
    sent = rows(app, Submission)
    stored = [vault.record(s.key_enc).open(s.contact_enc) for s in sent]
    assert {c["name"] for c in stored} == {CONTACTS[n]["name"] for n in SENT}
    typed = {vault.record(s.key_enc).open(s.answers_enc).get("med_list") for s in sent}
    assert set(needles) & typed


def test_a_database_copy_without_the_key_cannot_be_read(app, questionnaire, personas, tmp_path):
    send_persona(app.test_client(), questionnaire, personas["P01"], CONTACTS["P01"])
    other = Vault(Fernet.generate_key().decode())
    submission = rows(app, Submission)[0]
    with pytest.raises(KeyError_):
        other.open(submission.answers_enc)


def test_development_keys_are_generated_once_with_mode_0600(tmp_path, monkeypatch):
    import screener
    from screener import create_app

    instance = tmp_path / "instance"
    monkeypatch.setattr(
        screener, "Flask", functools.partial(screener.Flask, instance_path=str(instance))
    )
    config = {
        "TESTING": True,
        "SECRET_KEY": "",
        "DATA_KEY": "",
        "RATELIMIT_ENABLED": False,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'dev.sqlite3'}",
    }
    first = create_app(dict(config))
    for name in ("secret_key", "data_key"):
        path = instance / name
        assert stat.S_IMODE(path.stat().st_mode) == 0o600, name
    second = create_app(dict(config))
    assert (
        first.config["DATA_KEY"]
        == second.config["DATA_KEY"]
        == (instance / "data_key").read_text().strip()
    )
    assert first.config["SECRET_KEY"] == second.config["SECRET_KEY"]
    for app in (first, second):
        app.extensions["screener"].engine.dispose()


@pytest.mark.parametrize("missing", ["SECRET_KEY", "DATA_KEY", "both"])
def test_production_refuses_to_start_without_its_keys(tmp_path, missing, monkeypatch):
    from screener import create_app

    for var in ("SCREENER_SECRET_KEY", "SCREENER_DATA_KEY"):
        monkeypatch.delenv(var, raising=False)
    config = {
        "ENV": "production",
        "SECRET_KEY": "s" * 40,
        "DATA_KEY": Fernet.generate_key().decode(),
        "DATABASE_URL": f"sqlite:///{tmp_path / 'prod.sqlite3'}",
    }
    for key in ["SECRET_KEY", "DATA_KEY"] if missing == "both" else [missing]:
        config[key] = ""
    with pytest.raises(SystemExit) as raised:
        create_app(config)
    assert "Refusing to start in production" in str(raised.value)
    assert not (tmp_path / "prod.sqlite3").exists()


def test_production_rejects_a_malformed_data_key(tmp_path):
    from screener import create_app

    with pytest.raises(KeyError_):
        create_app(
            {
                "ENV": "production",
                "SECRET_KEY": "s" * 40,
                "DATA_KEY": "not-a-key",
                "DATABASE_URL": f"sqlite:///{tmp_path / 'prod.sqlite3'}",
            }
        )


def _set_cookie(response) -> str:
    cookies = response.headers.getlist("Set-Cookie")
    assert cookies, "no cookie was set"
    return cookies[0]


def test_production_session_cookie_is_secure_host_only_httponly_lax(tmp_path):
    app = make_app(tmp_path, ENV="production", ALLOW_PLACEHOLDER_CONTACTS=True)
    try:
        assert app.config["SESSION_COOKIE_NAME"] == "__Host-session"
        client = app.test_client()
        response = client.get("/", base_url="https://screener.example")
        html = response.get_data(as_text=True)
        assert "csrf_token" in html
        cookie = _set_cookie(response)
        assert cookie.startswith("__Host-session=")
        parts = [p.strip().lower() for p in cookie.split(";")]
        assert "secure" in parts and "httponly" in parts and "samesite=lax" in parts
        assert "path=/" in parts and not any(p.startswith("domain=") for p in parts)
    finally:
        app.extensions["screener"].engine.dispose()


def test_development_session_cookie_is_httponly_and_lax(client):
    cookie = _set_cookie(client.get("/"))
    parts = [p.strip().lower() for p in cookie.split(";")]
    assert cookie.startswith("session=")
    assert "httponly" in parts and "samesite=lax" in parts and "secure" not in parts


def test_an_explicit_cookie_setting_wins(tmp_path):
    app = make_app(tmp_path, SESSION_COOKIE_SECURE=True)
    try:
        assert app.config["SESSION_COOKIE_SECURE"] is True
        assert app.config["SESSION_COOKIE_NAME"] == "__Host-session"
    finally:
        app.extensions["screener"].engine.dispose()


# -- key rotation ---------------------------------------------------------------------------
def _add_note(app, text: str) -> None:
    svc = app.extensions["screener"]
    with svc.sessionmaker.begin() as session:
        therapist = Therapist(email="t@example.com", password_hash="x")
        session.add(therapist)
        session.flush()
        submission = session.scalars(select(Submission)).first()
        session.add(
            Note(
                submission_id=submission.id,
                author_id=therapist.id,
                body_enc=svc.vault.record(submission.key_enc).seal(text),
            )
        )


def _read_everything(app) -> dict:
    svc = app.extensions["screener"]
    vault = svc.vault
    sent = {s.id: s for s in rows(app, Submission)}

    def opened(record, column):
        return json.dumps(
            vault.record(record.key_enc).open(getattr(record, column)), sort_keys=True
        )

    return {
        "drafts": sorted(opened(d, "state_enc") for d in rows(app, Draft)),
        "answers": sorted(opened(s, "answers_enc") for s in sent.values()),
        "contacts": sorted(opened(s, "contact_enc") for s in sent.values()),
        "notes": sorted(
            vault.record(sent[n.submission_id].key_enc).open(n.body_enc) for n in rows(app, Note)
        ),
    }


def test_rotate_key_re_encrypts_every_column_with_the_new_key(tmp_path, questionnaire, personas):
    key_a, key_b = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    with_a = make_app(tmp_path, DATA_KEY=key_a)
    send_persona(with_a.test_client(), questionnaire, personas["P01"], CONTACTS["P01"])
    send_persona(with_a.test_client(), questionnaire, personas["P03"], CONTACTS["P03"])
    _add_note(with_a, "Called back; prefers mornings")
    before = _read_everything(with_a)
    assert before["notes"] == ["Called back; prefers mornings"] and len(before["drafts"]) == 2
    with_a.extensions["screener"].engine.dispose()

    both = make_app(tmp_path, DATA_KEY=f"{key_b},{key_a}")
    assert _read_everything(both) == before  # the old key still reads
    result = both.test_cli_runner().invoke(args=["rotate-key"])
    assert result.exit_code == 0, result.output
    assert "rewrapped the data keys of 2 draft(s) and 2 submission(s)" in result.output
    assert "(0 older record(s) given a key of their own)" in result.output
    for secret in ("Dana", "venlafaxine", "KAP-", "mornings"):
        assert secret not in result.output
    both.extensions["screener"].engine.dispose()

    only_b = make_app(tmp_path, DATA_KEY=key_b)
    assert _read_everything(only_b) == before
    only_b.extensions["screener"].engine.dispose()

    only_a = make_app(tmp_path, DATA_KEY=key_a)
    with pytest.raises(KeyError_):
        _read_everything(only_a)
    only_a.extensions["screener"].engine.dispose()


def test_rotate_key_twice_is_harmless(app, runner, questionnaire, personas):
    send_persona(app.test_client(), questionnaire, personas["P01"], CONTACTS["P01"])
    before = _read_everything(app)
    for _ in range(2):
        assert runner.invoke(args=["rotate-key"]).exit_code == 0
    assert _read_everything(app) == before


# -- delete my answers ----------------------------------------------------------------------
def _csrf(client) -> str:
    from tests.journey_helpers import csrf_token

    return csrf_token(client.get("/").get_data(as_text=True))


def test_delete_my_answers_deletes_the_draft_and_submission_at_once(app, questionnaire, personas):
    client = app.test_client()
    send_persona(client, questionnaire, personas["P01"], CONTACTS["P01"])
    other = app.test_client()
    send_persona(other, questionnaire, personas["P03"], CONTACTS["P03"])
    reference = [s.reference for s in rows(app, Submission)]
    assert len(reference) == 2
    response = client.post("/delete", data={"csrf_token": _csrf(client)})
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    assert len(rows(app, Draft)) == 1 and len(rows(app, Submission)) == 1
    remaining = rows(app, Submission)[0]
    assert (
        app.extensions["screener"]
        .vault.record(remaining.key_enc)
        .open(remaining.contact_enc)["name"]
        == CONTACTS["P03"]["name"]
    )
    audit = [a for a in rows(app, AuditEntry) if a.action == "client_deleted"]
    assert len(audit) == 1
    assert audit[0].reference in reference and audit[0].reference != remaining.reference
    assert audit[0].detail == ""  # the reference only, nothing the client told us
    # the deleted client's browser no longer reaches anything
    assert client.get("/result").status_code == 302
    assert client.get("/check").headers["Location"].endswith("/resume")


def test_delete_without_csrf_deletes_nothing(app, questionnaire, personas):
    client = app.test_client()
    send_persona(client, questionnaire, personas["P01"], CONTACTS["P01"])
    response = client.post("/delete", data={})
    assert response.status_code == 400
    with app.extensions["screener"].sessionmaker() as session:
        assert session.scalar(select(func.count()).select_from(Draft)) == 1
        assert session.scalar(select(func.count()).select_from(Submission)) == 1
