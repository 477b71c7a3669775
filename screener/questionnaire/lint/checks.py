"""The checks on content: ids, options, limits, scores, flags, outcomes, texts, examples.

Each check is a small function that takes the questionnaire and yields Problems.
"""

from __future__ import annotations

import re

from .. import definition as d
from ..conditions import Facts
from ..evaluate import raise_flags
from ..schema import suggest
from ..translations import LANGUAGE_NAMES
from .conditions import _conditions, check_conditions, check_unseeable
from .locate import name, problem, where

#: stand-ins that must not reach clients: fictional 555 numbers and the example domains
PLACEHOLDER = re.compile(r"(?<!\d)555[\s.-]?\d{4}(?!\d)|\bexample\.(?:org|com|net)\b", re.I)

FORBIDDEN_WORDS = re.compile(
    r"\b(eligible|eligibility|qualify|qualifies|approved for you|you have (?:depression|"
    r"anxiety|ptsd|bipolar|a disorder)|you are (?:not )?a candidate|treatment[- ]resistant)\b"
    r"|\d+\s?%",
    re.IGNORECASE,
)
#: the same words in Spanish: "usted tiene" names a condition, "califica" decides eligibility
SPANISH_FORBIDDEN_WORDS = re.compile(
    r"\b((?:usted|ud\.)\s+tiene|tiene\s+(?:depresi[oó]n|ansiedad|tept)|padece|sufre\s+de"
    r"|diagn[oó]stico\s+de|es\s+elegible|es\s+apt[oa]"
    r"|(?:no\s+)?es\s+candidat[oa]|elegibilidad|calific\w*"
    r"|cumple\s+(?:con\s+)?(?:los\s+)?(?:requisitos|criterios)|resistente\s+al\s+tratamiento"
    r"|por\s+ciento)\b|\d+\s?%",
    re.IGNORECASE,
)
#: what DEF042 suggests instead, by language
REPHRASE = {
    "en": "\u201cyou told us\u2026\u201d, \u201ca consultation could help\u201d",
    "es": "\u201custed nos dijo\u2026\u201d, \u201cuna consulta podr\u00eda ayudar\u201d",
}
#: diagnostic and eligibility words by language (DEF042)
DIAGNOSTIC_WORDS = {"en": FORBIDDEN_WORDS, "es": SPANISH_FORBIDDEN_WORDS}


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
            if not item_id:  # a missing id is reported as such (DEF003)
                continue
            if item_id in first:
                yield problem(
                    "DEF005",
                    f"{kind} id '{item_id}' is already used on line "
                    f"{first[item_id].line}; ids must be unique",
                    pos,
                )
            else:
                first[item_id] = pos


def check_options(q):
    for question in (x for p in q.page_list for x in p.questions):
        values = [o.value for o in question.options]
        for i, option in enumerate(question.options):
            if option.value in values[:i]:
                yield problem(
                    "DEF027",
                    f"{name(question)} has the option value {option.value!r} more than once",
                    option.pos if option.pos.line else question.pos,
                )
        if question.prefer_not_to_say and not question.is_choice:
            yield problem(
                "DEF028",
                f"{name(question)}: prefer_not_to_say only works on yesno, "
                "single and multiple questions",
                where(q, question.pos, "prefer_not_to_say", key=True),
            )
        if question.exclusive and question.type != "multiple":
            yield problem(
                "DEF028",
                f"{name(question)}: 'exclusive' only works on multiple-choice questions",
                where(q, question.pos, "exclusive", key=True),
            )
        for i, value in enumerate(question.exclusive):
            if value not in values:
                yield problem(
                    "DEF011",
                    f"{name(question)}: exclusive value {value!r} is not one of "
                    f"its options{suggest(value, map(str, values))}",
                    where(q, question.pos, "exclusive", i),
                )


def check_limits(q):
    for question in (x for p in q.page_list for x in p.questions):
        limits = [lim for lim in (question.min, question.max) if lim]
        if limits and not question.is_numeric:
            yield problem(
                "DEF022",
                f"{name(question)}: min/max only apply to integer and decimal questions",
                limits[0].pos,
            )
            continue
        low, high = question.min, question.max
        if (
            low
            and high
            and low.number is not None
            and high.number is not None
            and low.number > high.number
        ):
            yield problem(
                "DEF022",
                f"{name(question)}: min ({low.number:g}) is greater than max ({high.number:g})",
                low.pos,
            )
        for limit in limits:
            if limit.ref:
                yield from _cross_limit(q, question, limit)


