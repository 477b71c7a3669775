"""Staff accounts in the browser: invitations and reset links (single use, 72 hours, only a
hash stored, tampering refused), the admin actions (audited, never the last admin), and
sessions per device (sign out here or everywhere; a password change or a 2FA reset ends the
others)."""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import threading
import time

import pytest
from sqlalchemy import select

from screener.store import AccountLink, StaffSession, Therapist, utcnow
from tests.journey_helpers import csrf_token
from tests.staff_helpers import (
    audit_rows,
    fast_hashing,  # noqa: F401  (fixture)
    login,
    make_therapist,
    password_step,
    post,
    svc,
    text,
    therapist,
)

ADMIN = "admin@example.com"
NEW_PASSWORD = "a new password that is long"


@pytest.fixture
def admin(app):
    """An admin signed in on their own client."""
    make_therapist(app, email=ADMIN, admin=True)
    client = app.test_client()
    assert login(client, email=ADMIN).status_code == 303
    return client


def signed_in(client) -> bool:
    response = client.get("/staff/")
    return response.status_code == 200 and "Signed in as" in response.text


def invite(admin, name="Robin Example", email="robin@example.com"):
    return post(
        admin,
        "/staff/accounts/invite",
        {"name": name, "email": email},
        page="/staff/accounts/invite",
    )


def link_from(page: str) -> str:
    return re.search(r'id="set-password-link" type="text" readonly value="([^"]+)"', page).group(1)


def set_password(client, url, password=NEW_PASSWORD, confirm=None):
    """Open the link and send a password (with a form token from the sign-in page when the
    link itself shows no form)."""
    html = client.get(url).text
    if "csrf_token" not in html:
        html = client.get("/staff/login").text
    data = {"csrf_token": csrf_token(html), "password": password, "confirm": confirm or password}
    return client.post(url, data=data)


def links(app) -> list[AccountLink]:
    with svc(app).sessionmaker() as session:
        return list(session.scalars(select(AccountLink).order_by(AccountLink.id)))


def account_id(app, email) -> int:
    return therapist(app, email).id


# -- invitations -------------------------------------------------------------------------------
def test_an_invitation_link_sets_a_password_once_then_enrolment_follows(app, admin):
    made = invite(admin)
    assert made.status_code == 200 and "Invitation link for robin@example.com" in made.text
    url = link_from(made.text)
    token = url.rsplit("/", 1)[1]
    # only the sha256 of the token is stored, with 72 hours to use it
    (stored,) = links(app)
    assert stored.token_hash == hashlib.sha256(token.encode()).hexdigest()
    assert stored.expires_at - stored.created_at == dt.timedelta(hours=72)
    assert stored.purpose == "invite" and stored.used_at is None
    account = therapist(app, "robin@example.com")
    assert account.name == "Robin Example" and account.password_hash == ""
    # no sign-in is possible before the password is set
    assert login(app.test_client(), email="robin@example.com", password="").status_code == 400

    person = app.test_client()
    mismatch = set_password(person, url, confirm="something else entirely")
    assert mismatch.status_code == 400 and "The two passwords do not match" in text(mismatch.text)
    short = set_password(person, url, password="short")
    assert short.status_code == 400 and "must be 12 to" in text(short.text)
    done = set_password(person, url)
    assert done.status_code == 303 and done.headers["Location"].endswith("/staff/login")
    # single use
    assert person.get(url).status_code == 404
    again = set_password(app.test_client(), url, password="yet another long password")
    assert again.status_code == 404 and "This link does not work" in again.text
    # the password works, and the first sign-in enrols an authenticator
    first = password_step(person, email="robin@example.com", password=NEW_PASSWORD)
    assert first.headers["Location"].endswith("/staff/two-factor")
    assert "Set up two-factor sign-in" in person.get("/staff/two-factor").text
    entries = {e.action: e for e in audit_rows(app)}
    assert entries["account_invited"].actor == ADMIN
    assert entries["account_invited"].detail == "robin@example.com"
    assert entries["password_set"].actor == "robin@example.com"


def test_an_expired_link_is_refused(app, admin):
    url = link_from(invite(admin).text)
    with svc(app).sessionmaker.begin() as session:
        link = session.scalars(select(AccountLink)).one()
        link.created_at -= dt.timedelta(hours=72, seconds=1)
        link.expires_at -= dt.timedelta(hours=72, seconds=1)
    assert link.expires_at < utcnow()
    refused = set_password(app.test_client(), url)
    assert refused.status_code == 404 and "This link does not work" in refused.text
    assert therapist(app, "robin@example.com").password_hash == ""


