"""evaluate(definition, answers) → Evaluation: visibility, scores, flags, outcome. Pure."""

from __future__ import annotations

from dataclasses import dataclass

from .answers import AnswerError, clean
from .conditions import Facts, check, holds
from .definition import LEVELS, Flag, Outcome, Page, Question, Questionnaire, Score
from .progress import expected_pages


@dataclass(frozen=True)
class FiredFlag:
    flag: Flag
    #: the (question id, answer) pairs that raised the flag
    evidence: tuple


@dataclass(frozen=True)
class ScoreResult:
    score: Score
    value: float | None
    band: str

    @property
    def applies(self) -> bool:
        return self.value is not None


@dataclass(frozen=True)
class Evaluation:
    visible_pages: tuple[str, ...]
    visible_questions: tuple[str, ...]
    answers: dict
    discarded: tuple[str, ...]
    scores: dict
    flags: tuple[FiredFlag, ...]
    outcome: Outcome
    reasons: tuple[FiredFlag, ...]
    errors: tuple[AnswerError, ...]
    interrupt: tuple[str, ...]
    #: pages that apply or may still apply (see progress.py); what "Step N of M" counts
    expected_pages: tuple[str, ...] = ()

    @property
    def flag_ids(self) -> tuple[str, ...]:
        return tuple(f.flag.id for f in self.flags)

    def fired(self, flag_id: str) -> FiredFlag | None:
        return next((f for f in self.flags if f.flag.id == flag_id), None)

    @property
    def urgent(self) -> bool:
        return any(f.flag.level == "urgent" for f in self.flags)

    @property
    def safety_flags(self) -> tuple[FiredFlag, ...]:
        """The flags that put the crisis resources on the result and the PDF."""
        return tuple(
            f for f in self.flags if f.flag.interrupt or f.flag.crisis or f.flag.level == "urgent"
        )

    @property
    def young(self) -> bool:
        """A young client (a `youth` flag fired): youth resources go with any safety help."""
        return any(f.flag.youth for f in self.flags)

    @property
    def crisis_first(self) -> bool:
        return bool(self.outcome and self.outcome.crisis_first)

    def progress(self, page_id: str) -> tuple[int, int]:
        """(step, of): the page's place among the pages that apply to these answers."""
        pages = self.expected_pages or self.visible_pages
        if page_id in pages:
            return pages.index(page_id) + 1, len(pages)
        return len(pages), len(pages)


def evaluate(q: Questionnaire, answers: dict, page_id: str | None = None) -> Evaluation:
    """Evaluate answers. With `page_id`, `interrupt` lists the interrupt flags that page raised."""
    cleaned, errors = _clean_all(q, answers)
    visible_pages, visible, kept = _visibility(q, cleaned)
    # An answer to a question that is not shown is discarded, even when it would not fit.
    hidden_errors = [
        e for e in errors if e.question_id in q.questions and e.question_id not in visible
    ]
    errors = [e for e in errors if e not in hidden_errors]
    cross = _cross_field(q, kept)
    if cross:
        # An invalid answer never raises a flag nor reveals a follow-up: walk again without it.
        broken = {e.question_id for e in cross}
        visible_pages, visible, kept = _visibility(
            q, {k: v for k, v in cleaned.items() if k not in broken}
        )
        errors += [e for e in cross if e.question_id in visible]
    facts = Facts(answers=kept)
    scores = _scores(q, facts, visible)
    flags = raise_flags(q, facts)
    outcome = next((o for o in q.outcomes if holds(o.when, facts)), None)
    discarded = tuple(k for k in cleaned if k not in visible) + tuple(
        e.question_id for e in hidden_errors
    )
    return Evaluation(
        visible_pages=tuple(p.id for p in visible_pages),
        visible_questions=tuple(visible),
        answers=kept,
        discarded=discarded,
        scores=scores,
        flags=flags,
        outcome=outcome,
        reasons=_reasons(flags),
        errors=tuple(errors),
        interrupt=_interrupts(q, flags, page_id),
        expected_pages=expected_pages(q, kept),
    )


def scores_of(q: Questionnaire, stored: dict, score_ids: tuple[str, ...]) -> dict:
    """Some scores of answers that `evaluate` already cleaned and pruned (a submission's
    stored answers), as `evaluate` scores them: for listings, where a full evaluation of
    every row would cost too much. A hidden answer is not in `stored`, so each item's
    conditions read the same facts as in the walk."""
    facts = Facts(answers=dict(stored))
    results = {}
    for score in q.scores:
        if score.id in score_ids:
            shown = [item for item in score.items if _shown(q, item, facts)]
            results[score.id] = _score(q, score, facts, shown)
    return results


def _shown(q: Questionnaire, question_id: str, facts: Facts) -> bool:
    question = q.questions.get(question_id)
    if question is None:
        return False
    page = q.pages.get(question.page_id)
    return page is not None and page_applies(q, page, facts) and holds(question.show_if, facts)


def _clean_all(q: Questionnaire, answers: dict) -> tuple[dict, list[AnswerError]]:
    cleaned, errors = {}, []
    for key, value in answers.items():
        question = q.questions.get(key)
        if question is None:
            errors.append(
                AnswerError(str(key), "ANS001", f"'{key}' is not a question in this questionnaire")
            )
            continue
        value, error = clean(question, value)
        if error:
            errors.append(error)
        elif value is not None:
            cleaned[key] = value
    return cleaned, errors


