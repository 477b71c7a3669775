"""Two-factor sign-in with real TOTP codes computed here with pyotp: enrolment, sign-in, replay,
lockout and throttling shared with passwords, recovery codes, the secret sealed at rest and
re-sealed by rotate-key, and every staff route refused between the password and the code."""

from __future__ import annotations

import re
import threading
import time

import pyotp
import pytest
from cryptography.fernet import Fernet
from sqlalchemy import select

from screener.store import RecoveryCode, Therapist
from screener.web import auth
from screener.web.limits import limiter
from tests.conftest_db import make_app
from tests.journey_helpers import csrf_token
from tests.staff_helpers import (
    TOTP_SECRET,
    audit_rows,
    code_step,
    fast_hashing,  # noqa: F401  (fixture)
    fresh_code,
    login,
    make_therapist,
    password_step,
    post,
    submit_answers,
    svc,
    text,
    therapist,
)

EMAIL = "therapist@example.com"


def enrol(client) -> tuple[str, list[str]]:
    """Password, then the enrolment page: (the key shown as text, the recovery codes)."""
    assert password_step(client).headers["Location"].endswith("/staff/two-factor")
    page = client.get("/staff/two-factor").get_data(as_text=True)
    secret = re.search(r'id="totp-key">([A-Z2-7 ]+)<', page).group(1).replace(" ", "")
    done = code_step(client, pyotp.TOTP(secret).now())
    assert done.status_code == 200, text(done.get_data(as_text=True))
    codes = re.findall(r'<span class="code">([A-Z0-9]{5}-[A-Z0-9]{5})</span>', done.text)
    return secret, codes


def signed_in(client) -> bool:
    response = client.get("/staff/")
    return response.status_code == 200 and "Signed in as" in response.text


def sign_out(client) -> None:
    post(client, "/staff/logout")


# -- enrolment -------------------------------------------------------------------------------------
def test_first_sign_in_enrols_an_authenticator_and_shows_nothing_until_confirmed(app, client):
    make_therapist(app, enrolled=False)
    reference = submit_answers(app, {})
    assert password_step(client).headers["Location"].endswith("/staff/two-factor")
    page = client.get("/staff/two-factor")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and page.headers["Cache-Control"] == "no-store"
    assert "Set up two-factor sign-in" in html
    # the QR code is an <img> with an SVG data: URI (the CSP allows no inline SVG or script)
    assert re.search(r'<img class="qr-code" src="data:image/svg\+xml', html)
    assert "<path" not in html and "<script>" not in html and " style=" not in html
    secret = re.search(r'id="totp-key">([A-Z2-7 ]+)<', html).group(1).replace(" ", "")
    # the secret is sealed with the data key, never stored as text
    stored = therapist(app)
    assert stored.totp_enrolled_at is None and secret.encode() not in stored.totp_secret_enc
    assert svc(app).vault.open(stored.totp_secret_enc) == secret
    # the same key on a reload (someone scanning slowly is not given a new one)
    assert secret in client.get("/staff/two-factor").text.replace(" ", "")
    # nothing is shown before a code confirms it
    for url in ("/staff/", f"/staff/s/{reference}", "/staff/account"):
        assert client.get(url).headers["Location"].startswith("/staff/login"), url
    wrong = code_step(client, "000000" if pyotp.TOTP(secret).now() != "000000" else "111111")
    assert wrong.status_code == 400 and "That code did not work" in text(wrong.text)
    assert therapist(app).totp_enrolled_at is None and therapist(app).failed_logins == 1
    done = code_step(client, pyotp.TOTP(secret).now())
    assert done.status_code == 200 and "Save your recovery codes" in done.text
    codes = re.findall(r'<span class="code">([A-Z0-9]{5}-[A-Z0-9]{5})</span>', done.text)
    assert len(set(codes)) == 10
    assert therapist(app).totp_enrolled_at is not None and signed_in(client)
    # recovery codes are stored as argon2 hashes only
    with svc(app).sessionmaker() as session:
        hashes = list(session.scalars(select(RecoveryCode.code_hash)))
    assert len(hashes) == 10 and all(h.startswith("$argon2") for h in hashes)
    assert not any(code.replace("-", "") in h for code in codes for h in hashes)
    assert [e.action for e in audit_rows(app)][-2:] == ["two_factor_enrolled", "login"]


