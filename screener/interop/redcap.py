"""A REDCap data dictionary (its column layout) generated from questions.yaml.

One row a question, the form being its section, the section header its page title.
yesno and single → radio, multiple → checkbox, integer/decimal/date → text with REDCap's
validation, longtext → notes. `show_if` of the section, the page and the question becomes
branching logic in REDCap's syntax where it can be written (`[age] >= 18`,
`[therapy_types(cbt)] = '1'`); a condition on a score or a flag, or a "not", cannot, and is
written in words in the field annotation instead.
"""

from __future__ import annotations

import csv
import io

from ..questionnaire import Condition, Question, Questionnaire, in_words
from .spreadsheet import csv_cell

HEADER = (
    "Variable / Field Name",
    "Form Name",
    "Section Header",
    "Field Type",
    "Field Label",
    "Choices, Calculations, OR Slider Labels",
    "Field Note",
    "Text Validation Type OR Show Slider Number",
    "Text Validation Min",
    "Text Validation Max",
    "Identifier?",
    "Branching Logic (Show field only if...)",
    "Required Field?",
    "Custom Alignment",
    "Question Number (surveys only)",
    "Matrix Group Name",
    "Matrix Ranking?",
    "Field Annotation",
)
FIELD_TYPES = {
    "yesno": "radio",
    "single": "radio",
    "multiple": "checkbox",
    "integer": "text",
    "decimal": "text",
    "date": "text",
    "text": "text",
    "longtext": "notes",
}
VALIDATION = {"integer": "integer", "decimal": "number", "date": "date_ymd"}
COMPARE = {"at_least": ">=", "at_most": "<=", "less_than": "<", "more_than": ">"}
RECORD_ID = {
    "Variable / Field Name": "reference",
    "Form Name": "submission",
    "Field Type": "text",
    "Field Label": "Submission reference",
    "Field Note": "The reference staff quote, e.g. KAP-7F3K-9QXD",
}


def data_dictionary(q: Questionnaire) -> list[dict]:
    """The rows, as {column: value}; the first is REDCap's record id (the reference)."""
    rows = [_row(RECORD_ID)]
    for section in q.sections:
        for page in section.pages:
            for index, question in enumerate(page.questions):
                conditions = [section.show_if, page.show_if, question.show_if]
                rows.append(
                    _question_row(
                        q, question, section.id, page.title if index == 0 else "", conditions
                    )
                )
    return rows


def _row(values: dict) -> dict:
    return {column: values.get(column, "") for column in HEADER}


def _question_row(q, question: Question, form: str, header: str, conditions) -> dict:
    logic, unexpressed = branching(q, [c for c in conditions if c is not None])
    low = question.min.number if question.min and question.min.number is not None else None
    high = question.max.number if question.max and question.max.number is not None else None
    return _row(
        {
            "Variable / Field Name": question.id,
            "Form Name": form,
            "Section Header": header,
            "Field Type": FIELD_TYPES[question.type],
            "Field Label": question.label,
            "Choices, Calculations, OR Slider Labels": choices(question),
            "Field Note": question.hint,
            "Text Validation Type OR Show Slider Number": VALIDATION.get(question.type, ""),
            "Text Validation Min": _number(low) if question.is_numeric else "",
            "Text Validation Max": _number(high) if question.is_numeric else "",
            "Branching Logic (Show field only if...)": logic,
            "Required Field?": "y" if question.required else "",
            "Field Annotation": unexpressed,
        }
    )


def choices(question: Question) -> str:
    """REDCap's "code, label | code, label"; a | in a label would split it, so it becomes /."""
    if not question.is_choice:
        return ""
    return " | ".join(f"{opt.value}, {opt.label.replace('|', '/')}" for opt in question.options)


def _number(value) -> str:
    if value is None:
        return ""
    return str(int(value)) if float(value).is_integer() else str(value)


def branching(q: Questionnaire, conditions: list[Condition]) -> tuple[str, str]:
    """(REDCap branching logic, or "" with the condition in words when it cannot be written)."""
    parts = [redcap_logic(cond, q) for cond in conditions]
    if any(part is None for part in parts):
        words = " and ".join(in_words(cond, q) for cond in conditions)
        return "", f"Shown only if {words} (not expressible as REDCap branching logic)"
    # a page and its question may repeat one condition; REDCap needs it once
    parts = list(dict.fromkeys(parts))
    if len(parts) == 1:
        return parts[0], ""
    return " and ".join(f"({part})" for part in parts), ""


def redcap_logic(cond: Condition, q: Questionnaire) -> str | None:
    if cond.kind in ("all", "any"):
        parts = [redcap_logic(child, q) for child in cond.children]
        if not parts or any(part is None for part in parts):
            return None
        joiner = " and " if cond.kind == "all" else " or "
        return joiner.join(f"({part})" if " " in part else part for part in parts)
    question = q.questions.get(cond.ref) if cond.kind == "q" else None
    if question is None:
        return None  # "not", a score or a flag
    if question.type == "multiple":
        return _checkbox(cond)
    return _field(cond, question)


def _quote(value) -> str | None:
    if isinstance(value, bool | list | tuple | dict):
        return None
    if isinstance(value, int | float):
        return _number(value)
    text = str(value)
    return None if "'" in text else f"'{text}'"


def _field(cond: Condition, question: Question) -> str | None:
    name = f"[{cond.ref}]"
    if cond.op == "answered":
        return f"{name} <> ''" if cond.value else f"{name} = ''"
    if cond.op in ("is", "is_not"):
        value = _quote(cond.value)
        return None if value is None else f"{name} {'=' if cond.op == 'is' else '<>'} {value}"
    if cond.op == "in" and isinstance(cond.value, list | tuple) and cond.value:
        values = [_quote(v) for v in cond.value]
        if any(v is None for v in values):
            return None
        return " or ".join(f"{name} = {v}" for v in values)
    if cond.op in COMPARE and isinstance(cond.value, int | float):
        return f"{name} {COMPARE[cond.op]} {_number(cond.value)}"
    return None


def _checkbox(cond: Condition) -> str | None:
    """A checkbox is one 0/1 field per option in REDCap: [field(code)]."""
    if cond.op == "includes":
        values = [cond.value]
    elif cond.op == "includes_any" and isinstance(cond.value, list | tuple) and cond.value:
        values = cond.value
    else:
        return None
    if any(not str(v).replace("_", "").isalnum() for v in values):
        return None
    tests = [f"[{cond.ref}({v})] = '1'" for v in values]
    return " or ".join(tests)


def data_dictionary_csv(q: Questionnaire) -> str:
    """The dictionary as REDCap uploads it (UTF-8 CSV, header first), formulas neutralised."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(HEADER)
    for row in data_dictionary(q):
        writer.writerow([csv_cell(row[column]) for column in HEADER])
    return buffer.getvalue()
