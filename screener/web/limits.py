"""Rate limits shared by the blueprints (Flask-Limiter; Redis storage for several processes).

What each limit is keyed by:

- **per draft** (the draft id in the client's session, hashed): question pages, the support
  page, check answers, send, save, delete and the PDF. Many real clients share one address
  (a carrier's NAT, a clinic's Wi-Fi); counting their posts together stopped them mid-form.
  A request without a draft falls back to its address (it only gets a redirect anyway).
- **per address**, where guessing is the threat and no draft exists yet: resume codes and
  staff sign-in (failed attempts only), and starting a questionnaire. Each is set high
  enough for a shared address.
- **per account and address**: failed staff sign-ins (web.auth), so that a stranger who
  knows an email cannot keep its owner locked out.

A refused post re-shows its page with what was typed and the wait in plain words (the
renderers registered with `refusal_page`), or the friendly 429 page with the wait; never
"Too Many Requests".

The storage is RATELIMIT_STORAGE_URI (``SCREENER_RATELIMIT_STORAGE_URI``): ``memory://``
counts in each process on its own, so production with more than one worker process must
use ``redis://…``; the app refuses to start otherwise (`shared_store_problem`). If Redis
stops answering, the counts fall back to each process's memory (with a warning in the log)
instead of failing the request, and the readiness check (/readyz) reports it.

Behind a reverse proxy, set ``SCREENER_PROXY_COUNT`` to the number of proxies in front of
the app so that the client's own address (and https) is seen.
"""

from __future__ import annotations

import hashlib
import math
import os
import time
from collections.abc import Callable

from flask import Flask, current_app, request, session
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address

limiter = Limiter(
    key_func=get_remote_address,
    default_limits=[],
    headers_enabled=False,
    strategy="moving-window",
    # Redis down: count in this process's memory and log a warning, never fail the request
    in_memory_fallback_enabled=True,
    swallow_errors=True,
)

#: a wrong resume code counts; a right one does not (per address)
RESUME_LIMIT = "30 per 15 minutes;200 per day"
#: starting a questionnaire (POST /start), per address: a clinic's waiting room or a
#: carrier's shared address may start many at once
START_LIMIT = "60 per 10 minutes;300 per hour"
#: answering question pages and the support page (POST /q/<token>), per draft: a journey is
#: about 25 posts, with corrections and "change" loops perhaps 80
PAGE_LIMIT = "120 per 10 minutes;600 per hour"
#: check answers (POST /check), per draft
CHECK_LIMIT = "30 per 10 minutes"
#: sending the summary to the practice (POST /send), per draft, counting attempts that fail
#: validation
SEND_LIMIT = "20 per hour"
#: "save and finish later" (POST /save) issues a new resume code each time, per draft
SAVE_LIMIT = "10 per 10 minutes;30 per day"
#: "delete my answers" (POST /delete), per draft
DELETE_LIMIT = "10 per 10 minutes"
#: downloading the summary PDF (rendering it costs CPU), per draft
PDF_LIMIT = "30 per hour"

#: endpoint → renderer of its page re-shown after a refused post, given the wait in words
_refusal_pages: dict[str, Callable[[str], object]] = {}


def failed(response) -> bool:
    return response.status_code >= 400


def per_draft() -> str:
    """The client's draft (hashed: the id is the session's secret), else the address."""
    draft_id = session.get("draft")
    if isinstance(draft_id, str) and draft_id:
        return "draft:" + hashlib.sha256(draft_id.encode()).hexdigest()[:32]
    return get_remote_address()


def refusal_page(endpoint: str):
    """Register how `endpoint` re-shows its page, with what was typed, after a refused post."""

    def register(render: Callable[[str], object]):
        _refusal_pages[endpoint] = render
        return render

    return register


def wait_seconds() -> int:
    """Seconds until the limit this request broke lets a post through again."""
    current = limiter.current_limit
    try:
        reset_at = current.reset_at if current is not None else 0
    except Exception:  # noqa: BLE001 - the store went away meanwhile; say a minute
        reset_at = 0
    return max(1, math.ceil(reset_at - time.time())) if reset_at else 60


