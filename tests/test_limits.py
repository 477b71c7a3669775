"""Rate limits: per draft for page posts (a shared address is no reason to stop a client),
refused posts that keep what was typed, throttles on save/check/delete, a shared store in
production, and Redis that stops answering (counts fall back to memory, readiness says so).
"""

from __future__ import annotations

import contextlib
import logging
import os
import re
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from screener.web import limits
from tests.conftest import QUESTIONS
from tests.conftest_db import make_app, redis_url
from tests.journey_helpers import Journey, csrf_token, url

ROOT = Path(__file__).resolve().parent.parent


def _count(limit: str) -> int:
    return int(limit.split()[0])


def _limited_app(tmp_path, **config):
    return make_app(tmp_path, RATELIMIT_ENABLED=True, RATELIMIT_STORAGE_URI="memory://", **config)


@pytest.fixture
def limited(tmp_path):
    app = _limited_app(tmp_path)
    limits.limiter.reset()
    yield app
    limits.limiter.reset()
    app.extensions["screener"].engine.dispose()


def _started(app, questionnaire):
    client = app.test_client()
    Journey(client, questionnaire).start()
    return client


def _age_page(client, questionnaire):
    page = questionnaire.questions["age"].page_id
    token = csrf_token(client.get(url(client, page)).get_data(as_text=True))
    return url(client, page), token


def _refused_kindly(response) -> str:
    html = response.get_data(as_text=True)
    assert response.status_code == 429
    assert "Too Many Requests" not in html
    assert re.search(r"wait about (a minute|\d+ minutes)", html), html[:1500]
    assert int(response.headers["Retry-After"]) > 0
    return html


# -- per draft, not per address --------------------------------------------------------------
def test_page_posts_are_limited_per_draft_not_per_address(limited, questionnaire):
    """Two clients behind one carrier address: one floods, the other carries on."""
    flooder, neighbour = _started(limited, questionnaire), _started(limited, questionnaire)
    target, token = _age_page(flooder, questionnaire)
    allowed = _count(limits.PAGE_LIMIT)
    statuses = [
        flooder.post(target, data={"csrf_token": token, "age": "x"}).status_code
        for _ in range(allowed + 1)
    ]
    assert statuses == [400] * allowed + [429]
    target, token = _age_page(neighbour, questionnaire)
    assert neighbour.post(target, data={"csrf_token": token, "age": "42"}).status_code in (
        302,
        400,
    )


def test_a_refused_page_post_shows_the_page_again_with_what_was_typed(limited, questionnaire):
    client = _started(limited, questionnaire)
    target, token = _age_page(client, questionnaire)
    for _ in range(_count(limits.PAGE_LIMIT)):
        client.post(target, data={"csrf_token": token, "age": "x"})
    response = client.post(target, data={"csrf_token": token, "age": "47"})
    html = _refused_kindly(response)
    assert 'name="age"' in html and 'value="47"' in html  # the typed answer comes back
    assert "What you typed is still here" in html
    assert 'action="' + target + '"' in html  # the same page, ready to send again


def test_a_refused_send_keeps_the_contact_details_typed(limited, questionnaire, personas):
    client = limited.test_client()
    journey = Journey(client, questionnaire)
    journey.run(personas["P01"].answers)
    typed = {"name": "Dana Quillfeather", "method": "email", "email": "not-an-email"}
    for _ in range(_count(limits.SEND_LIMIT)):
        assert journey.post("/send", typed).status_code == 400
    html = _refused_kindly(journey.post("/send", typed))
    assert 'value="Dana Quillfeather"' in html and 'value="not-an-email"' in html


@pytest.mark.parametrize(
    "path, limit, ok",
    [
        ("/save", limits.SAVE_LIMIT, 200),  # each made a new resume code: 258 a second
        ("/check", limits.CHECK_LIMIT, 302),
        ("/support", limits.PAGE_LIMIT, 302),  # the support page: a /q/<token> address
    ],
)
def test_save_check_and_support_posts_are_throttled(limited, questionnaire, path, limit, ok):
    client = _started(limited, questionnaire)
    target = url(client, "support") if path == "/support" else path
    token = csrf_token(client.get("/").get_data(as_text=True))
    allowed = _count(limit)
    statuses = [client.post(target, data={"csrf_token": token}).status_code for _ in range(allowed)]
    assert statuses == [ok] * allowed
    _refused_kindly(client.post(target, data={"csrf_token": token}))


