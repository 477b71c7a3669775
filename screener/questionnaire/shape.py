"""The shape of questions.yaml, declared once: blocks, their keys, kinds, defaults and help.

The loader checks a file against this description (known keys, required keys, kinds of
values), and `json_schema.py` turns the same description into questions.schema.json for
editors. Adding a key is one `Key(...)` line here (plus the field that carries it on the
definition type, when the key is read straight into one).
"""

from __future__ import annotations

from dataclasses import dataclass

from .definition import LEVELS, QUESTION_TYPES
from .kinds import (
    Answer,
    Block,
    Condition,
    Either,
    Identifier,
    Kind,
    ListOf,
    MapOf,
    Nullable,
    Number,
    OneOf,
    OptionValue,
    Ref,
    Text,
    TrueFalse,
    Whole,
    Words,
)


# -- blocks and keys --------------------------------------------------------------------------
@dataclass(frozen=True)
class Key:
    name: str
    kind: Kind
    doc: str
    required: bool = False
    default: object = None
    #: the definition type's field, when it is not called like the key
    attr: str = ""

    @property
    def field_name(self) -> str:
        return self.attr or self.name


@dataclass(frozen=True)
class BlockShape:
    name: str
    #: how messages name one of these ("a question")
    what: str
    doc: str
    keys: tuple[Key, ...]
    #: the kind of keys not listed (None: unknown keys are mistakes)
    extra: Kind | None = None

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(k.name for k in self.keys)

    @property
    def required(self) -> tuple[str, ...]:
        return tuple(k.name for k in self.keys if k.required)

    def defaults(self) -> dict:
        """The simple fields' defaults, for a block too broken to read."""
        return {k.field_name: k.default for k in self.keys if k.kind.simple}

    def key(self, name: str) -> Key | None:
        return next((k for k in self.keys if k.name == name), None)


def _text(name, doc, **kw) -> Key:
    return Key(name, Text(), doc, default=kw.pop("default", ""), **kw)


def _words(name, doc, **kw) -> Key:
    """A client-facing text: one string, or one per declared language."""
    return Key(name, Words(), doc + _IN_LANGUAGES, default=kw.pop("default", ""), **kw)


_IN_LANGUAGES = " One text, or one per language: {en: ..., es: ...}."


def _id(doc) -> Key:
    return Key("id", Identifier(), doc, required=True, default="")


def _refs(name, doc) -> Key:
    return Key(name, ListOf(Ref()), doc, default=())


_LIMIT = Either((Number(), Block("limit")))
_SHOW_IF = "Ask this only when the condition holds, e.g. {q: age, at_least: 18}."

