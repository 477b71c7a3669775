"""questions.schema.json, generated from the shape description (shape.py) the loader uses.

JSON Schema draft-07: what the YAML language server (VS Code's YAML extension) supports
fully, for completion, hover help from the descriptions and squiggles while typing.
"""

from __future__ import annotations

import json

from .shape import (
    BLOCKS,
    COMBINATORS,
    LEAVES,
    QUESTION_OPERATORS,
    SCORE_OPERATORS,
    BlockShape,
    Key,
)

DRAFT = "http://json-schema.org/draft-07/schema#"
FILE_NAME = "questions.schema.json"

_OPERANDS = {
    "value": {"type": ["string", "number"]},
    "values": {"type": "array", "minItems": 1, "items": {"type": ["string", "number"]}},
    "number": {"type": "number"},
    "boolean": {"type": "boolean"},
}


def json_schema() -> dict:
    """The whole schema: the file block at the top, every other block under definitions."""
    top = _block(BLOCKS["file"])
    definitions = {name: _block(b) for name, b in BLOCKS.items() if name != "file"}
    definitions.update(_conditions())
    return {
        "$schema": DRAFT,
        "$id": FILE_NAME,
        "title": "questions.yaml",
        **top,
        "definitions": definitions,
    }


def schema_text() -> str:
    """The schema as the committed file holds it: stable key order, two-space indents."""
    return json.dumps(json_schema(), indent=2, ensure_ascii=False) + "\n"


def _block(block: BlockShape) -> dict:
    out = {
        "type": "object",
        "description": block.doc,
        "properties": {key.name: _property(key) for key in block.keys},
        "additionalProperties": block.extra.json() if block.extra else False,
    }
    if block.required:
        out["required"] = list(block.required)
    return out


def _property(key: Key) -> dict:
    out = dict(key.kind.json())
    out["description"] = key.doc
    if key.default not in (None, "", ()) and not key.required:
        out["default"] = key.default
    return out


def _conditions() -> dict:
    """A condition: one leaf (q, score, flag) with one operator, or all/any/not."""
    branches = {
        "condition_all": _combinator("all", {"type": "array", "minItems": 1, "items": _ref()}),
        "condition_any": _combinator("any", {"type": "array", "minItems": 1, "items": _ref()}),
        "condition_not": _combinator("not", _ref()),
        "condition_q": _leaf("q", QUESTION_OPERATORS),
        "condition_score": _leaf("score", SCORE_OPERATORS),
        "condition_flag": {
            "type": "object",
            "description": LEAVES["flag"],
            "properties": {"flag": {"type": "string", "description": LEAVES["flag"]}},
            "required": ["flag"],
            "additionalProperties": False,
        },
    }
    condition = {
        "description": "A condition, e.g. {q: age, at_least: 18}, {flag: x}, {all: [...]}.",
        "anyOf": [{"$ref": f"#/definitions/{name}"} for name in branches],
    }
    return {"condition": condition, **branches}


def _ref() -> dict:
    return {"$ref": "#/definitions/condition"}


def _combinator(name: str, value: dict) -> dict:
    return {
        "type": "object",
        "description": COMBINATORS[name],
        "properties": {name: {**value, "description": COMBINATORS[name]}},
        "required": [name],
        "additionalProperties": False,
    }


def _leaf(name: str, operators) -> dict:
    properties = {name: {"type": "string", "description": LEAVES[name]}}
    for op in operators:
        properties[op.name] = {**_OPERANDS[op.takes], "description": op.doc}
    return {
        "type": "object",
        "description": f"A {name} condition with exactly one operator.",
        "properties": properties,
        "required": [name],
        "additionalProperties": False,
        "minProperties": 2,
        "maxProperties": 2,
    }
