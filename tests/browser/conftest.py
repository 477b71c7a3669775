"""Real-browser fixtures: the app under a real WSGI server, Debian's Chromium, and axe-core.

Never downloads a browser: Playwright drives the system Chromium through executable_path.
If Chromium, Playwright or the axe-core script is missing, every browser test is skipped
with one reason line; with SCREENER_REQUIRE_BROWSER=1 (make test-browser) they fail instead.
"""

from __future__ import annotations

import functools
import gc
import json
import os
import shutil
import threading
import warnings
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
AXE_JS = HERE / "node_modules" / "axe-core" / "axe.min.js"
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
STAFF_EMAIL = "therapist@example.com"
STAFF_PASSWORD = "correct horse battery staple"

#: what the scans saw, for the terminal summary
AXE_LOG: dict = {"pages": [], "rules": set(), "incomplete": {}}
SHOTS: list[Path] = []


def chromium_path() -> str | None:
    for candidate in (
        os.environ.get("SCREENER_TEST_CHROMIUM"),
        "/usr/bin/chromium",
        shutil.which("chromium"),
        shutil.which("chromium-browser"),
    ):
        if candidate and os.path.isfile(candidate) and os.access(candidate, os.X_OK):
            return candidate
    return None


@functools.cache
def missing() -> str | None:
    """Why the browser tests cannot run here, or None."""
    problems = []
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        problems.append("Playwright for Python is not installed (pip install -e '.[test]')")
    if chromium_path() is None:
        problems.append("Chromium is not installed (apt-get install chromium)")
    if not AXE_JS.is_file():
        problems.append("axe-core is missing (run `make system-deps`)")
    return "; ".join(problems) or None


def _unavailable(reason: str):
    if os.environ.get("SCREENER_REQUIRE_BROWSER") == "1":
        pytest.fail(
            f"browser tests required (SCREENER_REQUIRE_BROWSER=1) but {reason}", pytrace=False
        )
    pytest.skip(f"browser tests skipped: {reason}")


def pytest_runtest_setup(item):
    """Skip (or fail) before any fixture runs. Raised here rather than in a fixture, every
    skipped test reports this one location, so the summary shows one reason line."""
    reason = missing()
    if reason:
        _unavailable(reason)
    if item.get_closest_marker("production"):
        _production_parts()


def _production_parts():
    """The production-stack test also needs nginx, PostgreSQL and Redis; under
    SCREENER_REQUIRE_PRODUCTION=1 (make test-production) it fails without them."""
    from tests.browser.stack import missing_parts

    reason = missing_parts()
    if reason and os.environ.get("SCREENER_REQUIRE_PRODUCTION") == "1":
        pytest.fail(f"production stack required but {reason}", pytrace=False)
    if reason:
        pytest.skip(f"production-stack test skipped: {reason}")


# -- the live server ----------------------------------------------------------------------
class LiveServer:
    def __init__(self, app, server, thread):
        self.app = app
        self.server = server
        self.thread = thread
        self.url = f"http://127.0.0.1:{server.server_port}"

    def cli(self, *args, input=None):
        result = self.app.test_cli_runner().invoke(args=list(args), input=input)
        assert result.exit_code == 0, result.output
        return result.output


@pytest.fixture(scope="session")
def live_server(tmp_path_factory):
    from cryptography.fernet import Fernet
    from werkzeug.serving import WSGIRequestHandler, make_server

    from screener import create_app
    from tests.conftest import QUESTIONS

    class QuietHandler(WSGIRequestHandler):
        def log(self, *args, **kwargs):  # the app logs its own requests
            pass

    folder = tmp_path_factory.mktemp("live")
    app = create_app(
        {
            "ENV": "development",
            "QUESTIONS": str(QUESTIONS),
            "DATABASE_URL": f"sqlite:///{folder / 'live.sqlite3'}",
            "SECRET_KEY": "browser-test-secret-key-that-is-long-enough",
            "DATA_KEY": Fernet.generate_key().decode(),
            "SESSION_COOKIE_SECURE": False,
            "RATELIMIT_ENABLED": False,
        }
    )
    app.instance_path = str(folder / "instance")
    # Flask-Limiter is one object shared by every app in this process: register its hooks
    # on this app now (before any request), then switch it off; the 429 test turns it on.
    from screener.web.limits import limiter

    app.config["RATELIMIT_ENABLED"] = True
    limiter.init_app(app)
    limiter.enabled = app.config["RATELIMIT_ENABLED"] = False
    server = make_server("127.0.0.1", 0, app, threaded=True, request_handler=QuietHandler)
    thread = threading.Thread(target=server.serve_forever, name="live-server", daemon=True)
    thread.start()
    live = LiveServer(app, server, thread)
    from tests.browser import flows

    flows.APP = app
    yield live
    server.shutdown()
    server.server_close()
    thread.join(timeout=10)
    app.extensions["screener"].engine.dispose()


