"""Read structured conditions (show_if, when, applies_if) from questions.yaml. No eval."""

from __future__ import annotations

from . import definition as d
from . import shape
from .schema import suggest

# The operators and what each takes are declared in shape.py, with the schema's help text.
Q_OPS = tuple(op.name for op in shape.QUESTION_OPERATORS)
NUMBER_OPS = tuple(op.name for op in shape.SCORE_OPERATORS)
LIST_OPS = tuple(op.name for op in shape.QUESTION_OPERATORS if op.takes == "values")
COMBINATORS = tuple(shape.COMBINATORS)

_INVALID = object()


class ConditionReader:
    """Mixed into the loader's builder, which provides `reader` and `pos(path)`."""

    def condition_at(self, path) -> d.Condition | None:
        if self.reader.get(path) is None:
            return None
        return self.condition(path)

    def condition(self, path) -> d.Condition | None:
        r = self.reader
        raw = r.get(path)
        pos = self.pos(path)
        if not isinstance(raw, dict) or not raw:
            r.problem(
                "DEF017", "a condition must be a mapping such as {q: age, at_least: 18}", path
            )
            return None
        combinators = [k for k in raw if k in COMBINATORS]
        if combinators:
            return self.combinator(path, raw, combinators[0], pos)
        if "q" in raw:
            return self.leaf(path, raw, "q", Q_OPS, pos)
        if "score" in raw:
            return self.leaf(path, raw, "score", NUMBER_OPS, pos)
        if "flag" in raw:
            extra = [k for k in raw if k != "flag"]
            for key in extra:
                r.unknown_key(path, key, ("flag",), "a flag condition")
            return d.Condition("flag", ref=str(raw["flag"]), pos=pos)
        r.problem(
            "DEF017",
            "a condition needs one of q, score, flag, all, any or not; found "
            f"{', '.join(map(str, raw))}"
            + suggest(next(iter(raw)), tuple(shape.LEAVES) + COMBINATORS),
            path,
        )
        return None

    def combinator(self, path, raw, kind, pos) -> d.Condition | None:
        r = self.reader
        if len(raw) > 1:
            r.problem(
                "DEF017",
                f"'{kind}' must stand alone in its condition; put the other keys inside it",
                path,
            )
            return None
        if kind == "not":
            child = self.condition(path + ("not",))
            return d.Condition("not", children=(child,), pos=pos) if child else None
        items = r.sequence(path + (kind,), f"'{kind}'")
        if not items:
            r.problem("DEF017", f"'{kind}' needs a list of at least one condition", path)
            return None
        children = tuple(c for i in range(len(items)) if (c := self.condition(path + (kind, i))))
        return d.Condition(kind, children=children, pos=pos) if children else None

    def leaf(self, path, raw, kind, ops, pos) -> d.Condition | None:
        r = self.reader
        found = [k for k in raw if k != kind]
        for key in found:
            if key not in ops:
                r.unknown_key(path, key, (kind,) + ops, f"a {kind} condition")
        op_keys = [k for k in found if k in ops]
        if len(op_keys) != 1:
            r.problem(
                "DEF017",
                f"a {kind} condition needs exactly one operator ("
                f"{', '.join(ops)}); found {len(op_keys)}",
                path,
            )
            return None
        op = op_keys[0]
        value = self.operand(path + (op,), op, raw[op])
        if value is _INVALID:
            return None
        ref = r.value(path + (kind,), str, "", kind)
        return d.Condition(kind, ref=ref, op=op, value=value, pos=pos)

    def operand(self, path, op, value):
        r = self.reader
        takes = shape.OPERATORS[op].takes
        if takes == "boolean":
            if not isinstance(value, bool):
                r.problem("DEF017", "'answered' takes true or false", path)
                return _INVALID
            return value
        if takes == "values":
            if not isinstance(value, list) or not value:
                r.problem("DEF017", f"'{op}' takes a list of option values", path)
                return _INVALID
            if any(isinstance(v, bool) for v in value):
                r.boolean_problem(
                    path + (next(i for i, v in enumerate(value) if isinstance(v, bool)),),
                    f"the '{op}' value",
                )
                return _INVALID
            return tuple(value)
        if isinstance(value, bool):
            r.boolean_problem(path, f"the '{op}' value")
            return _INVALID
        if takes == "number" and not isinstance(value, int | float):
            r.problem("DEF017", f"'{op}' takes a number, not {value!r}", path)
            return _INVALID
        if not isinstance(value, str | int | float):
            r.problem("DEF017", f"'{op}' takes a single value", path)
            return _INVALID
        return value