def _cross_limit(q, question, limit):
    other = q.questions.get(limit.ref)
    if other is None and q.is_broken("question", limit.ref):
        return
    if other is None:
        yield problem(
            "DEF010",
            f"{name(question)}: the limit refers to unknown question "
            f"'{limit.ref}'{suggest(limit.ref, q.questions)}",
            limit.pos,
        )
    elif not other.is_numeric or q.order[other.id] >= q.order[question.id]:
        yield problem(
            "DEF023",
            f"{name(question)}: a cross-field limit must refer to an earlier "
            f"integer or decimal question; '{other.id}' is not",
            limit.pos,
        )


# -- conditions --------------------------------------------------------------------------
# -- scores, flags, outcomes ----------------------------------------------------------------------
def check_scores(q):
    for score in q.scores:
        for i, item in enumerate(score.items):
            question = q.questions.get(item)
            if question is None and q.is_broken("question", item):
                continue
            if question is None:
                yield problem(
                    "DEF010",
                    f"score '{score.id}' adds up unknown question '{item}'"
                    f"{suggest(item, q.questions)}",
                    where(q, score.pos, "sum", i),
                )
            elif not question.is_numeric and not (
                question.is_choice
                and question.type != "multiple"
                and all(o.numeric is not None or o.value == d.PREFER_NOT for o in question.options)
            ):
                yield problem(
                    "DEF020",
                    f"score '{score.id}' adds up {name(question)}, which has no "
                    "numbers. Give its options numeric values or a 'score'.",
                    where(q, score.pos, "sum", i),
                )
        if not q.is_broken("bands", score.id):
            yield from _bands(score, _highest_total(q, score))


def _bands(score, highest):
    if not score.bands:
        yield problem("DEF021", f"score '{score.id}' needs at least one band", score.pos)
        return
    previous = None
    for band in score.bands:
        if previous is not None and band.max <= previous.max:
            yield problem(
                "DEF021",
                f"score '{score.id}': band '{band.label}' (up to {band.max:g}) "
                f"overlaps band '{previous.label}' (up to {previous.max:g}). List bands "
                "from low to high, each with a higher max.",
                band.pos,
            )
        previous = band
    if highest is not None and score.bands[-1].max < highest:
        yield problem(
            "DEF021",
            f"score '{score.id}': the highest possible total is {highest:g}, but "
            f"the last band stops at {score.bands[-1].max:g}; totals above it have no "
            "band",
            score.bands[-1].pos,
        )


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
            yield problem(
                "DEF024",
                f"flag '{flag.id}' has level '{flag.level}'; use urgent, review or info",
                where(q, flag.pos, "level"),
            )
        if flag.interrupt and (flag.level != "urgent" or not flag.client_text):
            yield problem(
                "DEF025",
                f"flag '{flag.id}' interrupts the questionnaire, so it must be "
                "level urgent and have client_text",
                flag.pos,
            )
    used = _used_flags(q)
    for flag in q.flags:
        if flag.id not in used and not (
            flag.client_text or flag.staff_text or flag.ask_on_call or flag.interrupt
        ):
            yield problem(
                "DEF040",
                f"flag '{flag.id}' is not used by any outcome or flag and has no "
                "client_text, staff_text or ask_on_call, so nobody would see it",
                flag.pos,
                warning=True,
            )


def check_safety_mentions(q):
    """A client who can mention suicide must reach the support page and crisis lines.

    Chosen alone, with every other question unanswered, a `safety_mention` option must
    raise an interrupt flag that names its question, so the support page follows its page.
    """
    for question in q.questions.values():
        for option in question.options:
            if option.safety_mention and not _reaches_support(q, question, option):
                yield problem(
                    "DEF033",
                    f"option '{option.value}' of '{question.id}' mentions suicide or "
                    "self-harm (safety_mention), but no interrupt flag fires when it is "
                    "chosen, so the client would never see the support page and crisis "
                    f"lines. Add a condition such as {{q: {question.id}, includes: "
                    f"{option.value}}} to an interrupt flag.",
                    option.pos,
                )


