"""gunicorn settings for `make serve` (`gunicorn -c gunicorn.conf.py wsgi:app`).

Defaults, each overridable from the environment:

=========================== ================================================= ==========
variable                    meaning                                           default
=========================== ================================================= ==========
GUNICORN_BIND               address to listen on (put a TLS proxy in front)   127.0.0.1:8000
GUNICORN_WORKERS            worker processes                                  2×cores+1, at most 8
GUNICORN_WORKER_CLASS       ``sync`` or ``gthread``                           sync
GUNICORN_THREADS            threads per worker (gthread only)                 1
GUNICORN_TIMEOUT            seconds before a stuck worker is restarted        30
GUNICORN_MAX_REQUESTS       restart a worker after this many requests (0 off) 2000
GUNICORN_ACCESS_LOG         ``-`` for stdout; empty for none                  (none)
GUNICORN_LOG_LEVEL          gunicorn's own log level                          info
=========================== ================================================= ==========

Why these: the app is CPU-bound (templating, form building, encryption) and each request
does a short database transaction, so one sync worker per request with ~2 per core keeps
both cores busy while a worker waits on the database. The cap keeps memory and PostgreSQL
connections bounded (each worker holds a small pool, see screener/db.py). ``gthread`` suits
slow clients without a buffering proxy; behind nginx, sync is simpler and faster.

Before any worker starts, the master checks questions.yaml (``on_starting``) and stops with
the problem lines of ``flask check`` if it has errors, or, in production, if the practice
details are still placeholders (DEF045) and SCREENER_ALLOW_PLACEHOLDER_CONTACTS is not true.

Rate limits count per process unless they are kept in Redis. ``when_ready`` exports the
final worker count (after any ``-w`` on the command line) as ``SCREENER_WORKERS`` before the
first worker is forked, and refuses to start production with several workers and
``memory://`` limits (screener.web.limits.shared_store_problem); each worker's app checks
the same again.

The app's own request log (screener.logs) already records each request without personal
data, so gunicorn's access log is off by default; turning it on logs client addresses and
paths.
"""

from __future__ import annotations

import multiprocessing
import os

MAX_WORKERS = 8


def _int(name: str, default: int) -> int:
    value = os.environ.get(name, "").strip()
    return int(value) if value else default


def default_workers(cores: int | None = None) -> int:
    cores = cores or multiprocessing.cpu_count()
    return min(2 * cores + 1, MAX_WORKERS)


bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
workers = _int("GUNICORN_WORKERS", default_workers())
worker_class = os.environ.get("GUNICORN_WORKER_CLASS", "sync")
threads = _int("GUNICORN_THREADS", 1)
timeout = _int("GUNICORN_TIMEOUT", 30)
graceful_timeout = 20
keepalive = 5
max_requests = _int("GUNICORN_MAX_REQUESTS", 2000)
max_requests_jitter = max_requests // 10
# Each worker builds its own app (engine, pools): nothing is shared across fork.
preload_app = False
accesslog = os.environ.get("GUNICORN_ACCESS_LOG") or None
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")
# Request size limits in front of Flask's MAX_CONTENT_LENGTH
limit_request_line = 4094
limit_request_fields = 100
# Behind a proxy on the same host, trust its X-Forwarded-* (the app uses PROXY_COUNT too)
forwarded_allow_ips = os.environ.get("GUNICORN_FORWARDED_ALLOW_IPS", "127.0.0.1")
proc_name = "kap-screener"


def on_starting(server) -> None:
    """Check questions.yaml once, in the master, before any worker is forked.

    A worker that cannot load it exits, and gunicorn would restart workers forever (about
    200 a minute, with /healthz hanging); here the master stops at once with the same
    problem lines as `flask check`.
    """
    from screener.questionnaire import DefinitionError, check_file
    from screener.web.app_state import placeholder_refusal
    from screener.web.config import Defaults, from_environment

    settings = from_environment()
    path = settings.get("QUESTIONS") or Defaults.QUESTIONS
    report = check_file(str(path), run_examples_too=False)
    if not report.ok:
        raise DefinitionError(report)  # SystemExit: its message, then exit status 1
    refusal = placeholder_refusal(report, settings)  # production: no 555 numbers, example.org
    if refusal:
        raise SystemExit(refusal)


def when_ready(server) -> None:
    """In the master, before the first fork: tell the workers how many they are, and refuse
    a setup whose rate limits each worker would count on its own."""
    os.environ["SCREENER_WORKERS"] = str(server.cfg.workers)
    from screener.web.limits import shared_store_problem

    problem = shared_store_problem(
        os.environ.get("SCREENER_ENV", ""),
        os.environ.get("SCREENER_RATELIMIT_STORAGE_URI", "memory://"),
        server.cfg.workers,
        os.environ.get("SCREENER_RATELIMIT_ENABLED", "true").strip().lower() != "false",
    )
    if problem:
        server.log.error(problem)
        raise SystemExit(problem)
