"""Read an answers YAML file (question id → answer), with positions for problems."""

from __future__ import annotations

from pathlib import Path

from .problems import Problem
from .yamlsource import parse


def read_answers(path: Path) -> tuple[dict, list[Problem]]:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        return {}, [Problem("DEF001", f"cannot read the answers file: {exc}", 1, 1)]
    source = parse(text)
    if source.problems:
        return {}, source.problems
    data = source.data or {}
    if not isinstance(data, dict):
        return {}, [Problem("DEF004", "an answers file is a mapping of question id to answer",
                            1, 1)]
    problems = []
    for key in data:
        if (key,) in source.booleans:
            pos = source.pos((key,))
            raw = source.booleans[(key,)]
            problems.append(Problem("DEF007", f"the answer to '{key}' ({raw}) was read as "
                                    f"true/false; write it as \"{raw}\"", pos.line, pos.col))
    return data, problems
