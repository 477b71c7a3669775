"""Real receivers on loopback for the notification tests: an SMTP server (aiosmtpd) that can
be down and then up on the same port, and a webhook receiver (http.server) that can hold a
request until the test lets it answer."""

from __future__ import annotations

import email
import email.policy
import json
import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

WEBHOOK_SECRET = "test-webhook-secret-0123456789"
PRACTICE = "intake-alerts@practice.example"
ESCALATION = "clinical-lead@practice.example"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class SmtpServer:
    """aiosmtpd on 127.0.0.1:`port`; `messages` holds every message it accepted."""

    def __init__(self):
        self.port = free_port()
        self.messages: list[email.message.EmailMessage] = []
        self.raw: list[bytes] = []
        self.envelopes: list[tuple[str, list[str]]] = []
        self.controller = None

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's name
        self.raw.append(envelope.content)
        self.envelopes.append((envelope.mail_from, list(envelope.rcpt_tos)))
        parsed = email.message_from_bytes(envelope.content, policy=email.policy.default)
        self.messages.append(parsed)
        return "250 Message accepted for delivery"

    def start(self):
        from aiosmtpd.controller import Controller

        self.controller = Controller(self, hostname="127.0.0.1", port=self.port)
        self.controller.start()

    def stop(self):
        if self.controller is not None:
            self.controller.stop()
            self.controller = None


class Webhook:
    """A JSON receiver on loopback: records each request's headers and body.

    `hold` (an Event) makes every request wait until it is set; `arrived` is set as soon as a
    request has been read, so a test can act while the request is held.
    """

    def __init__(self):
        self.requests: list[dict] = []
        self.hold: threading.Event | None = None
        self.arrived = threading.Event()
        #: what the receiver answers (a redirect goes to /elsewhere)
        self.status = 200
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802 - a followed redirect would arrive here
                outer.requests.append({"headers": dict(self.headers), "body": b"", "get": True})
                self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def do_POST(self):  # noqa: N802 - http.server's name
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                outer.requests.append({"headers": dict(self.headers), "body": body})
                outer.arrived.set()
                if outer.hold is not None:
                    outer.hold.wait(60)
                try:
                    self.send_response(outer.status)
                    if 300 <= outer.status < 400:
                        self.send_header("Location", "/elsewhere")
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                except OSError:  # the sender was killed while we held its request
                    pass

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_port}/hooks/kap"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def bodies(self) -> list[dict]:
        return [json.loads(r["body"]) for r in self.requests]

    def keys(self) -> list[str]:
        return [r["headers"]["Idempotency-Key"] for r in self.requests]

    def close(self):
        if self.hold is not None:
            self.hold.set()
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def smtp():
    server = SmtpServer()
    server.start()
    yield server
    server.stop()


@pytest.fixture
def webhook():
    receiver = Webhook()
    yield receiver
    receiver.close()


def notify_config(smtp_port: int, webhook_url: str = "", **extra) -> dict:
    """App settings that send email to the practice (and a webhook, when given)."""
    config = {
        "NOTIFY_EMAIL_TO": PRACTICE,
        "NOTIFY_ESCALATION_EMAIL": ESCALATION,
        "NOTIFY_EMAIL_FROM": "KAP screener <screener@practice.example>",
        "SMTP_HOST": "127.0.0.1",
        "SMTP_PORT": smtp_port,
        "SMTP_TIMEOUT": 10,
        "PUBLIC_URL": "https://screener.practice.example",
        "BUSINESS_HOURS": "always",
    }
    if webhook_url:
        config.update(NOTIFY_WEBHOOK_URL=webhook_url, NOTIFY_WEBHOOK_SECRET=WEBHOOK_SECRET)
    config.update(extra)
    return config


def deliver(app, now=None):
    """Run the real worker once in this process, at `now` (default: the clock)."""
    from screener.notify import config, worker

    state = app.extensions["screener"]
    return worker.run_once(
        state.sessionmaker, config.transport(app.config), config.zone(app.config), now
    )


def outbox_rows(app) -> list:
    from sqlalchemy import select

    from screener.store import Notification

    with app.extensions["screener"].sessionmaker() as session:
        return list(session.scalars(select(Notification).order_by(Notification.id)))
