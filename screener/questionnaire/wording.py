"""A condition in words, for people: the diagram, the preview's side panel and the diff."""

from __future__ import annotations

from .definition import Condition, Questionnaire
from .shape import OPERATORS


def in_words(cond: Condition | None, q: Questionnaire | None = None) -> str:
    """`{all: [{q: age, at_least: 18}, {flag: x}]}` → "age is at least 18 and flag x raised".

    With the questionnaire, option values are given as their labels ("Yes", "Bipolar
    disorder") and scores by their label; ids stay ids, since that is what the file says.
    """
    if cond is None:
        return "always"
    if cond.kind in ("all", "any"):
        joiner = " and " if cond.kind == "all" else " or "
        return joiner.join(_part(child, q, cond.kind) for child in cond.children)
    if cond.kind == "not":
        return f"not ({in_words(cond.children[0], q)})"
    if cond.kind == "flag":
        return f"flag {cond.ref} raised"
    if cond.kind == "score":
        score = q.score(cond.ref) if q else None
        name = score.label if score else cond.ref
        return f"{name} score {OPERATORS[cond.op].words} {_number(cond.value)}"
    return _question(cond, q)


def _part(child: Condition, q, parent_kind: str) -> str:
    """A child of all/any; a list of the other kind is bracketed so it reads unambiguously."""
    words = in_words(child, q)
    if child.kind in ("all", "any") and child.kind != parent_kind and len(child.children) > 1:
        return f"({words})"
    return words


def _question(cond: Condition, q) -> str:
    if cond.op == "answered":
        return f"{cond.ref} is {'' if cond.value else 'not '}answered"
    said = OPERATORS[cond.op].words if cond.op in OPERATORS else cond.op
    if isinstance(cond.value, tuple | list):
        values = [_value(cond.ref, v, q) for v in cond.value]
        return f"{cond.ref} {said} {', '.join(values)}"
    return f"{cond.ref} {said} {_value(cond.ref, cond.value, q)}"


def _value(ref: str, value, q) -> str:
    question = q.questions.get(ref) if q else None
    option = question.option(value) if question is not None and question.is_choice else None
    if option is not None:
        return f"\u201c{option.label}\u201d"
    if isinstance(value, int | float) and not isinstance(value, bool):
        return _number(value)
    return f"\u201c{value}\u201d"


def _number(value) -> str:
    return f"{value:g}" if isinstance(value, float) else str(value)
