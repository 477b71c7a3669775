"""Load generator: N concurrent clients doing whole journeys over real HTTP, in its own process.

    python bench/journeys.py http://127.0.0.1:8000 --clients 16 --seconds 30

Each client is a thread with its own cookie jar, doing start → every page (and the support
page when one interrupts) → check answers → result → send → sent, again and again, with the
personas of questions.yaml. Prints one JSON object: journeys, requests, errors, latencies
(p50/p99 ms per request) and the reference of every completed journey.
"""

from __future__ import annotations

import argparse
import http.client
import itertools
import json
import re
import statistics
import sys
import threading
import time
import urllib.parse
from http.cookies import SimpleCookie
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.journey_helpers import form_values  # noqa: E402  (answers as a browser posts them)

CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
FIELD = re.compile(r'name="([a-z][a-z0-9_]*)"')
SUPPORT = "support"


def page_of(q, html: str) -> str:
    """Which page a /q/ address showed, as a person tells: by its questions. Addresses are
    opaque per-draft tokens (screener.web.page_tokens); a page with no question is support."""
    for name in FIELD.findall(html):
        if name in q.questions:
            return q.questions[name].page_id
    return SUPPORT


REFERENCE = re.compile(r"KAP-[0-9A-Z]{4}-[0-9A-Z]{4}")
PERSONAS = ("P01", "P07", "P09")


class JourneyError(Exception):
    pass


class Browser:
    def __init__(self, host: str, port: int, latencies: list):
        self.host, self.port, self.latencies = host, port, latencies
        self.cookies: dict[str, str] = {}

    def request(self, method: str, path: str, data: dict | None = None):
        headers = {"Connection": "close", "User-Agent": "bench"}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        body = None
        if data is not None:
            body = urllib.parse.urlencode(data, doseq=True)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        conn = http.client.HTTPConnection(self.host, self.port, timeout=60)
        start = time.perf_counter()
        try:
            conn.request(method, path, body=body, headers=headers)
            response = conn.getresponse()
            text = response.read().decode()
        finally:
            conn.close()
        self.latencies.append(time.perf_counter() - start)
        for value in response.headers.get_all("Set-Cookie") or []:
            cookie = SimpleCookie()
            cookie.load(value)
            for name, morsel in cookie.items():
                self.cookies[name] = morsel.value
        return response.status, response.headers.get("Location", ""), text

    def get(self, path: str, expect: int = 200) -> str:
        status, _, text = self.request("GET", path)
        if status != expect:
            raise JourneyError(f"GET {path} -> {status}")
        return text

    def post(self, path: str, data: dict, csrf_from: str) -> str:
        match = CSRF.search(csrf_from)
        if not match:
            raise JourneyError(f"no CSRF token before POST {path}")
        status, location, _ = self.request("POST", path, {"csrf_token": match.group(1), **data})
        if status != 302:
            raise JourneyError(f"POST {path} -> {status}")
        return urllib.parse.urlsplit(location).path or location


def journey(browser: Browser, q, answers: dict, name: str) -> str:
    landing = browser.get("/")
    location = browser.post("/start", {}, landing)
    for _ in range(80):
        if location.startswith("/q/"):
            html = browser.get(location)
            page_id = page_of(q, html)
            ids = (
                [question.id for question in q.pages[page_id].questions]
                if page_id in q.pages
                else []
            )
            location = browser.post(location, form_values(ids, answers), html)
        else:
            break
    if location != "/check":
        raise JourneyError(f"journey ended at {location}")
    html = browser.get("/check")
    if browser.post("/check", {}, html) != "/result":
        raise JourneyError("check answers did not lead to the result")
    browser.get("/result")
    html = browser.get("/send")
    sent = browser.post(
        "/send",
        {"name": name, "method": "email", "email": "bench@example.com", "consent": "y"},
        html,
    )
    if sent != "/sent":
        raise JourneyError(f"send led to {sent}")
    match = REFERENCE.search(browser.get("/sent"))
    if not match:
        raise JourneyError("no reference on the sent page")
    return match.group(0)


def run(url: str, clients: int, seconds: float) -> dict:
    from screener.questionnaire import load_file

    q = load_file(ROOT / "questions.yaml").questionnaire
    personas = {ex.name.split()[0]: ex.answers for ex in q.examples}
    parts = urllib.parse.urlsplit(url)
    latencies: list[float] = []
    references: list[str] = []
    errors: list[str] = []
    lock = threading.Lock()
    deadline = time.monotonic() + seconds

    def client(index: int) -> None:
        for n in itertools.count():
            if time.monotonic() >= deadline:
                return
            browser = Browser(parts.hostname, parts.port, latencies)
            persona = PERSONAS[(index + n) % len(PERSONAS)]
            try:
                reference = journey(browser, q, personas[persona], f"Bench {index}-{n}")
            except Exception as exc:  # every failure is counted and reported
                with lock:
                    errors.append(f"{persona}: {exc!r}"[:200])
                continue
            with lock:
                references.append(reference)

    started = time.monotonic()
    threads = [threading.Thread(target=client, args=(i,)) for i in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.monotonic() - started
    ms = sorted(x * 1000 for x in latencies)
    return {
        "clients": clients,
        "seconds": elapsed,
        "journeys": len(references),
        "journeys_per_s": len(references) / elapsed,
        "requests": len(ms),
        "requests_per_s": len(ms) / elapsed,
        "p50_ms": statistics.median(ms) if ms else None,
        "p99_ms": ms[min(len(ms) - 1, int(len(ms) * 0.99))] if ms else None,
        "errors": len(errors),
        "error_samples": errors[:5],
        "references": references,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("url")
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--seconds", type=float, default=30)
    args = parser.parse_args()
    print(json.dumps(run(args.url, args.clients, args.seconds)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
