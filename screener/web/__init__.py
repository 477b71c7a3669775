"""The web layer: blueprints, CSRF, security headers, error pages."""

from __future__ import annotations

import datetime as dt

from flask import Flask, g, render_template, request
from flask_wtf.csrf import CSRFError, CSRFProtect
from werkzeug.exceptions import HTTPException

from .. import services

csrf = CSRFProtect()

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; "
    "frame-ancestors 'none'"
)


def init_app(app: Flask) -> None:
    from .. import admin, auth, logs, security, staffcli
    from . import client, health, staff

    logs.init_app(app)  # first, so its request id and timer cover the limiter and CSRF
    admin.init_app(app)
    security.init_app(app)
    csrf.init_app(app)
    app.permanent_session_lifetime = dt.timedelta(hours=12)
    app.register_blueprint(client.bp)
    app.register_blueprint(auth.bp)
    app.register_blueprint(staff.bp)
    app.register_blueprint(health.bp)  # /healthz
    auth.init_app(app)
    staffcli.init_app(app)
    app.context_processor(_template_globals)
    app.after_request(_security_headers)
    app.register_error_handler(CSRFError, _csrf_error)
    app.register_error_handler(HTTPException, _http_error)
    app.register_error_handler(Exception, _server_error)


def _template_globals() -> dict:
    ctx = g.get("client_ctx")
    return {"q": ctx.q if ctx else services.get().questionnaire}


def _security_headers(response):
    headers = response.headers
    headers.setdefault("Content-Security-Policy", CSP)
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("Referrer-Policy", "no-referrer")
    headers.setdefault("X-Frame-Options", "DENY")
    headers.setdefault(
        "Permissions-Policy", "camera=(), microphone=(), geolocation=(), payment=(), usb=()"
    )
    headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
    if request.is_secure:
        headers.setdefault("Strict-Transport-Security", "max-age=63072000; includeSubDomains")
    if "Cache-Control" not in headers and response.mimetype == "text/html":
        headers["Cache-Control"] = "no-store"  # every page may show answers or a form token
    return response


def _csrf_error(error):
    return render_template("errors/expired.html"), 400


def _http_error(error: HTTPException):
    code = error.code or 500
    template = "errors/http.html"
    keep = [(k, v) for k, v in error.get_headers() if k.lower() in ("allow", "retry-after")]
    return (
        render_template(
            template, code=code, name=error.name, description=_PLAIN.get(code, error.description)
        ),
        code,
        keep,
    )


def _server_error(error):
    session = g.pop("db", None)
    if session is not None:
        session.rollback()
        session.close()
    from flask import current_app

    current_app.logger.exception("unhandled error on %s", request.endpoint)
    return render_template(
        "errors/http.html", code=500, name="Something went wrong", description=_PLAIN[500]
    ), 500


_PLAIN = {
    400: "Something in that request was not right. Go back and try again; nothing you saved "
    "has been lost.",
    403: "You do not have permission to see this page.",
    404: "We could not find that page. Check the address, or go back to the start.",
    405: "That page cannot be used like that. Go back and try again.",
    413: "That was more than we can accept at once. Shorten your answer and try again.",
    429: "You have tried that too many times. Please wait a few minutes and try again.",
    500: "Sorry, something went wrong on our side. Nothing you saved has been lost. Please try "
    "again in a few minutes.",
}
