"""Static checks on a loaded questionnaire: `lint(q)` runs every check, sorted by line."""

from __future__ import annotations

from ..definition import Questionnaire
from ..problems import Problem
from .checks import CHECKS, FORBIDDEN_WORDS

__all__ = ["CHECKS", "FORBIDDEN_WORDS", "lint"]


def lint(q: Questionnaire) -> list[Problem]:
    problems: list[Problem] = []
    for check in CHECKS:
        problems.extend(check(q))
    return sorted(problems, key=lambda p: (p.line, p.col, p.code))