def test_sign_in_needs_the_password_and_a_current_code(app, client):
    make_therapist(app)
    first = password_step(client)
    assert first.status_code == 303 and not signed_in(client)
    with client.session_transaction() as session:  # a pending account, not a signed-in one
        assert "_user_id" not in session and "@" not in str(session[auth.PENDING_KEY])
    page = client.get("/staff/two-factor").text
    assert "Enter your sign-in code" in page and "totp-key" not in page  # no key shown again
    done = code_step(client, pyotp.TOTP(TOTP_SECRET).now())
    assert done.status_code == 303 and done.headers["Location"] == "/staff/"
    assert signed_in(client)
    assert therapist(app).last_login_at is not None


def test_a_code_from_outside_the_window_is_refused(app, client):
    make_therapist(app)
    password_step(client)
    old = pyotp.TOTP(TOTP_SECRET).at(time.time() - 120)
    current_window = {pyotp.TOTP(TOTP_SECRET).at(time.time() + d) for d in (-30, 0, 30)}
    if old in current_window:  # one chance in a few hundred thousand
        pytest.skip("the old code happens to equal a current one")
    assert code_step(client, old).status_code == 400 and not signed_in(client)


def test_a_code_is_used_once_replay_is_refused(app, client):
    make_therapist(app)
    password_step(client)
    code = fresh_code(app, EMAIL)
    assert code_step(client, code).status_code == 303
    sign_out(client)
    password_step(client)
    replay = code_step(client, code)
    assert replay.status_code == 400 and "Each code works once" in text(replay.text)
    assert not signed_in(client)
    assert audit_rows(app, "login_failed")[-1].detail == "wrong code"
    # the next code is accepted
    assert code_step(client, fresh_code(app, EMAIL)).status_code == 303


def test_the_same_code_sent_twice_at_once_signs_in_once(any_db_app):
    """Two devices past the password send one code at the same moment: one signs in."""
    app = any_db_app
    email = f"race-{time.time_ns()}@example.com"
    make_therapist(app, email=email)
    clients = [app.test_client() for _ in range(2)]
    for c in clients:
        password_step(c, email=email)
    pages = [c.get("/staff/two-factor").text for c in clients]
    code = fresh_code(app, email)
    barrier = threading.Barrier(2)
    results = []

    def send(c, page):
        barrier.wait()
        data = {"csrf_token": csrf_token(page), "code": code}
        results.append(c.post("/staff/two-factor", data=data).status_code)

    threads = [
        threading.Thread(target=send, args=pair) for pair in zip(clients, pages, strict=True)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results) == [303, 400]
    assert sum(signed_in(c) for c in clients) == 1


def test_wrong_codes_count_toward_the_account_lock(app, client):
    app.config["LOGIN_MAX_FAILURES"] = 4
    make_therapist(app)
    # a right password does not reset the count: knowing it gives no fresh guesses at codes
    for _ in range(2):
        password_step(client)
        assert code_step(client, "999999").status_code == 400
    password_step(client)
    assert code_step(client, "999998").status_code == 400
    assert therapist(app).failed_logins == 3
    locking = code_step(client, "999997")
    assert locking.status_code == 400
    assert therapist(app).locked_until is not None
    # locked: even the right code is refused, and so is the right password
    refused = code_step(client, fresh_code(app, EMAIL))
    assert refused.status_code == 400 and "Signing in to this account is paused" in refused.text
    assert not signed_in(client)
    assert login(client).status_code == 400
    details = [e.detail for e in audit_rows(app, "login_failed")]
    assert "wrong code; account locked for 15 minutes" in details