def _reaches_support(q, question, option) -> bool:
    value = [option.value] if question.type == "multiple" else option.value
    fired = raise_flags(q, Facts(answers={question.id: value}))
    return any(f.flag.interrupt and any(qid == question.id for qid, _ in f.evidence) for f in fired)


def _used_flags(q) -> set:
    used = set()
    for cond, _kind, _owner, _order in _conditions(q):
        if cond is not None:
            used.update(leaf.ref for leaf in cond.leaves() if leaf.kind == "flag")
    return used


def check_outcomes(q):
    if not q.outcomes:
        return
    catch_all = next(
        (o for o in q.outcomes if o.when is None and not q.is_broken("when", o.id)), None
    )
    last = q.outcomes[-1]
    if last.when is not None and catch_all is None:
        yield problem(
            "DEF030",
            f"the last outcome, '{last.id}', has a 'when', so some "
            "answers would get no outcome. Add a final outcome with no 'when'.",
            last.pos,
        )
    if catch_all is not None:
        for outcome in q.outcomes[q.outcomes.index(catch_all) + 1 :]:
            yield problem(
                "DEF031",
                f"outcome '{outcome.id}' comes after '{catch_all.id}', which has "
                "no 'when' and so always wins; it can never be reached",
                outcome.pos,
            )


def check_meta(q):
    if not q.meta.crisis_resources:
        yield problem(
            "DEF032",
            "the questionnaire must list crisis_resources (988, 911, the local "
            "crisis line); they appear on every page",
            where(q, None, "questionnaire", "crisis_resources", key=True),
        )


def check_placeholders(q):
    """The practice's phone, email and links as shipped are stand-ins (DEF045)."""
    for key, value in q.meta.practice.items():
        match = PLACEHOLDER.search(str(value))
        if match:
            yield problem(
                "DEF045",
                f"practice {key} '{value}' looks like a placeholder ({match.group(0)}); put "
                "in the practice's real details before launch. Production will not start "
                "with it unless SCREENER_ALLOW_PLACEHOLDER_CONTACTS=true.",
                where(q, None, "questionnaire", "practice", key),
                warning=True,
            )


def _client_texts(q):
    """(text, owner position, keys to the text within its owner) for every client text."""
    for o in q.outcomes:
        yield o.title, o.pos, ("title",)
        yield o.message, o.pos, ("message",)
        yield from ((step, o.pos, ("next_steps", i)) for i, step in enumerate(o.next_steps))
    yield from ((f.client_text, f.pos, ("client_text",)) for f in q.flags)
    for page in q.page_list:
        yield page.title, page.pos, ("title",)
        yield page.intro, page.pos, ("intro",)
        for x in page.questions:
            yield x.label, x.pos, ("label",)
            yield x.hint, x.pos, ("hint",)
            yield x.error, x.pos, ("error",)
            for o in x.options:
                yield o.label, o.pos, ()
                yield o.hint, o.pos, ()
    yield from ((s.title, s.pos, ("title",)) for s in q.sections)
    for score in q.scores:
        yield from ((b.label, b.pos, ("label",)) for b in score.bands)
    yield from _meta_texts(q.meta)


def _meta_texts(meta):
    """The questionnaire block's client texts: disclaimer, About KAP, the driving rule and
    the crisis and youth resources."""
    yield meta.disclaimer, None, ("questionnaire", "disclaimer")
    for i, para in enumerate(meta.about_kap):
        yield para, None, ("questionnaire", "about_kap", i)
    if meta.practice.get("driving_rule"):
        yield meta.practice["driving_rule"], None, ("questionnaire", "practice", "driving_rule")
    for kind in ("crisis_resources", "youth_resources"):
        for i, r in enumerate(getattr(meta, kind)):
            for key in ("name", "how", "note"):
                yield getattr(r, key), None, ("questionnaire", kind, i, key)


