"""Parse YAML into plain Python while remembering where every value came from."""

from __future__ import annotations

import contextlib
import gc
from dataclasses import dataclass, field

import yaml

from .definition import Pos
from .problems import Problem

try:  # libyaml is several times faster; the pure-Python loader gives the same result
    _Loader = yaml.CSafeLoader
except AttributeError:  # pragma: no cover - depends on how PyYAML was built
    _Loader = yaml.SafeLoader

BOOL_TAG = "tag:yaml.org,2002:bool"
STR_TAG = "tag:yaml.org,2002:str"
SEQ_TAG = "tag:yaml.org,2002:seq"
MAP_TAG = "tag:yaml.org,2002:map"


@dataclass
class Source:
    """Parsed data plus the position of every value, keyed by its path."""

    data: object = None
    positions: dict = field(default_factory=dict)
    key_positions: dict = field(default_factory=dict)
    #: paths of scalars YAML 1.1 turned into booleans, with the original text
    booleans: dict = field(default_factory=dict)
    problems: list = field(default_factory=list)

    def pos(self, path) -> Pos:
        """Position of the value at `path`, or of its nearest parent."""
        path = tuple(path)
        while path:
            if path in self.positions:
                return unpack(self.positions[path])
            path = path[:-1]
        return unpack(self.positions.get((), _PACK))

    def key_pos(self, path) -> Pos:
        packed = self.key_positions.get(tuple(path))
        return unpack(packed) if packed else self.pos(path)

    def exact(self, path, key: bool = False) -> Pos | None:
        """Position of exactly `path` (its key with key=True), or None."""
        packed = (self.key_positions if key else self.positions).get(tuple(path))
        return unpack(packed) if packed else None


# Positions are kept as one int each (line << 20 | column): a big file has one per node,
# and ints cost the garbage collector nothing, unlike an object per node.
_SHIFT = 20
_PACK = 1 << _SHIFT | 1


def pack(pos: Pos) -> int:
    return pos.line << _SHIFT | pos.col


def unpack(packed: int) -> Pos:
    return Pos(packed >> _SHIFT, packed & ((1 << _SHIFT) - 1))


def _mark(node) -> int:
    return (node.start_mark.line + 1) << _SHIFT | (node.start_mark.column + 1)


@contextlib.contextmanager
def gc_paused():
    """Pause the cyclic garbage collector while a definition is built.

    Loading builds tens of thousands of objects that all stay alive; every collection in
    between rescans them, so its cost grew faster than the file.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def parse(text: str) -> Source:
    """YAML text → Source. Syntax errors become DEF001 problems, never exceptions."""
    with gc_paused():
        return _parse(text)


def _parse(text: str) -> Source:
    source = Source()
    try:
        source.data = _Reader(text, source).document()
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line, col = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        detail = exc.problem or str(exc)
        if exc.context:
            detail = f"{detail} ({exc.context})"
        source.problems.append(
            Problem(
                "DEF001",
                f"YAML syntax error: {detail}. Check indentation and quotes "
                "on this line and the one above.",
                line,
                col,
            )
        )
    except yaml.YAMLError as exc:  # e.g. a reader error on bad bytes
        source.problems.append(Problem("DEF001", f"YAML error: {exc}", 1, 1))
    return source


class _Reader:
    """Builds plain data straight from the parser's events, as PyYAML's composer and safe
    constructor would, but without a node tree: that tree was most of the time and memory,
    and its cost grew faster than the file."""

    def __init__(self, text: str, source: Source):
        self.loader = _Loader(text)
        self.source = source
        self.anchors: dict = {}
        self.constructor = yaml.SafeLoader("")

    def document(self):
        loader = self.loader
        try:
            loader.get_event()  # stream start
            if loader.check_event(yaml.StreamEndEvent):
                return None
            loader.get_event()  # document start
            data = self.value(())
            loader.get_event()  # document end
            if not loader.check_event(yaml.StreamEndEvent):
                event = loader.peek_event()
                raise yaml.MarkedYAMLError(
                    problem="the file holds more than one YAML document; remove the '---' line",
                    problem_mark=event.start_mark,
                )
            return data
        finally:
            loader.dispose()

    def value(self, path):
        event = self.loader.get_event()
        self.source.positions[path] = _mark(event)
        if isinstance(event, yaml.AliasEvent):
            if event.anchor not in self.anchors:
                raise yaml.MarkedYAMLError(
                    problem=f"unknown alias '*{event.anchor}'", problem_mark=event.start_mark
                )
            return self.anchors[event.anchor]
        if isinstance(event, yaml.ScalarEvent):
            value = self.scalar(event, path)
        elif event.tag not in (None, "!", SEQ_TAG, MAP_TAG):
            raise yaml.MarkedYAMLError(
                problem=f"unknown tag '{event.tag}'; use plain values",
                problem_mark=event.start_mark,
            )
        elif isinstance(event, yaml.SequenceStartEvent):
            value = self.sequence(path)
        else:
            value = self.mapping(path)
        if event.anchor:
            self.anchors[event.anchor] = value
        return value

    def scalar(self, event, path):
        tag = event.tag
        if tag is None or tag == "!":
            tag = self.loader.resolve(yaml.ScalarNode, event.value, event.implicit)
        if tag == STR_TAG:
            return event.value  # the common case, without the constructor's bookkeeping
        if tag == BOOL_TAG:
            self.source.booleans[path] = event.value
        construct = self.constructor.yaml_constructors.get(tag)
        if construct is None:
            raise yaml.MarkedYAMLError(
                problem=f"unknown tag '{tag}'; use plain values", problem_mark=event.start_mark
            )
        node = yaml.ScalarNode(
            tag, event.value, event.start_mark, event.end_mark, style=event.style
        )
        return construct(self.constructor, node)

    def sequence(self, path) -> list:
        items = []
        while not self.loader.check_event(yaml.SequenceEndEvent):
            items.append(self.value(path + (len(items),)))
        self.loader.get_event()
        return items

    def mapping(self, path) -> dict:
        result: dict = {}
        source = self.source
        while not self.loader.check_event(yaml.MappingEndEvent):
            key_event = self.loader.peek_event()
            if not isinstance(key_event, yaml.ScalarEvent):
                source.problems.append(
                    Problem("DEF004", "a mapping key must be plain text", *_line_col(key_event))
                )
                self.value(path + ("?",))  # skip the key and its value
                self.value(path + ("?",))
                continue
            self.loader.get_event()
            key = key_event.value
            if key in result:
                source.problems.append(
                    Problem(
                        "DEF006",
                        f"the key '{key}' appears twice here; YAML keeps only the last "
                        "one. Remove or rename one of them.",
                        *_line_col(key_event),
                    )
                )
            source.key_positions[path + (key,)] = _mark(key_event)
            result[key] = self.value(path + (key,))
        self.loader.get_event()
        return result


def _line_col(event) -> tuple[int, int]:
    pos = unpack(_mark(event))
    return pos.line, pos.col
