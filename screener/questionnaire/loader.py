"""questions.yaml → Questionnaire, keeping the line and column of every node."""

from __future__ import annotations

import hashlib
from pathlib import Path

from . import definition as d
from .condition_reader import ConditionReader
from .problems import WARNING, Problem
from .schema import Reader, describe, suggest
from .yamlsource import parse

TOP_KEYS = ("questionnaire", "option_sets", "sections", "scores", "flags", "outcomes", "examples")
META_KEYS = (
    "id",
    "title",
    "version",
    "minutes",
    "practice",
    "crisis_resources",
    "youth_resources",
    "retention_days",
    "disclaimer",
    "about_kap",
)
RESOURCE_KEYS = ("id", "name", "how", "tel", "sms", "url", "note")
SECTION_KEYS = ("id", "title", "pages", "show_if")
PAGE_KEYS = ("id", "title", "intro", "show_if", "questions")
QUESTION_KEYS = (
    "id",
    "type",
    "label",
    "hint",
    "required",
    "options",
    "exclusive",
    "prefer_not_to_say",
    "min",
    "max",
    "max_length",
    "show_if",
)
OPTION_KEYS = ("value", "label", "hint", "score")
SCORE_KEYS = ("id", "label", "sum", "bands", "applies_if")
FLAG_KEYS = (
    "id",
    "label",
    "level",
    "when",
    "client_text",
    "staff_text",
    "ask_on_call",
    "interrupt",
)
OUTCOME_KEYS = ("id", "title", "message", "next_steps", "booking", "when")
EXAMPLE_KEYS = ("name", "answers", "expect")
EXPECT_KEYS = (
    "outcome",
    "flags",
    "not_flags",
    "scores",
    "visible",
    "hidden",
    "errors",
    "interrupt",
)

YES_NO = (d.Option("yes", "Yes"), d.Option("no", "No"))
PREFER_NOT_OPTION = d.Option(d.PREFER_NOT, "Prefer not to say")


class LoadResult:
    """What loading produced: the questionnaire (if it could be built) and the problems."""

    def __init__(self, questionnaire, problems, source):
        self.questionnaire = questionnaire
        self.problems = problems
        self.source = source


def load_file(path) -> LoadResult:
    path = Path(path)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        return LoadResult(
            None, [Problem("DEF001", f"cannot read the file: {exc.strerror}", 1, 1)], None
        )
    return load_bytes(raw, str(path))


def load_bytes(raw: bytes, path: str = "questions.yaml") -> LoadResult:
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        return LoadResult(
            None, [Problem("DEF001", "the file is not UTF-8 text; save it as UTF-8", line, 1)], None
        )
    return load_text(text, path, hashlib.sha256(raw).hexdigest())


def load_text(text: str, path: str = "questions.yaml", content_hash: str = "") -> LoadResult:
    content_hash = content_hash or hashlib.sha256(text.encode("utf-8")).hexdigest()
    source = parse(text)
    if source.problems or source.data is None:
        problems = source.problems or [Problem("DEF003", "the file is empty", 1, 1)]
        return LoadResult(None, problems, source)
    builder = _Builder(Reader(source))
    questionnaire = builder.build(content_hash, path, text)
    return LoadResult(questionnaire, source.problems + builder.reader.problems, source)


