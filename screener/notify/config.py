"""Notification settings from the app's config (SCREENER_* variables), as plain values."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from ..store import schedule
from ..store.outbox import NotifySettings

DEFAULT_HOURS = "mon-fri 09:00-17:00"


@dataclass(frozen=True)
class Transport:
    """How the worker reaches the practice."""

    email_to: tuple[str, ...] = ()
    escalation_to: tuple[str, ...] = ()
    email_from: str = "KAP pre-screener <screener@localhost>"
    smtp_host: str = ""
    smtp_port: int = 25
    smtp_username: str = ""
    smtp_password: str = ""
    smtp_starttls: bool = False
    smtp_ssl: bool = False
    timeout: float = 20.0
    webhook_url: str = ""
    webhook_secret: str = ""
    sign_in_url: str = "http://127.0.0.1:5000/staff/login"
    lease: dt.timedelta = dt.timedelta(minutes=2)
    poll_seconds: float = 1.0


def _addresses(value) -> tuple[str, ...]:
    return tuple(a.strip() for a in str(value or "").split(",") if a.strip())


def _text(config: Mapping, key: str, default: str = "") -> str:
    value = config.get(key)
    return default if value in (None, "") else str(value)


def _number(config: Mapping, key: str, default: float) -> float:
    try:
        return float(config.get(key) or default)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"SCREENER_{key} must be a number, not {config.get(key)!r}") from exc


def transport(config: Mapping) -> Transport:
    """Read the delivery settings; refuses a webhook without its signing secret."""
    url, secret = _text(config, "NOTIFY_WEBHOOK_URL"), _text(config, "NOTIFY_WEBHOOK_SECRET")
    if url and not secret:
        raise ValueError("SCREENER_NOTIFY_WEBHOOK_URL is set: set SCREENER_NOTIFY_WEBHOOK_SECRET")
    email_to = _addresses(config.get("NOTIFY_EMAIL_TO"))
    base = _text(config, "PUBLIC_URL", "http://127.0.0.1:5000").rstrip("/")
    return Transport(
        email_to=email_to,
        escalation_to=_addresses(config.get("NOTIFY_ESCALATION_EMAIL")) or email_to,
        email_from=_text(config, "NOTIFY_EMAIL_FROM", Transport.email_from),
        smtp_host=_text(config, "SMTP_HOST"),
        smtp_port=int(_number(config, "SMTP_PORT", 25)),
        smtp_username=_text(config, "SMTP_USERNAME"),
        smtp_password=_text(config, "SMTP_PASSWORD"),
        smtp_starttls=config.get("SMTP_STARTTLS") in (True, "true", "1", 1),
        smtp_ssl=config.get("SMTP_SSL") in (True, "true", "1", 1),
        timeout=_number(config, "SMTP_TIMEOUT", 20),
        webhook_url=url,
        webhook_secret=secret,
        sign_in_url=base + "/staff/login",
        lease=dt.timedelta(seconds=_number(config, "NOTIFY_LEASE_SECONDS", 120)),
        poll_seconds=_number(config, "NOTIFY_POLL_SECONDS", 1),
    )


def zone(config: Mapping) -> dt.tzinfo:
    try:
        return ZoneInfo(str(config.get("STAFF_TIMEZONE") or "UTC"))
    except (ZoneInfoNotFoundError, ValueError):
        return dt.UTC


def channels(d: Transport, escalation: bool = False) -> tuple[str, ...]:
    """Email when there are recipients and an SMTP server, a webhook when one is set, and
    the console (the log) when neither is: `make run` shows notifications at once."""
    out = []
    if (d.escalation_to if escalation else d.email_to) and d.smtp_host:
        out.append("email")
    if d.webhook_url:
        out.append("webhook")
    return tuple(out) or ("console",)


def outbox_settings(config: Mapping) -> NotifySettings:
    """Which rows a submission writes and when they are due."""
    d = transport(config)
    return NotifySettings(
        channels=channels(d),
        escalation_channels=channels(d, escalation=True),
        digest_interval=dt.timedelta(minutes=_number(config, "NOTIFY_DIGEST_MINUTES", 60)),
        ack_wait=dt.timedelta(minutes=_number(config, "NOTIFY_ACK_MINUTES", 30)),
        hours=schedule.parse_hours(_text(config, "BUSINESS_HOURS", DEFAULT_HOURS)),
        zone=zone(config),
    )
