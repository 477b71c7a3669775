"""What an edit of questions.yaml changes: the definition by id, and every example's result.

`diff(old, new)` compares two loaded questionnaires. The first part lists structural
changes (sections, pages, questions, options, conditions, scores and bands, flags,
outcomes) with their lines; the second evaluates every example under both versions and
lists how its outcome, flags, scores and interrupt change. A clinician signs this off.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from ..questionnaire import Questionnaire, evaluate, in_language
from .structure import Change, structural_changes


@dataclass(frozen=True)
class ScoreChange:
    score: str
    old_value: float | None
    old_band: str
    new_value: float | None
    new_band: str

    def words(self) -> str:
        before, after = _score(self.old_value, self.old_band), _score(self.new_value, self.new_band)
        return f"{self.score} {before} → {after}"


@dataclass(frozen=True)
class ExampleChange:
    name: str
    old_outcome: str | None
    new_outcome: str | None
    flags_raised: tuple[str, ...] = ()
    flags_dropped: tuple[str, ...] = ()
    scores: tuple[ScoreChange, ...] = ()
    old_interrupt: tuple[str, ...] = ()
    new_interrupt: tuple[str, ...] = ()
    #: the example is only in one of the files, or its answers differ between them
    note: str = ""

    @property
    def outcome_changed(self) -> bool:
        return self.old_outcome != self.new_outcome

    @property
    def interrupt_changed(self) -> bool:
        return bool(self.old_interrupt) != bool(self.new_interrupt) or set(
            self.old_interrupt
        ) != set(self.new_interrupt)

    @property
    def changed(self) -> bool:
        return bool(
            self.outcome_changed
            or self.flags_raised
            or self.flags_dropped
            or self.scores
            or self.interrupt_changed
        )

    def words(self) -> list[str]:
        out = []
        if self.outcome_changed:
            out.append(f"outcome {self.old_outcome} → {self.new_outcome}")
        if self.flags_raised:
            out.append("now raises " + ", ".join(self.flags_raised))
        if self.flags_dropped:
            out.append("no longer raises " + ", ".join(self.flags_dropped))
        out += [f"score {s.words()}" for s in self.scores]
        if self.interrupt_changed:
            out.append(
                f"interrupt {', '.join(self.old_interrupt) or 'none'} → "
                f"{', '.join(self.new_interrupt) or 'none'}"
            )
        return out

    def as_json(self) -> dict:
        return {
            "name": self.name,
            "outcome": {"old": self.old_outcome, "new": self.new_outcome},
            "flags_raised": list(self.flags_raised),
            "flags_dropped": list(self.flags_dropped),
            "scores": [s.__dict__ for s in self.scores],
            "interrupt": {"old": list(self.old_interrupt), "new": list(self.new_interrupt)},
            "note": self.note,
        }


@dataclass(frozen=True)
class Diff:
    old_version: str
    new_version: str
    changes: tuple[Change, ...]
    #: only the examples whose result changes
    examples: tuple[ExampleChange, ...]
    examples_compared: int = 0
    notes: tuple[str, ...] = field(default=())

    @property
    def outcome_changed(self) -> bool:
        return any(e.outcome_changed for e in self.examples)

    def as_json(self) -> dict:
        return {
            "old_version": self.old_version,
            "new_version": self.new_version,
            "changes": [c.as_json() for c in self.changes],
            "examples_compared": self.examples_compared,
            "examples_changed": [e.as_json() for e in self.examples],
            "outcome_changed": self.outcome_changed,
        }


def diff(old: Questionnaire, new: Questionnaire) -> Diff:
    changes = tuple(structural_changes(old, new)) + tuple(translated_changes(old, new))
    compared, examples = example_changes(old, new)
    return Diff(old.version, new.version, changes, tuple(examples), compared)


#: the fields of structure.FIELDS that hold client texts (the rest read the same in any
#: language, and a change to them is listed once, in English)
TRANSLATED_FIELDS = frozenset(
    {"title", "intro", "label", "hint", "short", "error", "client_text", "message", "next_steps"}
    | {"disclaimer", "crisis_resources", "youth_resources"}
)


def translated_changes(old: Questionnaire, new: Questionnaire):
    """The texts that changed in each other language both files have, marked "(es)": a
    clinician signs off what a Spanish reader is told too."""
    english = {(c.kind, c.id, c.detail) for c in structural_changes(old, new)}
    for language in new.meta.languages[1:]:
        if language not in old.meta.languages:
            continue
        old_l, new_l = in_language(old, language), in_language(new, language)
        for change in structural_changes(old_l, new_l):
            field_name = change.detail.split(":", 1)[0]
            if (
                change.what == "changed"
                and field_name in TRANSLATED_FIELDS
                and (change.kind, change.id, change.detail) not in english
            ):
                yield replace(change, detail=f"({language}) {change.detail}")


# -- examples -----------------------------------------------------------------------------
def example_changes(old: Questionnaire, new: Questionnaire) -> tuple[int, list[ExampleChange]]:
    """Every example of either file, evaluated under both; those whose result differs."""
    old_by_name = {e.name: e for e in old.examples}
    new_names = [e.name for e in new.examples]
    pairs = [(e.name, e.answers, _note(old_by_name.get(e.name), e)) for e in new.examples]
    pairs += [
        (e.name, e.answers, "only in the old file") for e in old.examples if e.name not in new_names
    ]
    changed = [compare(old, new, name, answers, note) for name, answers, note in pairs]
    return len(pairs), [c for c in changed if c.changed]


def _note(old_example, new_example) -> str:
    if old_example is None:
        return "only in the new file"
    if old_example.answers != new_example.answers:
        return "its answers differ between the files; the new file's answers are used"
    return ""


def compare(old: Questionnaire, new: Questionnaire, name, answers, note="") -> ExampleChange:
    before, after = evaluate(old, answers), evaluate(new, answers)
    flags_before, flags_after = set(before.flag_ids), set(after.flag_ids)
    return ExampleChange(
        name,
        before.outcome.id if before.outcome else None,
        after.outcome.id if after.outcome else None,
        tuple(f for f in after.flag_ids if f not in flags_before),
        tuple(f for f in before.flag_ids if f not in flags_after),
        tuple(_score_changes(before.scores, after.scores)),
        before.interrupt,
        after.interrupt,
        note,
    )


def _score_changes(before: dict, after: dict):
    for score_id in list(before) + [s for s in after if s not in before]:
        old, new = before.get(score_id), after.get(score_id)
        old_value, old_band = (old.value, old.band) if old else (None, "")
        new_value, new_band = (new.value, new.band) if new else (None, "")
        if (old_value, old_band) != (new_value, new_band):
            yield ScoreChange(score_id, old_value, old_band, new_value, new_band)


def _score(value, band) -> str:
    if value is None:
        return "not scored"
    return f"{value:g} ({band})" if band else f"{value:g}"


def diff_lines(result: Diff, old_name: str = "old", new_name: str = "new") -> list[str]:
    """The diff as text for people: changes with their lines, then the examples."""
    lines = [f"{old_name} ({result.old_version}) → {new_name} ({result.new_version})", ""]
    lines.append(f"What changed ({len(result.changes)}):")
    lines += [f"  {_change_line(c, old_name, new_name)}" for c in result.changes] or ["  nothing"]
    lines += [
        "",
        f"Examples whose result changes ({len(result.examples)} of {result.examples_compared}):",
    ]
    for example in result.examples:
        lines.append(f"  {example.name}: {'; '.join(example.words())}")
        if example.note:
            lines.append(f"    ({example.note})")
    if not result.examples:
        lines.append("  none")
    changed = sum(e.outcome_changed for e in result.examples)
    lines += [
        "",
        f"Outcome changes for {changed} example(s)."
        if changed
        else "No example's outcome changes.",
    ]
    return lines


def _change_line(change: Change, old_name: str, new_name: str) -> str:
    where = []
    if change.old_line:
        where.append(f"{old_name}:{change.old_line}")
    if change.new_line:
        where.append(f"{new_name}:{change.new_line}")
    detail = f": {change.detail}" if change.detail else ""
    return f"{' '.join(where) or '-'}  {change.kind} {change.id} {change.what}{detail}"
