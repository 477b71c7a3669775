"""Staff sign-in: success, generic failure, lockout, timeout, real logout, safe redirects."""

from __future__ import annotations

import hashlib
import hmac
import time

import pytest

from screener.web import auth
from screener.web.limits import limiter
from tests.journey_helpers import Journey
from tests.readonly_helpers import read_only_database
from tests.staff_helpers import (
    PASSWORD,
    audit_rows,
    fast_hashing,  # noqa: F401  (fixture)
    login,
    make_therapist,
    post,
    submit_answers,
    text,
    therapist,
)

GENERIC = "Those details did not work"


@pytest.fixture
def staff(app):
    make_therapist(app)
    return app


def test_sign_in_lands_on_the_queue_and_shows_who_is_signed_in(staff, client):
    response = login(client)
    assert response.status_code == 303
    assert response.headers["Location"] == "/staff/"
    page = text(client.get("/staff/").get_data(as_text=True))
    assert "Signed in as therapist@example.com" in page
    assert "Sign out" in page


def test_email_is_not_case_sensitive(staff, client):
    assert login(client, email="  Therapist@Example.COM ").status_code == 303


def test_wrong_password_and_unknown_email_read_the_same(staff, client):
    wrong = login(client, password="not the password at all")
    unknown = login(client, email="nobody@example.com")
    assert wrong.status_code == unknown.status_code == 400
    wrong_text, unknown_text = (text(r.get_data(as_text=True)) for r in (wrong, unknown))
    assert GENERIC in wrong_text
    assert wrong_text == unknown_text
    assert "Signed in as" not in wrong_text
    assert client.get("/staff/").status_code == 302


def test_empty_fields_get_field_errors(staff, client):
    response = login(client, email="", password="")
    page = text(response.get_data(as_text=True))
    assert response.status_code == 400
    assert "Enter your email address" in page and "Enter your password" in page


def test_deactivated_account_cannot_sign_in(app, client):
    make_therapist(app, email="gone@example.com", active=False)
    response = login(client, email="gone@example.com")
    assert GENERIC in text(response.get_data(as_text=True))


def test_account_locks_after_repeated_failures_even_for_the_right_password(staff, client):
    app = staff
    failures = app.config["LOGIN_MAX_FAILURES"]
    for _ in range(failures):
        assert login(client, password="wrong password again").status_code == 400
    locked = therapist(app)
    assert locked.locked_until is not None
    response = login(client)  # the right password, but the account is paused
    assert response.status_code == 400
    # only the right password learns of the lock (and when it opens again)
    assert "This account is locked" in text(response.get_data(as_text=True))
    assert "locked" not in text(login(client, password="wrong password again").data.decode())
    assert client.get("/staff/").status_code == 302
    details = [e.detail for e in audit_rows(app, "login_failed")]
    assert any("locked for" in d for d in details)
    assert details[-1] == "account locked"


def test_lock_expires(staff, client):
    app = staff
    for _ in range(app.config["LOGIN_MAX_FAILURES"]):
        login(client, password="wrong password again")
    svc = app.extensions["screener"]
    with svc.sessionmaker.begin() as session:
        from screener.store import Therapist, utcnow

        t = session.query(Therapist).one()
        t.locked_until = utcnow().replace(year=2000)
    assert login(client).status_code == 303
    assert therapist(app).failed_logins == 0


@pytest.fixture
def limited(app):
    """Rate limits on, in this process's memory, cleared before and after."""
    app.config["RATELIMIT_ENABLED"] = True
    limiter.init_app(app)
    limiter.reset()
    yield app
    limiter.reset()
    app.config["RATELIMIT_ENABLED"] = False


def _count(limit: str) -> int:
    return int(limit.split()[0])


def test_login_is_throttled_per_client(limited, client):
    make_therapist(limited)
    allowed = _count(auth.LOGIN_LIMIT)
    statuses = [login(client, email=f"x{i}@example.com").status_code for i in range(allowed + 2)]
    assert statuses == [400] * allowed + [429] * 2
    refused = login(client, email="typed@example.com")
    page = refused.get_data(as_text=True)
    assert refused.status_code == 429 and "Too Many Requests" not in page
    assert "Signing in from here is paused" in text(page) and "wait about" in text(page)
    assert 'value="typed@example.com"' in page  # what was typed is kept
    assert int(refused.headers["Retry-After"]) > 0


