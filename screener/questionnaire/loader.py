"""questions.yaml → Questionnaire, keeping the line and column of every node."""

from __future__ import annotations

import hashlib
from pathlib import Path

from . import definition as d
from .condition_reader import ConditionReader
from .problems import WARNING, Problem
from .schema import Reader, describe, suggest
from .shape import BLOCKS
from .translations import declared_languages, report_gaps
from .yamlsource import parse


def _untranslated(message: str) -> str:
    return message


def built_in_words(_=_untranslated) -> tuple[d.Phrases, tuple, d.Option]:
    """The core's own words in one language: the phrases, yes/no and 'Prefer not to say'.

    `_` is a gettext; the strings are marked with it so that `make messages` extracts them.
    """
    phrases = d.Phrases(
        not_answered=_("Not answered"),
        call_or_text=_("Call or text %(number)s"),
        call_and_text=_("Call %(tel)s or text %(sms)s"),
        call=_("Call %(number)s"),
        text=_("Text %(number)s"),
        emergency=_("Emergency: %(how)s"),
        in_crisis=_("In crisis?"),
        more_than_answer=_("This answer can't be more than your answer to \u201c%(label)s\u201d"),
        less_than_answer=_("This answer can't be less than your answer to \u201c%(label)s\u201d"),
        the_other_answer=_("the other answer"),
    )
    yes_no = (d.Option("yes", _("Yes")), d.Option("no", _("No")))
    return phrases, yes_no, d.Option(d.PREFER_NOT, _("Prefer not to say"))


#: the English built-ins (what a one-language file and the examples use)
_, YES_NO, PREFER_NOT_OPTION = built_in_words()


class LoadResult:
    """What loading produced: the questionnaire (if it could be built) and the problems."""

    def __init__(self, questionnaire, problems, source):
        self.questionnaire = questionnaire
        self.problems = problems
        self.source = source


def load_file(path, language: str = "", gettext=None) -> LoadResult:
    path = Path(path)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        return LoadResult(
            None, [Problem("DEF001", f"cannot read the file: {exc.strerror}", 1, 1)], None
        )
    return load_bytes(raw, str(path), language, gettext)


def load_bytes(raw: bytes, path: str = "questions.yaml", language="", gettext=None) -> LoadResult:
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        return LoadResult(
            None, [Problem("DEF001", "the file is not UTF-8 text; save it as UTF-8", line, 1)], None
        )
    return load_text(text, path, hashlib.sha256(raw).hexdigest(), language, gettext)


def load_text(
    text: str, path: str = "questions.yaml", content_hash: str = "", language="", gettext=None
) -> LoadResult:
    """Load a definition with its texts in `language` (default: the file's first language).

    `gettext` translates the core's own words (built_in_words) into that language.
    """
    content_hash = content_hash or hashlib.sha256(text.encode("utf-8")).hexdigest()
    source = parse(text)
    if source.problems or source.data is None:
        problems = source.problems or [Problem("DEF003", "the file is empty", 1, 1)]
        return LoadResult(None, problems, source)
    builder = _Builder(Reader(source, language), gettext or _untranslated)
    questionnaire = builder.build(content_hash, path, text)
    return LoadResult(questionnaire, source.problems + builder.reader.problems, source)


def in_language(q: d.Questionnaire, language: str, gettext=None) -> d.Questionnaire:
    """`q` read again with its texts in `language`; `q` itself when it is already in it or
    the file has no texts in it."""
    if not language or language == q.language or language not in q.meta.languages:
        return q
    return load_text(q.text, q.path, q.content_hash, language, gettext).questionnaire