@pytest.mark.parametrize(
    "tamper",
    [
        lambda t: t[:-1] + ("A" if t[-1] != "A" else "B"),
        lambda t: t[:-1],
        lambda t: t + "A",
        lambda t: t.upper(),
        lambda t: "x" * 500,
    ],
    ids=["one-character", "truncated", "extended", "upper-case", "long"],
)
def test_a_tampered_link_is_refused(app, admin, tamper):
    url = link_from(invite(admin).text)
    base, token = url.rsplit("/", 1)
    bad = f"{base}/{tamper(token)}"
    client = app.test_client()
    assert client.get(bad).status_code == 404
    html = client.get("/staff/login").text
    data = {"csrf_token": csrf_token(html), "password": NEW_PASSWORD, "confirm": NEW_PASSWORD}
    assert client.post(bad, data=data).status_code == 404
    assert therapist(app, "robin@example.com").password_hash == ""
    assert set_password(client, url).status_code == 303  # the real one still works


def test_a_link_used_twice_at_once_sets_the_password_once(any_db_app):
    app = any_db_app
    unique = time.time_ns()
    make_therapist(app, email=f"admin-{unique}@example.com", admin=True)
    admin = app.test_client()
    assert login(admin, email=f"admin-{unique}@example.com").status_code == 303
    url = link_from(invite(admin, email=f"invited-{unique}@example.com").text)
    clients = [app.test_client() for _ in range(2)]
    pages = [c.get(url).text for c in clients]
    barrier = threading.Barrier(2)
    results = []

    def send(c, page, password):
        barrier.wait()
        data = {"csrf_token": csrf_token(page), "password": password, "confirm": password}
        results.append(c.post(url, data=data).status_code)

    passwords = ["first long password here", "second long password here"]
    threads = [
        threading.Thread(target=send, args=(c, p, w))
        for c, p, w in zip(clients, pages, passwords, strict=True)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results) == [303, 404]
    sets = [
        e for e in audit_rows(app, "password_set") if e.actor == f"invited-{unique}@example.com"
    ]
    assert len(sets) == 1


def test_inviting_an_existing_email_is_refused_and_keeps_what_was_typed(app, admin):
    make_therapist(app, email="taken@example.com")
    refused = invite(admin, name="Sam Person", email="Taken@Example.com")
    assert refused.status_code == 400
    assert "There is already an account with this email address" in text(refused.text)
    assert 'value="Sam Person"' in refused.text
    empty = invite(admin, name="", email="not an email")
    assert empty.status_code == 400 and "Enter the person&#39;s name" in empty.text
    assert not links(app)


# -- password reset --------------------------------------------------------------------------------
def test_a_reset_link_replaces_the_password_and_ends_every_session(app, admin):
    number = make_therapist(app)
    person = app.test_client()
    assert login(person).status_code == 303
    first = post(
        admin, f"/staff/accounts/{number}/reset-password", page=f"/staff/accounts/{number}"
    )
    second = post(
        admin, f"/staff/accounts/{number}/reset-password", page=f"/staff/accounts/{number}"
    )
    assert "Password reset link for therapist@example.com" in second.text
    # a newer link replaces an unused older one
    assert set_password(app.test_client(), link_from(first.text)).status_code == 404
    assert set_password(app.test_client(), link_from(second.text)).status_code == 303
    assert not signed_in(person)
    assert login(app.test_client(), password=NEW_PASSWORD).status_code == 303
    assert [e.actor for e in audit_rows(app, "password_reset_link")] == [ADMIN, ADMIN]


# -- administration --------------------------------------------------------------------------------
def act(admin, number, action):
    return post(admin, f"/staff/accounts/{number}/{action}", page=f"/staff/accounts/{number}")


def test_admin_actions_are_audited_with_who(app, admin):
    number = make_therapist(app)
    person = app.test_client()
    assert login(person).status_code == 303
    listing = admin.get("/staff/accounts")
    assert listing.status_code == 200
    row = text(listing.text)
    assert "therapist@example.com Therapist Active Set up" in row
    assert act(admin, number, "deactivate").status_code == 303
    assert not signed_in(person) and login(person).status_code == 400
    act(admin, number, "reactivate")
    assert login(person).status_code == 303
    act(admin, number, "make-admin")
    assert therapist(app).is_admin
    act(admin, number, "remove-admin")
    assert not therapist(app).is_admin
    with svc(app).sessionmaker.begin() as session:
        session.get(Therapist, number).locked_until = utcnow() + dt.timedelta(minutes=15)
    assert "Locked" in text(admin.get("/staff/accounts").text)
    act(admin, number, "unlock")
    assert therapist(app).locked_until is None
    act(admin, number, "reset-two-factor")
    assert not signed_in(person)
    assert therapist(app).totp_secret_enc is None and therapist(app).totp_enrolled_at is None
    password_step(person)
    assert "Set up two-factor sign-in" in person.get("/staff/two-factor").text
    actions = [
        "account_deactivated",
        "account_reactivated",
        "admin_granted",
        "admin_removed",
        "account_unlocked",
        "two_factor_reset",
    ]
    for action in actions:
        (entry,) = audit_rows(app, action)
        assert entry.actor == ADMIN and entry.detail == "therapist@example.com", action
        assert entry.at is not None


