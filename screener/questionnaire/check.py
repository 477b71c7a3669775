"""Load, lint and run the examples of a questionnaire file: what `check` and start-up use."""

from __future__ import annotations

from dataclasses import dataclass, field

from .examples import Coverage, run_examples
from .lint import lint, lint_translation
from .loader import in_language, load_bytes, load_file
from .problems import ERROR, has_errors
from .yamlsource import gc_paused


@dataclass
class Report:
    path: str
    questionnaire: object = None
    problems: list = field(default_factory=list)
    #: None when the examples did not run (the file has errors, or they were not asked for)
    coverage: Coverage | None = None

    @property
    def ok(self) -> bool:
        return self.questionnaire is not None and not has_errors(self.problems)

    def lines(self) -> list[str]:
        return [p.format(self.path) for p in self.problems]


def check_file(path, run_examples_too: bool = True) -> Report:
    # Loading builds a large structure that all stays alive; collecting in between would
    # rescan it again and again (the cost grew faster than the file).
    with gc_paused():
        return _check(path, run_examples_too)


def check_bytes(raw: bytes, name: str = "questions.yaml") -> Report:
    """`check_file` for a file that is not on disk (a staff upload); never raises."""
    with gc_paused():
        return _checked(load_bytes(raw, name), name, True)


def _check(path, run_examples_too: bool) -> Report:
    return _checked(load_file(path), path, run_examples_too)


#: warnings about the file as a whole (what is used, what can be shown): while the file has
#: errors they would describe a file that is not the one meant, so they wait for the fix
WHOLE_FILE_WARNINGS = frozenset({"DEF040", "DEF041", "DEF043"})


def _checked(result, path, run_examples_too: bool) -> Report:
    """Every independent problem in one pass; the examples run only on a file without errors."""
    report = Report(str(path), result.questionnaire, list(result.problems))
    if result.questionnaire is not None:
        report.problems += lint(result.questionnaire)
        if run_examples_too:  # the full check; start-up skips these warnings and their memory
            report.problems += _lint_translations(result.questionnaire)
    if has_errors(report.problems):
        report.problems = [
            p for p in report.problems if p.severity == ERROR or p.code not in WHOLE_FILE_WARNINGS
        ]
    elif run_examples_too:
        example_problems, report.coverage = run_examples(result.questionnaire)
        report.problems += example_problems
    report.problems.sort(key=lambda p: (p.line, p.col, p.code))
    return report


def _lint_translations(q) -> list:
    """The client-text checks on each of the file's other languages, read as a client would."""
    problems = []
    for language in q.meta.languages[1:]:
        translated = in_language(q, language)
        if translated is not None:
            problems += lint_translation(translated)
    return problems


class DefinitionError(SystemExit):
    """Raised when questions.yaml has errors; exits 1 printing the problems, no traceback."""

    def __init__(self, report: Report):
        lines = report.lines() or [f"{report.path}: the questionnaire could not be loaded"]
        super().__init__(
            "The questionnaire has errors; the app will not start.\n" + "\n".join(lines)
        )
        self.report = report
