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
def _gc_paused():
    """Parsing allocates tens of thousands of nodes that all stay alive, so every cyclic-GC
    pass in between is wasted work that grows with the file (measured: load+lint of a 10x
    larger file took 16x as long with the collector running, 12x with it paused)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def parse(text: str) -> Source:
    """YAML text → Source. Syntax errors become DEF001 problems, never exceptions."""
    with _gc_paused():
        return _parse(text)


def _parse(text: str) -> Source:
    source = Source()
    try:
        node = yaml.compose(text, Loader=_Loader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line, col = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        detail = exc.problem or str(exc)
        if exc.context:
            detail = f"{detail} ({exc.context})"
        source.problems.append(
            Problem("DEF001", f"YAML syntax error: {detail}. Check indentation and quotes "
                    "on this line and the one above.", line, col))
        return source
    except yaml.YAMLError as exc:  # e.g. a reader error on bad bytes
        source.problems.append(Problem("DEF001", f"YAML error: {exc}", 1, 1))
        return source
    if node is None:
        return source
    constructor = yaml.SafeLoader("")
    source.data = _convert(node, (), source, constructor)
    return source


def _convert(node, path, source: Source, constructor):
    source.positions[path] = _mark(node)
    if isinstance(node, yaml.MappingNode):
        return _convert_mapping(node, path, source, constructor)
    if isinstance(node, yaml.SequenceNode):
        return [_convert(item, path + (i,), source, constructor)
                for i, item in enumerate(node.value)]
    if node.tag == STR_TAG:
        return node.value  # the common case, without the constructor's bookkeeping
    value = constructor.construct_object(node, deep=True)
    if node.tag == BOOL_TAG:
        source.booleans[path] = node.value
    return value


def _convert_mapping(node, path, source: Source, constructor) -> dict:
    result: dict = {}
    for key_node, value_node in node.value:
        if not isinstance(key_node, yaml.ScalarNode):
            source.problems.append(Problem("DEF004", "a mapping key must be plain text",
                                           *_line_col(key_node)))
            continue
        key = key_node.value
        if key in result:
            source.problems.append(Problem(
                "DEF006", f"the key '{key}' appears twice here; YAML keeps only the last one. "
                "Remove or rename one of them.", *_line_col(key_node)))
        source.key_positions[path + (key,)] = _mark(key_node)
        result[key] = _convert(value_node, path + (key,), source, constructor)
    return result


def _line_col(node) -> tuple[int, int]:
    pos = unpack(_mark(node))
    return pos.line, pos.col