def test_a_stranger_cannot_keep_a_known_account_locked(limited, client):
    """Failures from one address pause that address for that account, with a growing wait;
    the owner, from their own address, still signs in."""
    make_therapist(limited)
    stranger = {"REMOTE_ADDR": "203.0.113.9"}
    pair = _count(auth.LOGIN_PAIR_LIMIT)
    statuses = [
        login(client, password=f"guess number {n}", environ_base=stranger).status_code
        for n in range(pair + 3)
    ]
    assert statuses == [400] * pair + [429] * 3
    assert therapist(limited).locked_until is None
    owner = limited.test_client()
    assert login(owner, environ_base={"REMOTE_ADDR": "198.51.100.20"}).status_code == 303
    # the stranger's address is still paused for that account, but not for another one
    make_therapist(limited, email="colleague@example.com")
    other = login(client, email="colleague@example.com", password="nope", environ_base=stranger)
    assert other.status_code == 400


def test_the_account_lock_is_a_last_resort_against_many_addresses(limited, client):
    make_therapist(limited)
    failures = limited.config["LOGIN_MAX_FAILURES"]
    assert failures > _count(auth.LOGIN_PAIR_LIMIT)
    for n in range(failures):
        address = {"REMOTE_ADDR": f"192.0.2.{n + 1}"}
        assert login(client, password="wrong password", environ_base=address).status_code == 400
    assert therapist(limited).locked_until is not None


def test_failed_sign_ins_to_no_account_store_a_keyed_hash_not_the_text(staff, client):
    typed = "correct horse battery staple"  # a password typed into the email field
    login(client, email=typed, password="whatever it was")
    login(client, email=typed.upper(), password="again")
    login(client, email="someone@example.org", password="whatever it was")
    rows = audit_rows(staff, "login_failed")
    assert len(rows) == 3
    for row in rows:
        assert "horse" not in row.actor and "someone" not in row.actor
        assert row.actor.startswith("unknown account ") and row.detail == "unknown account"
    key = staff.config["SECRET_KEY"].encode()
    expected = hmac.new(key, b"sign-in:" + typed.encode(), hashlib.sha256).hexdigest()[:32]
    assert rows[0].actor == rows[1].actor == f"unknown account {expected}"  # comparable
    assert rows[2].actor != rows[0].actor
    # a known account is still named, so its owner's failures can be read
    login(client, password="wrong password here")
    assert audit_rows(staff, "login_failed")[-1].actor == "therapist@example.com"


def test_logins_and_failures_are_audited_with_ip_but_never_the_password(staff, client):
    login(client, password="a wrong password here")
    login(client)
    rows = audit_rows(staff)
    assert [r.action for r in rows][-2:] == ["login_failed", "login"]
    assert all(r.ip == "127.0.0.1" for r in rows[-2:])
    assert rows[-1].actor == "therapist@example.com"
    assert not any("wrong password here" in (r.detail + r.actor) for r in rows)
    assert not any(PASSWORD in (r.detail + r.actor) for r in rows)


def test_logout_really_logs_out_and_old_cookie_dies(staff, client):
    login(client)
    cookie = client.get_cookie("session").value
    response = post(client, "/staff/logout")
    assert response.status_code == 303
    assert response.headers["Location"] == "/staff/login"
    assert "You have signed out" in text(client.get("/staff/login").get_data(as_text=True))
    assert client.get("/staff/").status_code == 302
    # replaying the cookie from before logout does not sign anyone in
    client.set_cookie("session", cookie)
    assert client.get("/staff/").status_code == 302
    assert [r.action for r in audit_rows(staff)][-1] == "logout"


def test_logout_needs_post(staff, client):
    login(client)
    assert client.get("/staff/logout").status_code == 405
    assert client.get("/staff/").status_code == 200


def test_deactivation_ends_an_open_session(staff, client):
    login(client)
    svc = staff.extensions["screener"]
    with svc.sessionmaker.begin() as session:
        from screener.store import Therapist

        t = session.query(Therapist).one()
        t.active = False
    assert client.get("/staff/").status_code == 302


def test_session_times_out_after_inactivity(staff, client):
    login(client)
    assert client.get("/staff/").status_code == 200
    minutes = staff.config["SESSION_TIMEOUT_MINUTES"]
    assert minutes == 30
    with client.session_transaction() as session:
        session[auth.SEEN_KEY] = time.time() - minutes * 60 - 5
    response = client.get("/staff/")
    assert response.status_code == 302
    assert "/staff/login" in response.headers["Location"]
    page = text(client.get(response.headers["Location"]).get_data(as_text=True))
    assert "signed out after 30 minutes without activity" in page
    assert client.get("/staff/").status_code == 302
    assert "session_timeout" in [r.action for r in audit_rows(staff)]


def test_activity_keeps_the_session_alive(staff, client):
    login(client)
    with client.session_transaction() as session:
        session[auth.SEEN_KEY] = time.time() - 29 * 60
    assert client.get("/staff/").status_code == 200
    assert client.get("/staff/").status_code == 200


