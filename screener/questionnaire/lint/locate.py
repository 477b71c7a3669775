"""What the lint checks share: making a Problem, naming a question, finding a line."""

from __future__ import annotations

import functools

from .. import definition as d
from ..problems import WARNING, Problem
from ..yamlsource import pack, parse


def problem(code, message, pos: d.Pos, warning=False) -> Problem:
    return Problem(code, message, pos.line, pos.col, WARNING if warning else "error")


@functools.lru_cache(maxsize=4)
def _source(text: str):
    """The file parsed again, with positions, for the few problems whose item has no pos."""
    source = parse(text)
    by_pos: dict = {}
    for path, packed in source.positions.items():
        if packed not in by_pos or len(path) < len(by_pos[packed]):
            by_pos[packed] = path
    return source, by_pos


def where(q: d.Questionnaire, owner_pos: d.Pos | None, *keys, key: bool = False) -> d.Pos:
    """Position of `keys` inside the item at `owner_pos` (the file root when None)."""
    fallback = owner_pos or d.Pos(1, 1)
    if not q.text:
        return fallback
    source, by_pos = _source(q.text)
    base = () if owner_pos is None else by_pos.get(pack(owner_pos))
    if base is None:
        return fallback
    return source.exact(base + keys, key=key) or fallback


def name(question: d.Question) -> str:
    """How messages name a question: id and label."""
    label = question.label if len(question.label) <= 50 else question.label[:47] + "..."
    return f"question '{question.id}' (\u201c{label}\u201d)"