BLOCKS: dict[str, BlockShape] = {
    b.name: b
    for b in (
        BlockShape(
            "file",
            "the file",
            "A KAP pre-screening questionnaire: content, scores, flags, outcomes, examples.",
            (
                Key("questionnaire", Block("meta"), "Who we are and the safety net.", True),
                Key(
                    "option_sets",
                    MapOf(ListOf(Block("option"))),
                    "Answer lists used by several questions: `options: <name>`.",
                ),
                Key("sections", ListOf(Block("section")), "The sections, in order.", True),
                Key("scores", ListOf(Block("score")), "Sums of numeric answers, with bands."),
                Key("flags", ListOf(Block("flag")), "Things staff should know; in order."),
                Key(
                    "outcomes",
                    ListOf(Block("outcome")),
                    "Tried in order; the first whose `when` holds wins. The last has no `when`.",
                    True,
                ),
                Key("examples", ListOf(Block("example")), "Answer sets that `check` runs."),
            ),
        ),
        BlockShape(
            "meta",
            "the questionnaire block",
            "Who we are and the safety net.",
            (
                _text("id", "A stable name for this questionnaire.", required=True),
                _words("title", "The questionnaire's title.", required=True),
                _text("version", "A label for people; the real version is the content hash."),
                Key(
                    "languages",
                    ListOf(Text()),
                    "The languages of its client texts, the default first, e.g. [en, es]. Each"
                    " client text then gives one text per language: {en: ..., es: ...}.",
                    default=("en",),
                ),
                Key("minutes", Whole(), "About how long it takes (landing page).", default=15),
                Key("practice", Block("practice"), "The practice's name and contact details."),
                Key(
                    "crisis_resources",
                    ListOf(Block("resource")),
                    "Crisis lines, shown on every page, the support page, the result and the PDF.",
                    True,
                    (),
                ),
                Key(
                    "youth_resources",
                    ListOf(Block("resource")),
                    "Resources for under-18s; same shape as crisis_resources.",
                    default=(),
                ),
                Key(
                    "retention_days",
                    Block("retention_days"),
                    "How long drafts and submissions are kept.",
                ),
                _words("disclaimer", "Shown on the landing page, the result and the PDF."),
                Key(
                    "about_kap",
                    ListOf(Words()),
                    "Paragraphs for the PDF's 'About KAP at this practice'.",
                    default=(),
                ),
            ),
        ),
        BlockShape(
            "practice",
            "practice",
            "The practice's name and contact details; other keys are kept as text.",
            (
                _text("name", "The practice's name, in the header and the PDF."),
                _text("city", "Where the practice is."),
                _text("phone", "The practice's phone number."),
                _text("email", "The practice's email address."),
                _text("booking_url", "Where a client books a consultation."),
                _words(
                    "driving_rule",
                    "The medical partner's rule on driving after a medicine session, in words"
                    " the client reads (the PDF's 'About KAP').",
                ),
            ),
            extra=Text(),
        ),
        BlockShape(
            "resource",
            "a crisis resource",
            "A crisis line or service.",
            (
                _text("id", "A stable name for this resource.", required=True),
                _words("name", "Its name, as the client reads it.", required=True),
                _words("how", "How to reach it, e.g. 'Call or text 988'.", required=True),
                _text("tel", "Phone number for a tel: link."),
                _text("sms", "Number for an sms: link."),
                _text("url", "Its website."),
                _words("note", "A line under it."),
                Key(
                    "emergency",
                    TrueFalse(),
                    "The emergency number (911): named on the support page and in the crisis "
                    "line as 'Emergency'.",
                    default=False,
                ),
            ),
        ),
        BlockShape(
            "retention_days",
            "retention_days",
            "Days to keep data before `purge` deletes it.",
            (
                Key("drafts", Whole(), "Unsent drafts not changed for this many days (30)."),
                Key("submissions", Whole(), "Sent submissions older than this many days (365)."),
            ),
        ),
        BlockShape(
            "option",
            "an option",
            "One answer a client can choose.",
            (
                Key("value", OptionValue(), "Stored and used in conditions; quote yes/no.", True),
                _words("label", "What the client reads.", required=True),
                _words("hint", "A line under the label."),
                Key("score", Number(), "What this option adds to a score (default: its value)."),
                Key(
                    "safety_mention",
                    TrueFalse(),
                    "Choosing it mentions suicide or self-harm: an interrupt flag must fire on it"
                    " alone (DEF033), so the client reaches the support page and crisis lines.",
                    default=False,
                ),
            ),
        ),
        BlockShape(
            "section",
            "a section",
            "A part of the questionnaire, with its pages.",
            (
                _id("Stable id of the section."),
                _words("title", "Shown above each of its pages.", required=True),
                Key("pages", ListOf(Block("page")), "Its pages, in order.", True),
                Key("show_if", Condition(), "Skip the whole section unless this holds."),
            ),
        ),
        BlockShape(
            "page",
            "a page",
            "One question page.",
            (
                _id("Stable id of the page."),
                _words("title", "The page's heading (default: the section title)."),
                _words("intro", "A paragraph under the heading."),
                Key("show_if", Condition(), "Skip the page unless this holds."),
                Key("questions", ListOf(Block("question")), "Its questions, in order.", True),
            ),
        ),
        BlockShape(
            "question",
            "a question",
            "One question.",
            (
                _id("Stable id: the form field name and the key in exports. Never reuse one."),
                Key(
                    "type",
                    OneOf(QUESTION_TYPES),
                    "What kind of answer: " + ", ".join(QUESTION_TYPES) + ".",
                    True,
                    "",
                ),
                _words("label", "The question, in plain words.", required=True),
                _words("hint", "A line under the label; explain jargon here."),
                _words(
                    "short",
                    "A few words naming what it asks, e.g. 'Interest or pleasure'; "
                    "used in its default error message.",
                ),
                _words(
                    "error",
                    "The error when it is not answered, GOV.UK style, e.g. 'Select how "
                    "often you have had trouble relaxing' (default: built from short).",
                ),
                Key("required", TrueFalse(), "Must it be answered? (default true)", default=True),
                Key(
                    "options",
                    Either((Ref(), ListOf(Block("option")))),
                    "For single/multiple: a list of {value, label} or the name of an option set.",
                ),
                Key(
                    "exclusive",
                    ListOf(OptionValue()),
                    "For multiple: values that cannot be ticked with others, e.g. [none].",
                    default=(),
                ),
                Key(
                    "prefer_not_to_say",
                    TrueFalse(),
                    "Add the option 'Prefer not to say' (choice questions).",
                    default=False,
                ),
                Key("min", _LIMIT, "Smallest number allowed, or {q: other_question}."),
                Key("max", _LIMIT, "Largest number allowed, or {q: other_question}."),
                Key("max_length", Whole(), "Longest text allowed, in characters."),
                Key("show_if", Condition(), _SHOW_IF),
            ),
        ),
        BlockShape(
            "limit",
            "a cross-field limit",
            "Another question's answer as the limit; checked when both are shown.",
            (
                Key("q", Ref(), "The earlier number question.", True, ""),
                _words("message", "The error text when the limit is broken."),
            ),
        ),
        BlockShape(
            "score",
            "a score",
            "A sum of numeric answers, with bands.",
            (
                _id("Stable id of the score."),
                _text("label", "Its name, e.g. PHQ-9 (default: the id)."),
                Key(
                    "sum",
                    ListOf(Ref()),
                    "The questions added up.",
                    True,
                    (),
                    "items",
                ),
                Key("bands", ListOf(Block("band")), "From 0 upwards, no gaps.", True),
                Key("applies_if", Condition(), "Default: any item was shown."),
            ),
        ),
        BlockShape(
            "band",
            "a band",
            "A range of a score: up to and including `max`.",
            (
                Key("max", Number(), "The band's highest total.", True),
                _words("label", "The band's name, e.g. moderate.", required=True),
            ),
        ),
        BlockShape(
            "flag",
            "a flag",
            "Something staff should know, raised when `when` holds.",
            (
                _id("Stable id of the flag."),
                _text("label", "A short name for staff."),
                Key("level", OneOf(LEVELS), "urgent, review or info.", True, ""),
                Key("when", Condition(), "Raise the flag when this holds.", True),
                _words("client_text", "'Because you told us ...': plain, kind, non-diagnostic."),
                _text("staff_text", "Clinical shorthand for therapists."),
                _text("ask_on_call", "A question for the first call."),
                Key(
                    "interrupt",
                    TrueFalse(),
                    "Show the support page right after the page that raised it.",
                    default=False,
                ),
                Key(
                    "crisis",
                    TrueFalse(),
                    "Show the crisis resources on the result and the PDF (interrupt flags do).",
                    default=False,
                ),
                Key(
                    "youth",
                    TrueFalse(),
                    "Marks a young client: with a safety flag, the support page and the result"
                    " add youth_resources and a word about talking to an adult they trust.",
                    default=False,
                ),
            ),
        ),
        BlockShape(
            "outcome",
            "an outcome",
            "A result; the first outcome whose `when` holds wins.",
            (
                _id("Stable id of the outcome."),
                _words("title", "The result's heading.", required=True),
                _words("message", "What the result says."),
                Key("next_steps", ListOf(Words()), "What happens next, one line each.", default=()),
                Key("booking", TrueFalse(), "Show the booking call to action.", default=True),
                Key(
                    "crisis_first",
                    TrueFalse(),
                    "The result leads with the crisis resources, and a submission with this"
                    " outcome is the most urgent.",
                    default=False,
                ),
                Key("when", Condition(), "This outcome wins when this holds; none: catch-all."),
            ),
        ),
        BlockShape(
            "example",
            "an example",
            "A set of answers and what they must give.",
            (
                _text("name", "Its name, e.g. 'P01 Dana, 42 (baseline)'.", required=True),
                Key("answers", MapOf(Answer()), "Question id: answer.", True),
                Key("expect", Block("expect"), "What these answers must give.", True),
            ),
        ),
        BlockShape(
            "expect",
            "expect",
            "What an example's answers must give.",
            (
                Key("outcome", Ref(), "The outcome id.", True),
                _refs("flags", "Flags that must fire."),
                _refs("not_flags", "Flags that must not fire."),
                Key(
                    "scores",
                    MapOf(Nullable(Number())),
                    "Score id: total (null: the score must not apply).",
                ),
                _refs("visible", "Questions that must be shown."),
                _refs("hidden", "Questions that must not be shown."),
                _refs("errors", "Questions whose answers must fail validation."),
                Key("interrupt", TrueFalse(), "Must the answers raise an interrupt?"),
            ),
        ),
    )
}


