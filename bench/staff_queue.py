"""The staff queue page (/staff/) with 10 and with 10,000 submissions (Flask test client).

Every row is sealed as the app seals it: a data key of its own, a contact with a name and a
persona's answers, so the page's figure includes decrypting its rows' first names, ages and
key scores (the queue opens only the 25 rows it shows).
"""

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
STATUSES = ("new", "in_review", "no_answer", "contacted", "consultation_booked", "closed")
FIRST_NAMES = ("Dana", "Marcus", "Priya", "Jess", "Walt", "Leo", "Sam", "Alex", "Maya", "Robert")


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
    """`count` submissions inserted directly, each sealed with a key of its own, spread over
    a year, statuses and urgencies."""
    import datetime as dt

    from screener.store import Submission, drafts, utcnow
    from screener.store.models import RecordKey

    svc = app.extensions["screener"]
    q = svc.questionnaire
    answers = [example.answers for example in q.examples[:12]]
    rng = random.Random(8)
    now = utcnow()
    rows, keys = [], []
    for i in range(count):
        key = svc.vault.new_record_key()
        keys.append({"id": i + 1, "key_enc": key})
        sealer = svc.vault.record(key)
        contact = {
            "name": f"{rng.choice(FIRST_NAMES)} Bench{i}",
            "method": "phone",
            "phone": "(303) 555 0142",
            "time": "weekday mornings",
            "voicemail": rng.choice(("yes", "no")),
        }
        urgency = rng.randrange(4)
        flags = rng.choice(("", "needs_medical_review", "safety_urgent", "safety_past_attempt"))
        rows.append(
            {
                "id": drafts.new_id(),
                "reference": f"KAP-{i:04d}-{rng.randrange(10**4):04d}",
                "created_at": now - dt.timedelta(minutes=rng.randrange(525600)),
                "definition_hash": q.content_hash,
                "key_id": i + 1,
                "answers_enc": sealer.seal(rng.choice(answers)),
                "contact_enc": sealer.seal(contact),
                "outcome_id": rng.choice(OUTCOMES),
                "flag_ids": flags,
                "urgency": urgency,
                "queue_rank": drafts.queue_rank(urgency, flags.split()),
                "status": rng.choice(STATUSES),
            }
        )
    with svc.sessionmaker.begin() as session:
        session.execute(RecordKey.__table__.insert(), keys)
        session.execute(Submission.__table__.insert(), rows)


def _signed_in(app):
    """A signed-in test client: the password, then a code from the account's authenticator."""
    import datetime as dt

    import pyotp

    from screener.store import Therapist
    from screener.web import auth

    secret = pyotp.random_base32()
    svc = app.extensions["screener"]
    with svc.sessionmaker.begin() as session:
        session.add(
            Therapist(
                email="bench@example.com",
                password_hash=auth.hash_password(PASSWORD),
                is_admin=False,
                active=True,
                session_token=auth.new_session_token(),
                totp_secret_enc=svc.vault.seal(secret),
                totp_enrolled_at=dt.datetime(2026, 1, 1),
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
    if response.headers["Location"].endswith("/staff/two-factor"):
        html = client.get("/staff/two-factor").get_data(as_text=True)
        response = client.post(
            "/staff/two-factor",
            data={"csrf_token": CSRF.search(html).group(1), "code": pyotp.TOTP(secret).now()},
        )
        if response.status_code not in (302, 303):
            raise RuntimeError(f"staff two-factor step answered {response.status_code}")
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
            if "Bench" in response.get_data(as_text=True) or not any(
                name in response.get_data(as_text=True) for name in FIRST_NAMES
            ):  # first names decrypted, and never more than the first name
                raise RuntimeError("the queue does not show the decrypted first names")
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
