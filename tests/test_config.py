"""Configuration from SCREENER_* variables: trusted hosts, the environment's name, files."""

from __future__ import annotations

import logging

import pytest
from cryptography.fernet import Fernet

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
