"""Page throughput under gunicorn, measured with wrk (a separate load generator)."""

from __future__ import annotations

import re
import shutil
import subprocess
import urllib.parse

from journeys import Browser, form_values, page_of

WRK = shutil.which("wrk") or "/usr/bin/wrk"
RPS = re.compile(r"Requests/sec:\s+([\d.]+)")
NON_2XX = re.compile(r"Non-2xx or 3xx responses:\s+(\d+)")


def draft_cookie(
    url: str, q, answers: dict, until: str = "phq9", language: str = ""
) -> tuple[str, str]:
    """(a session cookie, the address of page `until`): a draft on that page, with the pages
    before it answered, in `language` (the link a client follows) when given."""
    parts = urllib.parse.urlsplit(url)
    browser = Browser(parts.hostname, parts.port, [])
    if language:
        browser.get(f"/?lang={language}", expect=302)
    location = browser.post("/start", {}, browser.get("/"))
    html = ""
    while location.startswith("/q/"):
        html = browser.get(location)
        page_id = page_of(q, html)
        if page_id == until:
            break
        ids = [question.id for question in q.pages[page_id].questions] if page_id in q.pages else []
        location = browser.post(location, form_values(ids, answers), html)
    if 'name="phq9_1"' not in html:
        raise RuntimeError(f"could not reach page {until} (ended at {location})")
    if language and f'<html lang="{language}"' not in html:
        raise RuntimeError(f"page {until} is not in '{language}'")
    return "; ".join(f"{k}={v}" for k, v in browser.cookies.items()), location


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
