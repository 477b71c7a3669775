"""`/healthz` for load balancers and uptime checks: the database answers and the
questionnaire definition is loaded. It reports only "ok" or "unavailable", never data,
versions or error text, and sets no cookie.
"""

from __future__ import annotations

from flask import Blueprint, current_app, jsonify
from sqlalchemy import text

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
    response = jsonify(status="ok" if ok else "unavailable")
    response.status_code = 200 if ok else 503
    response.headers["Cache-Control"] = "no-store"
    return response
