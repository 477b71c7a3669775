"""The deployment the README documents, end to end: Chromium → nginx (TLS, the README's own
block) → gunicorn (gunicorn.conf.py, 3 workers, production settings) → PostgreSQL, with the
rate limits in Redis.

A client completes P01 and sends it, P08 is shown the support page, and a therapist made
with the CLI signs in and opens the submission. Every response on the way must be below
400 and carry HSTS; every cookie must be Secure, and the session cookie `__Host-` prefixed.

Skipped with one reason line where nginx, PostgreSQL or Redis is missing (Chromium as for
every browser test); `make test-production` (SCREENER_REQUIRE_PRODUCTION=1) fails instead.
"""

from __future__ import annotations

import re
import secrets
import time
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import expect

from tests import conftest_db
from tests.browser import flows, stack
from tests.browser.flows import Walker, click_and_wait, heading, path_of, second_step

pytestmark = [pytest.mark.production, pytest.mark.browser]

THERAPIST = ("stack.therapist@example.com", "a long stack-test pass phrase")
CLIENT = {"name": "Dana Quillfeather", "email": "dana.quill@example.org"}


@pytest.fixture(scope="module")
def production(tmp_path_factory):
    """The running stack (tests/browser/conftest.py has skipped if a part is missing)."""
    prefix = f"screener_test_{secrets.token_hex(6)}"
    folder = tmp_path_factory.mktemp("stack")
    with conftest_db.fresh_database() as database_url:
        running = stack.start_stack(
            folder,
            stack.nginx_path(),
            database_url=database_url,
            redis_url=conftest_db.redis_url(),
            redis_prefix=prefix,
        )
        try:
            yield running
        finally:
            running.stop()
            _forget_redis_keys(prefix)


def _redis_keys(prefix: str) -> list[bytes]:
    import redis

    client = redis.Redis.from_url(conftest_db.redis_url())
    try:
        return list(client.scan_iter(match=f"*{prefix}*"))
    finally:
        client.close()


def _forget_redis_keys(prefix: str) -> None:
    import redis

    keys = _redis_keys(prefix)
    if keys:
        client = redis.Redis.from_url(conftest_db.redis_url())
        try:
            client.delete(*keys)
        finally:
            client.close()


@pytest.fixture
def decoder(production, tmp_path, monkeypatch):
    """An app with the stack's keys, so flows.where() can read a tab's session cookie."""
    from screener import create_app

    keys = {k: production.env[f"SCREENER_{k}"] for k in ("SECRET_KEY", "DATA_KEY")}
    app = create_app(
        {
            "ENV": "production",
            "DATABASE_URL": f"sqlite:///{tmp_path / 'decoder.sqlite3'}",
            "TRUSTED_HOSTS": "localhost",
            "ALLOW_PLACEHOLDER_CONTACTS": True,  # the shipped file's stand-in details
            **keys,
        }
    )
    monkeypatch.setattr(flows, "APP", app)
    yield app
    app.extensions["screener"].engine.dispose()


class Recorder:
    """Every response a browser context received, and its cookies at the end."""

    def __init__(self):
        self.responses = []
        self.failed = []  # requests that got no response at all

    def attach(self, context):
        context.on("response", lambda response: self.responses.append(response))
        context.on("requestfailed", lambda request: self.failed.append(request.url))
        return context

    def statuses(self) -> list[tuple[int, str]]:
        return [(r.status, urlsplit(r.url).path) for r in self.responses]

    def failures(self) -> list[tuple[int, str]]:
        return [(status, path) for status, path in self.statuses() if status >= 400]

    def without_hsts(self) -> list[str]:
        return [
            r.url
            for r in self.responses
            if not r.all_headers().get("strict-transport-security", "").startswith("max-age=")
        ]


