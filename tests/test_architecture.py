"""The layers of screener/ are a contract (.importlinter): a forbidden import breaks `make lint`."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import ROOT

LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")

#: (file that gains the import, the import, the contract it breaks)
VIOLATIONS = [
    ("questionnaire/evaluate.py", "from screener.store import Draft", "questionnaire imports"),
    ("questionnaire/loader.py", "import flask", "questionnaire imports"),
    ("pdf/sections.py", "from screener.web import app_state", "pdf imports only"),
    ("store/drafts.py", "from screener.web import auth", "store never imports web"),
    ("web/staff.py", "from screener.cli import register_commands", "nothing imports cli"),
    ("authoring/diff.py", "from screener.web import app_state", "authoring (diagram"),
    ("authoring/diagram.py", "import graphviz", "authoring (diagram"),
    ("questionnaire/lint/checks.py", "from screener.authoring import diff", "used by web and cli"),
    ("interop/fhir_response.py", "from screener.store import Submission", "interop (FHIR"),
    ("interop/redcap.py", "import flask", "interop (FHIR"),
    ("notify/worker.py", "from screener.web import app_state", "notify (the worker)"),
    ("notify/channels.py", "import flask", "notify (the worker)"),
    ("store/outbox.py", "from screener.notify import worker", "store never imports web"),
]


def lint_imports(tree: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(tree)}
    return subprocess.run(
        [str(LINT_IMPORTS), "--no-cache", "--no-logo"],
        cwd=tree,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def copy_tree(tmp_path: Path) -> Path:
    tree = tmp_path / "tree"
    shutil.copytree(ROOT / "screener", tree / "screener", ignore=shutil.ignore_patterns("*.pyc"))
    shutil.copy(ROOT / ".importlinter", tree / ".importlinter")
    return tree


def test_the_shipped_tree_keeps_every_contract(tmp_path):
    result = lint_imports(copy_tree(tmp_path))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "8 kept, 0 broken" in result.stdout


@pytest.mark.parametrize(("module", "line", "contract"), VIOLATIONS)
def test_a_forbidden_import_breaks_its_contract(tmp_path, module, line, contract):
    tree = copy_tree(tmp_path)
    target = tree / "screener" / module
    target.write_text(target.read_text() + f"\n{line}  # added by the test\n")
    result = lint_imports(tree)
    assert result.returncode != 0
    broken = [row for row in result.stdout.splitlines() if row.endswith("BROKEN")]
    # an import that breaks a lower layer breaks the layers above it too (indirect imports)
    assert any(contract in row for row in broken), result.stdout
    assert f"screener.{module[:-3].replace('/', '.')}" in result.stdout