@pytest.fixture(scope="session")
def staff_account(live_server):
    """A therapist made with the real CLI (no default accounts exist)."""
    live_server.cli(
        "create-therapist", STAFF_EMAIL, "--password-stdin", input=STAFF_PASSWORD + "\n"
    )
    return STAFF_EMAIL, STAFF_PASSWORD


# -- the browser ------------------------------------------------------------------------------
@pytest.fixture(scope="session")
def browser(live_server):
    from playwright.sync_api import sync_playwright

    pw = sync_playwright().start()
    try:
        browser = pw.chromium.launch(
            executable_path=chromium_path(), headless=True, args=CHROMIUM_ARGS
        )
    except Exception as exc:  # a broken Chromium install is the same as a missing one
        pw.stop()
        _unavailable(f"Chromium would not start: {str(exc).splitlines()[0]}")
    yield browser
    browser.close()
    pw.stop()
    # Playwright's driver pipe and event loop are collected later, whenever the garbage
    # collector next runs, and may warn about unclosed transports from inside an unrelated
    # test. Collect them here, where those third-party warnings are expected.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ResourceWarning)
        gc.collect()


@pytest.fixture
def new_context(browser, live_server):
    """Make browser contexts (separate cookie jars) on the live server; closed afterwards."""
    contexts = []

    def make(**kwargs):
        kwargs.setdefault("base_url", live_server.url)
        kwargs.setdefault("viewport", {"width": 1024, "height": 800})
        context = browser.new_context(**kwargs)
        context.set_default_timeout(10_000)
        contexts.append(context)
        return context

    yield make
    for context in contexts:
        context.close()


@pytest.fixture
def page(new_context):
    return new_context().new_page()


@pytest.fixture(scope="session")
def screenshot_dir(tmp_path_factory):
    return tmp_path_factory.mktemp("screenshots")


@pytest.fixture
def shot(screenshot_dir, request):
    """shot(page, "step") saves a full-page screenshot for debugging."""
    counter = iter(range(1, 1000))

    def take(page, name: str):
        path = screenshot_dir / f"{request.node.name}-{next(counter):02d}-{name}.png"
        page.screenshot(path=str(path), full_page=True)
        SHOTS.append(path)
        return path

    return take


# -- axe-core ---------------------------------------------------------------------------------
@pytest.fixture(scope="session")
def axe_source():
    return AXE_JS.read_text(encoding="utf-8")


def format_violations(name: str, url: str, violations: list) -> str:
    lines = [f"{len(violations)} accessibility violation(s) on {name} ({url}):"]
    for v in violations:
        lines.append(f"- [{v['impact']}] {v['id']}: {v['help']} ({v['helpUrl']})")
        for node in v["nodes"][:10]:
            lines.append(f"    at {' '.join(node['target'])}")
            lines.append(f"       {node['html'][:200]}")
            summary = (node.get("failureSummary") or "").replace("\n", "\n       ")
            if summary:
                lines.append(f"       {summary}")
    return "\n".join(lines)