def test_client_and_therapist_through_nginx_gunicorn_postgres_and_redis(
    production, decoder, browser, questionnaire, personas
):
    started = time.monotonic()
    seen = Recorder()

    def new_page():
        context = browser.new_context(
            base_url=production.url,
            ignore_https_errors=True,  # the test's own self-signed certificate
            viewport={"width": 1024, "height": 800},
        )
        context.set_default_timeout(20_000)
        contexts.append(seen.attach(context))
        return context.new_page()

    contexts = []
    try:
        # a client completes P01 and sends it
        page = new_page()
        walker = Walker(page, questionnaire).start()
        walker.answer_all(personas["P01"].answers)
        assert walker.support_after == []
        assert walker.finish() == "A consultation looks like a good next step"
        page.goto("/send")
        page.get_by_label("Your name").fill(CLIENT["name"])
        page.get_by_label("Email", exact=True).check()
        page.get_by_label("Email address").fill(CLIENT["email"])
        page.get_by_label(re.compile("^I agree to share")).check()
        click_and_wait(page, "Send my summary")
        expect(page.get_by_role("heading", level=1)).to_have_text("Summary sent")
        reference = page.locator("strong.code").inner_text().strip()

        # P08 is shown the support page after the safety page and again, at the urgent
        # level, after its follow-ups
        page = new_page()
        supports = []
        walker = Walker(
            page,
            questionnaire,
            every_page=lambda p, page_id: page_id == "support" and supports.append(heading(p)),
        ).start()
        walker.answer_all(personas["P08"].answers)
        assert walker.support_after[-2:] == ["safety", "safety_thoughts"]
        assert supports[-1] == "Please reach out for support now"
        assert walker.finish() == "Please reach out for immediate support first"

        # a therapist made with the CLI signs in and opens the submission
        email, password = THERAPIST
        stack.run_cli(
            production.env, "create-therapist", email, "--password-stdin", input=password + "\n"
        )
        page = new_page()
        page.goto("/staff/")
        assert path_of(page) == "/staff/login"
        page.get_by_label("Email address").fill(email)
        page.get_by_label("Password").fill(password)
        click_and_wait(page, "Sign in")
        # production: the first sign-in enrols an authenticator, with no development shortcut
        expect(page.get_by_text("Development mode")).to_have_count(0)
        second_step(page, email)
        expect(page.get_by_role("heading", level=1)).to_have_text("Submissions")
        with page.expect_navigation():
            page.get_by_role("link", name=reference).click()
        expect(page.get_by_role("heading", level=1)).to_have_text(reference)
        expect(page.get_by_text(CLIENT["email"])).to_be_visible()

        cookies = [c for context in contexts for c in context.cookies()]
        limits_in_redis = _redis_keys(production.env["SCREENER_RATELIMIT_KEY_PREFIX"])
        statuses = seen.statuses()
        failures, without_hsts = seen.failures(), seen.without_hsts()
    finally:
        for context in contexts:
            context.close()

    assert not failures, f"{failures}\n{production.logs()}"
    assert not seen.failed, seen.failed
    assert len(statuses) > 60, statuses
    assert not without_hsts, without_hsts
    assert cookies, "no cookie was set"
    for cookie in cookies:
        assert cookie["secure"] and cookie["httpOnly"] and cookie["sameSite"] == "Lax", cookie
        assert cookie["name"].startswith("__Host-") and cookie["path"] == "/", cookie
    assert {c["name"] for c in cookies} == {"__Host-session"}

    # the workers counted the rate limits together, in Redis
    assert limits_in_redis, "no rate-limit counter in Redis"
    # three workers served it; nginx logged no client path
    gunicorn = production.processes[0].text()
    assert gunicorn.count("Booting worker") >= 3, gunicorn[-3000:]
    paths = {path for _, path in statuses if path != "/"}
    logged = production.nginx_logs()
    assert not [path for path in paths if path in logged], logged[-2000:]
    print(
        f"\nproduction stack: {len(statuses)} responses, "
        f"status codes {sorted({s for s, _ in statuses})}, cookies "
        f"{sorted({(c['name'], c['secure'], c['httpOnly'], c['sameSite']) for c in cookies})}, "
        f"{time.monotonic() - started:.1f} s"
    )


def test_plain_http_redirects_and_other_hosts_get_the_friendly_400(production, browser):
    redirect = production.plain_http("/staff/login")
    assert redirect.status == 301
    assert redirect.getheader("Location") == f"https://{production.host}/staff/login"
    context = browser.new_context(ignore_https_errors=True)
    try:
        page = context.new_page()
        # the same server reached by its address: a Host the app does not trust
        response = page.goto(f"https://127.0.0.1:{production.https_port}/")
        assert response.status == 400
        expect(page.get_by_role("heading", level=1)).to_have_text("Bad Request")
        expect(page.get_by_text("Something in that request was not right")).to_be_visible()
        expect(page.get_by_role("link", name="Go to the start")).to_have_attribute("href", "/")
    finally:
        context.close()