@pytest.fixture
def limited(app):
    app.config["RATELIMIT_ENABLED"] = True
    limiter.init_app(app)
    limiter.reset()
    yield app
    limiter.reset()
    app.config["RATELIMIT_ENABLED"] = False


def test_wrong_codes_share_the_throttle_with_wrong_passwords(limited, client):
    make_therapist(limited)
    allowed = int(auth.LOGIN_PAIR_LIMIT.split()[0])
    assert login(client, password="wrong password one").status_code == 400
    password_step(client)
    statuses = [code_step(client, f"{n:06d}").status_code for n in range(allowed)]
    assert statuses[: allowed - 1] == [400] * (allowed - 1)
    assert statuses[-1] == 429  # one wrong password + (allowed - 1) wrong codes
    page = code_step(client, fresh_code(limited, EMAIL))
    assert page.status_code == 429 and "Signing in from here is paused" in text(page.text)
    assert not signed_in(client)
    # and the password step of that account, from that address, is paused too
    assert login(client).status_code == 429


# -- recovery codes ------------------------------------------------------------------------------
def recover(client, code):
    html = client.get("/staff/two-factor/recovery").text
    data = {"csrf_token": csrf_token(html), "code": code}
    return client.post("/staff/two-factor/recovery", data=data)


def test_recovery_codes_work_once_each(app, client):
    make_therapist(app, enrolled=False)
    _secret, codes = enrol(client)
    sign_out(client)
    password_step(client)
    used = recover(client, codes[0].lower())  # as typed, in any case
    assert used.status_code == 303
    assert "You have 9 left" in text(client.get("/staff/").text) and signed_in(client)
    sign_out(client)
    password_step(client)
    again = recover(client, codes[0])
    assert again.status_code == 400 and "That recovery code did not work" in text(again.text)
    assert not signed_in(client)
    assert recover(client, codes[1].replace("-", " ")).status_code == 303
    assert signed_in(client)
    details = [e.detail for e in audit_rows(app, "login_failed")]
    assert details == ["wrong recovery code"]


# -- the secret at rest --------------------------------------------------------------------------
def test_rotate_key_reseals_the_totp_secret(tmp_path):
    key_a, key_b = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    app = make_app(tmp_path, DATA_KEY=key_a)
    make_therapist(app)
    sealed_before = therapist(app).totp_secret_enc
    app.extensions["screener"].engine.dispose()
    both = make_app(tmp_path, DATA_KEY=f"{key_b},{key_a}")
    result = both.test_cli_runner().invoke(args=["rotate-key"])
    assert result.exit_code == 0 and "re-sealed 1 staff authenticator secret(s)" in result.output
    both.extensions["screener"].engine.dispose()
    only_b = make_app(tmp_path, DATA_KEY=key_b)
    try:
        assert therapist(only_b).totp_secret_enc != sealed_before
        assert login(only_b.test_client()).status_code == 303  # the new key alone opens it
    finally:
        only_b.extensions["screener"].engine.dispose()


# -- nothing reachable between the steps -----------------------------------------------------------
#: the endpoints under /staff meant for someone not (yet) signed in
SIGN_IN_PAGES = {
    "auth.login",
    "auth.logout",
    "auth.sign_out_everywhere",
    "two_factor.second_step",
    "two_factor.recovery",
    "links.set_password",
}


def _arguments(app, rule, reference, number) -> dict:
    values = {"reference": reference, "number": number, "source": "live", "token": "x" * 43}
    return {name: values[name] for name in rule.arguments}


