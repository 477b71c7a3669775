"""The kinds of values questions.yaml holds, each with its JSON Schema (see shape.py)."""

from __future__ import annotations

from dataclasses import dataclass, field

ID_PATTERN = r"^[a-z][a-z0-9_]*$"
#: a language code as questions.yaml writes it: ISO 639-1, lower case (en, es)
LANGUAGE_PATTERN = r"^[a-z]{2}$"


@dataclass(frozen=True)
class Kind:
    """What a value may be. `simple` kinds are read by the Reader straight into a field."""

    simple = True

    def json(self) -> dict:
        raise NotImplementedError


@dataclass(frozen=True)
class Text(Kind):
    """Text; a bare number is taken as its text (YAML reads `2026` as a number)."""

    def json(self) -> dict:
        return {"type": ["string", "number"]}


@dataclass(frozen=True)
class Words(Kind):
    """Client-facing text: one string, or one per language, e.g. {en: Yes, es: Sí}."""

    def json(self) -> dict:
        return {
            "anyOf": [
                {"type": ["string", "number"]},
                {
                    "type": "object",
                    "propertyNames": {"pattern": LANGUAGE_PATTERN},
                    "additionalProperties": {"type": ["string", "number"]},
                },
            ]
        }


@dataclass(frozen=True)
class Ref(Kind):
    """The id of a question, score, flag or outcome defined elsewhere in the file."""

    def json(self) -> dict:
        return {"type": "string"}


@dataclass(frozen=True)
class Identifier(Kind):
    """A new id: lower-case letters, digits and _, starting with a letter."""

    def json(self) -> dict:
        return {"type": "string", "pattern": ID_PATTERN}


@dataclass(frozen=True)
class Whole(Kind):
    def json(self) -> dict:
        return {"type": "integer"}


@dataclass(frozen=True)
class Number(Kind):
    def json(self) -> dict:
        return {"type": "number"}


@dataclass(frozen=True)
class TrueFalse(Kind):
    def json(self) -> dict:
        return {"type": "boolean"}


@dataclass(frozen=True)
class OneOf(Kind):
    """One of a fixed list of words (question types, flag levels)."""

    values: tuple = ()

    def json(self) -> dict:
        return {"enum": list(self.values)}


@dataclass(frozen=True)
class OptionValue(Kind):
    """An option's value: text or a whole number, never an unquoted yes/no."""

    def json(self) -> dict:
        return {"type": ["string", "integer"]}


@dataclass(frozen=True)
class ListOf(Kind):
    item: Kind = field(default_factory=Text)
    min_items: int = 0

    @property
    def simple(self) -> bool:  # a list of simple values is read whole
        return self.item.simple

    def json(self) -> dict:
        out = {"type": "array", "items": self.item.json()}
        if self.min_items:
            out["minItems"] = self.min_items
        return out


@dataclass(frozen=True)
class MapOf(Kind):
    """A mapping whose keys are names chosen in the file (option sets, answers)."""

    value: Kind = field(default_factory=Text)
    simple = False

    def json(self) -> dict:
        return {"type": "object", "additionalProperties": self.value.json()}


@dataclass(frozen=True)
class Block(Kind):
    """A mapping with fixed keys, described by BLOCKS[name]."""

    name: str = ""
    simple = False

    def json(self) -> dict:
        return {"$ref": f"#/definitions/{self.name}"}


@dataclass(frozen=True)
class Either(Kind):
    kinds: tuple = ()
    simple = False

    def json(self) -> dict:
        return {"anyOf": [k.json() for k in self.kinds]}


@dataclass(frozen=True)
class Condition(Kind):
    """A structured condition (see OPERATORS and COMBINATORS)."""

    simple = False

    def json(self) -> dict:
        return {"$ref": "#/definitions/condition"}


@dataclass(frozen=True)
class Answer(Kind):
    """An example's answer: anything but an unquoted yes/no read as true/false."""

    simple = False

    def json(self) -> dict:
        return {"not": {"type": "boolean"}}


@dataclass(frozen=True)
class Nullable(Kind):
    kind: Kind = field(default_factory=Number)
    simple = False

    def json(self) -> dict:
        inner = self.kind.json()
        return {"type": [inner["type"], "null"]}
