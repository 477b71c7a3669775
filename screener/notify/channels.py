"""Sending one message: SMTP (smtplib with EmailMessage), a signed webhook, or the log.

Each raises on failure, so the worker can try again later; none logs the message text.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import smtplib
import urllib.request
from email.message import EmailMessage
from email.utils import formatdate
from urllib.parse import urlsplit

from .config import Transport
from .message import Message

logger = logging.getLogger("screener.notify")
SIGNATURE_HEADER = "X-Screener-Signature"
IDEMPOTENCY_HEADER = "Idempotency-Key"
EVENT_HEADER = "X-Screener-Event"


class DeliveryError(RuntimeError):
    """The receiver did not accept the message."""


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    """A redirect is a failure: urllib would follow it with a GET, without the body."""

    def redirect_request(self, *args, **kwargs):
        return None


_OPENER = urllib.request.build_opener(_NoRedirect)


def signature(secret: str, body: bytes) -> str:
    """ "sha256=<hex>": HMAC-SHA256 of the exact body with the shared secret."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def email(transport: Transport, message: Message, to: tuple[str, ...]) -> None:
    mail = EmailMessage()
    mail["From"] = transport.email_from
    mail["To"] = ", ".join(to)
    mail["Subject"] = message.subject
    mail["Date"] = formatdate(localtime=False)
    # The same Message-ID on every attempt: a mail client shows a resent copy once.
    domain = transport.email_from.rsplit("@", 1)[-1].strip(" >") or "localhost"
    mail["Message-ID"] = f"<{message.key}.notify@{domain}>"
    mail[IDEMPOTENCY_HEADER] = message.key
    mail.set_content(message.text)
    smtp_class = smtplib.SMTP_SSL if transport.smtp_ssl else smtplib.SMTP
    with smtp_class(transport.smtp_host, transport.smtp_port, timeout=transport.timeout) as smtp:
        if transport.smtp_starttls and not transport.smtp_ssl:
            smtp.starttls()
        if transport.smtp_username:
            smtp.login(transport.smtp_username, transport.smtp_password)
        smtp.send_message(mail)


def webhook(transport: Transport, message: Message) -> None:
    if urlsplit(transport.webhook_url).scheme not in ("http", "https"):
        raise DeliveryError("SCREENER_NOTIFY_WEBHOOK_URL must be an http(s) URL")
    body = message.body
    request = urllib.request.Request(  # noqa: S310 - the scheme is checked above
        transport.webhook_url,
        data=body,
        method="POST",
        headers={
            "Content-Type": "application/json",
            "User-Agent": "kap-screener-notify",
            IDEMPOTENCY_HEADER: message.key,
            EVENT_HEADER: message.event,
            SIGNATURE_HEADER: signature(transport.webhook_secret, body),
        },
    )
    with _OPENER.open(request, timeout=transport.timeout) as response:
        if not 200 <= response.status < 300:
            raise DeliveryError(f"webhook answered {response.status}")


def console(message: Message) -> None:
    """Development without SMTP: one log line per notification (no health data in it)."""
    items = ", ".join(f"{i['reference']} ({i['level']})" for i in message.payload["submissions"])
    logger.info(
        "notification %s: %s; sign in: %s [key %s]",
        message.event,
        items,
        message.payload["sign_in_url"],
        message.key,
    )


def send(transport: Transport, channel: str, kind: str, message: Message) -> None:
    if channel == "email":
        email(
            transport,
            message,
            transport.escalation_to if kind == "escalation" else transport.email_to,
        )
    elif channel == "webhook":
        webhook(transport, message)
    else:
        console(message)
