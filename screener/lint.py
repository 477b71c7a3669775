"""Static checks on a loaded questionnaire. Each check is a small function yielding Problems."""

from __future__ import annotations

import itertools
import re

from . import definition as d
from .loader import LIST_OPS, NUMBER_OPS, suggest
from .problems import WARNING, Problem

FORBIDDEN_WORDS = re.compile(
    r"\b(eligible|eligibility|qualify|qualifies|approved for you|you have (?:depression|"
    r"anxiety|ptsd|bipolar|a disorder)|you are (?:not )?a candidate|treatment[- ]resistant)\b"
    r"|\d+\s?%", re.IGNORECASE)


def lint(q: d.Questionnaire) -> list[Problem]:
    problems: list[Problem] = []
    for check in CHECKS:
        problems.extend(check(q))
    return sorted(problems, key=lambda p: (p.line, p.col, p.code))


def _p(code, message, pos: d.Pos, warning=False) -> Problem:
    return Problem(code, message, pos.line, pos.col, WARNING if warning else "error")


def name(question: d.Question) -> str:
    """How messages name a question: id and label."""
    label = question.label if len(question.label) <= 50 else question.label[:47] + "..."
    return f"question '{question.id}' (\u201c{label}\u201d)"


# -- ids -------------------------------------------------------------------------------
def check_duplicate_ids(q):
    groups = {
        "section": [(s.id, s.pos) for s in q.sections],
        "page": [(p.id, p.pos) for p in q.page_list],
        "question": [(x.id, x.pos) for p in q.page_list for x in p.questions],
        "score": [(s.id, s.pos) for s in q.scores],
        "flag": [(f.id, f.pos) for f in q.flags],
        "outcome": [(o.id, o.pos) for o in q.outcomes],
    }
    for kind, items in groups.items():
        first: dict = {}
        for item_id, pos in items:
            if item_id in first:
                yield _p("DEF005", f"{kind} id '{item_id}' is already used on line "
                         f"{first[item_id].line}; ids must be unique", pos)
            else:
                first[item_id] = pos


def check_options(q):
    for question in (x for p in q.page_list for x in p.questions):
        values = [o.value for o in question.options]
        for value in {v for v in values if values.count(v) > 1}:
            yield _p("DEF027", f"{name(question)} has the option value {value!r} more than "
                     "once", question.pos)
        if question.prefer_not_to_say and not question.is_choice:
            yield _p("DEF028", f"{name(question)}: prefer_not_to_say only works on yesno, "
                     "single and multiple questions", question.pos)
        if question.exclusive and question.type != "multiple":
            yield _p("DEF028", f"{name(question)}: 'exclusive' only works on multiple-choice "
                     "questions", question.pos)
        for value in question.exclusive:
            if value not in values:
                yield _p("DEF011", f"{name(question)}: exclusive value {value!r} is not one of "
                         f"its options{suggest(value, map(str, values))}", question.pos)


def check_limits(q):
    for question in (x for p in q.page_list for x in p.questions):
        limits = [lim for lim in (question.min, question.max) if lim]
        if limits and not question.is_numeric:
            yield _p("DEF022", f"{name(question)}: min/max only apply to integer and decimal "
                     "questions", question.pos)
            continue
        low, high = question.min, question.max
        if low and high and low.number is not None and high.number is not None \
                and low.number > high.number:
            yield _p("DEF022", f"{name(question)}: min ({low.number:g}) is greater than max "
                     f"({high.number:g})", low.pos)
        for limit in limits:
            if limit.ref:
                yield from _cross_limit(q, question, limit)


def _cross_limit(q, question, limit):
    other = q.questions.get(limit.ref)
    if other is None:
        yield _p("DEF010", f"{name(question)}: the limit refers to unknown question "
                 f"'{limit.ref}'{suggest(limit.ref, q.questions)}", limit.pos)
    elif not other.is_numeric or q.order[other.id] >= q.order[question.id]:
        yield _p("DEF023", f"{name(question)}: a cross-field limit must refer to an earlier "
                 f"integer or decimal question; '{other.id}' is not", limit.pos)


# -- conditions --------------------------------------------------------------------------
def _conditions(q):
    """Every condition in the file with its owner: (condition, owner kind, owner, order)."""
    for section in q.sections:
        first = section.pages[0].questions[0].id if section.pages and \
            section.pages[0].questions else None
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
                    yield _p("DEF019", f"{where}: show_if may only refer to questions, not to "
                             f"score '{leaf.ref}'", leaf.pos)
                elif leaf.ref not in score_ids:
                    yield _p("DEF012", f"{where} refers to unknown score '{leaf.ref}'"
                             f"{suggest(leaf.ref, score_ids)}", leaf.pos)
            elif leaf.kind == "flag":
                yield from _flag_leaf(q, leaf, kind, owner, flag_order, where)


