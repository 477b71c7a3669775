"""Security headers on every response: CSP, no sniffing, no framing, HSTS over https, no-store."""

from __future__ import annotations

from flask import request

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; "
    "frame-ancestors 'none'"
)

REFERRER_POLICY = "same-origin"


def security_headers(response):
    headers = response.headers
    headers.setdefault("Content-Security-Policy", CSP)
    headers.setdefault("X-Content-Type-Options", "nosniff")
    # same-origin, not no-referrer: the app's own form posts must carry a Referer, or
    # Flask-WTF's WTF_CSRF_SSL_STRICT check refuses every POST over https; other sites
    # still get nothing
    headers.setdefault("Referrer-Policy", REFERRER_POLICY)
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
