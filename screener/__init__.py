"""KAP pre-screener: a Flask app around a pure questionnaire engine."""

from __future__ import annotations

from pathlib import Path

from flask import Flask

from . import config, services


def create_app(test_config: dict | None = None) -> Flask:
    app = Flask(__name__, instance_relative_config=True,
                template_folder=str(config.ROOT / "templates"),
                static_folder=str(config.ROOT / "static"))
    app.config.from_object(config.Defaults)
    app.config.update(config.from_environment())
    if test_config:
        app.config.update(test_config)
    _secrets(app)
    services.init_app(app)
    from . import web

    web.init_app(app)
    return app


def _secrets(app: Flask) -> None:
    """Production must be given its keys; development makes its own in the instance folder."""
    instance = Path(app.instance_path)
    production = app.config["ENV"] == "production"
    missing = [k for k in ("SECRET_KEY", "DATA_KEY") if not app.config.get(k)]
    if production and missing:
        raise SystemExit("Refusing to start in production without "
                         + " and ".join(f"SCREENER_{k}" for k in missing) + ".")
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = config.instance_secret(instance, "secret_key",
                                                          config.dev_secret_key)
    if not app.config.get("DATA_KEY"):
        app.config["DATA_KEY"] = config.instance_secret(instance, "data_key",
                                                        config.dev_data_key)
    if not app.config.get("DATABASE_URL"):
        instance.mkdir(parents=True, exist_ok=True)
        app.config["DATABASE_URL"] = f"sqlite:///{instance / 'screener.sqlite3'}"
    if production:
        app.config.setdefault("SESSION_COOKIE_SECURE", True)