def check_client_text(q):
    """DEF042 on the texts in the language `q` was read in (check.py reads each one)."""
    words = DIAGNOSTIC_WORDS.get(q.language)
    if words is None:
        return
    seen = set()
    for text, owner, keys in _client_texts(q):
        match = words.search(text or "")
        if not match:
            continue
        # Find the exact line only for a hit: looking it up for every text is costly.
        pos = _text_pos(q, owner, keys)
        if (pos, match.group(0)) not in seen:  # shared option sets: report once
            seen.add((pos, match.group(0)))
            yield problem(
                "DEF042",
                f"client-facing text{_in_language(q)} says \u201c{match.group(0)}\u201d. The "
                "screener never decides eligibility, names a condition or quotes "
                f"percentages; rephrase ({REPHRASE.get(q.language, REPHRASE['en'])}).",
                pos,
                warning=True,
            )


def _in_language(q) -> str:
    if q.language == q.meta.languages[0]:
        return ""
    return f" in {LANGUAGE_NAMES.get(q.language, q.language)} ({q.language})"


def _text_pos(q, owner, keys) -> d.Pos:
    """Where a client text is: its `es:` line when the text is given per language."""
    if not keys:
        return owner
    if q.language != q.meta.languages[0]:
        return where(q, owner, *keys, q.language) if q.text else owner
    return where(q, owner, *keys)


def check_examples(q):
    """What an example's `expect` names must exist, or the expectation checks nothing."""
    kinds = {
        "flags": ("flag", {f.id for f in q.flags}, "DEF013"),
        "not_flags": ("flag", {f.id for f in q.flags}, "DEF013"),
        "visible": ("question", set(q.questions), "DEF010"),
        "hidden": ("question", set(q.questions), "DEF010"),
        "errors": ("question", set(q.questions), "DEF010"),
        "scores": ("score", {s.id for s in q.scores}, "DEF012"),
    }
    # a part with an error of its own is not reported again where an example names it
    kinds = {
        key: (kind, known | {i for k, i in q.broken if k == kind}, code)
        for key, (kind, known, code) in kinds.items()
    }
    outcomes = [o.id for o in q.outcomes]
    for example in q.examples:
        who = f"example '{example.name}'"
        outcome = example.expect.get("outcome")
        if isinstance(outcome, str) and outcome not in outcomes:
            yield problem(
                "DEF050",
                f"{who} expects unknown outcome '{outcome}'{suggest(outcome, outcomes)}",
                where(q, example.pos, "expect", "outcome"),
            )
        for key, (kind, known, code) in kinds.items():
            refs = example.expect.get(key)
            if not isinstance(refs, list | dict):
                continue
            for i, ref in enumerate(refs):
                if ref not in known:
                    path = (ref,) if isinstance(refs, dict) else (i,)
                    yield problem(
                        code,
                        f"{who}: {key} names unknown {kind} '{ref}'{suggest(ref, known)}",
                        where(q, example.pos, "expect", key, *path, key=isinstance(refs, dict)),
                    )


def check_page_labels(q):
    """Two identical questions on one page sound the same to a screen-reader user."""
    for page in q.page_list:
        seen: dict = {}
        for question in page.questions:
            label = question.label.strip().lower()
            if label in seen:
                yield problem(
                    "DEF044",
                    f"{name(question)} has the same label as "
                    f"'{seen[label]}' on page '{page.id}'; say what each one asks about",
                    question.pos,
                    warning=True,
                )
            else:
                seen[label] = question.id


#: longest `short` label and `error` text: an error message is read twice on its page
SHORT_MAX, ERROR_MAX = 60, 100


def check_error_texts(q):
    """A question's `short` and `error` are short, and an error is not a question (DEF046)."""
    for page in q.page_list:
        for question in page.questions:
            for key, text, most in (
                ("short", question.short, SHORT_MAX),
                ("error", question.error, ERROR_MAX),
            ):
                if len(text) > most or (key == "error" and text.rstrip().endswith("?")):
                    yield problem(
                        "DEF046",
                        f"{name(question)}: its {key} should be at most {most} characters "
                        "and say what to do, like \u201cSelect how often you have had "
                        "trouble relaxing\u201d, not repeat the question",
                        where(q, question.pos, key),
                        warning=True,
                    )


CHECKS = (
    check_meta,
    check_placeholders,
    check_duplicate_ids,
    check_options,
    check_limits,
    check_conditions,
    check_scores,
    check_flags,
    check_safety_mentions,
    check_outcomes,
    check_client_text,
    check_unseeable,
    check_examples,
    check_page_labels,
    check_error_texts,
)
