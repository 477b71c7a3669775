"""Read an answers YAML file (question id → answer), with positions for problems."""

from __future__ import annotations

from pathlib import Path

from .definition import Pos
from .problems import Problem
from .yamlsource import parse


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
