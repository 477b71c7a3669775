"""The README documents what the content owner needs: every problem code."""

import re

from screener.questionnaire import CODES
from tests.conftest import ROOT


def test_every_problem_code_is_documented_in_the_readme():
    readme = (ROOT / "README.md").read_text()
    missing = [code for code in CODES if f"`{code}`" not in readme]
    assert missing == []


def test_readme_opens_with_the_two_commands():
    head = (ROOT / "README.md").read_text()[:800]
    assert "make run" in head and "make test" in head


#: settings Flask, Flask-WTF or Flask-Limiter read, which SCREENER_* can override, and
#: which turn a protection off when set wrongly
DANGEROUS = {
    "ENV",
    "PROXY_COUNT",
    "TRUSTED_HOSTS",
    "RATELIMIT_ENABLED",
    "SESSION_COOKIE_SECURE",
    "SESSION_COOKIE_SAMESITE",
    "WTF_CSRF_ENABLED",
    "WTF_CSRF_SSL_STRICT",
    "TESTING",
    "DEBUG",
}
#: what the app reads from its config, besides config.Defaults
READ = re.compile(r"""(?:config|cfg)(?:\.get\(|\[)\s*"([A-Z][A-Z0-9_]+)\"""")


def _settings() -> set[str]:
    from screener.web.config import Defaults

    names = {name for name in vars(Defaults) if name.isupper()}
    for path in (ROOT / "screener").rglob("*.py"):
        names.update(READ.findall(path.read_text(encoding="utf-8")))
    # Flask's own, read where the app decides the cookie's name; HttpOnly is always forced on
    not_settings = {"SESSION_COOKIE_NAME", "SESSION_COOKIE_DOMAIN", "SESSION_COOKIE_PATH"}
    return names - not_settings - {"APPLICATION_ROOT", "SESSION_COOKIE_HTTPONLY"}


def _environment_rows() -> dict[str, str]:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme[readme.index("### Environment") : readme.index("### Several instances")]
    rows = {}
    for line in section.splitlines():
        if line.startswith("| `"):
            for name in re.findall(r"`SCREENER_([A-Z0-9_]+)`", line.split("|")[1]):
                rows[name] = line
    return rows


def test_every_screener_setting_is_documented_and_the_dangerous_ones_marked():
    rows = _environment_rows()
    settings = _settings()
    assert len(settings) >= 20, settings
    assert not settings - rows.keys(), f"undocumented: {sorted(settings - rows.keys())}"
    unmarked = [name for name in DANGEROUS if "⚠" not in rows.get(name, "")]
    assert not unmarked, f"not marked dangerous (⚠): {unmarked}"


def test_every_file_the_readme_names_is_in_the_repository():
    """Docs and configuration the README points at must ship with it (issue 14)."""
    import re
    import subprocess

    readme = (ROOT / "README.md").read_text()
    named = set(re.findall(r"[\w./-]+\.(?:md|py|cfg|toml|json|ini|env|conf)\b", readme))
    named = {name.removeprefix("./") for name in named if not name.startswith(("/", "http"))}
    tracked = subprocess.run(
        ["git", "ls-files"], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout.split()
    shipped = set(tracked) | {path.rsplit("/", 1)[-1] for path in tracked}
    missing = sorted(name for name in named if name not in shipped and name != "README.md")
    assert missing == []