def test_timeout_is_configurable(app, client):
    make_therapist(app)
    app.config["SESSION_TIMEOUT_MINUTES"] = 5
    login(client)
    with client.session_transaction() as session:
        session[auth.SEEN_KEY] = time.time() - 6 * 60
    assert client.get("/staff/").status_code == 302


def test_next_redirect_goes_back_to_a_local_page(staff, client):
    response = client.get("/staff/audit?page=1")
    assert response.status_code == 302
    location = response.headers["Location"]
    assert location.startswith("/staff/login?next=")
    signed = login(client, next="/staff/%3Fstatus%3Dnew")
    assert signed.headers["Location"] == "/staff/?status=new"


@pytest.mark.parametrize(
    "target",
    [
        "//evil.com",
        "https://evil.com",
        "/\\evil.com",
        "\\\\evil.com",
        "http:/evil.com",
        "javascript:alert(1)",
        "///evil.com",
        "/\r\nLocation: https://evil.com",
        "evil.com",
        "%2F%2Fevil.com",
    ],
)
def test_next_never_leaves_the_site(staff, client, target):
    from urllib.parse import quote

    response = login(client, next=quote(target, safe=""))
    assert response.status_code == 303
    assert response.headers["Location"] == "/staff/"


def test_safe_next_rules():
    assert auth.safe_next("/staff/s/KAP-1234-5678") == "/staff/s/KAP-1234-5678"
    for bad in (
        "//evil.com",
        "https://evil.com",
        "/\\evil.com",
        "",
        None,
        "/ok\nx",
        "http://localhost/staff/",
    ):
        assert auth.safe_next(bad) is None


def test_a_signed_in_visitor_to_login_goes_to_the_queue(staff, client):
    login(client)
    response = client.get("/staff/login")
    assert response.status_code == 302 and response.headers["Location"] == "/staff/"


def test_login_page_is_not_cached_and_has_no_staff_nav(staff, client):
    response = client.get("/staff/login")
    assert response.headers["Cache-Control"] == "no-store"
    page = text(response.get_data(as_text=True))
    assert "Staff sign in" in page and "Signed in as" not in page


def test_signing_in_clears_a_client_draft_from_the_same_browser(
    staff, client, questionnaire, personas
):
    journey = Journey(client, questionnaire)
    journey.start()
    with client.session_transaction() as session:
        assert "draft" in session
    login(client)
    with client.session_transaction() as session:
        assert "draft" not in session
        assert "_user_id" in session


def test_passwords_are_argon2_and_at_least_12_characters():
    stored = auth.hash_password("twelve chars")
    assert stored.startswith("$argon2")
    assert auth.check_password(stored, "twelve chars")
    assert not auth.check_password(stored, "twelve chars!")
    assert not auth.check_password("not a hash", "twelve chars")
    with pytest.raises(auth.PasswordTooShort):
        auth.hash_password("eleven char")


def test_no_default_accounts(app, client):
    from sqlalchemy import func, select

    from screener.store import Therapist

    with app.extensions["screener"].sessionmaker() as session:
        assert session.scalar(select(func.count()).select_from(Therapist)) == 0
    for email, password in (
        ("admin@example.com", "admin"),
        ("admin", "password"),
        ("admin@example.com", "password1234"),
    ):
        assert login(client, email=email, password=password).status_code == 400


def test_staff_urls_refuse_client_sessions_even_with_a_sent_submission(
    app, client, questionnaire, personas
):
    make_therapist(app)
    reference = submit_answers(app, personas["P01"].answers)
    journey = Journey(client, questionnaire)
    journey.start()
    for url in ("/staff/", f"/staff/s/{reference}", "/staff/export.csv", "/staff/audit"):
        response = client.get(url)
        assert response.status_code == 302, url
        assert response.headers["Location"].startswith("/staff/login")


def test_sign_in_completes_only_when_its_writes_commit(any_db_app):
    """A database that refuses writes (read-only) refuses the sign-in too: no session."""
    email = f"readonly-{time.time_ns()}@example.com"
    make_therapist(any_db_app, email=email)
    client = any_db_app.test_client()
    with read_only_database(any_db_app):
        response = login(client, email=email)
        staff_page = client.get("/staff/")
        wrong = login(client, email=email, password="not the password at all")
    assert response.status_code == 503
    assert "you have not been signed in" in text(response.get_data(as_text=True))
    assert staff_page.status_code == 302 and "/staff/login" in staff_page.headers["Location"]
    with client.session_transaction() as session:
        assert "_user_id" not in session
    assert wrong.status_code == 503  # a failure that cannot be counted is no 500 either
    assert login(client, email=email).status_code == 303  # writable again: signs in
