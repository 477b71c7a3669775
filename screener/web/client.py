"""The client's journey: landing, question pages, support, check answers, result, send."""

from __future__ import annotations

from flask import Blueprint, render_template

from .. import services

bp = Blueprint("client", __name__)


@bp.get("/")
def landing():
    return render_template("client/landing.html", q=services.get().questionnaire)
