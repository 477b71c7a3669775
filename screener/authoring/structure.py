"""The structural half of the diff: what changed in the definition, by id, with lines."""

from __future__ import annotations

from dataclasses import dataclass

from ..questionnaire import Questionnaire, in_words
from ..questionnaire.definition import Condition, Limit


@dataclass(frozen=True)
class Change:
    #: section, page, question, option, score, flag, outcome or questionnaire
    kind: str
    id: str
    #: added, removed or changed
    what: str
    detail: str = ""
    old_line: int | None = None
    new_line: int | None = None

    def as_json(self) -> dict:
        return {
            "kind": self.kind,
            "id": self.id,
            "change": self.what,
            "detail": self.detail,
            "old_line": self.old_line,
            "new_line": self.new_line,
        }


#: the fields compared for each kind of thing, in the order they are reported
FIELDS = {
    "section": ("title", "show_if"),
    "page": ("section_id", "title", "intro", "show_if"),
    "question": (
        "page_id",
        "type",
        "label",
        "hint",
        "required",
        "prefer_not_to_say",
        "exclusive",
        "min",
        "max",
        "max_length",
        "show_if",
    ),
    "option": ("label", "hint", "score"),
    "score": ("label", "items", "applies_if"),
    "flag": ("level", "label", "when", "interrupt", "client_text", "staff_text", "ask_on_call"),
    "outcome": ("title", "when", "message", "next_steps", "booking"),
}


def structural_changes(old: Questionnaire, new: Questionnaire):
    """Changes in the order of the file: sections, pages, questions (with options), scores,
    flags, outcomes; and the questionnaire block's own settings."""
    yield from _meta(old, new)
    yield from _by_id("section", old.sections, new.sections, old, new)
    yield from _by_id("page", old.page_list, new.page_list, old, new)
    yield from _questions(old, new)
    yield from _scores(old, new)
    yield from _by_id("flag", old.flags, new.flags, old, new)
    yield from _by_id("outcome", old.outcomes, new.outcomes, old, new, ordered=True)


def _by_id(kind, olds, news, old_q, new_q, ordered=False, prefix=""):
    before = {_key(x): x for x in olds}
    after = {_key(x): x for x in news}
    for key, item in after.items():
        if key not in before:
            yield Change(kind, prefix + str(key), "added", _summary(kind, item), None, _line(item))
    for key, item in before.items():
        if key not in after:
            yield Change(kind, prefix + str(key), "removed", _summary(kind, item), _line(item))
    for key, item in after.items():
        if key in before:
            yield from _fields(kind, prefix + str(key), before[key], item, old_q, new_q)
    if ordered:
        yield from _order(kind, list(before), list(after), before, after)


def _key(item):
    return item.value if hasattr(item, "value") else item.id


def _fields(kind, key, old, new, old_q, new_q):
    for name in FIELDS[kind]:
        a, b = getattr(old, name), getattr(new, name)
        if a != b and say(a, old_q) != say(b, new_q):
            yield Change(
                kind,
                key,
                "changed",
                f"{name}: {say(a, old_q)} → {say(b, new_q)}",
                _line(old, name),
                _line(new, name),
            )


def _order(kind, old_ids, new_ids, before, after):
    """A ladder (outcomes) whose order changed: the first one that won before now may not."""
    common_old = [i for i in old_ids if i in new_ids]
    common_new = [i for i in new_ids if i in old_ids]
    for a, b in zip(common_old, common_new, strict=True):
        if a != b:
            yield Change(
                kind,
                b,
                "changed",
                f"order: {', '.join(common_old)} → {', '.join(common_new)}",
                _line(before[a]),
                _line(after[b]),
            )
            return


def _questions(old: Questionnaire, new: Questionnaire):
    yield from _by_id("question", old.questions.values(), new.questions.values(), old, new)
    for qid, question in new.questions.items():
        previous = old.questions.get(qid)
        if previous is not None and (previous.options or question.options):
            yield from _by_id(
                "option", previous.options, question.options, old, new, prefix=f"{qid}: "
            )


def _scores(old: Questionnaire, new: Questionnaire):
    yield from _by_id("score", old.scores, new.scores, old, new)
    for score in new.scores:
        previous = old.score(score.id)
        if previous is not None and _bands(previous) != _bands(score):
            yield Change(
                "score",
                score.id,
                "changed",
                f"bands: {_bands(previous)} → {_bands(score)}",
                _first_line(previous.bands, previous),
                _first_line(score.bands, score),
            )


def _bands(score) -> str:
    parts, low = [], 0
    for band in score.bands:
        parts.append(f"{low:g}–{band.max:g} {band.label}")
        low = band.max + 1
    return ", ".join(parts)


def _meta(old: Questionnaire, new: Questionnaire):
    for name in ("title", "crisis_resources", "youth_resources", "disclaimer", "retention_days"):
        a, b = getattr(old.meta, name), getattr(new.meta, name)
        if a != b:
            detail = name if name.endswith("resources") else f"{name}: {say(a)} → {say(b)}"
            yield Change("questionnaire", "questionnaire", "changed", detail)


def _summary(kind: str, item) -> str:
    label = getattr(item, "label", "") or getattr(item, "title", "")
    return say(label) if label else ""


def _line(item, name: str = "") -> int | None:
    """The line of a field that holds a condition (its own node), else of the item."""
    value = getattr(item, name, None) if name else None
    pos = getattr(value, "pos", None) or getattr(item, "pos", None)
    return pos.line if pos and pos.line else None


def _first_line(items, owner) -> int | None:
    return _line(items[0]) if items else _line(owner)


# -- words for values ---------------------------------------------
def say(value, q: Questionnaire | None = None) -> str:
    """A field's value as a person reads it in the diff."""
    if value is None:
        return "none"
    if isinstance(value, Condition):
        return in_words(value, q)
    if isinstance(value, Limit):
        return f"{value.number:g}" if value.ref == "" else f"the answer to {value.ref}"
    if isinstance(value, tuple | list):
        return "[" + ", ".join(say(v, q) for v in value) + "]"
    if isinstance(value, str):
        short = value if len(value) <= 70 else value[:67] + "…"
        return f"\u201c{short}\u201d"
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)
