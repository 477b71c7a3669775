"""Security headers on every route (from app.url_map, so new routes are covered), friendly
error pages, and no inline script or style anywhere the CSP would have to allow it."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from werkzeug.exceptions import Forbidden

from tests.journey_helpers import Journey, csrf_token, url
from tests.security_helpers import CONTACTS, make_app, referer_sent, send_persona

CRISIS = ("988", "741741")
ANSWER_PAGES = ("age", "support", "/check", "/result", "/send", "/save", "/delete")


def _url(app, rule, client) -> str:
    args = {}
    for name in rule.arguments:
        if name == "token":  # the client's own address of the age page
            args[name] = url(client, "age").rsplit("/", 1)[1]
        elif name == "filename":
            args[name] = sorted(p.name for p in Path(app.static_folder).iterdir())[0]
        else:
            args[name] = "1"
    with app.test_request_context():
        return (
            app.url_for(rule.endpoint, **args)
            if rule.endpoint != "static"
            else "/static/" + args.get("filename", "x")
        )


def _check_headers(response, url, https=False):
    h = response.headers
    csp = h.get("Content-Security-Policy", "")
    directives = {d.strip().split(" ")[0]: d.strip() for d in csp.split(";") if d.strip()}
    where = f"{url} ({response.status_code})"
    assert directives.get("default-src") == "default-src 'self'", where
    assert directives.get("frame-ancestors") == "frame-ancestors 'none'", where
    assert directives.get("form-action") == "form-action 'self'", where
    assert "'unsafe-inline'" not in csp and "'unsafe-eval'" not in csp, where
    assert "script-src 'self'" in csp and "style-src 'self'" in csp, where
    assert h.get("X-Content-Type-Options") == "nosniff", where
    assert h.get("Referrer-Policy") == "same-origin", where
    assert "camera=()" in h.get("Permissions-Policy", ""), where
    assert h.get("X-Frame-Options") == "DENY", where
    assert h.get("X-Request-Id"), where
    if https:
        assert h.get("Strict-Transport-Security", "").startswith("max-age="), where
        assert int(h["Strict-Transport-Security"].split("=")[1].split(";")[0]) >= 31536000
    else:
        assert "Strict-Transport-Security" not in h, where
    if response.mimetype == "text/html":
        assert h.get("Cache-Control") == "no-store", where


def _clients(app, questionnaire, personas):
    anonymous = app.test_client()
    middle = app.test_client()
    journey = Journey(middle, questionnaire)
    journey.start()
    for _ in range(3):
        journey.answer_page(personas["P01"].answers)
    finished = app.test_client()
    Journey(finished, questionnaire).run(personas["P01"].answers)
    sent = app.test_client()
    send_persona(sent, questionnaire, personas["P07"], CONTACTS["P07"])
    return {"anonymous": anonymous, "middle": middle, "finished": finished, "sent": sent}


@pytest.mark.parametrize("https", [False, True], ids=["http", "https"])
def test_every_route_sends_the_security_headers(app, questionnaire, personas, https):
    clients = _clients(app, questionnaire, personas)
    base = "https://localhost" if https else "http://localhost"
    rules = [r for r in app.url_map.iter_rules()]
    assert len(rules) >= 15
    seen = 0
    for rule in rules:
        for state, client in clients.items():
            url = _url(app, rule, client)
            for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
                if method == "POST" and rule.endpoint in ("client.delete", "client.start"):
                    continue  # would end or replace the state the other requests rely on
                data = (
                    {"csrf_token": csrf_token(client.get("/").get_data(as_text=True))}
                    if method == "POST"
                    else None
                )
                response = client.open(url, method=method, data=data, base_url=base)
                response.close()
                assert response.status_code < 500, (state, method, url)
                _check_headers(response, f"{state} {method} {url}", https)
                seen += 1
    # errors and unknown addresses too
    for url in ("/no-such-page", "/q/no-such-page", "/static/none.css"):
        with clients["middle"].get(url, base_url=base) as response:
            _check_headers(response, url, https)
    response = clients["anonymous"].put("/", base_url=base)
    assert response.status_code == 405
    _check_headers(response, "PUT /", https)
    assert seen > 40
    _a_browser_can_start(app, base)


def _a_browser_can_start(app, base):
    """Start as a browser would: its Referer follows the landing page's Referrer-Policy,
    and over https Flask-WTF refuses a POST without a same-origin Referer."""
    client = app.test_client()
    landing = client.get("/", base_url=base)
    referer = referer_sent(landing.headers["Referrer-Policy"], base + "/", base + "/start")
    started = client.post(
        "/start",
        data={"csrf_token": csrf_token(landing.get_data(as_text=True))},
        headers={"Referer": referer} if referer else {},
        base_url=base,
    )
    assert started.status_code == 302, started.get_data(as_text=True)[:300]
    assert started.location.startswith("/q/"), started.location


def test_pages_that_show_answers_are_never_stored(app, questionnaire, personas):
    client = app.test_client()
    journey = Journey(client, questionnaire)
    journey.run(personas["P07"].answers)  # passive ideation: has a support page
    pdf = "/summary.pdf" in {r.rule for r in app.url_map.iter_rules()}
    for page in ANSWER_PAGES + (("/summary.pdf",) if pdf else ()):
        path = page if page.startswith("/") else url(client, page)
        response = client.get(path)
        assert response.status_code == 200, page
        assert response.headers["Cache-Control"] == "no-store", page
    journey.post(
        "/send", {"name": "A B", "method": "email", "email": "a@example.com", "consent": "y"}
    )
    for path in ("/sent", "/result"):
        assert client.get(path).headers["Cache-Control"] == "no-store", path


def test_hsts_only_over_https(client):
    assert "Strict-Transport-Security" not in client.get("/").headers
    assert "Strict-Transport-Security" in client.get("/", base_url="https://localhost").headers


INLINE = [
    (re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.I), "inline <script>"),
    (re.compile(r"<style\b", re.I), "<style> element"),
    (re.compile(r"\sstyle\s*=", re.I), "style attribute"),
    (re.compile(r"\son[a-z]+\s*=", re.I), "event handler attribute"),
    (re.compile(r"javascript:", re.I), "javascript: URL"),
]


def test_no_page_needs_inline_script_or_style(app, questionnaire, personas):
    client = app.test_client()
    journey = Journey(client, questionnaire)
    journey.start()
    htmls = {}
    journey_pages = []
    while "/q/" in journey.location:
        htmls[journey.location] = client.get(journey.location).get_data(as_text=True)
        journey_pages.append(journey.location)
        journey.answer_page(personas["P08"].answers)  # reaches the urgent support page
        if journey.where == "support":
            htmls["support"] = client.get(journey.location).get_data(as_text=True)
            journey.location = journey.post(journey.location).headers["Location"]
    for path in (
        "/",
        "/check",
        "/result",
        "/send",
        "/save",
        "/delete",
        "/privacy",
        "/help-now",
        "/resume",
        "/no-such-page",
    ):
        htmls[path] = client.get(path).get_data(as_text=True)
    assert len(journey_pages) >= 5
    for path, html in htmls.items():
        for pattern, what in INLINE:
            assert not pattern.search(html), f"{what} on {path}"


# -- error pages ----------------------------------------------------------------------------
@pytest.fixture
def error_app(tmp_path):
    app = make_app(tmp_path, MAX_CONTENT_LENGTH=2048)

    def boom():
        raise RuntimeError(f"secret detail {app.config['SECRET_KEY']}")

    def forbidden():
        raise Forbidden()

    app.add_url_rule("/test-boom", "test_boom", boom)
    app.add_url_rule("/test-forbidden", "test_forbidden", forbidden)
    yield app
    app.extensions["screener"].engine.dispose()


def _friendly(response, code, app):
    html = response.get_data(as_text=True)
    assert response.status_code == code
    assert response.mimetype == "text/html"
    assert "<h1>" in html and "Go to the start" in html
    for number in CRISIS:
        assert number in html, f"crisis line missing on {code}"
    for leak in (
        "Traceback",
        "RuntimeError",
        "secret detail",
        app.config["SECRET_KEY"],
        app.config["DATA_KEY"],
        "site-packages",
        ".py",
        "werkzeug",
    ):
        assert leak not in html, f"{leak!r} shown on the {code} page"
    _check_headers(response, str(code))
    return html


def test_error_pages_are_friendly_and_reveal_nothing(error_app):
    client = error_app.test_client()
    _friendly(client.get("/no-such-page"), 404, error_app)
    _friendly(client.get("/test-forbidden"), 403, error_app)
    html = _friendly(client.delete("/"), 405, error_app)
    assert "cannot be used like that" in html
    assert "GET" in client.delete("/").headers.get("Allow", "")
    _friendly(client.post("/resume", data={"code": "x" * 5000}), 413, error_app)
    _friendly(client.get("/test-boom"), 500, error_app)


def test_missing_csrf_is_a_friendly_400(client):
    response = client.post("/start", data={})
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "expired" in html.lower() and "Traceback" not in html
    assert response.headers["Cache-Control"] == "no-store"


def test_bad_request_is_friendly(error_app):
    from werkzeug.exceptions import BadRequest

    def bad():
        raise BadRequest("internal detail about parsing")

    error_app.add_url_rule("/test-bad", "test_bad", bad)
    html = _friendly(error_app.test_client().get("/test-bad"), 400, error_app)
    assert "internal detail" not in html and "Something in that request" in html


def test_behind_a_proxy_https_and_the_client_address_are_seen(tmp_path):
    app = make_app(tmp_path, PROXY_COUNT=1)
    try:
        client = app.test_client()
        forwarded = {"X-Forwarded-Proto": "https", "X-Forwarded-For": "203.0.113.9"}
        assert "Strict-Transport-Security" in client.get("/", headers=forwarded).headers
        assert "Strict-Transport-Security" not in client.get("/").headers
    finally:
        app.extensions["screener"].engine.dispose()
