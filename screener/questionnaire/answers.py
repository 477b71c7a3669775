"""Answers: check one against its question (kind, options, range, length); read a file of them."""

from __future__ import annotations

import datetime as dt
import math
import re
from dataclasses import dataclass
from pathlib import Path

from .definition import Pos, Question
from .problems import Problem
from .yamlsource import parse


@dataclass(frozen=True)
class AnswerError:
    question_id: str
    code: str
    message: str


def clean(question: Question, value) -> tuple[object, AnswerError | None]:
    """(value in its canonical form, None) or (None, the reason it does not fit)."""
    if value is None or value == "" or value == []:
        return None, None
    try:
        return _CLEANERS[question.type](question, value), None
    except _Misfit as misfit:
        return None, AnswerError(question.id, misfit.code, misfit.message)


class _Misfit(Exception):
    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code
        self.message = message


def _choice(question: Question, value):
    if isinstance(value, list | dict | bool):
        raise _Misfit("ANS004", f"'{question.id}' takes one of its options")
    for option in question.options:
        if option.value == value or str(option.value) == str(value):
            return option.value
    allowed = ", ".join(repr(o.value) for o in question.options)
    raise _Misfit("ANS002", f"{value!r} is not an option of '{question.id}'; use one of {allowed}")


def _multiple(question: Question, value):
    values = value if isinstance(value, list) else [value]
    chosen = []
    for item in values:
        picked = _choice(question, item)
        if picked not in chosen:
            chosen.append(picked)
    lone = [v for v in chosen if v in question.exclusive]
    if lone and len(chosen) > 1:
        label = question.display(lone[0])
        raise _Misfit("ANS006", f"'{label}' cannot be chosen together with other answers")
    order = [o.value for o in question.options]
    return sorted(chosen, key=order.index)


#: numbers are typed with the ASCII digits only (int() and float() also take "١٢", "1_000",
#: "1e309" and "nan"); more digits than this can be no real answer and would overflow floats
MAX_DIGITS = 15
_NUMBER_TEXT = {
    int: re.compile(r"[+-]?([0-9]+)", re.ASCII),
    float: re.compile(r"[+-]?([0-9]*)(?:\.([0-9]*))?", re.ASCII),
}


def _number(question: Question, value, kind):
    number = _parse_number(question, value, kind)
    low = question.min.number if question.min and question.min.number is not None else None
    high = question.max.number if question.max and question.max.number is not None else None
    if number is None or low is not None and number < low or high is not None and number > high:
        raise _Misfit("ANS003", f"'{question.id}' must be between {_fmt(low)} and {_fmt(high)}")
    return number


def _parse_number(question: Question, value, kind):
    """The number typed (ASCII digits only), or None when it has too many digits to be real."""
    wrong = _Misfit("ANS004", f"'{question.id}' takes a {'whole ' if kind is int else ''}number")
    if isinstance(value, str):
        match = _NUMBER_TEXT[kind].fullmatch(value.strip())
        if match is None or not any(match.groups()):
            raise wrong
        if sum(len(part or "") for part in match.groups()) > MAX_DIGITS:
            return None
        return kind(match.group(0))
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise wrong
    if isinstance(value, float) and not math.isfinite(value):
        raise wrong
    if abs(value) >= 10**MAX_DIGITS:
        return None
    if kind is int and value != int(value):
        raise wrong
    return kind(value)


def _text(question: Question, value):
    if not isinstance(value, str | int | float) or isinstance(value, bool):
        raise _Misfit("ANS004", f"'{question.id}' takes text")
    text = str(value).strip()
    limit = question.max_length or (5000 if question.type == "longtext" else 500)
    if len(text) > limit:
        raise _Misfit("ANS007", f"'{question.id}' must be {limit} characters or fewer")
    return text


def _date(question: Question, value):
    if isinstance(value, dt.date):
        return value.isoformat()
    try:
        return dt.date.fromisoformat(str(value).strip()).isoformat()
    except ValueError as exc:
        raise _Misfit("ANS004", f"'{question.id}' takes a date like 2024-03-31") from exc


def _fmt(number) -> str:
    if number is None:
        return "any"
    return str(int(number)) if float(number).is_integer() else str(number)


_CLEANERS = {
    "yesno": _choice,
    "single": _choice,
    "multiple": _multiple,
    "integer": lambda q, v: _number(q, v, int),
    "decimal": lambda q, v: _number(q, v, float),
    "text": _text,
    "longtext": _text,
    "date": _date,
}


# -- answers files (question id → answer), for `evaluate` and `pdf` ------------------------


def read_answers(path: Path) -> tuple[dict, list[Problem]]:
    values, problems, _positions = read_answers_with_positions(path)
    return values, problems


def read_answers_with_positions(path: Path) -> tuple[dict, list[Problem], dict[str, Pos]]:
    """(answers, problems, question id → position of its answer in the file)."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        return {}, [Problem("DEF001", f"cannot read the answers file: {exc}", 1, 1)], {}
    source = parse(text)
    if source.problems:
        return {}, source.problems, {}
    data = source.data or {}
    if not isinstance(data, dict):
        return (
            {},
            [Problem("DEF004", "an answers file is a mapping of question id to answer", 1, 1)],
            {},
        )
    problems = []
    positions = {key: source.key_pos((key,)) for key in data}
    for path_, raw in source.booleans.items():
        if path_ and path_[0] in data:
            key = path_[0]
            pos = source.pos(path_)
            problems.append(
                Problem(
                    "DEF007",
                    f"the answer to '{key}' ({raw}) was read as true/false; write it as \"{raw}\"",
                    pos.line,
                    pos.col,
                )
            )
    return data, problems, positions
