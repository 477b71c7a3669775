"""The read-only staff API (/api/v1): submissions as metadata, detail, FHIR and PDF.

Every call needs `Authorization: Bearer <token>` (an admin makes tokens at
/staff/api-tokens), over https in production. Calls are rate-limited per token and audited,
refused ones too. Answers are JSON, errors included; bad input gets a 400 saying what was
wrong, never a 500. The API only reads, so it is exempt from the CSRF check that protects
the browser's forms; a browser never sends the token by itself. /api/v1/openapi.json
describes it and needs no token (it holds no data).
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import json
import re

from flask import Blueprint, current_app, g, jsonify, make_response, request
from sqlalchemy import and_, or_, select
from werkzeug.exceptions import NotFound

from ..store import Submission, api_tokens, utcnow
from ..store.queries import STATUSES, URGENCY
from . import app_state, audit
from .api_spec import openapi_document
from .errors import json_error
from .limits import limiter
from .staff import answer_rows, fhir_json, open_review, summary_pdf_bytes

bp = Blueprint("api", __name__, url_prefix="/api/v1")
# Each route says merge_slashes=False: "submissions//fhir" is a 404 in JSON, not a redirect.

#: per token (or per address without one): a sync job pages through a few hundred at most
API_LIMIT = "120 per minute;3000 per hour"
#: per address, whatever the token: made-up tokens each have a count of their own above, so
#: this one stops guessing (and flooding the audit log) from one address
API_ADDRESS_LIMIT = "600 per minute"
PER_PAGE = 50
MAX_PER_PAGE = 200
REFERENCE = re.compile(r"[A-Z0-9-]{1,20}", re.ASCII)


def _limit_key() -> str:
    header = request.headers.get("Authorization", "")
    if header[:7].lower() == "bearer ":
        return "api:" + api_tokens.token_hash(header[7:].strip())[:32]
    return "api-addr:" + (request.remote_addr or "")


limiter.limit(API_LIMIT, key_func=_limit_key)(bp)
limiter.limit(API_ADDRESS_LIMIT, key_func=lambda: "api-any:" + (request.remote_addr or ""))(bp)


class Refused(Exception):
    """A call the API will not serve: (status, error code, message in words)."""

    def __init__(self, status: int, code: str, message: str):
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


@bp.errorhandler(Refused)
def _refused(error: Refused):
    response = json_error(error.status, error.code, error.message)
    if error.status == 401:
        response.headers["WWW-Authenticate"] = 'Bearer realm="api"' + (
            ', error="invalid_token"' if error.code == "invalid_token" else ""
        )
    return response


@bp.before_request
def _authenticate():
    if request.endpoint == "api.openapi":
        return None
    db = app_state.db()
    try:
        token = _token()
    except Refused as refused:
        audit.record("api_refused", detail=f"{refused.code}: {_request_line()}"[:255])
        db.commit()
        raise
    token.last_used_at = utcnow()
    g.api_token = token
    audit.record(
        "api_call",
        actor=token.therapist.email,
        reference=_reference_arg(),
        detail=f"{_request_line()} (token #{token.id})"[:255],
    )
    db.commit()
    return None


def _request_line() -> str:
    """Method and path for the audit log, printable only (PostgreSQL refuses a NUL byte)."""
    path = "".join(c if c.isprintable() else "?" for c in request.path[:200])
    return f"{request.method} {path}"


def _reference_arg() -> str:
    reference = (request.view_args or {}).get("reference", "")
    return reference if REFERENCE.fullmatch(reference or "") else ""


def _token():
    if current_app.config["ENV"] == "production" and not request.is_secure:
        raise Refused(403, "https_required", "The API is served over https only.")
    scheme, _, presented = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not presented.strip():
        raise Refused(401, "unauthorized", "Send an API token: Authorization: Bearer <token>.")
    found = api_tokens.check(app_state.db(), presented.strip())
    if found.token is None:
        raise Refused(401, "invalid_token", f"The token was refused ({found.refusal}).")
    return found.token


# -- query parameters ------------------------------------------------------------------------
def _since(raw: str | None) -> dt.datetime | None:
    if raw is None or raw == "":
        return None
    try:
        value = dt.datetime.fromisoformat(raw.strip().replace("Z", "+00:00"))
        if value.tzinfo is not None:
            value = value.astimezone(dt.UTC).replace(tzinfo=None)
    except (ValueError, OverflowError):  # 0001-01-01T00:00+05:00 is before year 1 in UTC
        raise Refused(400, "bad_request", "since: give a date like 2026-12-01") from None
    return value


def _choice(name: str, raw: str | None, allowed) -> str | None:
    if raw is None or raw == "":
        return None
    if raw not in allowed:
        words = ", ".join(str(a) for a in allowed)
        raise Refused(400, "bad_request", f"{name}: use one of {words}")
    return raw


def _per_page(raw: str | None) -> int:
    if raw is None or raw == "":
        return PER_PAGE
    if not re.fullmatch(r"[0-9]{1,4}", raw, re.ASCII) or not 1 <= int(raw) <= MAX_PER_PAGE:
        raise Refused(400, "bad_request", f"limit: a whole number from 1 to {MAX_PER_PAGE}")
    return int(raw)


def encode_cursor(sub: Submission) -> str:
    text = f"{sub.created_at.isoformat()}|{sub.id}"
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


def _cursor(raw: str | None) -> tuple[dt.datetime, str] | None:
    if raw is None or raw == "":
        return None
    bad = Refused(400, "bad_request", "cursor: use the next_cursor of the previous page")
    if len(raw) > 200 or not re.fullmatch(r"[A-Za-z0-9_-]+", raw, re.ASCII):
        raise bad
    try:
        text = base64.urlsafe_b64decode(raw + "=" * (-len(raw) % 4)).decode("ascii")
        when, sub_id = text.split("|", 1)
        created = dt.datetime.fromisoformat(when)
    except (ValueError, binascii.Error, UnicodeDecodeError):
        raise bad from None
    if not re.fullmatch(r"[A-Za-z0-9_-]{1,43}", sub_id, re.ASCII) or created.tzinfo:
        raise bad
    return created, sub_id


# -- views -------------------------------------------------------------------------------------
def _time(value: dt.datetime) -> str:
    return value.replace(microsecond=0).isoformat() + "Z"


def summary(sub: Submission) -> dict:
    return {
        "reference": sub.reference,
        "received": _time(sub.created_at),
        "outcome": sub.outcome_id,
        "urgency": sub.urgency,
        "urgency_label": URGENCY.get(sub.urgency, ""),
        "status": sub.status,
        "assignee": sub.assigned_to.email if sub.assigned_to else None,
    }


@bp.get("/submissions", merge_slashes=False)
def submissions():
    args = request.args
    since = _since(args.get("since"))
    status = _choice("status", args.get("status"), tuple(STATUSES))
    urgency = _choice("urgency", args.get("urgency"), tuple(str(u) for u in sorted(URGENCY)))
    per_page = _per_page(args.get("limit"))
    after = _cursor(args.get("cursor"))
    stmt = select(Submission).order_by(Submission.created_at.asc(), Submission.id.asc())
    if since is not None:
        stmt = stmt.where(Submission.created_at >= since)
    if status is not None:
        stmt = stmt.where(Submission.status == status)
    if urgency is not None:
        stmt = stmt.where(Submission.urgency == int(urgency))
    if after is not None:
        created, sub_id = after
        stmt = stmt.where(
            or_(
                Submission.created_at > created,
                and_(Submission.created_at == created, Submission.id > sub_id),
            )
        )
    rows = app_state.db().scalars(stmt.limit(per_page + 1)).unique().all()
    more = len(rows) > per_page
    rows = rows[:per_page]
    return jsonify(
        {
            "data": [summary(sub) for sub in rows],
            "next_cursor": encode_cursor(rows[-1]) if more else None,
        }
    )


def _find(reference: str) -> Submission:
    if not REFERENCE.fullmatch(reference):
        raise NotFound()
    sub = (
        app_state.db().scalars(select(Submission).where(Submission.reference == reference)).first()
    )
    if sub is None:
        raise NotFound()
    return sub


@bp.get("/submissions/<reference>", merge_slashes=False)
def submission(reference):
    sub = _find(reference)
    review = open_review(sub)
    ev = review.evaluation
    return jsonify(
        {
            **summary(sub),
            "outcome_title": ev.outcome.title if ev.outcome else "",
            "questionnaire_version": sub.definition_hash,
            "flags": [
                {"id": f.flag.id, "level": f.flag.level, "label": f.flag.label or f.flag.id}
                for f in ev.flags
            ],
            "scores": [
                {"id": r.score.id, "label": r.score.label, "value": r.value, "band": r.band}
                for r in ev.scores.values()
                if r.applies
            ],
            "answers": [
                {
                    "section": section.title,
                    "question": question.id,
                    "label": question.label,
                    "answer": shown,
                }
                for section, items in answer_rows(review.q, ev)
                for question, shown in items
            ],
            "contact": {
                k: review.contact.get(k, "") for k in ("name", "method", "email", "phone", "time")
            },
        }
    )


@bp.get("/submissions/<reference>/fhir", merge_slashes=False)
def submission_fhir(reference):
    sub = _find(reference)
    response = make_response(fhir_json(sub, open_review(sub)))
    response.headers["Content-Type"] = "application/fhir+json; charset=utf-8"
    return response


@bp.get("/submissions/<reference>/pdf", merge_slashes=False)
def submission_pdf(reference):
    sub = _find(reference)
    response = make_response(summary_pdf_bytes(sub, open_review(sub)))
    response.headers["Content-Type"] = "application/pdf"
    response.headers["Content-Disposition"] = (
        f'attachment; filename="kap-prescreen-summary-{sub.reference}.pdf"'
    )
    return response


@bp.get("/openapi.json", merge_slashes=False)
def openapi():
    # in the document's own order ("openapi", "info", "paths" first), not sorted
    body = json.dumps(openapi_document(), indent=2)
    return current_app.response_class(body, mimetype="application/json")


@bp.after_request
def _no_store(response):
    response.headers["Cache-Control"] = "no-store"
    return response


def init_app(app) -> None:
    from . import csrf

    csrf.exempt(bp)
    app.register_blueprint(bp)
