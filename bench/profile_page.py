"""Where a question-page GET spends its time: cProfile over in-process requests, split into
the parts of a request (the draft from the database, decryption, evaluation, the form,
the template, the session cookie)."""

from __future__ import annotations

import cProfile
import pstats
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

#: (part, module path suffix, function name): cumulative time of each, per request
PARTS = [
    ("load the draft (SQL)", "web/journey.py", "current_draft"),
    ("decrypt the draft", "crypto.py", "open"),
    ("evaluate the answers", "evaluate.py", "evaluate"),
    ("build the form", "web/client.py", "page"),  # minus the parts below, see _parts
    ("render the template", "templating.py", "render_template"),
    ("sign the session cookie", "sessions.py", "save_session"),
]


def _parts(stats: pstats.Stats, requests: int) -> dict[str, float]:
    found: dict[str, float] = {}
    for (filename, _line, func), (_cc, _nc, _tt, ct, _callers) in stats.stats.items():
        for part, suffix, name in PARTS:
            if func == name and filename.endswith(suffix):
                found[part] = found.get(part, 0.0) + ct * 1000 / requests
    view = found.pop("build the form", 0.0)
    inner = sum(v for k, v in found.items() if k != "sign the session cookie")
    found["build the form"] = max(0.0, view - inner)
    return found


def run(requests: int = 200) -> dict:
    from screener import create_app
    from tests.journey_helpers import form_values

    with tempfile.TemporaryDirectory() as tmp:
        app = create_app(
            {
                "QUESTIONS": str(ROOT / "questions.yaml"),
                "DATABASE_URL": f"sqlite:///{tmp}/profile.sqlite3",
                "SECRET_KEY": "bench-secret-key-long-enough-for-flask",
                "DATA_KEY": "",
                "RATELIMIT_ENABLED": False,
                "SESSION_COOKIE_SECURE": False,
                # no delivery thread: it would outlive this temporary database
                "NOTIFY_IN_PROCESS": False,
            }
        )
        app.instance_path = tmp
        logger_level = app.logger.level
        try:
            import logging

            logging.getLogger("screener").setLevel(logging.WARNING)
            q = app.extensions["screener"].questionnaire
            answers = {ex.name.split()[0]: ex.answers for ex in q.examples}["P01"]
            client = app.test_client()
            from tests.journey_helpers import csrf_token, page_at

            location = client.post(
                "/start", data={"csrf_token": csrf_token(client.get("/").get_data(as_text=True))}
            ).headers["Location"]
            while page_at(client, location) != "phq9":
                html = client.get(location).get_data(as_text=True)
                page_id = page_at(client, location)
                ids = [x.id for x in q.pages[page_id].questions] if page_id in q.pages else []
                location = client.post(
                    location, data={"csrf_token": csrf_token(html), **form_values(ids, answers)}
                ).headers["Location"]
            for _ in range(20):
                client.get(location)
            profiler = cProfile.Profile()
            profiler.enable()
            for _ in range(requests):
                client.get(location)
            profiler.disable()
            stats = pstats.Stats(profiler)
            total = stats.total_tt * 1000 / requests
            parts = _parts(stats, requests)
        finally:
            app.logger.setLevel(logger_level)
            app.extensions["screener"].engine.dispose()
    slowest = max(parts, key=parts.get)
    return {"total_ms": total, "parts": parts, "slowest": slowest}


if __name__ == "__main__":
    result = run()
    print(f"per request (under cProfile): {result['total_ms']:.2f} ms")
    for part, ms in sorted(result["parts"].items(), key=lambda kv: -kv[1]):
        print(f"  {part:28s} {ms:6.2f} ms")
