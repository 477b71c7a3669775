"""What the engine sees at one step of a preview: conditions, scores, flags, the outcome.

Pure: the staff preview page shows it beside the client page it is previewing.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..questionnaire import Evaluation, Facts, Questionnaire, holds, in_words


@dataclass(frozen=True)
class ConditionRow:
    #: "section", "page" or "question"
    what: str
    id: str
    words: str
    holds: bool


@dataclass(frozen=True)
class ScoreRow:
    label: str
    value: float | None
    band: str


@dataclass(frozen=True)
class FlagRow:
    id: str
    level: str
    interrupt: bool
    #: (question label, answer as the client gave it)
    evidence: tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class EngineView:
    conditions: tuple[ConditionRow, ...]
    scores: tuple[ScoreRow, ...]
    flags: tuple[FlagRow, ...]
    outcome_position: int
    outcome_id: str
    outcome_title: str
    outcome_when: str


def engine_view(q: Questionnaire, ev: Evaluation, page_id: str | None = None) -> EngineView:
    """The evaluation of the answers so far, as rows for people."""
    facts = Facts(
        answers=dict(ev.answers),
        scores={sid: r.value for sid, r in ev.scores.items()},
        flags={f.flag.id: f.evidence for f in ev.flags},
    )
    outcome = ev.outcome
    return EngineView(
        tuple(_conditions(q, facts, page_id)),
        tuple(ScoreRow(r.score.label, r.value, r.band) for r in ev.scores.values()),
        tuple(_flag_row(q, f) for f in ev.flags),
        q.outcomes.index(outcome) + 1 if outcome else 0,
        outcome.id if outcome else "",
        outcome.title if outcome else "",
        in_words(outcome.when, q) if outcome and outcome.when else "no condition (the catch-all)",
    )


def _conditions(q: Questionnaire, facts: Facts, page_id: str | None):
    """Every section and page condition, then the conditions of this page's questions."""
    for section in q.sections:
        if section.show_if is not None:
            yield _row(q, "section", section.id, section.show_if, facts)
        for page in section.pages:
            if page.show_if is not None:
                yield _row(q, "page", page.id, page.show_if, facts)
    page = q.pages.get(page_id) if page_id else None
    for question in page.questions if page else ():
        if question.show_if is not None:
            yield _row(q, "question", question.id, question.show_if, facts)


def _row(q, what, item_id, cond, facts) -> ConditionRow:
    return ConditionRow(what, item_id, in_words(cond, q), holds(cond, facts))


def _flag_row(q: Questionnaire, fired) -> FlagRow:
    evidence = []
    for qid, value in fired.evidence:
        question = q.questions.get(qid)
        score = None if question else q.score(qid)  # a flag raised by a score, e.g. GAD-7 10+
        if question:
            evidence.append((question.label, question.display(value)))
        else:
            evidence.append((score.label if score else qid, f"{value:g}" if score else str(value)))
    return FlagRow(fired.flag.id, fired.flag.level, fired.flag.interrupt, tuple(evidence))
