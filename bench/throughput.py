"""Page throughput under gunicorn, measured with wrk (a separate load generator)."""

from __future__ import annotations

import re
import shutil
import subprocess
import urllib.parse

from journeys import Browser, form_values

WRK = shutil.which("wrk") or "/usr/bin/wrk"
RPS = re.compile(r"Requests/sec:\s+([\d.]+)")
NON_2XX = re.compile(r"Non-2xx or 3xx responses:\s+(\d+)")


def draft_cookie(url: str, q, answers: dict, until: str = "phq9") -> str:
    """A session cookie whose draft is on page `until`, with the pages before it answered."""
    parts = urllib.parse.urlsplit(url)
    browser = Browser(parts.hostname, parts.port, [])
    location = browser.post("/start", {}, browser.get("/"))
    while location.startswith("/q/") and location != f"/q/{until}":
        html = browser.get(location)
        ids = [question.id for question in q.pages[location.split("/q/", 1)[1]].questions]
        location = browser.post(location, form_values(ids, answers), html)
        if location == "/support":
            location = browser.post("/support", {}, browser.get("/support"))
    if location != f"/q/{until}":
        raise RuntimeError(f"could not reach /q/{until} (ended at {location})")
    html = browser.get(location)
    if 'name="phq9_1"' not in html:
        raise RuntimeError("the phq9 page does not show its questions")
    return "; ".join(f"{k}={v}" for k, v in browser.cookies.items())


def wrk(
    url: str, seconds: float, cookie: str = "", connections: int = 8, threads: int = 1
) -> float:
    cmd = [WRK, f"-t{threads}", f"-c{connections}", f"-d{seconds}s", "--latency"]
    if cookie:
        cmd += ["-H", f"Cookie: {cookie}"]
    out = subprocess.run(cmd + [url], capture_output=True, text=True, check=True).stdout
    bad = NON_2XX.search(out)
    if bad and int(bad.group(1)):
        raise RuntimeError(f"wrk got {bad.group(1)} non-2xx responses from {url}")
    return float(RPS.search(out).group(1))
