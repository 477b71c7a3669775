"""The loaded questionnaire: frozen, plain Python, no Flask."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

QUESTION_TYPES = ("yesno", "single", "multiple", "integer", "decimal", "text", "longtext", "date")
CHOICE_TYPES = ("yesno", "single", "multiple")
NUMBER_TYPES = ("integer", "decimal")
LEVELS = ("urgent", "review", "info")
PREFER_NOT = "prefer_not_to_say"


@dataclass(frozen=True)
class Phrases:
    """The few words the core writes itself, in the definition's language.

    The loader fills them through the gettext it is given (see loader.phrases); the
    defaults are the English.
    """

    not_answered: str = "Not answered"
    call_or_text: str = "Call or text %(number)s"
    call_and_text: str = "Call %(tel)s or text %(sms)s"
    call: str = "Call %(number)s"
    text: str = "Text %(number)s"
    emergency: str = "Emergency: %(how)s"
    in_crisis: str = "In crisis?"
    more_than_answer: str = "This answer can't be more than your answer to “%(label)s”"
    less_than_answer: str = "This answer can't be less than your answer to “%(label)s”"
    the_other_answer: str = "the other answer"


ENGLISH = Phrases()


@dataclass(frozen=True, slots=True)  # one per YAML node: slots keep them small
class Pos:
    """A line and column in the source file (1-based)."""

    line: int = 0
    col: int = 0


@dataclass(frozen=True)
class Condition:
    """One node of a structured condition.

    `kind` is "all", "any", "not", "q", "score" or "flag". Leaves carry
    `ref` (the id) and `op`/`value`; combinators carry `children`.
    """

    kind: str
    ref: str = ""
    op: str = ""
    value: Any = None
    children: tuple[Condition, ...] = ()
    pos: Pos = Pos()

    def leaves(self):
        if self.kind in ("all", "any", "not"):
            for child in self.children:
                yield from child.leaves()
        else:
            yield self


@dataclass(frozen=True)
class Option:
    value: str | int
    label: str
    hint: str = ""
    score: float | None = None
    safety_mention: bool = False
    pos: Pos = Pos()

    @property
    def numeric(self) -> float | None:
        """The number this option adds to a score, if any."""
        if self.score is not None:
            return self.score
        if isinstance(self.value, int | float):
            return self.value
        return None


@dataclass(frozen=True)
class Limit:
    """A `min`/`max` bound: a number, or another question's answer."""

    number: float | None = None
    ref: str = ""
    message: str = ""
    pos: Pos = Pos()


@dataclass(frozen=True)
class Question:
    id: str
    type: str
    label: str
    page_id: str
    section_id: str
    hint: str = ""
    short: str = ""
    error: str = ""
    required: bool = True
    options: tuple[Option, ...] = ()
    exclusive: tuple[str | int, ...] = ()
    prefer_not_to_say: bool = False
    min: Limit | None = None
    max: Limit | None = None
    max_length: int | None = None
    show_if: Condition | None = None
    pos: Pos = Pos()
    phrases: Phrases = field(default=ENGLISH, compare=False, repr=False)

    @property
    def is_choice(self) -> bool:
        return self.type in CHOICE_TYPES

    @property
    def is_numeric(self) -> bool:
        return self.type in NUMBER_TYPES

    def option(self, value) -> Option | None:
        for opt in self.options:
            if opt.value == value:
                return opt
        return None

    def display(self, value) -> str:
        """The answer as a person reads it."""
        if value is None or value == "" or value == []:
            return self.phrases.not_answered
        if isinstance(value, list):
            return ", ".join(self._label(v) for v in value)
        return self._label(value)

    def _label(self, value) -> str:
        opt = self.option(value) if self.is_choice else None
        return opt.label if opt else str(value)


@dataclass(frozen=True)
class Page:
    id: str
    section_id: str
    title: str
    questions: tuple[Question, ...]
    intro: str = ""
    show_if: Condition | None = None
    pos: Pos = Pos()


@dataclass(frozen=True)
class Section:
    id: str
    title: str
    pages: tuple[Page, ...]
    show_if: Condition | None = None
    pos: Pos = Pos()


@dataclass(frozen=True)
class Band:
    max: float
    label: str
    pos: Pos = Pos()


@dataclass(frozen=True)
class Score:
    id: str
    label: str
    items: tuple[str, ...]
    bands: tuple[Band, ...]
    applies_if: Condition | None = None
    pos: Pos = Pos()

    @property
    def maximum(self) -> float:
        return self.bands[-1].max if self.bands else 0

    def band(self, value: float) -> str:
        for band in self.bands:
            if value <= band.max:
                return band.label
        return ""


@dataclass(frozen=True)
class Flag:
    id: str
    level: str
    when: Condition
    label: str = ""
    client_text: str = ""
    staff_text: str = ""
    ask_on_call: str = ""
    interrupt: bool = False
    crisis: bool = False
    youth: bool = False
    pos: Pos = Pos()