def wait_words(seconds: int) -> str:
    minutes = max(1, math.ceil(seconds / 60))
    if minutes >= 90:
        return _("about %(num)s hours", num=math.ceil(minutes / 60))
    return ngettext("about a minute", "about %(num)s minutes", minutes)


def paused_message(wait: str) -> str:
    """What a refused client page says above what was typed."""
    return _(
        "You have sent this page many times in a short while, so it is paused for your "
        "security. Please wait %(wait)s, then press the button again. What you typed is "
        "still here.",
        wait=wait,
    )


def refused_response():
    """(the page that refused a post, re-shown with what was typed, or None for the plain
    429 page; the seconds to wait)."""
    seconds = wait_seconds()
    render = _refusal_pages.get(request.endpoint or "")
    return (render(wait_words(seconds)) if render is not None else None), seconds


# -- storage -------------------------------------------------------------------------------
def workers_running(config) -> int:
    """How many processes count requests: gunicorn.conf.py exports SCREENER_WORKERS (its final
    worker count) before the first fork; other servers may set WEB_CONCURRENCY."""
    for value in (config.get("WORKERS"), os.environ.get("WEB_CONCURRENCY")):
        try:
            if value not in (None, ""):
                return max(1, int(value))
        except (TypeError, ValueError):
            continue
    return 1


def shared_store_problem(
    env: str, storage_uri: str, workers: int, enabled: bool = True
) -> str | None:
    """Why these settings would let each worker count on its own, or None if they are fine."""
    if not enabled or str(env).strip().lower() != "production" or workers <= 1:
        return None
    if not str(storage_uri or "memory://").startswith("memory://"):
        return None  # Redis (or another store the processes share)
    return (
        f"Refusing to start in production with {workers} worker processes and rate limits "
        f"kept in memory ({storage_uri or 'memory://'}): each worker would count on its own, "
        f"allowing {workers} times every limit. Set SCREENER_RATELIMIT_STORAGE_URI to a shared "
        "Redis (redis://host:6379/0), or run one worker (GUNICORN_WORKERS=1)."
    )


def uses_shared_store() -> bool:
    """Whether the counts are kept outside the process (Redis), so there is a store to ask."""
    uri = str(current_app.config.get("RATELIMIT_STORAGE_URI") or "memory://")
    return limiter.enabled and not uri.startswith("memory://")


def storage_answers() -> bool:
    """Whether the shared rate-limit store answers a ping."""
    try:
        return bool(limiter.storage.check())
    except Exception:  # noqa: BLE001 - any failure means "not answering"
        return False


def _quick_redis() -> dict:
    """A Redis that does not answer must not hold a request for long: one try, one second
    (redis-py otherwise retries with a backoff of several seconds before the fallback)."""
    from redis.backoff import NoBackoff
    from redis.retry import Retry

    return {"socket_connect_timeout": 1, "socket_timeout": 1, "retry": Retry(NoBackoff(), 0)}


def init_app(app: Flask) -> None:
    cfg = app.config
    cfg.setdefault("RATELIMIT_STORAGE_URI", "memory://")
    uri = str(cfg["RATELIMIT_STORAGE_URI"])
    problem = shared_store_problem(
        cfg.get("ENV", ""), uri, workers_running(cfg), bool(cfg.get("RATELIMIT_ENABLED", True))
    )
    if problem:
        raise SystemExit(problem)
    if uri.startswith("redis"):
        cfg.setdefault("RATELIMIT_STORAGE_OPTIONS", _quick_redis())
    proxies = int(cfg.get("PROXY_COUNT") or 0)
    if proxies > 0 and not getattr(app.wsgi_app, "_screener_proxy_fix", False):
        from werkzeug.middleware.proxy_fix import ProxyFix

        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies, x_host=proxies)
        app.wsgi_app._screener_proxy_fix = True
    # The limiter is one object for the process; a new app starts with its store alive.
    limiter._storage_dead = False
    limiter.init_app(app)
