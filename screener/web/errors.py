"""Friendly error pages in plain words, each with the crisis lines (templates/errors/)."""

from __future__ import annotations

from flask import Flask, current_app, g, jsonify, make_response, request
from flask import render_template as _render_template
from flask.globals import request_ctx
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from . import limits

PLAIN = {
    400: _l(
        "Something in that request was not right. Go back and try again; nothing you saved "
        "has been lost."
    ),
    403: _l("You do not have permission to see this page."),
    404: _l("We could not find that page. Check the address, or go back to the start."),
    405: _l("That page cannot be used like that. Go back and try again."),
    413: _l("That was more than we can accept at once. Shorten your answer and try again."),
    500: _l(
        "Sorry, something went wrong on our side. Nothing you saved has been lost. Please try "
        "again in a few minutes."
    ),
}
#: the heading of each error page: Werkzeug's names, so that they can be translated
NAMES = {
    400: _l("Bad Request"),
    403: _l("Forbidden"),
    404: _l("Not Found"),
    405: _l("Method Not Allowed"),
    413: _l("Request Entity Too Large"),
    500: _l("Something went wrong"),
}


def init_app(app: Flask) -> None:
    app.register_error_handler(CSRFError, csrf_error)
    app.register_error_handler(HTTPException, http_error)
    app.register_error_handler(Exception, server_error)


def render_template(template: str, /, **context) -> str:
    """Render an error page, also for a request Flask could not bind URLs for.

    A Host outside TRUSTED_HOSTS fails before routing, leaving the request without a URL
    adapter, and the page's url_for() would raise (a 500 instead of the 400). The page's
    links are relative, so an adapter bound to any name builds the same ones.
    """
    ctx = request_ctx._get_current_object()
    if ctx.url_adapter is None:
        ctx.url_adapter = current_app.url_map.bind(
            "localhost", script_name=request.script_root or "/", url_scheme=request.scheme
        )
    return _render_template(template, **context)


def api_request() -> bool:
    """The staff API answers in JSON only, errors included (never an HTML page)."""
    return request.path == "/api" or request.path.startswith("/api/")


def json_error(status: int, code: str, message: str):
    response = make_response(jsonify({"error": code, "message": message}), status)
    response.headers["Cache-Control"] = "no-store"
    return response


def _api_error(code: int, name: str, headers=()):
    slug = "_".join(name.lower().replace("'", "").split()) or "error"
    response = json_error(code, slug, str(PLAIN.get(code, name)))
    for key, value in headers:
        response.headers[key] = value
    return response


def csrf_error(error):
    # Flask-WTF's reason ("The referrer does not match the host.") names no token or value
    current_app.logger.warning(
        "csrf check failed: %s", error.description, extra={"request_id": g.get("request_id")}
    )
    if api_request():
        return _api_error(400, "bad_request")
    return render_template("errors/expired.html"), 400


def http_error(error: HTTPException):
    code = error.code or 500
    if code == 429:
        return too_many(error)
    keep = [(k, v) for k, v in error.get_headers() if k.lower() in ("allow", "retry-after")]
    if api_request():
        return _api_error(code, error.name or "Error", keep)
    return (
        render_template(
            "errors/http.html",
            code=code,
            name=NAMES.get(code, error.name),
            description=PLAIN.get(code, error.description),
        ),
        code,
        keep,
    )


def too_many(error: HTTPException):
    """A refused post: its own page again with what was typed, or a plain page; both give
    the wait (never "Too Many Requests")."""
    if api_request():
        seconds = limits.wait_seconds()
        return _api_error(429, "rate_limited", [("Retry-After", str(seconds))])
    response, seconds = limits.refused_response()
    if response is None:
        response = make_response(
            render_template(
                "errors/http.html",
                code=429,
                name=_("Please wait a moment"),
                description=_(
                    "You have tried that many times in a short while, so it is paused for "
                    "your security. Please wait %(wait)s and try again. Nothing you saved "
                    "has been lost.",
                    wait=limits.wait_words(seconds),
                ),
            ),
            429,
        )
    response.status_code = 429
    response.headers["Retry-After"] = str(seconds)
    response.headers["Cache-Control"] = "no-store"
    return response


def server_error(error):
    session = g.pop("db", None)
    if session is not None:
        session.rollback()
        session.close()
    current_app.logger.exception("unhandled error on %s", request.endpoint)
    if api_request():
        return _api_error(500, "server_error")
    return render_template(
        "errors/http.html", code=500, name=NAMES[500], description=PLAIN[500]
    ), 500
