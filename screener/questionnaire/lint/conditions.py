"""Lint checks on conditions: references, operators, order, and what can never be shown."""

from __future__ import annotations

import itertools

from .. import definition as d
from ..condition_reader import LIST_OPS, NUMBER_OPS
from ..conditions import Facts, holds
from ..schema import suggest
from .locate import name, problem


def _conditions(q):
    """Every condition in the file with its owner: (condition, owner kind, owner, order)."""
    for section in q.sections:
        first = (
            section.pages[0].questions[0].id
            if section.pages and section.pages[0].questions
            else None
        )
        yield section.show_if, "section", section, q.order.get(first, 0)
    for page in q.page_list:
        first = page.questions[0].id if page.questions else None
        yield page.show_if, "page", page, q.order.get(first, 0)
        for question in page.questions:
            yield question.show_if, "question", question, q.order[question.id]
    for score in q.scores:
        yield score.applies_if, "score", score, None
    for flag in q.flags:
        yield flag.when, "flag", flag, None
    for outcome in q.outcomes:
        yield outcome.when, "outcome", outcome, None


def owner_name(kind, owner) -> str:
    return name(owner) if kind == "question" else f"{kind} '{owner.id}'"


def check_conditions(q):
    flag_order = {f.id: i for i, f in enumerate(q.flags)}
    score_ids = {s.id for s in q.scores}
    for cond, kind, owner, order in _conditions(q):
        if cond is None:
            continue
        for leaf in cond.leaves():
            where = owner_name(kind, owner)
            if leaf.kind == "q":
                yield from _question_leaf(q, leaf, kind, owner, order, where)
            elif leaf.kind == "score":
                if kind in ("section", "page", "question"):
                    yield problem(
                        "DEF019",
                        f"{where}: show_if may only refer to questions, not to score '{leaf.ref}'",
                        leaf.pos,
                    )
                elif leaf.ref not in score_ids and not q.is_broken("score", leaf.ref):
                    yield problem(
                        "DEF012",
                        f"{where} refers to unknown score '{leaf.ref}'"
                        f"{suggest(leaf.ref, score_ids)}",
                        leaf.pos,
                    )
            elif leaf.kind == "flag":
                yield from _flag_leaf(q, leaf, kind, owner, flag_order, where)


def _question_leaf(q, leaf, kind, owner, order, where):
    target = q.questions.get(leaf.ref)
    if target is None and q.is_broken("question", leaf.ref):
        return  # the question's own error is reported where it is defined
    if target is None:
        yield problem(
            "DEF010",
            f"{where} refers to unknown question '{leaf.ref}'{suggest(leaf.ref, q.questions)}",
            leaf.pos,
        )
        return
    if order is not None and q.order[target.id] >= order:
        what = "itself" if target.id == getattr(owner, "id", None) else "a later question"
        yield problem(
            "DEF016",
            f"{where} depends on {what}, {name(target)}. Conditions may only "
            "look at questions asked before; move the question or the condition.",
            leaf.pos,
        )
    yield from _operator_fits(target, leaf, where, q.is_broken("options", target.id))


def _operator_fits(target, leaf, where, broken_options=False):
    op = leaf.op
    numeric_choice = target.is_choice and all(
        isinstance(o.value, int | float) for o in target.options if o.value != d.PREFER_NOT
    )
    if op in NUMBER_OPS and not (target.is_numeric or numeric_choice):
        yield problem(
            "DEF015",
            f"{where}: '{op}' compares numbers, but {name(target)} is "
            f"{target.type}. Use 'is' or 'in' instead.",
            leaf.pos,
        )
    elif op in ("includes", "includes_any") and target.type != "multiple":
        yield problem(
            "DEF015",
            f"{where}: '{op}' is for multiple-choice questions; {name(target)} "
            f"is {target.type}. Use 'is' or 'in'.",
            leaf.pos,
        )
    elif op in ("is", "is_not", "in") and target.type == "multiple":
        yield problem(
            "DEF015",
            f"{where}: {name(target)} allows several answers; use 'includes' "
            f"or 'includes_any' instead of '{op}'.",
            leaf.pos,
        )
    elif op in ("is", "is_not", "in") and target.type in ("text", "longtext", "date"):
        yield problem(
            "DEF015",
            f"{where}: {name(target)} is free {target.type}; only 'answered' can be used on it.",
            leaf.pos,
        )
    if target.is_choice and op in ("is", "is_not", "includes") + LIST_OPS and not broken_options:
        values = leaf.value if op in LIST_OPS else (leaf.value,)
        known = [o.value for o in target.options]
        for value in values:
            if value not in known:
                yield problem(
                    "DEF011",
                    f"{where}: {value!r} is not an option of {name(target)}. Options: "
                    f"{', '.join(map(repr, known))}{suggest(value, map(str, known))}",
                    leaf.pos,
                )


def _flag_leaf(q, leaf, kind, owner, flag_order, where):
    if leaf.ref not in flag_order and q.is_broken("flag", leaf.ref):
        return  # the flag's own error is reported where it is defined
    if leaf.ref not in flag_order:
        yield problem(
            "DEF013",
            f"{where} refers to unknown flag '{leaf.ref}'{suggest(leaf.ref, flag_order)}",
            leaf.pos,
        )
    elif kind in ("section", "page", "question"):
        yield problem(
            "DEF019",
            f"{where}: show_if may only refer to questions, not to flag '{leaf.ref}'",
            leaf.pos,
        )
    elif kind == "flag" and flag_order[leaf.ref] >= flag_order.get(owner.id, 0):
        what = "itself" if leaf.ref == owner.id else f"flag '{leaf.ref}', defined below it"
        yield problem(
            "DEF018",
            f"flag '{owner.id}' refers to {what}. A flag may only use flags "
            "defined above it; move it further down.",
            leaf.pos,
        )


def check_unseeable(q):
    """Warn about questions whose show_if can never hold (simple exhaustive search)."""
    for page in q.page_list:
        section = q.section(page.section_id)
        for question in page.questions:
            conds = [c for c in (section.show_if, page.show_if, question.show_if) if c]
            if conds and not _satisfiable(q, conds):
                yield problem(
                    "DEF041",
                    f"{name(question)} can never be shown: its conditions "
                    "(section, page and show_if together) contradict each other",
                    question.pos,
                    warning=True,
                )


def _satisfiable(q, conds) -> bool:
    leaves = [leaf for c in conds for leaf in c.leaves() if leaf.kind == "q"]
    refs = list(dict.fromkeys(leaf.ref for leaf in leaves if leaf.ref in q.questions))
    domains = [_candidates(q.questions[ref], leaves) for ref in refs]
    if any(not dom for dom in domains) or _product_size(domains) > 20000:
        return True  # too large to search; assume it can be shown
    for combo in itertools.product(*domains):
        facts = Facts(answers={r: v for r, v in zip(refs, combo, strict=True) if v is not None})
        if all(holds(c, facts) for c in conds):
            return True
    return False


def _candidates(question, leaves) -> list:
    values: list = [None]
    if question.type == "multiple":
        values += [[o.value] for o in question.options]
        values.append([o.value for o in question.options])
    elif question.is_choice:
        values += [o.value for o in question.options]
    else:
        for leaf in leaves:
            if leaf.ref == question.id and isinstance(leaf.value, int | float):
                values += [leaf.value - 1, leaf.value, leaf.value + 1]
        values.append("x" if not question.is_numeric else 0)
    return values


def _product_size(domains) -> int:
    size = 1
    for dom in domains:
        size *= len(dom)
    return size