def page_applies(q: Questionnaire, page: Page, facts: Facts) -> bool:
    section = q.section(page.section_id)
    return holds(section.show_if if section else None, facts) and holds(page.show_if, facts)


def _visibility(q: Questionnaire, cleaned: dict):
    """Walk pages in order, keeping only answers to questions that are shown."""
    facts = Facts()
    pages: list[Page] = []
    visible: list[str] = []
    for page in q.page_list:
        if not page_applies(q, page, facts):
            continue
        pages.append(page)
        for question in page.questions:
            if holds(question.show_if, facts):
                visible.append(question.id)
                if question.id in cleaned:
                    facts.answers[question.id] = cleaned[question.id]
    return pages, visible, facts.answers


def visible_on_page(q: Questionnaire, page: Page, answers: dict) -> list[Question]:
    """The page's questions that are shown given `answers` (already pruned)."""
    facts = Facts(answers=dict(answers))
    return [question for question in page.questions if holds(question.show_if, facts)]


def _cross_field(q: Questionnaire, kept: dict) -> list[AnswerError]:
    errors = []
    for qid, value in kept.items():
        question = q.questions[qid]
        for limit, broken in (
            (question.max, lambda v, o: v > o),
            (question.min, lambda v, o: v < o),
        ):
            if limit is None or not limit.ref:
                continue
            if limit.ref not in kept:
                errors += _outside_own_range(q, question, value, limit is question.max)
                continue
            other = kept[limit.ref]
            if isinstance(other, int | float) and broken(value, other):
                errors.append(
                    AnswerError(
                        qid,
                        "ANS005",
                        limit.message
                        or cross_message(
                            question, q.questions.get(limit.ref), limit is question.max
                        ),
                    )
                )
    return errors


def _outside_own_range(q: Questionnaire, question: Question, value, is_max: bool) -> list:
    """With the other answer missing, a limit like {q: other} falls back to that
    question's own limit, so the range never opens up (0-20 stays 0-20)."""
    other = q.questions.get((question.max if is_max else question.min).ref)
    own = (other.max if is_max else other.min) if other else None
    if own is None or own.number is None or not isinstance(value, int | float):
        return []
    if (value > own.number) if is_max else (value < own.number):
        word = "more" if is_max else "less"
        return [
            AnswerError(
                question.id, "ANS003", f"'{question.id}' can't be {word} than {own.number:g}"
            )
        ]
    return []


def cross_message(question: Question, other: Question | None, is_max: bool) -> str:
    say = question.phrases
    other_label = other.label if other else say.the_other_answer
    return (say.more_than_answer if is_max else say.less_than_answer) % {"label": other_label}


def _scores(q: Questionnaire, facts: Facts, visible: list[str]) -> dict:
    results = {}
    for score in q.scores:
        shown = [item for item in score.items if item in visible]
        results[score.id] = _score(q, score, facts, shown)
        facts.scores[score.id] = results[score.id].value
    return results


def _score(q: Questionnaire, score, facts: Facts, shown: list[str]) -> ScoreResult:
    # By default a score applies when an item was shown and answered: with none of
    # them answered it is not computed, never a 0 "minimal". `applies_if` decides
    # otherwise (PC-PTSD-5 is 0 when exposure is "no" and its items are hidden).
    answered = any(item in facts.answers for item in score.items)
    applies = holds(score.applies_if, facts) if score.applies_if else bool(shown) and answered
    value = None
    if applies:
        value = sum(
            _numeric(q.questions.get(item), facts.answers.get(item)) for item in score.items
        )
    return ScoreResult(score, value, score.band(value) if applies else "")


def _numeric(question: Question | None, value) -> float:
    if question is None or value is None:
        return 0
    if question.is_numeric:
        return value
    option = question.option(value)
    return (option.numeric or 0) if option else 0


def raise_flags(q: Questionnaire, facts: Facts) -> tuple[FiredFlag, ...]:
    """The flags that hold, in the file's order; each is added to `facts` as it fires."""
    fired = []
    for flag in q.flags:
        ok, evidence = check(flag.when, facts)
        if ok:
            evidence = tuple({qid: (qid, value) for qid, value in evidence}.values())
            facts.flags[flag.id] = evidence
            fired.append(FiredFlag(flag, evidence))
    return tuple(fired)


def _reasons(flags) -> tuple[FiredFlag, ...]:
    """Flags with client text, most serious first, then in the file's order."""
    with_text = [f for f in flags if f.flag.client_text]
    return tuple(
        sorted(
            with_text,
            key=lambda f: LEVELS.index(f.flag.level) if f.flag.level in LEVELS else len(LEVELS),
        )
    )


def _interrupts(q: Questionnaire, flags, page_id: str | None) -> tuple[str, ...]:
    page = q.pages.get(page_id) if page_id else None
    on_page = {question.id for question in page.questions} if page else None
    return tuple(
        f.flag.id
        for f in flags
        if f.flag.interrupt and (on_page is None or any(qid in on_page for qid, _ in f.evidence))
    )