class _Builder(ConditionReader):
    def __init__(self, reader: Reader):
        self.reader = reader
        self.option_sets: dict[str, tuple[d.Option, ...]] = {}
        self.used_sets: set[str] = set()

    def pos(self, path) -> d.Pos:
        return self.reader.source.pos(path)

    def build(self, content_hash, path, text) -> d.Questionnaire | None:
        r = self.reader
        top = r.mapping((), TOP_KEYS, ("questionnaire", "sections", "outcomes"), "the file")
        if top is None:
            return None
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
        return index(
            d.Questionnaire(
                meta, sections, scores, flags, outcomes, examples, content_hash, path, text
            )
        )

    def items(self, path, build, what):
        for i, _ in enumerate(self.reader.sequence(path, what)):
            item = build(path + (i,))
            if item is not None:
                yield item

    # -- questionnaire metadata -------------------------------------------------------
    def meta(self, path) -> d.Meta:
        r = self.reader
        raw = (
            r.mapping(
                path, META_KEYS, ("id", "title", "crisis_resources"), "the questionnaire block"
            )
            or {}
        )
        practice = r.value(path + ("practice",), dict, {}, "practice")
        retention = r.value(path + ("retention_days",), dict, {}, "retention_days")
        for key in retention:
            if key not in ("drafts", "submissions"):
                r.unknown_key(
                    path + ("retention_days",), key, ("drafts", "submissions"), "retention_days"
                )
            else:
                r.value(path + ("retention_days", key), int, None, f"retention_days.{key}")
        about = tuple(
            r.value(path + ("about_kap", i), str, "", "about_kap paragraph")
            for i, _ in enumerate(r.sequence(path + ("about_kap",), "about_kap"))
        )
        return d.Meta(
            id=r.value(path + ("id",), str, ""),
            title=r.value(path + ("title",), str, ""),
            version=r.value(path + ("version",), str, ""),
            minutes=r.value(path + ("minutes",), int, 15, "minutes"),
            practice={k: str(v) for k, v in practice.items()},
            crisis_resources=tuple(
                self.items(path + ("crisis_resources",), self.resource, "crisis_resources")
            ),
            youth_resources=tuple(
                self.items(path + ("youth_resources",), self.resource, "youth_resources")
            ),
            retention_days=dict(retention) if raw else {},
            disclaimer=r.value(path + ("disclaimer",), str, ""),
            about_kap=about,
        )

    def resource(self, path) -> d.Resource | None:
        r = self.reader
        if r.mapping(path, RESOURCE_KEYS, ("id", "name", "how"), "a crisis resource") is None:
            return None
        return d.Resource(**{k: r.value(path + (k,), str, "", k) for k in RESOURCE_KEYS})

    # -- options --------------------------------------------------------------------
    def read_option_sets(self, path) -> dict:
        r = self.reader
        raw = r.value(path, dict, {}, "option_sets")
        return {name: self.option_list(path + (name,), f"option set '{name}'") for name in raw}

    def option_list(self, path, what) -> tuple[d.Option, ...]:
        return tuple(self.items(path, lambda p: self.option(p, what), what))

    def option(self, path, what) -> d.Option | None:
        r = self.reader
        if r.mapping(path, OPTION_KEYS, ("value", "label"), f"an option of {what}") is None:
            return None
        value = r.get(path + ("value",))
        if isinstance(value, bool):
            r.boolean_problem(path + ("value",), f"the option value in {what}")
            return None
        if not isinstance(value, str | int):
            r.problem(
                "DEF004",
                f"an option value in {what} must be text or a whole number",
                path + ("value",),
            )
            return None
        return d.Option(
            value,
            r.value(path + ("label",), str, str(value), "label"),
            r.value(path + ("hint",), str, "", "hint"),
            r.value(path + ("score",), float, None, "score"),
            self.pos(path),
        )

    # -- sections, pages, questions -------------------------------------------------------
    def section(self, path) -> d.Section | None:
        r = self.reader
        if r.mapping(path, SECTION_KEYS, ("id", "title", "pages"), "a section") is None:
            return None
        sid = r.identifier(path + ("id",), "section id")
        pages = tuple(self.items(path + ("pages",), lambda p: self.page(p, sid), "pages"))
        return d.Section(
            sid,
            r.value(path + ("title",), str, ""),
            pages,
            self.condition_at(path + ("show_if",)),
            self.pos(path),
        )

    def page(self, path, section_id) -> d.Page | None:
        r = self.reader
        if r.mapping(path, PAGE_KEYS, ("id", "questions"), "a page") is None:
            return None
        pid = r.identifier(path + ("id",), "page id")
        questions = tuple(
            self.items(
                path + ("questions",), lambda p: self.question(p, pid, section_id), "questions"
            )
        )
        return d.Page(
            pid,
            section_id,
            r.value(path + ("title",), str, ""),
            questions,
            r.value(path + ("intro",), str, ""),
            self.condition_at(path + ("show_if",)),
            self.pos(path),
        )

    def question(self, path, page_id, section_id) -> d.Question | None:
        r = self.reader
        if r.mapping(path, QUESTION_KEYS, ("id", "type", "label"), "a question") is None:
            return None
        qid = r.identifier(path + ("id",), "question id")
        qtype = r.value(path + ("type",), str, "")
        if qtype not in d.QUESTION_TYPES:
            if not qtype:  # missing (DEF003) or of the wrong kind (DEF004): already reported
                return None
            r.problem(
                "DEF008",
                f"question '{qid}' has unknown type '{qtype}'"
                f"{suggest(qtype, d.QUESTION_TYPES)}. Use one of: "
                f"{', '.join(d.QUESTION_TYPES)}.",
                path + ("type",),
            )
            return None
        prefer_not = r.value(path + ("prefer_not_to_say",), bool, False, "prefer_not_to_say")
        options = self.question_options(path, qid, qtype, prefer_not)
        exclusive = tuple(self.exclusive(path + ("exclusive",)))
        return d.Question(
            id=qid,
            type=qtype,
            label=r.value(path + ("label",), str, ""),
            page_id=page_id,
            section_id=section_id,
            hint=r.value(path + ("hint",), str, ""),
            required=r.value(path + ("required",), bool, True, "required"),
            options=options,
            exclusive=exclusive,
            prefer_not_to_say=prefer_not,
            min=self.limit(path + ("min",)),
            max=self.limit(path + ("max",)),
            max_length=r.value(path + ("max_length",), int, None, "max_length"),
            show_if=self.condition_at(path + ("show_if",)),
            pos=self.pos(path),
        )

    def question_options(self, path, qid, qtype, prefer_not) -> tuple[d.Option, ...]:
        r = self.reader
        raw = r.get(path + ("options",))
        if qtype == "yesno":
            options = YES_NO
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
            options = options + (PREFER_NOT_OPTION,)
        return options

    def exclusive(self, path):
        for i, value in enumerate(self.reader.sequence(path, "exclusive")):
            if isinstance(value, bool):
                self.reader.boolean_problem(path + (i,), "the exclusive value")
            else:
                yield value

    def limit(self, path) -> d.Limit | None:
        r = self.reader
        raw = r.get(path)
        if raw is None:
            return None
        if isinstance(raw, dict):
            if r.mapping(path, ("q", "message"), ("q",), "a cross-field limit") is None:
                return None
            return d.Limit(
                None,
                r.value(path + ("q",), str, ""),
                r.value(path + ("message",), str, ""),
                self.pos(path),
            )
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
        r = self.reader
        if r.mapping(path, SCORE_KEYS, ("id", "sum", "bands"), "a score") is None:
            return None
        items = tuple(
            r.value(path + ("sum", i), str, "", "a score item")
            for i, _ in enumerate(r.sequence(path + ("sum",), "sum"))
        )
        bands = tuple(self.items(path + ("bands",), self.band, "bands"))
        sid = r.identifier(path + ("id",), "score id")
        return d.Score(
            sid,
            r.value(path + ("label",), str, sid),
            items,
            bands,
            self.condition_at(path + ("applies_if",)),
            self.pos(path),
        )

    def band(self, path) -> d.Band | None:
        r = self.reader
        if r.mapping(path, ("max", "label"), ("max", "label"), "a band") is None:
            return None
        top = r.value(path + ("max",), float, None, "band max")
        return (
            None
            if top is None
            else d.Band(top, r.value(path + ("label",), str, ""), self.pos(path))
        )

    def flag(self, path) -> d.Flag | None:
        r = self.reader
        if r.mapping(path, FLAG_KEYS, ("id", "level", "when"), "a flag") is None:
            return None
        fid = r.identifier(path + ("id",), "flag id")
        when = self.condition(path + ("when",))
        if when is None:
            return None
        text = {
            k: r.value(path + (k,), str, "", k)
            for k in ("label", "level", "client_text", "staff_text", "ask_on_call")
        }
        return d.Flag(
            fid,
            when=when,
            interrupt=r.value(path + ("interrupt",), bool, False, "interrupt"),
            pos=self.pos(path),
            **text,
        )

    def outcome(self, path) -> d.Outcome | None:
        r = self.reader
        if r.mapping(path, OUTCOME_KEYS, ("id", "title"), "an outcome") is None:
            return None
        steps = tuple(
            r.value(path + ("next_steps", i), str, "", "a next step")
            for i, _ in enumerate(r.sequence(path + ("next_steps",), "next_steps"))
        )
        return d.Outcome(
            r.identifier(path + ("id",), "outcome id"),
            r.value(path + ("title",), str, ""),
            r.value(path + ("message",), str, ""),
            steps,
            r.value(path + ("booking",), bool, True, "booking"),
            self.condition_at(path + ("when",)),
            self.pos(path),
        )

    def example(self, path) -> d.Example | None:
        r = self.reader
        if r.mapping(path, EXAMPLE_KEYS, ("name", "answers", "expect"), "an example") is None:
            return None
        answers = r.value(path + ("answers",), dict, {}, "answers")
        answer_pos = {k: self.pos(path + ("answers", k)) for k in answers}
        for key in answers:
            if (path + ("answers", key)) in r.source.booleans:
                r.boolean_problem(path + ("answers", key), f"the answer to '{key}'")
        expect = r.mapping(path + ("expect",), EXPECT_KEYS, ("outcome",), "expect") or {}
        expect = dict(expect)
        if "outcome" in expect:
            expect["outcome"] = r.value(path + ("expect", "outcome"), str, None, "outcome")
        for key in ("flags", "not_flags", "visible", "hidden", "errors"):
            if key in expect:
                expect[key] = [
                    r.value(path + ("expect", key, i), str, "", f"an entry of {key}")
                    for i, _ in enumerate(r.sequence(path + ("expect", key), key))
                ]
        if "scores" in expect:
            scores = r.value(path + ("expect", "scores"), dict, {}, "scores")
            expect["scores"] = {
                k: v
                for k, v in scores.items()
                if v is None
                or r.value(path + ("expect", "scores", k), float, None, f"the score '{k}'")
                is not None
            }
        if "interrupt" in expect:
            expect["interrupt"] = r.value(path + ("expect", "interrupt"), bool, False, "interrupt")
        return d.Example(
            r.value(path + ("name",), str, ""), answers, expect, self.pos(path), answer_pos
        )


def index(q: d.Questionnaire) -> d.Questionnaire:
    """Fill the lookup tables: question by id, page by id, and each question's order."""
    for page in q.page_list:
        q.pages.setdefault(page.id, page)
        for question in page.questions:
            q.questions.setdefault(question.id, question)
            q.order.setdefault(question.id, len(q.order))
    return q
