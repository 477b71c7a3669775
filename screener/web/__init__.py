"""The web layer: app state, blueprints (client, auth, staff, health), forms, rate limits,
security headers, logging and error pages. Views stay thin: they call the store and the
questionnaire and render.
"""

from __future__ import annotations

import datetime as dt

from flask import Flask, g
from flask_wtf.csrf import CSRFProtect

from . import app_state

csrf = CSRFProtect()


def init_app(app: Flask) -> None:
    from . import (
        accounts,
        api,
        api_tokens,
        auth,
        client,
        content,
        errors,
        headers,
        health,
        language,
        limits,
        logs,
        notifications,
        preview,
        staff,
        two_factor,
    )

    logs.init_app(app)  # first, so its request id and timer cover the limiter and CSRF
    limits.init_app(app)
    csrf.init_app(app)
    language.init_app(app)  # before the blueprints: its ?lang= switch answers first
    app.permanent_session_lifetime = dt.timedelta(hours=12)
    app.register_blueprint(client.bp)
    app.register_blueprint(auth.bp)
    notifications.init_app(app)  # its views are on staff.bp: before registering it
    app.register_blueprint(two_factor.bp)  # /staff/two-factor: the second sign-in step
    app.register_blueprint(accounts.bp)  # /staff/account, /staff/accounts (admins)
    app.register_blueprint(accounts.links)  # /staff/set-password/<token>
    app.register_blueprint(staff.bp)
    app.register_blueprint(content.bp)  # /staff/content: version, flow, preview (admins)
    del preview  # its views are on content.bp
    app.register_blueprint(health.bp)  # /healthz
    app.register_blueprint(api_tokens.bp)  # /staff/api-tokens (admins)
    api.init_app(app)  # /api/v1: token-auth, read-only, JSON; exempt from CSRF
    auth.init_app(app)
    app.context_processor(_template_globals)
    app.after_request(headers.security_headers)
    errors.init_app(app)


def _template_globals() -> dict:
    ctx = g.get("client_ctx")
    if ctx is None:
        return {"q": app_state.live()}
    from .journey import page_url, resume_url

    return {
        "q": ctx.q,
        "page_url": lambda page_id, **args: page_url(ctx, page_id, **args),
        "where_i_was": lambda: resume_url(ctx.draft, ctx.state),
    }
