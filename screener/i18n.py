"""The gettext catalogs, for code outside a request: the CLI, the PDF, definitions per language.

Pure (Babel only, no Flask): the web reaches the same catalogs through Flask-Babel. The
catalogs live in the top-level `translations/` folder; `make` compiles them (.po -> .mo).
"""

from __future__ import annotations

import functools
from pathlib import Path

from babel.support import NullTranslations, Translations

from .questionnaire import Questionnaire, in_language

#: translations/<language>/LC_MESSAGES/messages.mo, beside templates/
TRANSLATIONS_DIR = Path(__file__).resolve().parent.parent / "translations"


@functools.lru_cache(maxsize=8)
def translations(language: str) -> NullTranslations:
    """The catalog for `language` (English, or a missing catalog: the strings as written)."""
    if not language or language == "en":
        return NullTranslations()
    return Translations.load(str(TRANSLATIONS_DIR), [language])


def read_in(q: Questionnaire, language: str) -> Questionnaire:
    """`q` in `language`, the core's own words (Yes, No, ...) from that language's catalog."""
    return in_language(q, language, translations(language).gettext)