@dataclass(frozen=True)
class Outcome:
    id: str
    title: str
    message: str = ""
    next_steps: tuple[str, ...] = ()
    booking: bool = True
    crisis_first: bool = False
    when: Condition | None = None
    pos: Pos = Pos()


@dataclass(frozen=True)
class Example:
    name: str
    answers: dict
    expect: dict
    pos: Pos = Pos()
    answer_pos: dict = field(default_factory=dict)


@dataclass(frozen=True)
class Resource:
    id: str
    name: str
    how: str
    tel: str = ""
    sms: str = ""
    url: str = ""
    note: str = ""
    emergency: bool = False
    phrases: Phrases = field(default=ENGLISH, compare=False, repr=False)

    @property
    def reach(self) -> str:
        """How to reach it in a few words, for the one-line crisis links: 'Call or text 988'."""
        say = self.phrases
        if self.tel and self.sms:
            if self.tel == self.sms:
                return say.call_or_text % {"number": self.tel}
            return say.call_and_text % {"tel": self.tel, "sms": self.sms}
        if self.tel:
            return say.call % {"number": self.tel}
        if self.sms:  # a text line often needs a keyword: 'Text HOME to 741741'
            return self.how if self.sms in self.how else say.text % {"number": self.sms}
        return self.how

    @property
    def href(self) -> str:
        if self.tel:
            return f"tel:{self.tel}"
        return f"sms:{self.sms}" if self.sms else self.url

    @property
    def short(self) -> str:
        """Its entry in the one-line crisis links."""
        if not self.emergency:
            return self.reach
        return self.phrases.emergency % {"how": f"{self.reach[0].lower()}{self.reach[1:]}"}


@dataclass(frozen=True)
class Meta:
    id: str
    title: str
    version: str = ""
    minutes: int = 15
    practice: dict = field(default_factory=dict)
    crisis_resources: tuple[Resource, ...] = ()
    youth_resources: tuple[Resource, ...] = ()
    retention_days: dict = field(default_factory=dict)
    disclaimer: str = ""
    about_kap: tuple[str, ...] = ()
    #: the languages the file declares, the default first
    languages: tuple[str, ...] = ("en",)
    phrases: Phrases = field(default=ENGLISH, compare=False, repr=False)

    @property
    def crisis_line(self) -> tuple[Resource, ...]:
        """The crisis resources reached by phone or text, once per number: the header, the
        footer of every page and of the PDF, and the sent page name these."""
        seen, out = set(), []
        for resource in self.crisis_resources:
            number = (resource.tel, resource.sms)
            if any(number) and number not in seen:
                seen.add(number)
                out.append(resource)
        return tuple(out)

    @property
    def crisis_text(self) -> str:
        """The crisis line as one line of text (the PDF's footer)."""
        return f"{self.phrases.in_crisis} " + " \u00b7 ".join(r.short for r in self.crisis_line)

    @property
    def emergency(self) -> Resource | None:
        return next((r for r in self.crisis_resources if r.emergency), None)

    @property
    def draft_retention_days(self) -> int:
        return int(self.retention_days.get("drafts", 30))

    @property
    def submission_retention_days(self) -> int:
        return int(self.retention_days.get("submissions", 365))


@dataclass(frozen=True, eq=False)  # identity hash: used as a cache key for page forms
class Questionnaire:
    meta: Meta
    sections: tuple[Section, ...]
    scores: tuple[Score, ...]
    flags: tuple[Flag, ...]
    outcomes: tuple[Outcome, ...]
    examples: tuple[Example, ...]
    content_hash: str
    path: str = ""
    text: str = ""
    #: the language its texts were read in (one of meta.languages)
    language: str = "en"
    #: language -> (texts that have it, client texts in all); see Reader.coverage
    coverage: dict = field(default_factory=dict, compare=False, repr=False)
    # Indexes built once at load time so lookups are O(1).
    questions: dict = field(default_factory=dict, compare=False, repr=False)
    pages: dict = field(default_factory=dict, compare=False, repr=False)
    order: dict = field(default_factory=dict, compare=False, repr=False)
    #: (kind, id) of the parts that have an error of their own (a question of unknown type,
    #: a flag whose `when` is malformed, ...): what refers to them is not reported again
    broken: set = field(default_factory=set, compare=False, repr=False)

    def is_broken(self, kind: str, item_id) -> bool:
        return (kind, item_id) in self.broken

    @property
    def version(self) -> str:
        """Short form of the content hash, shown to people."""
        return self.content_hash[:12]

    @property
    def page_list(self) -> tuple[Page, ...]:
        return tuple(page for section in self.sections for page in section.pages)

    def section(self, section_id: str) -> Section | None:
        return next((s for s in self.sections if s.id == section_id), None)

    def flag(self, flag_id: str) -> Flag | None:
        return next((f for f in self.flags if f.id == flag_id), None)

    def outcome(self, outcome_id: str) -> Outcome | None:
        return next((o for o in self.outcomes if o.id == outcome_id), None)

    def score(self, score_id: str) -> Score | None:
        return next((s for s in self.scores if s.id == score_id), None)
