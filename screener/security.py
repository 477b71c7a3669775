"""Rate limits shared by the blueprints (Flask-Limiter; Redis storage for several instances)."""

from __future__ import annotations

from flask import Flask
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address

limiter = Limiter(key_func=get_remote_address, default_limits=[],
                  headers_enabled=False, strategy="moving-window")

#: a wrong resume code counts; a right one does not
RESUME_LIMIT = "10 per 15 minutes"


def failed(response) -> bool:
    return response.status_code >= 400


def init_app(app: Flask) -> None:
    app.config.setdefault("RATELIMIT_STORAGE_URI", "memory://")
    limiter.init_app(app)
