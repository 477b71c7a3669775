"""`make bench`: one table of figures, measured in this run, and a last PASS/FAIL line.

Every comparison is a ratio between figures measured here, side by side, as medians over
repeated runs, so it holds on a noisy machine. Takes about five minutes on 2 cores.
"""

from __future__ import annotations

import importlib.util
import json
import os
import secrets
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
sys.path.insert(0, str(BENCH))
sys.path.insert(0, str(ROOT))

import definition  # noqa: E402
import notify_latency  # noqa: E402
import profile_page  # noqa: E402
import staff_queue  # noqa: E402
from server import Gunicorn  # noqa: E402
from throughput import draft_cookie, wrk  # noqa: E402

PG_ADMIN_URL = (
    os.environ.get("SCREENER_BENCH_DATABASE_URL")
    or os.environ.get("SCREENER_TEST_DATABASE_URL")
    or "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
ROUNDS = 3  # throughput rounds (each: ours, peer, hello)
WRK_SECONDS = 4
JOURNEY_SECONDS = float(os.environ.get("BENCH_JOURNEY_SECONDS", "30"))
CLIENTS = 16
PAGE_WORKERS = 2  # the same for all three apps
JOURNEY_WORKERS = None  # gunicorn.conf.py's documented default


class Table:
    def __init__(self):
        self.rows: list[tuple[str, str, str, str]] = []

    def add(self, figure: str, value: str, target: str = "", ok: bool | None = None):
        verdict = "" if ok is None else ("PASS" if ok else "FAIL")
        self.rows.append((figure, value, target, verdict))

    def print(self):
        heads = ("figure", "measured", "target", "")
        widths = [max(len(r[i]) for r in [heads, *self.rows]) for i in range(4)]
        line = "+".join("-" * (w + 2) for w in widths)
        print(line)
        print("|".join(f" {h:{w}} " for h, w in zip(heads, widths, strict=True)))
        print(line)
        for row in self.rows:
            print("|".join(f" {c:{w}} " for c, w in zip(row, widths, strict=True)))
        print(line)

    def verdicts(self) -> list[bool]:
        return [r[3] == "PASS" for r in self.rows if r[3]]


def log(message: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def app_env(database_url: str) -> dict:
    from cryptography.fernet import Fernet

    return {
        "SCREENER_ENV": "production",
        "SCREENER_ALLOW_PLACEHOLDER_CONTACTS": "true",  # the shipped questions.yaml
        "SCREENER_SECRET_KEY": secrets.token_urlsafe(48),
        "SCREENER_DATA_KEY": Fernet.generate_key().decode(),
        "SCREENER_DATABASE_URL": database_url,
        # plain http on 127.0.0.1: the cookie cannot be Secure; 16 clients share one
        # address, so the per-address limits would stop them: both are off here only
        "SCREENER_SESSION_COOKIE_SECURE": "false",
        "SCREENER_RATELIMIT_ENABLED": "false",
    }


def migrate(url: str) -> None:
    subprocess.run(
        [sys.executable, "-m", "screener.store.migrate", url],
        cwd=ROOT,
        check=True,
        capture_output=True,
    )


def personas():
    from screener.questionnaire import load_file

    q = load_file(ROOT / "questions.yaml").questionnaire
    return q, {ex.name.split()[0]: ex.answers for ex in q.examples}


# -- 1. page throughput ---------------------------------------------------------------------
def page_throughput(table: Table, tmp: Path) -> None:
    q, answers = personas()
    env = app_env(f"sqlite:///{tmp / 'pages.sqlite3'}")
    migrate(env["SCREENER_DATABASE_URL"])
    with (
        Gunicorn("wsgi:app", env, tmp / "ours.log", PAGE_WORKERS, "/healthz") as ours,
        Gunicorn("bench.peer_app:app", {}, tmp / "peer.log", PAGE_WORKERS, "/q/phq9") as peer,
        Gunicorn("bench.hello_app:app", {}, tmp / "hello.log", PAGE_WORKERS) as hello,
    ):
        cookie, phq9 = draft_cookie(ours.url, q, answers["P01"])
        es_cookie, es_phq9 = draft_cookie(ours.url, q, answers["P01"], language="es")
        rates = {"ours": [], "es": [], "peer": [], "hello": []}
        for n in range(ROUNDS):
            log(f"page throughput round {n + 1}/{ROUNDS}")
            rates["ours"].append(wrk(ours.url + phq9, WRK_SECONDS, cookie))
            rates["es"].append(wrk(ours.url + es_phq9, WRK_SECONDS, es_cookie))
            rates["peer"].append(wrk(peer.url + "/q/phq9", WRK_SECONDS))
            rates["hello"].append(wrk(hello.url + "/", WRK_SECONDS))
    vs_peer = statistics.median(o / p for o, p in zip(rates["ours"], rates["peer"], strict=True))
    vs_hello = statistics.median(o / h for o, h in zip(rates["ours"], rates["hello"], strict=True))
    med = {k: statistics.median(v) for k, v in rates.items()}
    table.add("1. question page GET (phq9, draft in session)", f"{med['ours']:.0f} req/s")
    table.add("   hand-written Flask-WTF page, same fields", f"{med['peer']:.0f} req/s")
    table.add("   bare Flask hello", f"{med['hello']:.0f} req/s")
    table.add("   ours / hand-written", f"{vs_peer:.2f}x", ">= 1.0x", vs_peer >= 1.0)
    table.add("   ours / hello", f"{vs_hello:.3f}x", "(reported)")
    es = statistics.median(e / o for e, o in zip(rates["es"], rates["ours"], strict=True))
    table.add("   the same page in Spanish", f"{med['es']:.0f} req/s")
    table.add("   Spanish / English", f"{es:.2f}x", ">= 0.90x", es >= 0.9)
    profile = profile_page.run()
    parts = ", ".join(
        f"{k} {v:.1f}" for k, v in sorted(profile["parts"].items(), key=lambda kv: -kv[1])[:3]
    )
    table.add("   slowest part of a page GET (cProfile, ms)", parts)


# -- 2. concurrent journeys -----------------------------------------------------------------
def journeys(table: Table, tmp: Path, label: str, url: str) -> float | None:
    env = app_env(url)
    migrate(url)
    log(f"journeys on {label}: {CLIENTS} clients for {JOURNEY_SECONDS:.0f} s")
    logfile = tmp / f"journeys-{label}.log"
    with Gunicorn(
        "wsgi:app", env, logfile, JOURNEY_WORKERS or _default_workers(), "/healthz"
    ) as server:
        out = subprocess.run(
            [
                sys.executable,
                str(BENCH / "journeys.py"),
                server.url,
                "--clients",
                str(CLIENTS),
                "--seconds",
                str(JOURNEY_SECONDS),
            ],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        rss = server.peak_rss_mb()
    result = json.loads(out)
    lost = _lost(url, result["references"])
    locked = logfile.read_text(errors="replace").count("database is locked")
    ok = result["errors"] == 0 and lost == 0 and locked == 0 and result["journeys"] > 0
    table.add(
        f"2. journeys, {CLIENTS} clients, {label}",
        f"{result['journeys_per_s']:.2f} journeys/s ({result['journeys']} in "
        f"{result['seconds']:.0f} s, {result['requests_per_s']:.0f} req/s)",
    )
    table.add(
        f"   {label}: latency per request p50 / p99",
        f"{result['p50_ms']:.0f} / {result['p99_ms']:.0f} ms",
    )
    table.add(
        f"   {label}: errors, lost submissions, 'locked'",
        f"{result['errors']}, {lost}, {locked}",
        "0, 0, 0",
        ok,
    )
    if result["error_samples"]:
        log(f"{label} errors: {result['error_samples']}")
    return max(rss) if rss else None


def _default_workers() -> int:
    spec = importlib.util.spec_from_file_location("gunicorn_conf", ROOT / "gunicorn.conf.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.workers


def _lost(url: str, references: list[str]) -> int:
    from sqlalchemy import select

    from screener.store import Submission, make_engine

    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            stored = set(conn.scalars(select(Submission.reference)))
    finally:
        engine.dispose()
    return len(set(references) - stored)


def postgres_database():
    """A database of this run's own on the PostgreSQL server, or None when none answers."""
    import contextlib

    try:
        import psycopg
        from psycopg import sql
        from sqlalchemy.engine import make_url

        admin = make_url(PG_ADMIN_URL)
        libpq = admin.set(drivername="postgresql").render_as_string(hide_password=False)
        with psycopg.connect(libpq, connect_timeout=2, autocommit=True) as conn:
            name = f"screener_bench_{secrets.token_hex(4)}"
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    except Exception as exc:
        log(f"PostgreSQL not available ({type(exc).__name__}); skipping it")
        return None

    @contextlib.contextmanager
    def database():
        try:
            yield admin.set(database=name).render_as_string(hide_password=False)
        finally:
            with psycopg.connect(libpq, autocommit=True) as conn:
                conn.execute(
                    sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
                )

    return database()


# -- 3. PDF ---------------------------------------------------------------------------------
def pdf(table: Table) -> None:
    path = BENCH / "bench_pdf.py"
    if not path.exists():
        table.add("3. summary PDF", "n/a")
        return
    log("PDF")
    try:
        spec = importlib.util.spec_from_file_location("bench_pdf", path)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        if not hasattr(module, "run"):
            table.add("3. summary PDF", "n/a")
            return
        r = module.run()
    except Exception as exc:  # bench_pdf.py is another issue's: report, don't stop
        table.add("3. summary PDF", f"n/a (bench/bench_pdf.py: {type(exc).__name__}: {exc})"[:90])
        return
    table.add(
        "3. summary PDF median (reportlab, CPU time)",
        f"{r['median_ms']:.1f} ms",
        "< 25 ms",
        r["median_ms"] < 25,
    )
    if r.get("ratio"):
        table.add("   WeasyPrint, same content", f"{r['weasyprint_ms']:.0f} ms")
        table.add("   WeasyPrint / ours", f"{r['ratio']:.1f}x", ">= 10x", r["ratio"] >= 10)
    else:
        table.add("   WeasyPrint / ours", "n/a (" + str(r.get("weasyprint")) + ")")


# -- 4. definition, 5. staff queue ----------------------------------------------------------
def definition_figures(table: Table) -> None:
    log("definition load + lint")
    r = definition.run()
    table.add(
        "4. load + lint questions.yaml", f"{r['ms']:.0f} ms", "< 150 ms", r["ms"] < 150 and r["ok"]
    )
    table.add(
        f"   generated {r['size_ratio']:.1f}x larger definition vs 1x",
        f"{r['big_ms']:.0f} ms vs {r['one_ms']:.0f} ms = {r['ratio']:.1f}x",
        "<= 12x",
        r["ratio"] <= 12 and r["ok"],
    )


def staff_figures(table: Table) -> None:
    log("staff queue")
    r = staff_queue.run()
    if r is None:
        table.add("5. staff queue, 10,000 vs 10 submissions", "n/a")
        return
    table.add("5. staff queue /staff/, 10 submissions", f"{r['small_ms']:.1f} ms")
    table.add(
        "   10,000 submissions",
        f"{r['big_ms']:.1f} ms = {r['ratio']:.2f}x",
        "<= 3x",
        r["ratio"] <= 3,
    )


# -- 7. notifications -----------------------------------------------------------------------
def notify_figures(table: Table) -> None:
    log("Send → notification email (notify worker + aiosmtpd)")
    try:
        r = notify_latency.run()
    except Exception as exc:  # report, don't stop the other figures
        table.add(
            "7. Send → notification email delivered", f"n/a ({type(exc).__name__}: {exc})"[:90]
        )
        return
    table.add(
        f"7. Send → notification email delivered, p50 / p99 ({r['count']} urgent sends)",
        f"{r['p50_ms']:.0f} / {r['p99_ms']:.0f} ms",
        f"(reported; worker polls every {r['poll_s']:g} s)",
    )


def main() -> int:
    import logging

    logging.disable(logging.INFO)  # the in-process apps' request log would bury the table
    started = time.monotonic()
    table = Table()
    with tempfile.TemporaryDirectory(prefix="screener-bench-") as tmpdir:
        tmp = Path(tmpdir)
        page_throughput(table, tmp)
        rss = journeys(table, tmp, "SQLite", f"sqlite:///{tmp / 'journeys.sqlite3'}")
        database = postgres_database()
        if database is None:
            table.add(f"2. journeys, {CLIENTS} clients, PostgreSQL", "n/a (no server)")
        else:
            with database as url:
                pg_rss = journeys(table, tmp, "PostgreSQL", url)
            rss = max(x for x in (rss, pg_rss) if x is not None) if rss or pg_rss else None
        pdf(table)
        definition_figures(table)
        staff_figures(table)
        if rss is None:
            table.add("6. peak RSS of one worker after the journeys", "n/a")
        else:
            table.add(
                "6. peak RSS of one worker after the journeys",
                f"{rss:.1f} MB",
                "< 100 MB",
                rss < 100,
            )
        notify_figures(table)
    table.print()
    verdicts = table.verdicts()
    failed = [r[0].strip() for r in table.rows if r[3] == "FAIL"]
    minutes = (time.monotonic() - started) / 60
    if all(verdicts):
        print(f"PASS: all {len(verdicts)} targets met ({minutes:.1f} min)")
        return 0
    print(
        f"FAIL: {len(failed)} of {len(verdicts)} targets missed: {'; '.join(failed)} "
        f"({minutes:.1f} min)"
    )
    return 1


if __name__ == "__main__":
    raise SystemExit(main())