# -- conditions ---------------------------------------------------------------------------
@dataclass(frozen=True)
class Operator:
    name: str
    #: what it takes: "value", "values" (a list), "number" or "boolean"
    takes: str
    doc: str
    #: how `in_words` says it
    words: str


QUESTION_OPERATORS = (
    Operator("is", "value", "The answer is this value.", "is"),
    Operator("is_not", "value", "The answer is not this value.", "is not"),
    Operator("in", "values", "The answer is one of these values.", "is one of"),
    Operator(
        "includes_any", "values", "A multiple answer has any of these ticked.", "includes any of"
    ),
    Operator("includes", "value", "A multiple answer has this value ticked.", "includes"),
    Operator("answered", "boolean", "true: shown and answered; false: not.", "is answered"),
    Operator("at_least", "number", "The number is this or more.", "is at least"),
    Operator("at_most", "number", "The number is this or less.", "is at most"),
    Operator("less_than", "number", "The number is below this.", "is less than"),
    Operator("more_than", "number", "The number is above this.", "is more than"),
)
SCORE_OPERATORS = tuple(op for op in QUESTION_OPERATORS if op.takes == "number")
OPERATORS = {op.name: op for op in QUESTION_OPERATORS}
COMBINATORS = {
    "all": "Every condition in the list holds.",
    "any": "At least one condition in the list holds.",
    "not": "The condition does not hold.",
}
LEAVES = {
    "q": "The id of an earlier question.",
    "score": "The id of a score (false when it does not apply).",
    "flag": "The id of a flag defined above; holds when it fired.",
}
