"""The web layer: blueprints, security headers, error pages."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    from . import client

    app.register_blueprint(client.bp)