class _Builder(ConditionReader):
    def __init__(self, reader: Reader, gettext=_untranslated):
        self.reader = reader
        self.phrases, self.yes_no, self.prefer_not = built_in_words(gettext)
        self.option_sets: dict[str, tuple[d.Option, ...]] = {}
        self.used_sets: set[str] = set()
        #: (kind, id) of the parts with an error of their own; see Questionnaire.broken
        self.broken: set[tuple[str, str]] = set()

    def pos(self, path) -> d.Pos:
        return self.reader.source.pos(path)

    def build(self, content_hash, path, text) -> d.Questionnaire | None:
        r = self.reader
        top = r.mapping((), BLOCKS["file"])
        if top is None:
            return None
        r.languages = declared_languages(r)
        if r.language not in r.languages:
            r.language = r.languages[0]
        meta = self.meta(("questionnaire",))
        self.option_sets = self.read_option_sets(("option_sets",))
        sections = tuple(self.items(("sections",), self.section, "sections"))
        scores = tuple(self.items(("scores",), self.score, "scores"))
        flags = tuple(self.items(("flags",), self.flag, "flags"))
        outcomes = tuple(self.items(("outcomes",), self.outcome, "outcomes"))
        examples = tuple(self.items(("examples",), self.example, "examples"))
        for unused in sorted(set(self.option_sets) - self.used_sets):
            r.problem(
                "DEF043",
                f"option set '{unused}' is never used by a question; remove "
                "it or use it with `options: " + unused + "`",
                pos=r.source.key_pos(("option_sets", unused)),
                severity=WARNING,
            )
        report_gaps(r)
        q = d.Questionnaire(
            meta,
            sections,
            scores,
            flags,
            outcomes,
            examples,
            content_hash,
            path,
            text,
            language=r.language,
            coverage=dict(r.coverage),
        )
        q.broken.update(self.broken)
        return index(q)

    def broke(self, kind: str, item_id, since: int) -> None:
        """Note that `kind` `item_id` had a problem of its own since problem number `since`."""
        if item_id and len(self.reader.problems) > since:
            self.broken.add((kind, str(item_id)))

    def items(self, path, build, what):
        for i, _ in enumerate(self.reader.sequence(path, what)):
            item = build(path + (i,))
            if item is not None:
                yield item

    # -- questionnaire metadata -------------------------------------------------------
    def meta(self, path) -> d.Meta:
        r = self.reader
        fields = r.fields(path, BLOCKS["meta"]) or BLOCKS["meta"].defaults()
        fields["languages"] = r.languages  # as checked by declared_languages
        return d.Meta(
            **fields,
            phrases=self.phrases,
            practice=self.present(path + ("practice",), "practice"),
            crisis_resources=tuple(
                self.items(path + ("crisis_resources",), self.resource, "crisis_resources")
            ),
            youth_resources=tuple(
                self.items(path + ("youth_resources",), self.resource, "youth_resources")
            ),
            retention_days=self.present(path + ("retention_days",), "retention_days"),
        )

    def present(self, path, block: str) -> dict:
        """An optional block's values, only those given (and well formed)."""
        if self.reader.get(path) is None:
            return {}
        fields = self.reader.fields(path, BLOCKS[block], present_only=True) or {}
        return {k: v for k, v in fields.items() if v is not None}

    def resource(self, path) -> d.Resource | None:
        fields = self.reader.fields(path, BLOCKS["resource"])
        return None if fields is None else d.Resource(**fields, phrases=self.phrases)

    # -- options --------------------------------------------------------------------
    def read_option_sets(self, path) -> dict:
        r = self.reader
        raw = r.value(path, dict, {}, "option_sets")
        return {name: self.option_list(path + (name,), f"option set '{name}'") for name in raw}

    def option_list(self, path, what) -> tuple[d.Option, ...]:
        return tuple(self.items(path, lambda p: self.option(p, what), what))

    def option(self, path, what) -> d.Option | None:
        fields = self.reader.fields(path, BLOCKS["option"], f"an option of {what}")
        if fields is None or fields["value"] is None:
            return None
        fields["label"] = fields["label"] or str(fields["value"])
        return d.Option(**fields, pos=self.pos(path))

    # -- sections, pages, questions -------------------------------------------------------
    def section(self, path) -> d.Section | None:
        fields = self.reader.fields(path, BLOCKS["section"])
        if fields is None:
            return None
        pages = tuple(self.items(path + ("pages",), lambda p: self.page(p, fields["id"]), "pages"))
        return d.Section(
            **fields,
            pages=pages,
            show_if=self.condition_at(path + ("show_if",)),
            pos=self.pos(path),
        )

    def page(self, path, section_id) -> d.Page | None:
        fields = self.reader.fields(path, BLOCKS["page"])
        if fields is None:
            return None
        questions = tuple(
            self.items(
                path + ("questions",),
                lambda p: self.question(p, fields["id"], section_id),
                "questions",
            )
        )
        return d.Page(
            **fields,
            section_id=section_id,
            questions=questions,
            show_if=self.condition_at(path + ("show_if",)),
            pos=self.pos(path),
        )

    def question(self, path, page_id, section_id) -> d.Question | None:
        r = self.reader
        fields = r.fields(path, BLOCKS["question"])
        if fields is None:
            return None
        qid, qtype = fields["id"], fields["type"]
        if qtype not in d.QUESTION_TYPES:
            self.broken.add(("question", str(qid)))  # what refers to it is not reported again
            if not qtype:  # missing (DEF003) or of the wrong kind (DEF004): already reported
                return None
            r.problem(
                "DEF008",
                f"question '{qid}' has unknown type '{qtype}'. Use one of: "
                f"{', '.join(d.QUESTION_TYPES)}{suggest(qtype, d.QUESTION_TYPES)}",
                path + ("type",),
            )
            return None
        before = len(r.problems)
        options = self.question_options(path, qid, qtype, fields["prefer_not_to_say"])
        self.broke("options", qid, before)  # its option values are not all known
        return d.Question(
            **fields,
            page_id=page_id,
            section_id=section_id,
            options=options,
            min=self.limit(path + ("min",)),
            max=self.limit(path + ("max",)),
            show_if=self.condition_at(path + ("show_if",)),
            pos=self.pos(path),
            phrases=self.phrases,
        )

    def question_options(self, path, qid, qtype, prefer_not) -> tuple[d.Option, ...]:
        r = self.reader
        raw = r.get(path + ("options",))
        if qtype == "yesno":
            options = self.yes_no
            if raw is not None:
                r.problem(
                    "DEF009",
                    f"question '{qid}' is yes/no; its options are built in. "
                    "Remove 'options' or use type 'single'.",
                    path + ("options",),
                )
        elif qtype in d.CHOICE_TYPES:
            if raw is None:
                r.problem(
                    "DEF009",
                    f"question '{qid}' ({qtype}) needs 'options': a list or "
                    "the name of an option set",
                    path,
                )
                options = ()
            elif isinstance(raw, str):
                self.used_sets.add(raw)
                options = self.option_sets.get(raw, ())
                if raw not in self.option_sets:
                    r.problem(
                        "DEF014",
                        f"question '{qid}' uses option set '{raw}', which is "
                        "not defined under option_sets" + suggest(raw, self.option_sets),
                        path + ("options",),
                    )
            else:
                options = self.option_list(path + ("options",), f"question '{qid}'")
        else:
            if raw is not None:
                r.problem(
                    "DEF009",
                    f"question '{qid}' is of type {qtype}, which takes no "
                    "options. Remove 'options' or change the type.",
                    path + ("options",),
                )
            return ()
        if prefer_not and all(o.value != d.PREFER_NOT for o in options):
            options = options + (self.prefer_not,)
        return options

    def limit(self, path) -> d.Limit | None:
        r = self.reader
        raw = r.get(path)
        if raw is None:
            return None
        if isinstance(raw, dict):
            fields = r.fields(path, BLOCKS["limit"])
            if fields is None:
                return None
            return d.Limit(None, fields["q"], fields["message"], self.pos(path))
        if isinstance(raw, bool) or not isinstance(raw, int | float):
            r.problem(
                "DEF022",
                f"{path[-1]} must be a number or {{q: other_question}}, not {describe(raw)}",
                path,
            )
            return None
        return d.Limit(float(raw), pos=self.pos(path))

    # -- scores, flags, outcomes, examples -----------------------------------------------------
    def score(self, path) -> d.Score | None:
        fields = self.reader.fields(path, BLOCKS["score"])
        if fields is None:
            return None
        fields["label"] = fields["label"] or fields["id"]
        before = len(self.reader.problems)
        bands = tuple(self.items(path + ("bands",), self.band, "bands"))
        self.broke("bands", fields["id"], before)  # a band is missing: gaps would follow
        return d.Score(
            **fields,
            bands=bands,
            applies_if=self.condition_at(path + ("applies_if",)),
            pos=self.pos(path),
        )

    def band(self, path) -> d.Band | None:
        fields = self.reader.fields(path, BLOCKS["band"])
        if fields is None or fields["max"] is None:
            return None
        return d.Band(**fields, pos=self.pos(path))

    def flag(self, path) -> d.Flag | None:
        fields = self.reader.fields(path, BLOCKS["flag"])
        if fields is None:
            return None
        when = self.condition(path + ("when",))
        if when is None:
            self.broken.add(("flag", str(fields["id"])))
            return None
        return d.Flag(**fields, when=when, pos=self.pos(path))

    def outcome(self, path) -> d.Outcome | None:
        fields = self.reader.fields(path, BLOCKS["outcome"])
        if fields is None:
            return None
        when = self.condition_at(path + ("when",))
        if when is None and self.reader.get(path + ("when",)) is not None:
            # a malformed `when`, not a catch-all: the outcomes after it are reachable
            self.broken.add(("when", str(fields["id"])))
        return d.Outcome(**fields, when=when, pos=self.pos(path))

    def example(self, path) -> d.Example | None:
        r = self.reader
        fields = r.fields(path, BLOCKS["example"])
        if fields is None:
            return None
        answers = r.value(path + ("answers",), dict, {}, "answers")
        answer_pos = {k: self.pos(path + ("answers", k)) for k in answers}
        for key in answers:
            if (path + ("answers", key)) in r.source.booleans:
                r.boolean_problem(path + ("answers", key), f"the answer to '{key}'")
        expect = r.fields(path + ("expect",), BLOCKS["expect"], present_only=True) or {}
        if "scores" in (r.get(path + ("expect",)) or {}):
            expect["scores"] = self.expected_scores(path + ("expect", "scores"))
        expect = {k: list(v) if isinstance(v, tuple) else v for k, v in expect.items()}
        return d.Example(fields["name"], answers, expect, self.pos(path), answer_pos)

    def expected_scores(self, path) -> dict:
        r = self.reader
        scores = r.value(path, dict, {}, "scores")
        return {
            k: v
            for k, v in scores.items()
            if v is None or r.value(path + (k,), float, None, f"the score '{k}'") is not None
        }


def index(q: d.Questionnaire) -> d.Questionnaire:
    """Fill the lookup tables: question by id, page by id, and each question's order."""
    for page in q.page_list:
        q.pages.setdefault(page.id, page)
        for question in page.questions:
            q.questions.setdefault(question.id, question)
            q.order.setdefault(question.id, len(q.order))
    return q
