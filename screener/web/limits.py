"""Rate limits shared by the blueprints (Flask-Limiter; Redis storage for several instances).

Limits are per client address. The storage comes from the config's RATELIMIT_STORAGE_URI
(``SCREENER_RATELIMIT_STORAGE_URI``): ``memory://`` for one process, ``redis://host:6379/0``
when several instances must share the counts. Behind a reverse proxy, set
``SCREENER_PROXY_COUNT`` to the number of proxies in front of the app so that the client's
own address (and https) is seen; otherwise every client shares the proxy's limits.

A limited client gets the friendly 429 page (templates/errors/http.html, with the crisis
lines), rendered by the error handler in screener.web.errors.
"""

from __future__ import annotations

from flask import Flask
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address

limiter = Limiter(
    key_func=get_remote_address, default_limits=[], headers_enabled=False, strategy="moving-window"
)

#: a wrong resume code counts; a right one does not
RESUME_LIMIT = "10 per 15 minutes"
#: starting a questionnaire (POST /start): a household or a clinic's waiting room may share
#: one address, so this allows many fresh starts
START_LIMIT = "30 per hour"
#: answering question pages (POST /q/<token>): a journey is about 25 posts, with corrections
#: and "change" loops perhaps 80; this allows several people on one address at once
PAGE_LIMIT = "120 per 10 minutes;600 per hour"
#: sending the summary to the practice (POST /send), counting attempts that fail validation
SEND_LIMIT = "20 per hour"
#: downloading the summary PDF (rendering it costs CPU)
PDF_LIMIT = "30 per hour"


def failed(response) -> bool:
    return response.status_code >= 400


def init_app(app: Flask) -> None:
    app.config.setdefault("RATELIMIT_STORAGE_URI", "memory://")
    proxies = int(app.config.get("PROXY_COUNT") or 0)
    if proxies > 0 and not getattr(app.wsgi_app, "_screener_proxy_fix", False):
        from werkzeug.middleware.proxy_fix import ProxyFix

        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies, x_host=proxies)
        app.wsgi_app._screener_proxy_fix = True
    limiter.init_app(app)
