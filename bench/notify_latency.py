"""Send → notification delivered: the time from a client's POST /send to the practice's
email arriving at a local SMTP server (aiosmtpd), with the real notify worker running as a
second process (`flask --app screener notify-worker`, default settings) on the same SQLite
database.

The client side runs in this process (Flask test client): each submission walks the P08
journey untimed, then the clock starts just before POST /send and stops when aiosmtpd has
the message whose subject carries that reference. The worker polls every POLL seconds, so
the figure is mostly half of that, plus the send.
"""

from __future__ import annotations

import os
import random
import re
import secrets
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from server import free_port  # noqa: E402

POLL = 1.0  # the default SCREENER_NOTIFY_POLL_SECONDS
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
REF = re.compile(r"KAP-[0-9A-Z]{4}-[0-9A-Z]{4}")


class Inbox:
    """aiosmtpd's handler: when each reference's email arrived (time.time())."""

    def __init__(self):
        self.arrived: dict[str, float] = {}
        self.changed = threading.Condition()

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's name
        now = time.time()
        found = REF.search(envelope.content.decode("utf-8", "replace"))
        with self.changed:
            if found:
                self.arrived.setdefault(found.group(0), now)
            self.changed.notify_all()
        return "250 OK"

    def wait_for(self, reference: str, timeout: float = 60) -> float:
        with self.changed:
            if not self.changed.wait_for(lambda: reference in self.arrived, timeout):
                raise RuntimeError(f"no email for {reference} within {timeout:.0f} s")
            return self.arrived[reference]


def _settings(tmp: Path, smtp_port: int) -> dict:
    from cryptography.fernet import Fernet

    return {
        "DATABASE_URL": f"sqlite:///{tmp / 'notify.sqlite3'}",
        "SECRET_KEY": secrets.token_urlsafe(48),
        "DATA_KEY": Fernet.generate_key().decode(),
        "NOTIFY_EMAIL_TO": "alerts@practice.example",
        "SMTP_HOST": "127.0.0.1",
        "SMTP_PORT": smtp_port,
        "NOTIFY_POLL_SECONDS": POLL,
        "BUSINESS_HOURS": "always",
    }


def _send_one(app, q, answers) -> tuple[float, str]:
    """Walk the journey (untimed), then POST /send: (time.time() before the POST, reference)."""
    from tests.journey_helpers import Journey

    client = app.test_client()
    Journey(client, q).run(answers)
    token = CSRF.search(client.get("/send").get_data(as_text=True)).group(1)
    # a random phase against the worker's polling, so the sends do not lock step with it
    time.sleep(random.uniform(0, POLL))
    data = {
        "csrf_token": token,
        "name": "Bench Client",
        "method": "email",
        "email": "bench@example.org",
        "consent": "y",
    }
    started = time.time()
    response = client.post("/send", data=data)
    if response.status_code != 302:
        raise RuntimeError(f"/send answered {response.status_code}")
    html = client.get("/sent").get_data(as_text=True)
    return started, REF.search(html).group(0)


def run(count: int = 40) -> dict:
    from aiosmtpd.controller import Controller

    from screener import create_app

    inbox = Inbox()
    port = free_port()
    smtp = Controller(inbox, hostname="127.0.0.1", port=port)
    smtp.start()
    with tempfile.TemporaryDirectory(prefix="screener-notify-") as tmpdir:
        tmp = Path(tmpdir)
        settings = _settings(tmp, port)
        app = create_app(
            {
                "TESTING": True,
                "QUESTIONS": str(ROOT / "questions.yaml"),
                "RATELIMIT_ENABLED": False,
                **settings,
            }
        )
        app.instance_path = str(tmp / "instance")
        env = {k: v for k, v in os.environ.items() if not k.startswith("SCREENER_")}
        env.update({f"SCREENER_{k}": str(v) for k, v in settings.items()})
        worker = subprocess.Popen(
            [str(Path(sys.executable).with_name("flask")), "--app", "screener", "notify-worker"],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            q = app.extensions["screener"].questionnaire
            answers = next(ex.answers for ex in q.examples if ex.name.startswith("P08"))
            # warm-up, untimed: the worker process has started and delivered once
            inbox.wait_for(_send_one(app, q, answers)[1])
            latencies = []
            for _ in range(count):
                started, reference = _send_one(app, q, answers)
                latencies.append((inbox.wait_for(reference) - started) * 1000)
        finally:
            worker.terminate()
            worker.wait(30)
            app.extensions["screener"].engine.dispose()
            smtp.stop()
    latencies.sort()
    p99 = latencies[min(len(latencies) - 1, round(0.99 * (len(latencies) - 1)))]
    return {
        "count": count,
        "poll_s": POLL,
        "p50_ms": statistics.median(latencies),
        "p99_ms": p99,
        "max_ms": latencies[-1],
    }


if __name__ == "__main__":
    import json
    import logging

    logging.disable(logging.INFO)
    print(json.dumps(run(int(sys.argv[1]) if len(sys.argv) > 1 else 40), indent=2))
