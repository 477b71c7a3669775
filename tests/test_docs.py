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