def test_every_staff_route_is_refused_between_the_password_and_the_code(app, client):
    """The password of an admin is right, the code not yet given: each staff URL, with each
    of its methods and a valid form token, sends the person to sign in and shows nothing."""
    number = make_therapist(app, email="admin@example.com", admin=True)
    reference = submit_answers(app, {})
    password_step(client, email="admin@example.com")
    token = csrf_token(client.get("/staff/two-factor").text)
    checked = []
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/staff"):
            continue
        url = rule.build(_arguments(app, rule, reference, number))[1]
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            data = {"csrf_token": token} if method == "POST" else None
            response = client.open(url, method=method, data=data)
            with client.session_transaction() as session:
                assert "_user_id" not in session, (method, url)
                assert auth.PENDING_KEY in session or rule.endpoint in SIGN_IN_PAGES
            assert "Signed in as" not in response.text, (method, url)
            if rule.endpoint not in SIGN_IN_PAGES:
                assert response.status_code == 302, (method, url, response.status_code)
                assert response.headers["Location"].startswith("/staff/login"), (method, url)
                checked.append((method, rule.rule))
            elif rule.endpoint in ("auth.logout", "auth.sign_out_everywhere"):
                password_step(client, email="admin@example.com")  # signing out ended it
                token = csrf_token(client.get("/staff/two-factor").text)
    assert len(checked) >= 25, checked
    staff_reads = {"view_submission", "pdf_download", "pdf_view", "csv_export", "status_change"}
    assert not [e for e in audit_rows(app) if e.action in staff_reads]
    # and the code then completes the sign-in as usual
    code = fresh_code(app, "admin@example.com")
    assert code_step(client, code).status_code == 303 and signed_in(client)


def send_code(client, token, code):
    return client.post("/staff/two-factor", data={"csrf_token": token, "code": code})


def test_the_second_step_expires(app, client):
    make_therapist(app)
    password_step(client)
    token = csrf_token(client.get("/staff/two-factor").text)
    with client.session_transaction() as session:
        pending = dict(session[auth.PENDING_KEY])
        pending["at"] -= auth.PENDING_MINUTES * 60 + 1
        session[auth.PENDING_KEY] = pending
    late = send_code(client, token, fresh_code(app, EMAIL))
    assert late.status_code == 303 and late.headers["Location"].endswith("/staff/login")
    assert not signed_in(client)


def test_the_second_step_needs_the_password_first(app, client):
    make_therapist(app)
    assert client.get("/staff/two-factor").headers["Location"].endswith("/staff/login")
    token = csrf_token(client.get("/staff/login").text)
    assert send_code(client, token, fresh_code(app, EMAIL)).status_code == 303
    assert not signed_in(client)


# -- the development shortcut ---------------------------------------------------------------------
def test_the_development_shortcut_is_only_in_development_and_says_so(tmp_path):
    """SCREENER_ENV=development, on the developer's own machine: the page shows the code and
    says it is a development shortcut; production never shows it."""
    for env in ("development", "production"):
        extra = {
            "TRUSTED_HOSTS": "localhost",
            "SESSION_COOKIE_SECURE": False,
            "DATA_KEY": Fernet.generate_key().decode(),
        }
        app = make_app(tmp_path / env, ENV=env, **(extra if env == "production" else {}))
        try:
            make_therapist(app)
            client = app.test_client()
            password_step(client, environ_base={"HTTP_HOST": "localhost"})
            page = client.get("/staff/two-factor", environ_base={"HTTP_HOST": "localhost"}).text
            shown = re.search(r'id="dev-code">(\d{6})<', page)
            if env == "development":
                assert "Development mode only" in text(page) and shown
                # only to a browser on the same machine
                away = {"HTTP_HOST": "localhost", "REMOTE_ADDR": "203.0.113.5"}
                elsewhere = app.test_client()
                password_step(elsewhere, environ_base=away)
                assert (
                    "Development mode"
                    not in elsewhere.get("/staff/two-factor", environ_base=away).text
                )
            else:
                assert "Development mode" not in page and shown is None
        finally:
            app.extensions["screener"].engine.dispose()


def test_deactivated_between_the_steps_cannot_finish(app, client):
    make_therapist(app)
    password_step(client)
    token = csrf_token(client.get("/staff/two-factor").text)
    with svc(app).sessionmaker.begin() as session:
        session.scalars(select(Therapist)).one().active = False
    assert send_code(client, token, fresh_code(app, EMAIL)).status_code == 303
    assert not signed_in(client)