class Axe:
    """axe(page, "name") runs axe-core on the page and asserts zero violations.

    The script is injected with page.evaluate because the app's Content-Security-Policy
    (script-src 'self') blocks add_script_tag. Our own checks cover what axe lets pass.
    """

    def __init__(self, source: str):
        self.source = source

    def run(self, page) -> dict:
        if not page.evaluate("() => typeof window.axe === 'object'"):
            page.evaluate(self.source)
        return page.evaluate(
            """async (tags) => {
                const r = await axe.run(document, {runOnly: {type: 'tag', values: tags},
                                                   resultTypes: ['violations']});
                const ids = (list) => list.map((x) => x.id);
                return {violations: r.violations,
                        incomplete: r.incomplete.map((x) => ({id: x.id, help: x.help,
                            targets: x.nodes.map((n) => n.target.join(' '))})),
                        rules: [...ids(r.passes), ...ids(r.violations), ...ids(r.incomplete),
                                ...ids(r.inapplicable)]};
            }""",
            AXE_TAGS,
        )

    def violations(self, page, name: str) -> list[str]:
        result = self.run(page)
        own = own_checks(page)
        AXE_LOG["pages"].append(name)
        AXE_LOG["rules"].update(result["rules"])
        for item in result["incomplete"]:
            AXE_LOG["incomplete"].setdefault(item["id"], set()).add(name)
        out = []
        if result["violations"]:
            out.append(format_violations(name, page.url, result["violations"]))
        if own:
            out.append(f"{name} ({page.url}): " + "; ".join(own))
        return out

    def __call__(self, page, name: str) -> None:
        problems = self.violations(page, name)
        assert not problems, "\n".join(problems)


@pytest.fixture
def axe(axe_source):
    return Axe(axe_source)


OWN_CHECKS = """() => {
    const problems = [];
    const lang = document.documentElement.getAttribute('lang');
    if (!lang || !lang.trim()) problems.push('<html> has no lang');
    const mains = document.querySelectorAll('main, [role=main]');
    if (mains.length !== 1) problems.push(`${mains.length} main landmarks`);
    const headings = [...document.querySelectorAll('h1, h2, h3, h4, h5, h6')]
        .filter((h) => h.getClientRects().length);
    const h1s = headings.filter((h) => h.tagName === 'H1').length;
    if (h1s !== 1) problems.push(`${h1s} visible h1 headings`);
    let previous = 1;
    for (const h of headings) {
        const level = Number(h.tagName[1]);
        if (level > previous + 1) {
            const text = h.textContent.trim();
            problems.push(`heading skips a level: h${previous} then h${level} "${text}"`);
        }
        previous = level;
    }
    const controls = document.querySelectorAll(
        'input:not([type=hidden]), select, textarea, button');
    for (const el of controls) {
        if (el.hasAttribute('placeholder')) problems.push(`#${el.id} uses a placeholder`);
        if (el.tagName === 'BUTTON') {
            if (!el.textContent.trim() && !el.getAttribute('aria-label')) {
                problems.push('a button has no text');
            }
            continue;
        }
        const labelled = (el.labels && [...el.labels].some((l) => l.textContent.trim()))
            || el.getAttribute('aria-labelledby') || el.getAttribute('aria-label');
        if (!labelled) problems.push(`${el.tagName.toLowerCase()}#${el.id} has no label`);
    }
    const ids = [...document.querySelectorAll('[id]')].map((el) => el.id);
    const twice = ids.filter((id, i) => ids.indexOf(id) !== i);
    if (twice.length) problems.push(`duplicate ids: ${[...new Set(twice)].join(', ')}`);
    for (const summary of document.querySelectorAll('.error-summary')) {
        if (summary.getAttribute('role') !== 'alert') {
            problems.push('the error summary has no role=alert');
        }
    }
    return problems;
}"""


def own_checks(page) -> list[str]:
    """What axe does not check strictly enough: lang, one main, heading order, real labels."""
    return page.evaluate(OWN_CHECKS)


def pytest_terminal_summary(terminalreporter):
    if AXE_LOG["pages"]:
        terminalreporter.write_line(
            f"axe-core: {len(AXE_LOG['pages'])} scans, {len(AXE_LOG['rules'])} rules "
            f"({', '.join(AXE_TAGS)})"
        )
        if AXE_LOG["incomplete"]:
            needs = {k: sorted(v) for k, v in AXE_LOG["incomplete"].items()}
            terminalreporter.write_line(
                "axe-core asked for a manual review of: " + json.dumps(needs)[:2000]
            )
    if SHOTS:
        terminalreporter.write_line(f"browser screenshots: {SHOTS[0].parent}")


@pytest.fixture(autouse=True, scope="module")
def _collect_playwright_garbage():
    """Collect what a module's browser contexts left for the garbage collector, here,
    rather than during whichever unrelated test happens to run the next collection."""
    yield
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ResourceWarning)
        gc.collect()