def test_the_last_admin_cannot_be_removed(app, admin):
    number = account_id(app, ADMIN)
    for action in ("deactivate", "remove-admin"):
        refused = act(admin, number, action)
        assert refused.status_code == 303
        page = text(admin.get(f"/staff/accounts/{number}").text)
        assert "is the only active administrator" in page, action
    assert therapist(app, ADMIN).is_admin and therapist(app, ADMIN).active
    # with a second admin, one can step down
    other = make_therapist(app, email="second@example.com", admin=True)
    act(admin, number, "remove-admin")
    assert not therapist(app, ADMIN).is_admin
    assert therapist(app, "second@example.com").id == other


def test_a_therapist_cannot_reach_the_admin_pages(app, client):
    number = make_therapist(app)
    assert login(client).status_code == 303
    for url in ("/staff/accounts", "/staff/accounts/invite", f"/staff/accounts/{number}"):
        assert client.get(url).status_code == 403, url
    refused = post(client, f"/staff/accounts/{number}/make-admin")
    assert refused.status_code == 403 and not therapist(app).is_admin
    assert client.get("/staff/account").status_code == 200


# -- sessions ---------------------------------------------------------------------------------
def sessions(app) -> list[StaffSession]:
    with svc(app).sessionmaker() as session:
        return list(session.scalars(select(StaffSession)))


def test_sign_out_ends_this_device_only_and_everywhere_ends_all(app):
    make_therapist(app)
    laptop, phone, tablet = (app.test_client() for _ in range(3))
    for device in (laptop, phone, tablet):
        assert login(device).status_code == 303
    assert len(sessions(app)) == 3
    page = text(laptop.get("/staff/account").text)
    assert page.count("Another device or browser") == 2 and "This device" in page
    assert "127.0.0.1" not in page  # no address on the page
    post(laptop, "/staff/logout")
    assert not signed_in(laptop) and signed_in(phone) and signed_in(tablet)
    post(phone, "/staff/sign-out-everywhere", page="/staff/account")
    assert not signed_in(phone) and not signed_in(tablet)
    assert sessions(app) == []
    (ended,) = audit_rows(app, "sessions_ended")
    assert ended.detail == "signed out everywhere (2 sessions)"


def test_changing_the_password_ends_every_other_session(app):
    make_therapist(app)
    here, there = app.test_client(), app.test_client()
    assert login(here).status_code == 303 and login(there).status_code == 303
    html = here.get("/staff/account/password").text
    wrong = here.post(
        "/staff/account/password",
        data={
            "csrf_token": csrf_token(html),
            "current": "not it",
            "password": NEW_PASSWORD,
            "confirm": NEW_PASSWORD,
        },
    )
    assert wrong.status_code == 400 and "Your current password is not right" in text(wrong.text)
    from tests.staff_helpers import PASSWORD

    done = here.post(
        "/staff/account/password",
        data={
            "csrf_token": csrf_token(html),
            "current": PASSWORD,
            "password": NEW_PASSWORD,
            "confirm": NEW_PASSWORD,
        },
    )
    assert done.status_code == 303
    assert signed_in(here) and not signed_in(there)
    assert login(app.test_client(), password=NEW_PASSWORD).status_code == 303
    (entry,) = audit_rows(app, "password_changed")
    assert entry.actor == "therapist@example.com" and entry.detail == "1 other sessions ended"


def test_an_old_style_cookie_no_longer_signs_in(app, client):
    number = make_therapist(app)
    with client.session_transaction() as session:
        session["_user_id"] = f"{number}:{therapist(app).session_token}"
        session["_fresh"] = True
    assert not signed_in(client)


def test_a_session_that_times_out_is_ended_in_the_database(app, client):
    from screener.web import auth

    make_therapist(app)
    assert login(client).status_code == 303 and len(sessions(app)) == 1
    with client.session_transaction() as session:
        session[auth.SEEN_KEY] -= 31 * 60
    assert not signed_in(client)
    assert sessions(app) == []
    assert audit_rows(app, "session_timeout")


def test_a_device_idle_past_the_timeout_is_out_and_not_listed(app):
    """The timeout is checked on the server's session row too, not only in the cookie."""
    make_therapist(app)
    here, gone = app.test_client(), app.test_client()
    assert login(gone).status_code == 303 and login(here).status_code == 303
    with svc(app).sessionmaker.begin() as session:
        row = min(session.scalars(select(StaffSession)), key=lambda r: r.started_at)
        row.last_seen_at = utcnow() - dt.timedelta(hours=2)
    page = text(here.get("/staff/account").text)
    assert "Another device or browser" not in page
    assert not signed_in(gone)
    assert len(sessions(app)) == 1
