"""The worker: claim what is due, deliver it, settle it; again and again, or once (cron).

Delivery happens outside any database transaction, so a slow SMTP server never holds a
lock. A failure leaves the row due again after a backoff; nothing is ever dropped. An
escalation that goes out is audited.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
from dataclasses import dataclass

from ..store import audit, outbox, utcnow
from . import channels
from .config import Transport
from .message import compose

logger = logging.getLogger("screener.notify")
ACTOR = "notify-worker"
#: claims per run: ends a run even if rows keep falling due (a failure is due again later)
MAX_CLAIMS = 100


@dataclass
class Outcome:
    sent: int = 0
    failed: int = 0

    def __str__(self) -> str:
        return f"{self.sent} delivered, {self.failed} to retry"


def describe(exc: BaseException) -> str:
    """What failed, for the admins' page; the messages carry no health data to leak."""
    return f"{type(exc).__name__}: {exc}"[:255]


def run_once(
    sessionmaker, transport: Transport, zone: dt.tzinfo, now: dt.datetime | None = None
) -> Outcome:
    """Deliver everything due at `now` (default: the clock) once."""
    clock = (lambda: now) if now is not None else utcnow
    result = Outcome()
    for _ in range(MAX_CLAIMS):
        with sessionmaker() as session:
            if not outbox.anything_due(session, clock()):
                break
            deliveries = outbox.claim(session, clock(), transport.lease)
            session.commit()
        if not deliveries:  # all due rows are another worker's, or were called off
            break
        _deliver_all(sessionmaker, transport, zone, deliveries, clock, result)
    return result


def _deliver_all(sessionmaker, transport, zone, deliveries, clock, result: Outcome) -> None:
    for delivery in deliveries:
        error = None
        try:
            channels.send(
                transport,
                delivery.channel,
                delivery.kind,
                compose(delivery, transport.sign_in_url, zone),
            )
        except Exception as exc:  # noqa: BLE001 - any failure means: try again later
            error = describe(exc)
            logger.warning(
                "notification %s by %s not delivered (attempt %s): %s",
                delivery.key,
                delivery.channel,
                delivery.rows[0].attempts,
                error,
            )
        with sessionmaker() as session:
            settled = outbox.settle(session, delivery, clock(), error)
            if error is None and delivery.kind == "escalation":
                for row in settled:
                    audit.record(
                        session,
                        "escalated",
                        actor=ACTOR,
                        reference=row.reference,
                        detail=f"escalation sent by {row.channel}",
                    )
            session.commit()
        if error is None:
            result.sent += 1
        else:
            result.failed += 1


def run_forever(
    sessionmaker, transport: Transport, zone: dt.tzinfo, stop: threading.Event | None = None
) -> None:
    """Poll every `transport.poll_seconds` until `stop` is set; survives a database outage."""
    stop = stop or threading.Event()
    while not stop.is_set():
        try:
            outcome = run_once(sessionmaker, transport, zone)
            if outcome.sent or outcome.failed:
                logger.info("notify worker: %s", outcome)
        except Exception as exc:  # noqa: BLE001 - keep polling; the outbox keeps the work
            logger.error("notify worker: %s", describe(exc))
        stop.wait(transport.poll_seconds)


def start_thread(
    sessionmaker, transport: Transport, zone: dt.tzinfo
) -> tuple[threading.Thread, threading.Event]:
    """The development server's own worker, so `make run` needs no second process.
    Returns the thread and the event that stops it."""
    stop = threading.Event()
    thread = threading.Thread(
        target=run_forever,
        args=(sessionmaker, transport, zone, stop),
        name="notify-worker",
        daemon=True,
    )
    thread.start()
    return thread, stop
