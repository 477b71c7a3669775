"""Progress through the pages: "Step N of M", where M counts the pages that apply.

A page whose condition depends on a required question nobody has answered yet is
counted as applying, so the total can only stay or shrink as answers come in; a client
is never told "Step 1 of 2" and then "Step 2 of 21".
"""

from __future__ import annotations

from .conditions import Facts, holds
from .definition import Condition, Questionnaire

UNKNOWN = None


def expected_pages(q: Questionnaire, answers: dict) -> tuple[str, ...]:
    """Pages that apply, or may still apply, given `answers` (already pruned)."""
    pending: set[str] = set()
    pages = []
    for page in q.page_list:
        section = q.section(page.section_id)
        applies = _and(
            _maybe(section.show_if if section else None, answers, pending),
            _maybe(page.show_if, answers, pending),
        )
        if applies is False:
            continue
        pages.append(page.id)
        for question in page.questions:
            shown = _maybe(question.show_if, answers, pending)
            if shown is not False and question.required and question.id not in answers:
                pending.add(question.id)  # will be answered, we don't know how yet
    return tuple(pages)


def _and(a, b):
    if a is False or b is False:
        return False
    return UNKNOWN if UNKNOWN in (a, b) else True


def _maybe(cond: Condition | None, answers: dict, pending: set):
    """Kleene three-valued logic: True, False, or None when a pending answer decides."""
    if cond is None:
        return True
    if cond.kind in ("all", "any"):
        results = [_maybe(child, answers, pending) for child in cond.children]
        decisive, neutral = (False, True) if cond.kind == "all" else (True, False)
        if decisive in results:
            return decisive
        return UNKNOWN if UNKNOWN in results else neutral
    if cond.kind == "not":
        inner = _maybe(cond.children[0], answers, pending)
        return UNKNOWN if inner is UNKNOWN else not inner
    if cond.kind == "q" and cond.ref in pending and cond.ref not in answers:
        return UNKNOWN
    return holds(cond, Facts(answers=answers))
