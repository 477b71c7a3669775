"""Checks on the shape of parsed YAML: known keys, required keys, kinds of values."""

from __future__ import annotations

import difflib
import re

from .definition import Pos
from .problems import Problem
from .yamlsource import Source

ID_RE = re.compile(r"^[a-z][a-z0-9_]*$")

KIND_NAMES = {
    str: "text",
    int: "a whole number",
    float: "a number",
    bool: "true or false",
    list: "a list",
    dict: "a mapping (key: value lines)",
}


class Reader:
    """Reads values out of a Source by path, recording a problem for each misfit."""

    def __init__(self, source: Source):
        self.source = source
        self.problems: list[Problem] = []

    def problem(self, code: str, message: str, path=(), pos: Pos | None = None, **kw):
        pos = pos or self.source.pos(path)
        self.problems.append(Problem(code, message, pos.line, pos.col, **kw))

    def get(self, path):
        value = self.source.data
        for part in path:
            if isinstance(value, dict) and part in value:
                value = value[part]
            elif isinstance(value, list) and isinstance(part, int) and part < len(value):
                value = value[part]
            else:
                return None
        return value

    def mapping(self, path, allowed, required=(), what="this entry") -> dict | None:
        """The mapping at `path` if it is one; unknown and missing keys are reported."""
        value = self.get(path)
        if not isinstance(value, dict):
            self.problem(
                "DEF004",
                f"{what} must be a mapping (key: value lines), not {describe(value)}",
                path,
            )
            return None
        for key in value:
            if key not in allowed:
                self.unknown_key(path, key, allowed, what)
        for key in required:
            if key not in value:
                self.problem("DEF003", f"{what} is missing the required key '{key}'", path)
        return value

    def unknown_key(self, path, key, allowed, what):
        close = difflib.get_close_matches(str(key), list(allowed), n=1, cutoff=0.6)
        hint = f" Did you mean '{close[0]}'?" if close else ""
        known = ", ".join(sorted(allowed))
        self.problem(
            "DEF002",
            f"unknown key '{key}' in {what}.{hint} Known keys: {known}.",
            pos=self.source.key_pos(tuple(path) + (key,)),
        )

    def value(self, path, kind, default=None, what="this value"):
        """The value at `path` if it has the expected kind, else `default` (and a problem)."""
        value = self.get(path)
        if value is None:
            return default
        if isinstance(value, bool) and kind is not bool:
            self.boolean_problem(path, what)
            return default
        if kind is float and isinstance(value, int):
            return value
        if kind is str and isinstance(value, int | float):
            return str(value)
        if not isinstance(value, kind):
            self.problem(
                "DEF004", f"{what} must be {KIND_NAMES[kind]}, not {describe(value)}", path
            )
            return default
        return value

    def boolean_problem(self, path, what="this value"):
        raw = self.source.booleans.get(tuple(path), "")
        self.problem(
            "DEF007",
            f"{what} '{raw}' was read as true/false because it is not "
            f'quoted. Write it as "{raw}".',
            path,
        )

    def identifier(self, path, what="id") -> str:
        value = self.value(path, str, "", what)
        if value and not ID_RE.match(value):
            self.problem(
                "DEF026",
                f"{what} '{value}' must start with a lower-case letter and "
                "use only lower-case letters, digits and _",
                path,
            )
        return value

    def sequence(self, path, what="this") -> list:
        value = self.get(path)
        if value is None:
            return []
        if not isinstance(value, list):
            self.problem("DEF004", f"{what} must be a list, not {describe(value)}", path)
            return []
        return value


def describe(value) -> str:
    if value is None:
        return "empty"
    if isinstance(value, bool):
        return "true/false"
    for kind, name in KIND_NAMES.items():
        if type(value) is kind:
            return f"{name} ({str(value)[:40]!r})" if kind in (str, int, float) else name
    return type(value).__name__


def suggest(word, choices) -> str:
    """ ". Did you mean 'x'?" for the closest of `choices`, or nothing."""
    close = difflib.get_close_matches(str(word), list(choices), n=1, cutoff=0.6)
    return f". Did you mean '{close[0]}'?" if close else ""
