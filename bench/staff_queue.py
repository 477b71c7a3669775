"""The staff queue page (/staff/) with 10 and with 10,000 submissions (Flask test client)."""

from __future__ import annotations

import random
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
PASSWORD = "bench password that is long enough"  # noqa: S105  (throwaway account)
OUTCOMES = (
    "consult_recommended",
    "consult_with_medical_questions",
    "support_first",
    "consult_explore_options",
    "adults_only",
)
STATUSES = ("new", "in_review", "contacted", "consultation_booked", "closed")


def _app(tmp: Path):
    from screener import create_app

    return create_app(
        {
            "TESTING": True,
            "QUESTIONS": str(ROOT / "questions.yaml"),
            "DATABASE_URL": f"sqlite:///{tmp / 'queue.sqlite3'}",
            "SECRET_KEY": "bench-secret-key-long-enough-for-flask",
            "DATA_KEY": "",
            "RATELIMIT_ENABLED": False,
            "SESSION_COOKIE_SECURE": False,
        }
    )


def _fill(app, count: int) -> None:
    """`count` submissions inserted directly (the queue never decrypts, so one sealed blob
    serves them all), spread over a year, statuses and urgencies."""
    from screener.store import Submission, drafts, utcnow

    svc = app.extensions["screener"]
    blob = svc.vault.seal({"bench": True})
    rng = random.Random(8)
    now = utcnow()
    import datetime as dt

    rows = [
        {
            "id": drafts.new_id(),
            "reference": f"KAP-{i:04d}-{rng.randrange(10**4):04d}",
            "created_at": now - dt.timedelta(minutes=rng.randrange(525600)),
            "definition_hash": svc.questionnaire.content_hash,
            "answers_enc": blob,
            "contact_enc": blob,
            "outcome_id": rng.choice(OUTCOMES),
            "flag_ids": rng.choice(("", "needs_medical_review", "safety_urgent")),
            "urgency": rng.randrange(4),
            "status": rng.choice(STATUSES),
        }
        for i in range(count)
    ]
    with svc.sessionmaker.begin() as session:
        session.execute(Submission.__table__.insert(), rows)


def _signed_in(app):
    from screener.store import Therapist
    from screener.web import auth

    with app.extensions["screener"].sessionmaker.begin() as session:
        session.add(
            Therapist(
                email="bench@example.com",
                password_hash=auth.hash_password(PASSWORD),
                is_admin=False,
                active=True,
                session_token=auth.new_session_token(),
            )
        )
    client = app.test_client()
    html = client.get("/staff/login").get_data(as_text=True)
    response = client.post(
        "/staff/login",
        data={
            "csrf_token": CSRF.search(html).group(1),
            "email": "bench@example.com",
            "password": PASSWORD,
        },
    )
    if response.status_code not in (302, 303):
        raise RuntimeError(f"staff login answered {response.status_code}")
    return client


def _time_queue(count: int, runs: int) -> float:
    with tempfile.TemporaryDirectory() as tmp:
        app = _app(Path(tmp))
        app.instance_path = tmp
        try:
            _fill(app, count)
            client = _signed_in(app)
            for _ in range(3):
                response = client.get("/staff/")
                if response.status_code != 200:
                    raise RuntimeError(f"/staff/ answered {response.status_code}")
            times = []
            for _ in range(runs):
                start = time.perf_counter()
                client.get("/staff/")
                times.append((time.perf_counter() - start) * 1000)
            return statistics.median(times)
        finally:
            app.extensions["screener"].engine.dispose()


def available() -> bool:
    try:
        from screener.web import staff  # noqa: F401
    except ImportError:
        return False
    return True


def run(runs: int = 15) -> dict | None:
    if not available():
        return None
    small = _time_queue(10, runs)
    big = _time_queue(10_000, runs)
    return {"small_ms": small, "big_ms": big, "ratio": big / small}


if __name__ == "__main__":
    print(run())
