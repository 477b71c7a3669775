"""Static checks on a loaded questionnaire: `lint(q)` runs every check, sorted by line."""

from __future__ import annotations

from ..definition import Questionnaire
from ..problems import Problem
from .checks import CHECKS, FORBIDDEN_WORDS, check_client_text

__all__ = ["CHECKS", "FORBIDDEN_WORDS", "lint", "lint_translation"]


def lint(q: Questionnaire) -> list[Problem]:
    problems: list[Problem] = []
    for check in CHECKS:
        problems.extend(check(q))
    return sorted(problems, key=lambda p: (p.line, p.col, p.code))


def lint_translation(q: Questionnaire) -> list[Problem]:
    """The checks on a questionnaire read in another of its languages: its client texts."""
    return list(check_client_text(q))