def _question_leaf(q, leaf, kind, owner, order, where):
    target = q.questions.get(leaf.ref)
    if target is None:
        yield _p("DEF010", f"{where} refers to unknown question '{leaf.ref}'"
                 f"{suggest(leaf.ref, q.questions)}", leaf.pos)
        return
    if order is not None and q.order[target.id] >= order:
        what = "itself" if target.id == getattr(owner, "id", None) else "a later question"
        yield _p("DEF016", f"{where} depends on {what}, {name(target)}. Conditions may only "
                 "look at questions asked before; move the question or the condition.",
                 leaf.pos)
    yield from _operator_fits(target, leaf, where)


def _operator_fits(target, leaf, where):
    op = leaf.op
    numeric_choice = target.is_choice and all(isinstance(o.value, int | float)
                                              for o in target.options)
    if op in NUMBER_OPS and not (target.is_numeric or numeric_choice):
        yield _p("DEF015", f"{where}: '{op}' compares numbers, but {name(target)} is "
                 f"{target.type}. Use 'is' or 'in' instead.", leaf.pos)
    elif op in ("includes", "includes_any") and target.type != "multiple":
        yield _p("DEF015", f"{where}: '{op}' is for multiple-choice questions; {name(target)} "
                 f"is {target.type}. Use 'is' or 'in'.", leaf.pos)
    elif op in ("is", "is_not", "in") and target.type == "multiple":
        yield _p("DEF015", f"{where}: {name(target)} allows several answers; use 'includes' "
                 f"or 'includes_any' instead of '{op}'.", leaf.pos)
    elif op in ("is", "is_not", "in") and target.type in ("text", "longtext", "date"):
        yield _p("DEF015", f"{where}: {name(target)} is free {target.type}; only 'answered' "
                 "can be used on it.", leaf.pos)
    if target.is_choice and op in ("is", "is_not", "includes") + LIST_OPS:
        values = leaf.value if op in LIST_OPS else (leaf.value,)
        known = [o.value for o in target.options]
        for value in values:
            if value not in known:
                yield _p("DEF011", f"{where}: {value!r} is not an option of {name(target)}"
                         f"{suggest(value, map(str, known))}. Options: "
                         f"{', '.join(map(repr, known))}.", leaf.pos)


def _flag_leaf(q, leaf, kind, owner, flag_order, where):
    if leaf.ref not in flag_order:
        yield _p("DEF013", f"{where} refers to unknown flag '{leaf.ref}'"
                 f"{suggest(leaf.ref, flag_order)}", leaf.pos)
    elif kind in ("section", "page", "question"):
        yield _p("DEF019", f"{where}: show_if may only refer to questions, not to flag "
                 f"'{leaf.ref}'", leaf.pos)
    elif kind == "flag" and flag_order[leaf.ref] >= flag_order.get(owner.id, 0):
        what = "itself" if leaf.ref == owner.id else f"flag '{leaf.ref}', defined below it"
        yield _p("DEF018", f"flag '{owner.id}' refers to {what}. A flag may only use flags "
                 "defined above it; move it further down.", leaf.pos)


# -- scores, flags, outcomes ----------------------------------------------------------------------
def check_scores(q):
    for score in q.scores:
        for item in score.items:
            question = q.questions.get(item)
            if question is None:
                yield _p("DEF010", f"score '{score.id}' adds up unknown question '{item}'"
                         f"{suggest(item, q.questions)}", score.pos)
            elif not question.is_numeric and not (question.is_choice and question.type !=
                                                  "multiple" and all(o.numeric is not None or
                                                  o.value == d.PREFER_NOT
                                                  for o in question.options)):
                yield _p("DEF020", f"score '{score.id}' adds up {name(question)}, which has no "
                         "numbers. Give its options numeric values or a 'score'.", score.pos)
        yield from _bands(score, _highest_total(q, score))


def _bands(score, highest):
    if not score.bands:
        yield _p("DEF021", f"score '{score.id}' needs at least one band", score.pos)
        return
    previous = None
    for band in score.bands:
        if previous is not None and band.max <= previous.max:
            yield _p("DEF021", f"score '{score.id}': band '{band.label}' (up to {band.max:g}) "
                     f"overlaps band '{previous.label}' (up to {previous.max:g}). List bands "
                     "from low to high, each with a higher max.", band.pos)
        previous = band
    if highest is not None and score.bands[-1].max < highest:
        yield _p("DEF021", f"score '{score.id}': the highest possible total is {highest:g}, but "
                 f"the last band stops at {score.bands[-1].max:g}; totals above it have no "
                 "band", score.bands[-1].pos)


