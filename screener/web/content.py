"""The content owner's staff pages (admins only): the live version and what it changed,
the flow diagram, and the preview (preview.py). Nothing here touches client data.
"""

from __future__ import annotations

import functools

import graphviz
from flask import Blueprint, abort, make_response, render_template
from flask_login import current_user

from ..authoring import diff, flow_diagram
from ..questionnaire import Questionnaire, in_words
from ..store import live_versions, load_definition
from . import app_state, flow_svg
from .auth import login_manager
from .staff import staff_globals

bp = Blueprint("content", __name__, url_prefix="/staff/content")
bp.context_processor(staff_globals)

#: the SVG is shown as an <img>; opened on its own it may still run nothing at all
SVG_CSP = "default-src 'none'; frame-ancestors 'self'"


@bp.before_request
def _admins_only():
    if not current_user.is_authenticated:
        return login_manager.unauthorized()
    if not current_user.is_admin:
        abort(403)
    return None


@bp.after_request
def _no_store(response):
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/")
def version():
    """The live version: its hash, when it went live, and its diff against the one before."""
    live = app_state.get().questionnaire
    versions = live_versions(app_state.db(), 2)
    went_live = (
        versions[0].live_since if versions and versions[0].hash == live.content_hash else None
    )
    previous = versions[1] if len(versions) > 1 else None
    before = load_definition(app_state.db(), previous.hash) if previous else None
    return render_template(
        "staff/content/version.html",
        live=live,
        went_live=went_live,
        previous=previous,
        changes=_diff(before, live) if before is not None else None,
    )


@functools.lru_cache(maxsize=8)
def _diff(before: Questionnaire, after: Questionnaire):
    return diff(before, after)


@bp.get("/flow")
def flow():
    live = app_state.get().questionnaire
    diagram = flow_diagram(live)
    pages = {node.id: node.lines[0] for node in diagram.nodes}
    return render_template(
        "staff/content/flow.html",
        live=live,
        diagram=diagram,
        interrupts=[(pages[e.source], e.label) for e in diagram.edges if e.kind == "interrupt"],
        ladder=[
            (o, f"if {in_words(o.when, live)}" if o.when else "otherwise") for o in live.outcomes
        ],
    )


@bp.get("/flow.svg")
def flow_image():
    """The live version's flow diagram, drawn by Graphviz."""
    try:
        body = _svg(app_state.get().questionnaire)
    except graphviz.ExecutableNotFound:
        abort(503)
    response = make_response(body)
    response.headers["Content-Type"] = "image/svg+xml; charset=utf-8"
    response.headers["Content-Security-Policy"] = SVG_CSP
    response.headers["Content-Disposition"] = 'inline; filename="questionnaire-flow.svg"'
    return response


@functools.lru_cache(maxsize=4)
def _svg(q: Questionnaire) -> str:
    return flow_svg.svg(flow_diagram(q))
