"""Structured request logs (one JSON line per request) that never carry personal data.

Each request gets an id, sent back as the ``X-Request-Id`` header, and one log line with the
route (the URL rule such as ``/q/<token>``, never the path or the query string), the
method, the status and the duration in milliseconds.

Nothing here logs form values, and :class:`RedactFormValues` makes sure nothing else does
either: on the app's loggers it replaces any value posted in the current request (answers,
contact details, notes, resume codes, passwords) wherever it appears in a log message or a
traceback, before any handler sees the record.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import re
import sys
import time
import uuid

from flask import Flask, g, has_request_context, request

REQUEST_LOGGER = "screener.request"
#: Flask-Limiter's own logger: its warnings ("Rate limit storage unreachable") are wanted;
#: its INFO lines name the client's address, so they are not
LIMITER_LOGGER = "flask-limiter"
REDACTED = "[redacted]"
#: an incoming X-Request-Id (from a proxy) is kept only if it looks like an id
_INCOMING_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")
#: the fields every JSON line may carry, besides the message
FIELDS = ("request_id", "route", "endpoint", "method", "status", "duration_ms")
#: values shorter than this ("1", "no") are too common to redact without garbling the line;
#: they are option values, never free text a person typed
MIN_REDACT = 3


class RedactFormValues(logging.Filter):
    """Remove anything posted in the current request from a log record."""

    def filter(self, record: logging.LogRecord) -> bool:
        if getattr(record, "_screener_redacted", False) or not has_request_context():
            return True
        secrets = _posted_values()
        if secrets:
            message = record.getMessage()
            cleaned = _redact(message, secrets)
            if cleaned != message:
                record.msg, record.args = cleaned, None
            if record.exc_info:
                text = logging.Formatter().formatException(record.exc_info)
                record.exc_text = _redact(text, secrets)
                record.exc_info = None
            if record.stack_info:
                record.stack_info = _redact(record.stack_info, secrets)
        record._screener_redacted = True
        return True


def _posted_values() -> list[str]:
    try:
        form = request.form
    except Exception:  # noqa: BLE001 - a body too large or malformed has nothing to redact
        return []
    values = set()
    for _key, value in form.items(multi=True):
        text = str(value).strip()
        if len(text) >= MIN_REDACT:
            values.update(_spellings(text))
            values.update(part for part in text.split() if len(part) >= MIN_REDACT + 1)
    return sorted(values, key=len, reverse=True)


def _spellings(text: str) -> set[str]:
    """The value as typed and as a repr or an error message escapes it (a NUL as \\x00)."""
    return {text, repr(text)[1:-1], text.encode("unicode_escape").decode("ascii")}


def _redact(text: str, secrets: list[str]) -> str:
    for secret in secrets:
        if secret in text:
            text = text.replace(secret, REDACTED)
    return text


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message and the request fields."""

    def format(self, record: logging.LogRecord) -> str:
        out = {
            "time": dt.datetime.fromtimestamp(record.created, dt.UTC).isoformat(
                timespec="milliseconds"
            ),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        for name in FIELDS:
            value = getattr(record, name, None)
            if value is not None:
                out[name] = value
        if "request_id" not in out and has_request_context() and "request_id" in g:
            out["request_id"] = g.request_id
        if record.exc_info:
            record.exc_text = record.exc_text or self.formatException(record.exc_info)
        if record.exc_text:
            out["exception"] = record.exc_text
        return json.dumps(out, ensure_ascii=False, default=str)


_FILTER = RedactFormValues()


def init_app(app: Flask) -> None:
    """Install the JSON handler, the redaction filter and the per-request log line."""
    for name in (app.logger.name, REQUEST_LOGGER, "werkzeug", "sqlalchemy", LIMITER_LOGGER):
        logger = logging.getLogger(name)
        if _FILTER not in logger.filters:
            logger.addFilter(_FILTER)
    if not app.testing or app.config.get("LOG_TO_STDERR"):
        _install_handler(app)  # tests read the records themselves (caplog)
    app.before_request(_start)
    app.after_request(_finish)


def _install_handler(app: Flask) -> None:
    logger = logging.getLogger(app.logger.name)
    if any(getattr(h, "_screener_json", False) for h in logger.handlers):
        return
    from flask.logging import default_handler

    logger.removeHandler(default_handler)
    handler = logging.StreamHandler(sys.stderr)
    handler._screener_json = True
    handler.setFormatter(JsonFormatter())
    handler.addFilter(_FILTER)
    logger.addHandler(handler)
    if logger.level == logging.NOTSET or logger.level > logging.INFO:
        logger.setLevel(logging.INFO)
    # the request logger is "screener.request", a child: its lines reach this handler
    limiter_logger = logging.getLogger(LIMITER_LOGGER)
    if handler not in limiter_logger.handlers:
        limiter_logger.addHandler(handler)
        limiter_logger.setLevel(logging.WARNING)
        limiter_logger.propagate = False


def _start() -> None:
    g.request_started = time.perf_counter()
    incoming = request.headers.get("X-Request-Id", "")
    g.request_id = incoming if _INCOMING_ID.match(incoming) else uuid.uuid4().hex


def _finish(response):
    request_id = g.get("request_id") or uuid.uuid4().hex
    response.headers["X-Request-Id"] = request_id
    started = g.get("request_started")
    duration = round((time.perf_counter() - started) * 1000, 2) if started else None
    rule = request.url_rule
    logging.getLogger(REQUEST_LOGGER).info(
        "request",
        extra={
            "request_id": request_id,
            "route": rule.rule if rule is not None else "<unmatched>",
            "endpoint": request.endpoint or "",
            "method": request.method,
            "status": response.status_code,
            "duration_ms": duration,
        },
    )
    return response
