"""Configuration from SCREENER_* variables: trusted hosts, the environment's name, files."""

from __future__ import annotations

import logging
import os
import stat
from pathlib import Path

import pytest
from cryptography.fernet import Fernet

from tests.journey_helpers import csrf_token
from tests.security_helpers import make_app

CRISIS = ("988", "741741")


@pytest.fixture
def make(tmp_path):
    apps = []

    def build(**config):
        app = make_app(tmp_path, f"{len(apps)}.sqlite3", **config)
        apps.append(app)
        return app

    yield build
    for app in apps:
        app.extensions["screener"].engine.dispose()


@pytest.mark.parametrize(
    "value, hosts",
    [
        ("screener.example", ["screener.example"]),
        (" Screener.example , .clinic.example,", ["screener.example", ".clinic.example"]),
        ("", None),
    ],
)
def test_trusted_hosts_come_from_a_comma_separated_variable(make, monkeypatch, value, hosts):
    monkeypatch.setenv("SCREENER_TRUSTED_HOSTS", value)
    assert make().config["TRUSTED_HOSTS"] == hosts


def test_an_untrusted_host_gets_the_friendly_400_page(make):
    app = make(TRUSTED_HOSTS="screener.example, .clinic.example")
    client = app.test_client()
    for base in ("http://screener.example", "https://www.clinic.example:8443"):
        assert client.get("/", base_url=base).status_code == 200, base
    for method in ("get", "post"):
        response = getattr(client, method)("/start", base_url="https://evil.example")
        html = response.get_data(as_text=True)
        assert response.status_code == 400, (method, html[:500])
        assert "Something in that request was not right" in html
        assert all(number in html for number in CRISIS)
        assert 'href="/"' in html and response.headers["X-Request-Id"]
        assert response.headers["Content-Security-Policy"]


def test_any_host_is_answered_when_unset_with_a_warning_in_production(make, caplog):
    caplog.set_level(logging.WARNING)
    keys = {"SECRET_KEY": "x" * 40, "DATA_KEY": Fernet.generate_key().decode()}
    app = make(ENV="production", **keys)
    assert app.test_client().get("/", base_url="https://anything.example").status_code == 200
    warned = [r.getMessage() for r in caplog.records if "SCREENER_TRUSTED_HOSTS" in r.getMessage()]
    assert len(warned) == 1
    caplog.clear()
    make(ENV="production", TRUSTED_HOSTS="screener.example", **keys)
    make(ENV="development")
    assert not [r for r in caplog.records if "SCREENER_TRUSTED_HOSTS" in r.getMessage()]


@pytest.mark.parametrize("name", ["Production", " PRODUCTION ", "production"])
def test_production_is_production_in_any_case(tmp_path, monkeypatch, name):
    from screener import create_app

    monkeypatch.setenv("SCREENER_ENV", name)
    for key in ("SCREENER_SECRET_KEY", "SCREENER_DATA_KEY"):
        monkeypatch.delenv(key, raising=False)
    with pytest.raises(SystemExit, match="Refusing to start in production without"):
        create_app({"DATABASE_URL": f"sqlite:///{tmp_path / 'x.sqlite3'}"})
    assert not (tmp_path / "x.sqlite3").exists()


def test_the_sqlite_files_are_private_whatever_the_umask(tmp_path):
    old = os.umask(0o022)
    try:
        app = make_app(tmp_path, "private.sqlite3")
        client = app.test_client()
        client.post("/start", data={"csrf_token": csrf_token(client.get("/").text)})
        database = Path(app.config["DATABASE_URL"].removeprefix("sqlite:///"))
        files = [database, Path(f"{database}-wal"), Path(f"{database}-shm")]
        assert all(path.exists() for path in files), files
        modes = {path.name: oct(stat.S_IMODE(path.stat().st_mode)) for path in files}
        assert set(modes.values()) == {"0o600"}, modes
        app.extensions["screener"].engine.dispose()
        database.chmod(0o644)  # made by an older version
        make_app(tmp_path, "private.sqlite3").extensions["screener"].engine.dispose()
        assert stat.S_IMODE(database.stat().st_mode) == 0o600
    finally:
        os.umask(old)


def test_the_venv_has_a_current_pip_and_setuptools():
    """The Makefile's bootstrap upgrades both (the venv's bundled setuptools 65.5 has CVEs)."""
    from importlib.metadata import PackageNotFoundError, version

    assert int(version("pip").split(".")[0]) >= 23
    try:
        assert int(version("setuptools").split(".")[0]) >= 70  # CVE-2024-6345 fixed in 70.0
    except PackageNotFoundError:
        pass  # Python 3.12+ venvs have none, which is fine too


def test_the_documented_plain_http_override_sends_a_plain_cookie(make):
    """README, "Plain http on a private network": the override and what it gives up."""
    keys = {"SECRET_KEY": "x" * 40, "DATA_KEY": Fernet.generate_key().decode()}
    secure = make(ENV="production", **keys).test_client()
    landing = secure.get("/", base_url="https://screener.example")
    assert landing.headers["Set-Cookie"].startswith("__Host-session=")
    assert "Secure" in landing.headers["Set-Cookie"]
    plain = make(ENV="production", SESSION_COOKIE_SECURE=False, **keys).test_client()
    landing = plain.get("/")
    cookie = landing.headers["Set-Cookie"]
    assert cookie.startswith("session=") and "Secure" not in cookie and "HttpOnly" in cookie
    started = plain.post("/start", data={"csrf_token": csrf_token(landing.text)})
    assert started.status_code == 302 and started.location.startswith("/q/")