def test_delete_posts_are_throttled(limited, questionnaire):
    """The first post deletes the draft; later ones (no draft: keyed by address) are cheap
    redirects, and those are limited too."""
    client = _started(limited, questionnaire)
    token = csrf_token(client.get("/").get_data(as_text=True))
    assert client.post("/delete", data={"csrf_token": token}).status_code == 200
    token = csrf_token(client.get("/").get_data(as_text=True))  # a new session, a new token
    allowed = _count(limits.DELETE_LIMIT)
    statuses = [
        client.post("/delete", data={"csrf_token": token}).status_code for _ in range(allowed)
    ]
    assert statuses == [302] * allowed
    _refused_kindly(client.post("/delete", data={"csrf_token": token}))


# -- production needs a shared store ----------------------------------------------------------
PRODUCTION = {
    "ENV": "production",
    "SECRET_KEY": "a-production-secret-key-that-is-long-enough",
    "DATA_KEY": "",
    "ALLOW_PLACEHOLDER_CONTACTS": True,  # the shipped questions.yaml's practice details
}


def _production(tmp_path, **config):
    from cryptography.fernet import Fernet

    settings = {**PRODUCTION, "DATA_KEY": Fernet.generate_key().decode()}
    settings["RATELIMIT_ENABLED"] = config.pop("RATELIMIT_ENABLED", True)
    return make_app(tmp_path, **settings, **config)


@pytest.mark.parametrize(
    "workers, storage, refused",
    [
        (3, "memory://", True),
        ("5", "", True),
        (1, "memory://", False),
        (3, "redis://127.0.0.1:6379/0", False),
    ],
)
def test_production_refuses_per_worker_counts(tmp_path, workers, storage, refused):
    settings = {"WORKERS": workers}
    if storage:
        settings["RATELIMIT_STORAGE_URI"] = storage
    if refused:
        with pytest.raises(SystemExit) as stopped:
            _production(tmp_path, **settings)
        message = str(stopped.value)
        assert "each worker would count on its own" in message
        assert "SCREENER_RATELIMIT_STORAGE_URI" in message and "GUNICORN_WORKERS=1" in message
    else:
        app = _production(tmp_path, **settings)
        app.extensions["screener"].engine.dispose()


