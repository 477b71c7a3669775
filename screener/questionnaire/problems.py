"""Problems found in questions.yaml or in an answers file, and their stable codes."""

from __future__ import annotations

from dataclasses import dataclass

ERROR = "error"
WARNING = "warning"

#: The catalogue of problem codes. Codes are stable: never renumber one.
CODES: dict[str, str] = {
    "DEF001": "the file is not valid YAML",
    "DEF002": "unknown key",
    "DEF003": "a required key is missing",
    "DEF004": "a value has the wrong kind (text, number, list, mapping)",
    "DEF005": "duplicate id",
    "DEF006": "the same key appears twice in one mapping",
    "DEF007": "an unquoted yes/no/on/off was read as true/false",
    "DEF008": "unknown question type",
    "DEF009": "a question needs options (or has options it cannot use)",
    "DEF010": "reference to an unknown question",
    "DEF011": "reference to an unknown option value",
    "DEF012": "reference to an unknown score",
    "DEF013": "reference to an unknown flag",
    "DEF014": "reference to an unknown option set",
    "DEF015": "the operator does not fit the question type",
    "DEF016": "a condition refers to a later question or to itself",
    "DEF017": "a condition is malformed",
    "DEF018": "a flag refers to itself or to a flag defined below it",
    "DEF019": "a page's show_if may only refer to questions",
    "DEF020": "a score adds up a question that is not numeric",
    "DEF021": "score bands have a gap or an overlap",
    "DEF022": "min is greater than max, or a limit is not a number",
    "DEF023": "a cross-field limit refers to a question that is not an earlier number",
    "DEF024": "unknown flag level",
    "DEF025": "an interrupt flag must be at level urgent and have client text",
    "DEF026": "an id is not a valid identifier",
    "DEF027": "option values in one question must be unique",
    "DEF028": "prefer_not_to_say or exclusive used where it cannot apply",
    "DEF030": "there is no catch-all outcome (the last outcome must have no `when`)",
    "DEF031": "an outcome can never be reached",
    "DEF032": "the questionnaire has no crisis resources",
    "DEF033": "an option that mentions suicide (safety_mention) raises no interrupt flag",
    "DEF034": "a client text has no text in one of the declared languages",
    "DEF035": "a client text is in a language that questionnaire.languages does not declare",
    "DEF036": "questionnaire.languages is not a list of two-letter language codes",
    "DEF040": "a flag is not used by any outcome, text or staff view (warning)",
    "DEF041": "a question can never be shown (warning)",
    "DEF042": "client-facing text uses diagnostic or eligibility words (warning)",
    "DEF043": "an option set is never used (warning)",
    "DEF044": "two questions on one page have the same label (warning)",
    "DEF045": "a practice detail is a placeholder: a 555 number, example.org or example.com "
    "(warning; production refuses to start)",
    "DEF046": "a question's `short` or `error` text is too long, or the error is a question "
    "(warning)",
    "DEF047": "a declared language has no text at all (warning)",
    "DEF050": "an example gives a different outcome than expected",
    "DEF051": "an example's flags differ from what it expects",
    "DEF052": "an example's scores differ from what it expects",
    "DEF053": "an example's answers do not fit the questionnaire",
    "DEF054": "an example's visible or hidden questions differ from what it expects",
    "DEF055": "an example expects validation errors that did not happen",
    "ANS001": "answer to an unknown question",
    "ANS002": "answer is not one of the question's options",
    "ANS003": "answer is out of range",
    "ANS004": "answer has the wrong kind",
    "ANS005": "a cross-field limit is broken",
    "ANS006": "options that cannot be combined were chosen together",
    "ANS007": "answer is too long",
}


@dataclass(frozen=True)
class Problem:
    code: str
    message: str
    line: int = 0
    col: int = 0
    severity: str = ERROR

    def format(self, path: str) -> str:
        """`PATH:LINE:COL: CODE message`, the form editors and CI understand."""
        prefix = "warning: " if self.severity == WARNING else ""
        return f"{path}:{self.line}:{self.col}: {self.code} {prefix}{self.message}"


def has_errors(problems) -> bool:
    return any(p.severity == ERROR for p in problems)
