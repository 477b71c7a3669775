"""Checks on the shape of parsed YAML: known keys, required keys, kinds of values."""

from __future__ import annotations

import difflib
import re

from . import kinds
from .definition import Pos
from .problems import Problem
from .shape import BlockShape
from .translations import InLanguage, text_name, untranslated
from .yamlsource import Source

ID_RE = re.compile(kinds.ID_PATTERN)

KIND_NAMES = {
    str: "text",
    int: "a whole number",
    float: "a number",
    bool: "true or false",
    list: "a list",
    dict: "a mapping (key: value lines)",
}


#: the Python type each simple kind of shape.py is read as
_PYTHON = {
    kinds.Text: str,
    kinds.Ref: str,
    kinds.OneOf: str,
    kinds.Whole: int,
    kinds.Number: float,
    kinds.TrueFalse: bool,
}


class Reader:
    """Reads values out of a Source by path, recording a problem for each misfit."""

    def __init__(self, source: Source, language: str = ""):
        self.source = source
        self.problems: list[Problem] = []
        #: the declared languages, the default first (set by the loader before reading texts)
        self.languages: tuple[str, ...] = ("en",)
        #: the language texts are read in ("": the default)
        self.language = language
        #: language -> how many client texts have it; "" -> how many there are
        self.coverage: dict[str, int] = {}
        #: (path, language) of each client text without that language; see translations.py
        self.missing: list[tuple[tuple, str]] = []

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

    def mapping(self, path, block: BlockShape, what: str = "") -> dict | None:
        """The mapping at `path` if it is one; unknown and missing keys are reported."""
        what = what or block.what
        value = self.get(path)
        if not isinstance(value, dict):
            self.problem(
                "DEF004",
                f"{what} must be a mapping (key: value lines), not {describe(value)}",
                path,
            )
            return None
        meant = set()
        missing = [key for key in block.required if key not in value]
        if block.extra is None:
            for key in value:
                if key not in block.names:
                    meant.add(self.unknown_key(path, key, block.names, what, missing))
        for key in block.required:
            # `lable` for `label`: the DEF002 already says so; a DEF003 would only repeat it
            if key not in value and key not in meant:
                self.problem("DEF003", f"{what} is missing the required key '{key}'", path)
        return value

    def fields(self, path, block: BlockShape, what: str = "", present_only=False) -> dict | None:
        """The block's simple values by field name, each checked against its kind.

        Keys of other kinds (conditions, nested blocks, ...) are left to the caller. With
        `present_only`, keys the file leaves out are left out too (else: their defaults).
        """
        raw = self.mapping(path, block, what)
        if raw is None:
            return None
        out = {}
        for key in block.keys:
            if key.kind.simple and (key.name in raw or not present_only):
                what = f"{block.name} id" if key.name == "id" else key.name
                out[key.field_name] = self.read(path + (key.name,), key.kind, key.default, what)
        if block.extra is not None:
            for name in raw:
                if name not in block.names:
                    out[name] = self.read(path + (name,), block.extra, None, str(name))
        return out

    def read(self, path, kind, default=None, what="this value"):
        """One value of a simple kind (shape.py), or `default` with a problem."""
        if isinstance(kind, kinds.ListOf):
            items = self.sequence(path, what)
            if not items and self.get(path) is None:
                return default
            values = [
                self.read(path + (i,), kind.item, None, f"an entry of {what}")
                for i in range(len(items))
            ]
            return tuple(v for v in values if v is not None)
        if isinstance(kind, kinds.Identifier):
            return self.identifier(path, what)
        if isinstance(kind, kinds.OptionValue):
            return self.option_value(path, what)
        if isinstance(kind, kinds.Words):
            return self.words(path, default, what)
        return self.value(path, _PYTHON[type(kind)], default, what)

    def words(self, path, default, what):
        """A client text in the reading language (else the default one), counted for coverage."""
        value = self.get(path)
        if not isinstance(value, dict):
            text = self.value(path, str, None, what)
            if text is None:
                return default
            self._count(path, {self.languages[0]})
            return text
        texts = {}
        for language, text in value.items():
            if language not in self.languages:
                self.problem(
                    "DEF035",
                    f"{text_name(self, path)} has a text in '{language}', which "
                    "questionnaire.languages does not declare"
                    f" ({', '.join(self.languages)}); add it there or remove it",
                    pos=self.source.key_pos(tuple(path) + (language,)),
                )
                continue
            text = self.value(path + (language,), str, None, f"the {language} text of {what}")
            if text is not None and text.strip():  # an empty one is a missing one (DEF034)
                texts[language] = text
        self._count(path, set(texts))
        default_language = self.languages[0]
        original = texts.get(default_language)
        for language, text in texts.items():
            if language != default_language and untranslated(text, original):
                self.coverage[f"{language}="] = self.coverage.get(f"{language}=", 0) + 1
        chosen = texts.get(self.language)
        if self.language != default_language and original is not None:
            if chosen is None or untranslated(chosen, original):
                return InLanguage(original, default_language)  # no translation of its own
        if chosen is None:
            chosen = original
        return chosen if chosen is not None else next(iter(texts.values()), default)

    def _count(self, path, have: set) -> None:
        self.coverage[""] = self.coverage.get("", 0) + 1
        for language in self.languages:
            if language in have:
                self.coverage[language] = self.coverage.get(language, 0) + 1
            else:
                self.missing.append((tuple(path), language))

    def option_value(self, path, what):
        value = self.get(path)
        if isinstance(value, bool):
            self.boolean_problem(path, f"the {what}")
            return None
        if value is not None and not isinstance(value, str | int):
            self.problem("DEF004", f"{what} must be text or a whole number", path)
            return None
        return value

    def unknown_key(self, path, key, allowed, what, missing=()) -> str | None:
        """Report `key`; returns the known key it is probably a misspelling of, if any."""
        close = difflib.get_close_matches(str(key), list(allowed), n=1, cutoff=0.6)
        meant = close[0] if close else None
        hint = f" Did you mean '{meant}'?" if meant else ""
        if meant in missing:
            hint += f" The required key '{meant}' is missing because of it."
        known = ", ".join(sorted(allowed))
        self.problem(
            "DEF002",
            f"unknown key '{key}' in {what}.{hint} Known keys: {known}.",
            pos=self.source.key_pos(tuple(path) + (key,)),
        )
        return meant

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
