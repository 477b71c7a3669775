"""Health checks for load balancers and monitoring. Neither shows data, versions or error
text, and neither sets a cookie.

- ``/healthz``, liveness: the process answers, the questionnaire is loaded and the database
  answers ``SELECT 1``. Cheap enough to ask every few seconds.
- ``/readyz``, readiness: each thing a request needs is tried for real. ``database``: a row
  is written in a transaction that is rolled back (a full disk or a read-only database
  fails it). ``data_key``: a value sealed with the data key when the database was first
  used still opens (a wrong SCREENER_DATA_KEY fails it). ``rate_limits``: the shared Redis
  answers a ping (only when one is configured; without it limits fall back to per-process
  memory). 503 with the names of the failed checks, else 200.
"""

from __future__ import annotations

from collections.abc import Callable

from flask import Blueprint, current_app, jsonify
from sqlalchemy import text

from ..store import health
from . import limits

bp = Blueprint("health", __name__)


@bp.get("/healthz")
def healthz():
    svc = current_app.extensions.get("screener")
    ok = False
    try:
        if svc is not None and svc.questionnaire is not None and svc.questionnaire.pages:
            with svc.engine.connect() as conn:
                ok = conn.execute(text("SELECT 1")).scalar() == 1
    except Exception:  # any failure is "unavailable"; the details go to the log only
        current_app.logger.exception("health check failed")
    return _answer({"status": "ok" if ok else "unavailable"}, 200 if ok else 503)


@bp.get("/readyz")
def readyz():
    failed = [name for name, check in _checks().items() if not _passes(name, check)]
    if failed:
        return _answer({"status": "unavailable", "failed": failed}, 503)
    return _answer({"status": "ready"}, 200)


def _checks() -> dict[str, Callable[[], bool]]:
    svc = current_app.extensions["screener"]
    checks = {
        "database": lambda: health.can_write(svc.engine),
        "data_key": lambda: health.key_fits(svc.engine, svc.vault),
    }
    if limits.uses_shared_store():
        checks["rate_limits"] = limits.storage_answers
    return checks


def _passes(name: str, check: Callable[[], bool]) -> bool:
    try:
        if check():
            return True
        current_app.logger.warning("readiness check %s failed", name)
    except Exception:  # noqa: BLE001 - any failure is "not ready"; the details go to the log
        current_app.logger.exception("readiness check %s failed", name)
    return False


def _answer(body: dict, status: int):
    response = jsonify(body)
    response.status_code = status
    response.headers["Cache-Control"] = "no-store"
    return response
