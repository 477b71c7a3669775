"""Run the `examples:` of a questionnaire and report mismatches and coverage."""

from __future__ import annotations

from dataclasses import dataclass, field

from .definition import Example, Questionnaire
from .evaluate import evaluate
from .problems import Problem


@dataclass
class Coverage:
    outcomes: set = field(default_factory=set)
    flags: set = field(default_factory=set)
    questions: set = field(default_factory=set)

    def missing(self, q: Questionnaire) -> dict[str, list[str]]:
        return {
            "outcomes": [o.id for o in q.outcomes if o.id not in self.outcomes],
            "flags": [f.id for f in q.flags if f.id not in self.flags],
            "questions": [x for x in q.questions if x not in self.questions],
        }

    def summary(self, q: Questionnaire) -> list[str]:
        missing = self.missing(q)
        totals = {"outcomes": len(q.outcomes), "flags": len(q.flags), "questions": len(q.questions)}
        lines = []
        for kind, total in totals.items():
            gaps = missing[kind]
            line = f"coverage: {kind} {total - len(gaps)}/{total} reached by an example"
            if gaps:
                line += f"; not reached: {', '.join(gaps)}"
            lines.append(line)
        return lines


def run_examples(q: Questionnaire) -> tuple[list[Problem], Coverage]:
    problems: list[Problem] = []
    coverage = Coverage()
    for example in q.examples:
        evaluation = evaluate(q, example.answers)
        coverage.outcomes.add(evaluation.outcome.id if evaluation.outcome else None)
        coverage.flags.update(evaluation.flag_ids)
        coverage.questions.update(evaluation.visible_questions)
        problems.extend(_compare(example, evaluation))
    return problems, coverage


def _compare(example: Example, ev) -> list[Problem]:
    line, col = example.pos.line, example.pos.col
    expect = example.expect
    who = f"example '{example.name}'"
    out: list[Problem] = []

    def add(code, message, at=None):
        pos = example.answer_pos.get(at) if at else None
        out.append(
            Problem(code, f"{who}: {message}", pos.line if pos else line, pos.col if pos else col)
        )

    expected_errors = set(expect.get("errors") or [])
    for error in ev.errors:
        if error.question_id not in expected_errors:
            add("DEF053", f"answer does not fit: {error.message}", error.question_id)
    missing_errors = expected_errors - {e.question_id for e in ev.errors}
    if missing_errors:
        add(
            "DEF055",
            f"expected a validation error on {', '.join(sorted(missing_errors))}, "
            "but the answers were accepted",
        )
    actual = ev.outcome.id if ev.outcome else None
    if "outcome" in expect and expect["outcome"] != actual:
        reasons = ", ".join(ev.flag_ids) or "no flags"
        add(
            "DEF050",
            f"expected outcome '{expect['outcome']}' but got '{actual}' (flags fired: {reasons})",
        )
    fired = set(ev.flag_ids)
    for flag_id in expect.get("flags") or []:
        if flag_id not in fired:
            add("DEF051", f"expected flag '{flag_id}' to fire, but it did not")
    for flag_id in expect.get("not_flags") or []:
        if flag_id in fired:
            add("DEF051", f"flag '{flag_id}' fired, but the example says it must not")
    for score_id, value in (expect.get("scores") or {}).items():
        result = ev.scores.get(score_id)
        got = result.value if result else None
        if value is None:  # `null`: the score must not apply
            if got is not None:
                add("DEF052", f"expected score '{score_id}' not to apply, got {_fmt(got)}")
        elif got is None or float(got) != float(value):
            add("DEF052", f"expected score '{score_id}' = {value}, got {_fmt(got)}")
    for qid in expect.get("visible") or []:
        if qid not in ev.visible_questions:
            add("DEF054", f"expected question '{qid}' to be shown, but it is hidden")
    for qid in expect.get("hidden") or []:
        if qid in ev.visible_questions:
            add("DEF054", f"expected question '{qid}' to be hidden, but it is shown")
    if "interrupt" in expect and bool(expect["interrupt"]) != bool(ev.interrupt):
        add("DEF051", f"expected interrupt {expect['interrupt']}, got {list(ev.interrupt)}")
    return out


def _fmt(value) -> str:
    if value is None:
        return "nothing (the score does not apply)"
    return f"{value:g}"
