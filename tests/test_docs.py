"""The README documents what the content owner needs: every problem code."""

from screener.questionnaire import CODES
from tests.conftest import ROOT


def test_every_problem_code_is_documented_in_the_readme():
    readme = (ROOT / "README.md").read_text()
    missing = [code for code in CODES if f"`{code}`" not in readme]
    assert missing == []


def test_readme_opens_with_the_two_commands():
    head = (ROOT / "README.md").read_text()[:800]
    assert "make run" in head and "make test" in head


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
