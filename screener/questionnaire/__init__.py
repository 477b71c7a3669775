"""The pure questionnaire engine, from questions.yaml to an Evaluation. No Flask, no database.

read (yamlsource, shape, schema, loader, condition_reader; json_schema from shape) →
check (lint, examples, check) → evaluate (answers, conditions, evaluate, progress) ·
wording (a condition in words). Outsiders import from here.
"""

from __future__ import annotations

from .answers import AnswerError, clean, read_answers, read_answers_with_positions
from .check import DefinitionError, Report, check_bytes, check_file
from .conditions import Facts, holds
from .definition import (
    CHOICE_TYPES,
    LEVELS,
    NUMBER_TYPES,
    PREFER_NOT,
    QUESTION_TYPES,
    Band,
    Condition,
    Example,
    Flag,
    Limit,
    Meta,
    Option,
    Outcome,
    Page,
    Pos,
    Question,
    Questionnaire,
    Resource,
    Score,
    Section,
)
from .evaluate import Evaluation, FiredFlag, ScoreResult, evaluate, scores_of, visible_on_page
from .examples import Coverage, run_examples
from .lint import lint
from .loader import LoadResult, in_language, load_bytes, load_file, load_text
from .problems import CODES, ERROR, WARNING, Problem, has_errors
from .progress import expected_pages
from .wording import in_words

__all__ = [
    "CHOICE_TYPES",
    "CODES",
    "ERROR",
    "LEVELS",
    "NUMBER_TYPES",
    "PREFER_NOT",
    "QUESTION_TYPES",
    "WARNING",
    "AnswerError",
    "Band",
    "Condition",
    "Coverage",
    "DefinitionError",
    "Evaluation",
    "Example",
    "Facts",
    "FiredFlag",
    "Flag",
    "Limit",
    "LoadResult",
    "Meta",
    "Option",
    "Outcome",
    "Page",
    "Pos",
    "Problem",
    "Question",
    "Questionnaire",
    "Report",
    "Resource",
    "Score",
    "ScoreResult",
    "Section",
    "check_bytes",
    "check_file",
    "clean",
    "evaluate",
    "scores_of",
    "expected_pages",
    "has_errors",
    "holds",
    "in_words",
    "lint",
    "load_bytes",
    "load_file",
    "load_text",
    "in_language",
    "read_answers",
    "read_answers_with_positions",
    "run_examples",
    "visible_on_page",
]
