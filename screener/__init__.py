"""KAP pre-screener: a Flask app around a pure questionnaire engine.

questionnaire (pure) ← store, pdf ← web ← cli; `create_app` wires them together.
"""

from __future__ import annotations

from pathlib import Path

from flask import Flask

from .web import app_state, config


def create_app(test_config: dict | None = None) -> Flask:
    app = Flask(
        __name__,
        instance_relative_config=True,
        template_folder=str(config.ROOT / "templates"),
        static_folder=str(config.ROOT / "static"),
    )
    app.config.from_object(config.Defaults)
    app.config.update(config.from_environment())
    if test_config:
        app.config.update(test_config)
    # "Production" or " PRODUCTION" must not start a production server with development keys
    app.config["ENV"] = str(app.config.get("ENV") or "development").strip().lower()
    app.config["TRUSTED_HOSTS"] = config.host_list(app.config.get("TRUSTED_HOSTS"))
    _secrets(app)
    app_state.init_app(app)
    from . import web
    from .cli import register_commands

    web.init_app(app)
    register_commands(app)
    _warn_any_host(app)
    return app


def _warn_any_host(app: Flask) -> None:
    if app.config["ENV"] == "production" and not app.config["TRUSTED_HOSTS"]:
        app.logger.warning(
            "SCREENER_TRUSTED_HOSTS is not set: requests for any Host are answered; set it to "
            "the site's host name(s), comma-separated"
        )


def _secrets(app: Flask) -> None:
    """Production must be given its keys; development makes its own in the instance folder."""
    instance = Path(app.instance_path)
    production = app.config["ENV"] == "production"
    missing = [k for k in ("SECRET_KEY", "DATA_KEY") if not app.config.get(k)]
    if production and missing:
        raise SystemExit(
            "Refusing to start in production without "
            + " and ".join(f"SCREENER_{k}" for k in missing)
            + "."
        )
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = config.instance_secret(
            instance, "secret_key", config.dev_secret_key
        )
    if not app.config.get("DATA_KEY"):
        app.config["DATA_KEY"] = config.instance_secret(instance, "data_key", config.dev_data_key)
    if not app.config.get("DATABASE_URL"):
        instance.mkdir(parents=True, exist_ok=True)
        app.config["DATABASE_URL"] = f"sqlite:///{instance / 'screener.sqlite3'}"
    _cookie_flags(app)


def _cookie_flags(app: Flask) -> None:
    """Secure (outside development), HttpOnly, SameSite=Lax; `__Host-` prefixed when Secure.

    Flask's own default for SESSION_COOKIE_SECURE is False, so config.Defaults sets None
    ("decide here") and an explicit True/False from the environment or tests still wins.
    """
    cfg = app.config
    if cfg.get("SESSION_COOKIE_SECURE") is None:
        cfg["SESSION_COOKIE_SECURE"] = cfg["ENV"] != "development"
    cfg["SESSION_COOKIE_HTTPONLY"] = True
    cfg["SESSION_COOKIE_SAMESITE"] = cfg.get("SESSION_COOKIE_SAMESITE") or "Lax"
    secure = bool(cfg["SESSION_COOKIE_SECURE"])
    host_only = (
        not cfg.get("SESSION_COOKIE_DOMAIN")
        and cfg.get("SESSION_COOKIE_PATH") in (None, "/")
        and cfg.get("APPLICATION_ROOT") == "/"
    )
    if secure and host_only and cfg.get("SESSION_COOKIE_NAME", "session") == "session":
        cfg["SESSION_COOKIE_NAME"] = "__Host-session"  # Secure, Path=/, no Domain: host-only
    for key, value in (
        ("REMEMBER_COOKIE_SECURE", secure),
        ("REMEMBER_COOKIE_HTTPONLY", True),
        ("REMEMBER_COOKIE_SAMESITE", "Lax"),
    ):
        cfg.setdefault(key, value)
