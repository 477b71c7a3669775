"""Real PostgreSQL and Redis for the tests marked `postgres` / `redis`.

Where they are: SCREENER_TEST_DATABASE_URL and SCREENER_TEST_REDIS_URL, or else the servers
the development and CI machines run (PostgreSQL on 127.0.0.1:5432, trust auth, database
`test`; Redis on 127.0.0.1:6379). When one answers, its URL is exported for the rest of the
run. When none answers, the tests skip with one reason line; with SCREENER_REQUIRE_POSTGRES=1
(`make test-postgres`) they fail instead.

Every run creates its own databases (``screener_test_<random>``) and Redis key prefix, and
removes them at the end.
"""

from __future__ import annotations

import contextlib
import os
import secrets
from functools import cache

import pytest
from sqlalchemy.engine import make_url

DEFAULT_DATABASE_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/0"
NAMES = {"postgres": "PostgreSQL", "redis": "Redis"}


def database_url() -> str:
    return os.environ.get("SCREENER_TEST_DATABASE_URL") or DEFAULT_DATABASE_URL


def redis_url() -> str:
    return os.environ.get("SCREENER_TEST_REDIS_URL") or DEFAULT_REDIS_URL


def _libpq(url: str) -> str:
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


@cache
def available(service: str) -> bool:
    """Whether the server answers (asked once per run); exports its URL if so."""
    try:
        if service == "postgres":
            import psycopg

            url = database_url()
            with psycopg.connect(_libpq(url), connect_timeout=2) as conn:
                conn.execute("SELECT 1")
            os.environ.setdefault("SCREENER_TEST_DATABASE_URL", url)
        else:
            import redis

            url = redis_url()
            client = redis.Redis.from_url(url, socket_connect_timeout=2, socket_timeout=2)
            try:
                client.ping()
            finally:
                client.close()
            os.environ.setdefault("SCREENER_TEST_REDIS_URL", url)
    except Exception:
        return False
    return True


def _where(service: str) -> str:
    url = make_url(database_url() if service == "postgres" else redis_url())
    return f"{NAMES[service]} at {url.host or 'localhost'}:{url.port or ''}"


def require(*services: str) -> None:
    """Skip (or, under SCREENER_REQUIRE_POSTGRES=1, fail) unless the servers answer.

    One message names every missing server, raised from this one line, so pytest folds all
    the skips of a run into one reason line.
    """
    if all(available(s) for s in services):
        return
    missing = [_where(s) for s in ("postgres", "redis") if not available(s)]
    reason = (
        "no answer from " + " and ".join(missing) + "; set SCREENER_TEST_DATABASE_URL /"
        " SCREENER_TEST_REDIS_URL, or run `make test-postgres` to require them"
    )
    if os.environ.get("SCREENER_REQUIRE_POSTGRES") == "1":
        pytest.fail(reason, pytrace=False)
    pytest.skip(reason)


def pytest_runtest_setup(item):
    """Tests marked `postgres` or `redis` need those servers (checked before any fixture)."""
    services = [name for name in ("postgres", "redis") if item.get_closest_marker(name)]
    if services:
        require(*services)


@contextlib.contextmanager
def fresh_database():
    """A new, empty PostgreSQL database for the block; dropped afterwards."""
    import psycopg
    from psycopg import sql

    require("postgres")
    base = make_url(database_url())
    name = f"screener_test_{secrets.token_hex(6)}"
    with psycopg.connect(_libpq(database_url()), autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    try:
        yield base.set(database=name).render_as_string(hide_password=False)
    finally:
        with psycopg.connect(_libpq(database_url()), autocommit=True) as conn:
            conn.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
            )


@pytest.fixture(scope="session")
def pg_url():
    """One PostgreSQL database for the whole run (tests that share it use fresh rows)."""
    with fresh_database() as url:
        yield url


@pytest.fixture
def redis_prefix():
    """A Redis key prefix of this test's own; its keys are deleted afterwards."""
    require("redis")
    import redis

    from screener.web.limits import limiter

    prefix = f"screener_test_{secrets.token_hex(6)}"
    # Flask-Limiter keeps the first key prefix it was given for the life of the (global)
    # Limiter, ignoring later apps' RATELIMIT_KEY_PREFIX: clear it so this test's applies.
    saved, limiter._key_prefix = limiter._key_prefix, ""
    try:
        yield prefix
    finally:
        limiter._key_prefix = saved
    client = redis.Redis.from_url(redis_url())
    try:
        keys = list(client.scan_iter(match=f"*{prefix}*"))
        if keys:
            client.delete(*keys)
    finally:
        client.close()


def make_app(tmp_path, database_url: str | None = None, **config):
    """The same app as conftest's `app` fixture, on the given database."""
    from screener import create_app

    from .conftest import QUESTIONS

    tmp_path.mkdir(parents=True, exist_ok=True)
    settings = {
        "TESTING": True,
        "QUESTIONS": str(QUESTIONS),
        "DATABASE_URL": database_url or f"sqlite:///{tmp_path / 'test.sqlite3'}",
        "SECRET_KEY": "test-secret-key-that-is-long-enough",
        "DATA_KEY": "",
        "RATELIMIT_ENABLED": False,
    }
    settings.update(config)
    app = create_app(settings)
    app.instance_path = str(tmp_path / "instance")
    return app


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def any_db_app(request, tmp_path):
    """The app on SQLite, then on PostgreSQL (a database of this run's own)."""
    url = request.getfixturevalue("pg_url") if request.param == "postgres" else None
    app = make_app(tmp_path, url)
    yield app
    app.extensions["screener"].engine.dispose()