def test_web_concurrency_counts_as_workers(tmp_path, monkeypatch):
    monkeypatch.setenv("WEB_CONCURRENCY", "4")
    with pytest.raises(SystemExit):
        _production(tmp_path)
    assert limits.shared_store_problem("development", "memory://", 4) is None


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_gunicorn_refuses_to_start_several_workers_without_redis(tmp_path):
    """The real gunicorn.conf.py: the master stops before forking, with the reason."""
    from cryptography.fernet import Fernet

    env = {
        **os.environ,
        "SCREENER_ENV": "production",
        "SCREENER_SECRET_KEY": PRODUCTION["SECRET_KEY"],
        "SCREENER_DATA_KEY": Fernet.generate_key().decode(),
        "SCREENER_DATABASE_URL": f"sqlite:///{tmp_path / 'prod.sqlite3'}",
        "SCREENER_QUESTIONS": str(QUESTIONS),
        "SCREENER_RATELIMIT_STORAGE_URI": "memory://",
        "SCREENER_ALLOW_PLACEHOLDER_CONTACTS": "true",  # the shipped file's practice details
        "GUNICORN_WORKERS": "3",
        "GUNICORN_BIND": f"127.0.0.1:{_free_port()}",
    }
    env.pop("WEB_CONCURRENCY", None)
    gunicorn = Path(sys.executable).parent / "gunicorn"
    done = subprocess.run(
        [str(gunicorn), "-c", "gunicorn.conf.py", "wsgi:app"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode != 0
    assert "3 worker processes" in done.stderr and "each worker would count" in done.stderr
    assert "Booting worker" not in done.stderr


# -- Redis that does not answer -----------------------------------------------------------------
class Collect(logging.Handler):
    """Flask-Limiter's warnings, wherever its logger's records would otherwise go."""

    def __init__(self):
        super().__init__(logging.WARNING)
        self.records: list[logging.LogRecord] = []

    def emit(self, record):
        self.records.append(record)


def test_redis_down_limited_posts_still_work_and_readiness_says_so(tmp_path, questionnaire):
    warnings = Collect()
    logging.getLogger("flask-limiter").addHandler(warnings)
    app = make_app(
        tmp_path,
        RATELIMIT_ENABLED=True,
        RATELIMIT_STORAGE_URI=f"redis://127.0.0.1:{_free_port()}/0",
    )
    try:
        client = app.test_client()
        journey = Journey(client, questionnaire)
        assert journey.start().status_code == 302  # POST /start, limited per address
        target, token = _age_page(client, questionnaire)
        assert client.post(target, data={"csrf_token": token, "age": "42"}).status_code == 302
        resume = client.post("/resume", data={"csrf_token": token, "code": "2222-3333-4444"})
        assert resume.status_code == 400
        ready = client.get("/readyz")
        assert ready.status_code == 503
        assert ready.get_json() == {"status": "unavailable", "failed": ["rate_limits"]}
        assert client.get("/healthz").status_code == 200
        # the limits still hold, counted in this process meanwhile
        allowed = _count(limits.RESUME_LIMIT)
        statuses = [
            client.post("/resume", data={"csrf_token": token, "code": "x"}).status_code
            for _ in range(allowed)
        ]
        assert statuses[-1] == 429 and 500 not in statuses
    finally:
        app.extensions["screener"].engine.dispose()
        logging.getLogger("flask-limiter").removeHandler(warnings)
    assert any("falling back to in-memory" in r.getMessage() for r in warnings.records)


@pytest.mark.redis
def test_real_redis_counts_page_posts_per_draft_and_is_ready(tmp_path, questionnaire, redis_prefix):
    import redis

    app = make_app(
        tmp_path,
        RATELIMIT_ENABLED=True,
        RATELIMIT_STORAGE_URI=redis_url(),
        RATELIMIT_KEY_PREFIX=redis_prefix,
    )
    try:
        client = _started(app, questionnaire)
        assert client.get("/readyz").get_json() == {"status": "ready"}
        target, token = _age_page(client, questionnaire)
        assert client.post(target, data={"csrf_token": token, "age": "42"}).status_code == 302
    finally:
        app.extensions["screener"].engine.dispose()
    store = redis.Redis.from_url(redis_url())
    try:
        keys = [k.decode() for k in store.scan_iter(match=f"*{redis_prefix}*")]
    finally:
        store.close()
    assert any("draft:" in k for k in keys), keys
    with client.session_transaction() as session:
        assert not any(session["draft"] in k for k in keys)  # the id itself is not a key


def test_no_refusal_when_limits_are_off(tmp_path):
    app = _production(tmp_path, WORKERS=4, RATELIMIT_ENABLED=False)  # e.g. the benchmarks
    app.extensions["screener"].engine.dispose()


@contextlib.contextmanager
def redis_server(port: int):
    """A Redis server of this test's own, so it can really stop and start again."""
    binary = shutil.which("redis-server")
    if binary is None:
        reason = "redis-server is not installed (tests/system-deps.sh installs it)"
        if os.environ.get("SCREENER_REQUIRE_POSTGRES") == "1":
            pytest.fail(reason, pytrace=False)
        pytest.skip(reason)
    import redis

    process = subprocess.Popen(
        [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    client = redis.Redis(port=port, socket_connect_timeout=1)
    try:
        for _ in range(100):  # until it answers (it takes a few milliseconds)
            if process.poll() is not None:
                pytest.fail(f"redis-server exited at start (port {port})")
            try:
                if client.ping():
                    break
            except redis.ConnectionError:
                time.sleep(0.05)
        yield process
    finally:
        client.close()
        process.terminate()
        process.wait(timeout=10)


@pytest.mark.redis
def test_redis_that_stops_and_starts_again(tmp_path, questionnaire):
    port = _free_port()
    app = make_app(
        tmp_path,
        RATELIMIT_ENABLED=True,
        RATELIMIT_STORAGE_URI=f"redis://127.0.0.1:{port}/0",
    )
    try:
        client = _started(app, questionnaire)  # Redis not started yet: the fallback counts
        target, token = _age_page(client, questionnaire)
        with redis_server(port) as server:
            assert client.get("/readyz").get_json() == {"status": "ready"}
            assert client.post(target, data={"csrf_token": token, "age": "40"}).status_code == 302
            server.terminate()
            server.wait(timeout=10)
            target, token = _age_page(client, questionnaire)
            assert client.post(target, data={"csrf_token": token, "age": "41"}).status_code == 302
            assert client.get("/readyz").get_json() == {
                "status": "unavailable",
                "failed": ["rate_limits"],
            }
        with redis_server(port):
            assert client.get("/readyz").status_code == 200
            target, token = _age_page(client, questionnaire)
            assert client.post(target, data={"csrf_token": token, "age": "42"}).status_code == 302
    finally:
        app.extensions["screener"].engine.dispose()
