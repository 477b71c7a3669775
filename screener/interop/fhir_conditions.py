"""A `show_if` as FHIR: `enableWhen` + `enableBehavior` where it fits, else a FHIRPath
expression for the SDC `enableWhenExpression` extension, else a note in words.

`enableWhen` is a flat list joined by one behaviour (all or any). A comparison on a choice
question ("phq9_9 at least 1") becomes "= 1 or = 2 or = 3" on the option codes, since FHIR
compares codings only for equality. Conditions on a score or a flag cannot be written in
either form (neither exists in a QuestionnaireResponse); those items carry a design note.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from ..questionnaire import Condition, Questionnaire, in_words
from ..questionnaire.conditions import compare

COMPARISONS = {"at_least": ">=", "at_most": "<=", "less_than": "<", "more_than": ">"}
ANSWER_KEYS = {
    "integer": "answerInteger",
    "decimal": "answerDecimal",
    "date": "answerDate",
    "text": "answerString",
    "longtext": "answerString",
}


@dataclass(frozen=True)
class Mapped:
    """How one condition is written: exactly one of the three forms is set."""

    enable_when: list = field(default_factory=list)
    behavior: str | None = None
    expression: str | None = None
    note: str | None = None


def map_condition(cond: Condition, q: Questionnaire, system) -> Mapped:
    """`system(question)` gives the code system URL of a choice question's options."""
    flat = _flat(cond, q, system)
    if flat is not None:
        items, behavior = flat
        return Mapped(enable_when=items, behavior=behavior if len(items) > 1 else None)
    expression = _fhirpath(cond, q)
    if expression is not None:
        return Mapped(expression=expression)
    return Mapped(note="Shown only if " + in_words(cond, q) + ".")


# -- enableWhen -----------------------------------------------------------------------------
def _flat(cond: Condition, q: Questionnaire, system):
    """(enableWhen items, "all"/"any") or None when the condition does not fit one list."""
    if cond.kind == "q":
        items = _leaf(cond, q, system)
        return None if items is None else (items, "any")
    if cond.kind not in ("all", "any"):
        return None
    items = []
    for child in cond.children:
        found = _leaf(child, q, system) if child.kind == "q" else None
        if found is None or (cond.kind == "all" and len(found) != 1):
            return None  # "all" of an "any" needs nesting, which enableWhen has not
        items += found
    return items, cond.kind


def _leaf(cond: Condition, q: Questionnaire, system) -> list | None:
    question = q.questions.get(cond.ref)
    if question is None:
        return None
    if cond.op == "answered":
        return [{"question": cond.ref, "operator": "exists", "answerBoolean": bool(cond.value)}]
    if question.is_choice:
        return _choice_leaf(cond, question, system(question))
    if cond.op == "in" and isinstance(cond.value, list | tuple) and cond.value:
        parts = [
            _leaf(Condition("q", ref=cond.ref, op="is", value=v), q, system) for v in cond.value
        ]
        return None if any(p is None for p in parts) else [p[0] for p in parts]
    key = ANSWER_KEYS.get(question.type)
    operator = {"is": "=", "is_not": "!=", **COMPARISONS}.get(cond.op)
    value = cond.value
    if key is None or operator is None or isinstance(value, list | tuple | bool):
        return None
    if question.type == "integer":
        if not isinstance(value, int | float) or not float(value).is_integer():
            return None
        value = int(value)
    elif question.type == "decimal" and not isinstance(value, int | float):
        return None
    elif key in ("answerString", "answerDate"):
        if operator not in ("=", "!="):
            return None
        value = str(value)
    return [{"question": cond.ref, "operator": operator, key: value}]


def _choice_leaf(cond: Condition, question, system: str) -> list | None:
    """Equality on option codes: one item, or several joined by "any"."""
    if cond.op in ("is", "includes"):
        codes, operator = [cond.value], "="
    elif cond.op == "is_not":
        codes, operator = [cond.value], "!="
    elif cond.op in ("in", "includes_any"):
        codes, operator = list(cond.value or ()), "="
    elif cond.op in COMPARISONS:
        codes, operator = _numeric_codes(cond, question), "="
    else:
        return None
    known = {opt.value for opt in question.options}
    if not codes or any(code not in known for code in codes):
        return None
    return [
        {
            "question": cond.ref,
            "operator": operator,
            "answerCoding": {"system": system, "code": str(code)},
        }
        for code in codes
    ]


def _numeric_codes(cond: Condition, question) -> list:
    return [
        opt.value
        for opt in question.options
        if isinstance(opt.value, int | float)
        and not isinstance(opt.value, bool)
        and isinstance(cond.value, int | float)
        and compare(cond.op, opt.value, cond.value)
    ]


# -- FHIRPath (SDC enableWhenExpression) ----------------------------------------------------
def _fhirpath(cond: Condition, q: Questionnaire) -> str | None:
    if cond.kind in ("all", "any"):
        parts = [_fhirpath(child, q) for child in cond.children]
        if not parts or any(part is None for part in parts):
            return None
        joiner = " and " if cond.kind == "all" else " or "
        return joiner.join(f"({part})" for part in parts)
    if cond.kind == "not":
        inner = _fhirpath(cond.children[0], q)
        return None if inner is None else f"({inner}).not()"
    if cond.kind != "q" or cond.ref not in q.questions:
        return None  # a score or a flag: not in the QuestionnaireResponse
    return _fhirpath_leaf(cond, q.questions[cond.ref])


def _literal(value) -> str | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return repr(value) if math.isfinite(value) else None
    text = str(value).replace("\\", "\\\\").replace("'", "\\'")
    return f"'{text}'"


def _fhirpath_leaf(cond: Condition, question) -> str | None:
    answer = f"%resource.repeat(item).where(linkId='{question.id}').answer"
    if cond.op == "answered":
        return f"{answer}.exists()" if cond.value else f"{answer}.empty()"
    if question.is_choice:
        codes = {
            "is": [cond.value],
            "includes": [cond.value],
            "is_not": [cond.value],
            "in": list(cond.value or ()) if isinstance(cond.value, list | tuple) else None,
            "includes_any": list(cond.value or ())
            if isinstance(cond.value, list | tuple)
            else None,
        }.get(cond.op)
        if cond.op in COMPARISONS:
            codes = _numeric_codes(cond, question)
        if not codes:
            return None
        test = " or ".join(f"code = {_literal(str(code))}" for code in codes)
        found = f"{answer}.value.where({test}).exists()"
        return f"{found}.not()" if cond.op == "is_not" else found
    if cond.op == "in" and isinstance(cond.value, list | tuple) and cond.value:
        literals = [_literal(v) for v in cond.value]
        if any(lit is None for lit in literals):
            return None
        return f"{answer}.value in ({' | '.join(literals)})"
    literal = _literal(cond.value)
    operator = {"is": "=", "is_not": "!=", **COMPARISONS}.get(cond.op)
    if literal is None or operator is None:
        return None
    return f"{answer}.value {operator} {literal}"