def _highest_total(q, score) -> float | None:
    """The largest total the items allow, or None when a number has no max."""
    total = 0.0
    for item in score.items:
        question = q.questions.get(item)
        if question is None:
            continue
        if question.is_numeric:
            if question.max is None or question.max.number is None:
                return None
            total += question.max.number
        else:
            total += max((o.numeric or 0 for o in question.options), default=0)
    return total


def check_flags(q):
    for flag in q.flags:
        if flag.level not in d.LEVELS:
            yield _p("DEF024", f"flag '{flag.id}' has level '{flag.level}'; use urgent, review "
                     "or info", flag.pos)
        if flag.interrupt and (flag.level != "urgent" or not flag.client_text):
            yield _p("DEF025", f"flag '{flag.id}' interrupts the questionnaire, so it must be "
                     "level urgent and have client_text", flag.pos)
    used = _used_flags(q)
    for flag in q.flags:
        if flag.id not in used and not (flag.client_text or flag.staff_text or
                                        flag.ask_on_call or flag.interrupt):
            yield _p("DEF040", f"flag '{flag.id}' is not used by any outcome or flag and has no "
                     "client_text, staff_text or ask_on_call, so nobody would see it",
                     flag.pos, warning=True)


def _used_flags(q) -> set:
    used = set()
    for cond, _kind, _owner, _order in _conditions(q):
        if cond is not None:
            used.update(leaf.ref for leaf in cond.leaves() if leaf.kind == "flag")
    return used


def check_outcomes(q):
    if not q.outcomes:
        return
    catch_all = next((o for o in q.outcomes if o.when is None), None)
    if q.outcomes[-1].when is not None and catch_all is None:
        yield _p("DEF030", f"the last outcome, '{q.outcomes[-1].id}', has a 'when', so some "
                 "answers would get no outcome. Add a final outcome with no 'when'.",
                 q.outcomes[-1].pos)
    if catch_all is not None:
        for outcome in q.outcomes[q.outcomes.index(catch_all) + 1:]:
            yield _p("DEF031", f"outcome '{outcome.id}' comes after '{catch_all.id}', which has "
                     "no 'when' and so always wins; it can never be reached", outcome.pos)


def check_meta(q):
    if not q.meta.crisis_resources:
        yield _p("DEF032", "the questionnaire must list crisis_resources (988, 911, the local "
                 "crisis line); they appear on every page", d.Pos(1, 1))


def check_client_text(q):
    texts = [(o.title, o.pos) for o in q.outcomes] + [(o.message, o.pos) for o in q.outcomes]
    texts += [(step, o.pos) for o in q.outcomes for step in o.next_steps]
    texts += [(f.client_text, f.pos) for f in q.flags]
    texts += [(x.label, x.pos) for p in q.page_list for x in p.questions]
    texts += [(x.hint, x.pos) for p in q.page_list for x in p.questions]
    texts += [(p.intro, p.pos) for p in q.page_list]
    texts += [(para, d.Pos(1, 1)) for para in q.meta.about_kap]
    for text, pos in texts:
        match = FORBIDDEN_WORDS.search(text or "")
        if match:
            yield _p("DEF042", f"client-facing text says \u201c{match.group(0)}\u201d. The "
                     "screener never decides eligibility, names a condition or quotes "
                     "percentages; rephrase (\u201cyou told us\u2026\u201d, \u201ca consultation "
                     "could help\u201d).", pos, warning=True)


def check_unseeable(q):
    """Warn about questions whose show_if can never hold (simple exhaustive search)."""
    for page in q.page_list:
        section = q.section(page.section_id)
        for question in page.questions:
            conds = [c for c in (section.show_if, page.show_if, question.show_if) if c]
            if conds and not _satisfiable(q, conds):
                yield _p("DEF041", f"{name(question)} can never be shown: its conditions "
                         "(section, page and show_if together) contradict each other",
                         question.pos, warning=True)


def _satisfiable(q, conds) -> bool:
    from .conditions import Facts, holds

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


CHECKS = (check_meta, check_duplicate_ids, check_options, check_limits, check_conditions,
          check_scores, check_flags, check_outcomes, check_client_text, check_unseeable)
