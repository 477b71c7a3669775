"""Evaluate structured conditions against answers, scores and flags. No eval, ever."""

from __future__ import annotations

from dataclasses import dataclass, field

from .definition import Condition


@dataclass
class Facts:
    """What conditions can look at: visible answers, scores that apply, fired flags."""

    answers: dict = field(default_factory=dict)
    scores: dict = field(default_factory=dict)
    #: fired flag id → the answers (question id, value) that raised it
    flags: dict = field(default_factory=dict)


def holds(cond: Condition | None, facts: Facts) -> bool:
    """True when the condition holds; a missing condition always holds."""
    return True if cond is None else check(cond, facts)[0]


def check(cond: Condition, facts: Facts) -> tuple[bool, tuple]:
    """(holds, evidence): evidence is the (question or score id, value) pairs that made it
    hold, so every flag can show what raised it."""
    if cond.kind == "all":
        evidence: list = []
        for child in cond.children:
            ok, found = check(child, facts)
            if not ok:
                return False, ()
            evidence.extend(found)
        return True, tuple(evidence)
    if cond.kind == "any":
        evidence = []
        any_held = False
        for child in cond.children:
            ok, found = check(child, facts)
            if ok:
                any_held = True
                evidence.extend(found)
        return any_held, tuple(evidence)
    if cond.kind == "not":
        return not check(cond.children[0], facts)[0], ()
    if cond.kind == "flag":
        if cond.ref in facts.flags:
            return True, tuple(facts.flags[cond.ref])
        return False, ()
    if cond.kind == "score":
        value = facts.scores.get(cond.ref)
        ok = value is not None and compare(cond.op, value, cond.value)
        return ok, ((cond.ref, value),) if ok else ()
    return _question(cond, facts.answers)


def _question(cond: Condition, answers: dict) -> tuple[bool, tuple]:
    value = answers.get(cond.ref)
    answered = value not in (None, "", [])
    if cond.op == "answered":
        ok = answered == cond.value
    else:
        # Unanswered means false, so a condition never raises on a missing answer.
        ok = answered and test(cond.op, value, cond.value)
    return ok, ((cond.ref, value),) if ok and answered else ()


def test(op: str, value, operand) -> bool:
    if op == "is":
        return value == operand
    if op == "is_not":
        return value != operand
    if op == "in":
        return value in operand
    if op == "includes":
        return isinstance(value, list) and operand in value
    if op == "includes_any":
        return isinstance(value, list) and any(v in value for v in operand)
    if isinstance(value, int | float) and not isinstance(value, bool):
        return compare(op, value, operand)
    return False


def compare(op: str, value, operand) -> bool:
    if op == "at_least":
        return value >= operand
    if op == "at_most":
        return value <= operand
    if op == "less_than":
        return value < operand
    if op == "more_than":
        return value > operand
    return False
