"""Shared fixtures: a real app on a temporary instance folder with a real SQLite file."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest
import yaml

# PostgreSQL/Redis detection and fixtures; the SMTP server and webhook receiver (smtp, webhook)
pytest_plugins = ["tests.conftest_db", "tests.notify_helpers"]

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"
QUESTIONS = ROOT / "questions.yaml"


@pytest.fixture
def app(tmp_path):
    from screener import create_app

    app = create_app(
        {
            "TESTING": True,
            "QUESTIONS": str(QUESTIONS),
            "DATABASE_URL": f"sqlite:///{tmp_path / 'test.sqlite3'}",
            "SECRET_KEY": "test-secret-key-that-is-long-enough",
            "DATA_KEY": "",  # generated into the instance folder, as in development
            "RATELIMIT_ENABLED": False,
        }
    )
    app.instance_path = str(tmp_path / "instance")
    yield app
    app.extensions["screener"].engine.dispose()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture(scope="session")
def questionnaire():
    from screener.questionnaire import load_file

    result = load_file(QUESTIONS)
    assert result.questionnaire is not None, result.problems
    return result.questionnaire


@pytest.fixture(scope="session")
def personas(questionnaire):
    """The examples in questions.yaml, by their short name (P01, E3, ...)."""
    return {ex.name.split()[0]: ex for ex in questionnaire.examples}


def write_yaml(tmp_path, text: str, name="questions.yaml") -> Path:
    path = tmp_path / name
    path.write_text(textwrap.dedent(text).lstrip())
    return path


def dump_answers(tmp_path, answers: dict, name="answers.yaml") -> Path:
    path = tmp_path / name
    path.write_text(yaml.safe_dump(answers, sort_keys=False))
    return path
