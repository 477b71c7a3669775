"""The languages of a questionnaire: which it declares, and which client texts lack one.

A client text is one string (a one-language file) or one string per language
(`label: {en: ..., es: ...}`). The Reader counts, for every client text, the languages it has
(see Reader.words); this module reads the declared languages first and reports the gaps last.
"""

from __future__ import annotations

import re

from .kinds import LANGUAGE_PATTERN
from .problems import WARNING

LANGUAGE_RE = re.compile(LANGUAGE_PATTERN)
LANGUAGES_PATH = ("questionnaire", "languages")

#: how a message names the block a text belongs to, by the list that holds it
_BLOCK_NAMES = {
    "sections": "section",
    "pages": "page",
    "questions": "question",
    "options": "option",
    "crisis_resources": "crisis resource",
    "youth_resources": "youth resource",
    "flags": "flag",
    "outcomes": "outcome",
    "scores": "score",
    "bands": "band",
}


class InLanguage(str):
    """A text read in one language but written in another (`lang`): a name, or wording
    with no translation yet (the PC-PTSD-5 in Spanish). Pages mark it for screen readers."""

    __slots__ = ("lang",)

    def __new__(cls, text: str, lang: str):
        made = super().__new__(cls, text)
        made.lang = lang
        return made


#: a text this long that reads the same in two languages is wording left untranslated; a
#: shorter one is usually a word both share ("No", "Alcohol") or a name ("988 Colorado")
UNTRANSLATED_WORDS = 4


def untranslated(text: str, original: str | None) -> bool:
    """Is `text` the default language's `original`, word for word, and long enough to
    be wording rather than a shared word or a name?"""
    if original is None or text.split() != original.split():
        return False
    return len(text.split()) >= UNTRANSLATED_WORDS


#: language names for messages; a code not listed is named by its code
LANGUAGE_NAMES = {"en": "English", "es": "Spanish"}


def declared_languages(reader) -> tuple[str, ...]:
    """questionnaire.languages, checked (DEF036); ("en",) when absent or unusable."""
    raw = reader.get(LANGUAGES_PATH)
    if raw is None:
        return ("en",)
    codes = raw if isinstance(raw, list) else None
    if not codes or not all(isinstance(c, str) and LANGUAGE_RE.match(c) for c in codes):
        reader.problem(
            "DEF036",
            "questionnaire.languages must be a list of two-letter lower-case language codes, "
            "the default first, e.g. [en, es]",
            LANGUAGES_PATH,
        )
        return ("en",)
    if len(set(codes)) != len(codes):
        reader.problem("DEF036", "questionnaire.languages names a language twice", LANGUAGES_PATH)
    return tuple(dict.fromkeys(codes))


def report_gaps(reader) -> None:
    """DEF047 for a declared language no text has; DEF034 for each text that lacks one."""
    unused = {
        language
        for language in reader.languages[1:]
        if not reader.coverage.get(language) and reader.coverage.get("")
    }
    for language in sorted(unused):
        reader.problem(
            "DEF047",
            f"questionnaire.languages declares '{language}' ({name(language)}), but no client "
            f"text has it; translate the texts (`{language}: ...` beside "
            f"`{reader.languages[0]}: ...`) or remove '{language}' from languages",
            LANGUAGES_PATH,
            severity=WARNING,
        )
    for path, language in reader.missing:
        if language not in unused:
            reader.problem("DEF034", _missing_message(reader, path, language), path)


def _missing_message(reader, path, language: str) -> str:
    where = text_name(reader, path)
    if not isinstance(reader.get(path), dict):
        return (
            f"{where} has one text but the file declares {', '.join(reader.languages)}; "
            f"write it per language: {{{reader.languages[0]}: ..., {language}: ...}}"
        )
    return f"{where} has no {name(language)} text; add `{language}: ...`"


def name(language: str) -> str:
    return LANGUAGE_NAMES.get(language, language)


def text_name(reader, path) -> str:
    """'the label of question 'phq9_1'': the key, and the block it belongs to."""
    path = tuple(path)
    key_at = max(i for i, part in enumerate(path) if isinstance(part, str))
    key = path[key_at]
    if key_at + 1 < len(path):  # an entry of a list of texts (about_kap, next_steps)
        key = f"{key} entry {path[key_at + 1] + 1}"
    owner = _owner(reader, path[:key_at])
    return f"the {key} of {owner}" if owner else f"the {key}"


def _owner(reader, path) -> str:
    if not path:
        return ""
    if path[0] == "option_sets" and len(path) >= 3:
        value = (reader.get(path) or {}).get("value")
        return f"option {value!r} of option set '{path[1]}'"
    block = reader.get(path)
    if isinstance(path[-1], int) and isinstance(block, dict):
        kind = _BLOCK_NAMES.get(path[-2], str(path[-2]))
        ident = block.get("id", block.get("value", path[-1] + 1))
        owner = f"{kind} '{ident}'"
        if kind in ("option", "band"):
            return f"{owner} of {_owner(reader, path[:-2])}"
        return owner
    if path == ("questionnaire",):
        return "the questionnaire block"
    return ".".join(str(p) for p in path)


def coverage_lines(coverage: dict, languages) -> list[str]:
    """'es (Spanish): 531 of 531 client texts (100%), 9 the same as in English' for each
    declared language: the same text is right for a name, and a gap for anything else."""
    total = coverage.get("", 0)
    lines = []
    for language in languages:
        have = coverage.get(language, 0)
        share = 100 if not total else have * 100 // total
        line = f"{language} ({name(language)}): {have} of {total} client texts ({share}%)"
        same = coverage.get(f"{language}=", 0)
        if same:
            line += f", {same} the same as in {name(languages[0])}"
        lines.append(line)
    return lines
