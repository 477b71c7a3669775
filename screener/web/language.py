"""The client's language: Flask-Babel's locale for each request, and the `?lang=` switch.

The interface strings are gettext catalogs in the top-level `translations/` folder
(`make messages` extracts them, `make translations` compiles them). Staff pages and the
API stay English: the therapists read English.

A client picks a language with a plain link (`?lang=es`), which works without JavaScript:
the code is checked, kept in the session, and the same address is asked again without it.
"""

from __future__ import annotations

import functools
from urllib.parse import quote, urlencode

from babel import Locale, UnknownLocaleError
from flask import Flask, current_app, g, has_request_context, redirect, request, session
from flask_babel import Babel, force_locale, format_decimal, get_locale, refresh
from flask_babel import gettext as _
from jinja2 import pass_context
from markupsafe import Markup

from . import config

TRANSLATIONS = config.ROOT / "translations"
DEFAULT = "en"  # the language the interface strings are written in


def _catalogs() -> tuple[str, ...]:
    """The languages with a catalog in translations/: a new language needs no code."""
    names = sorted(p.parent.parent.name for p in TRANSLATIONS.glob("*/LC_MESSAGES/*.po"))
    return tuple(name for name in names if _known(name))


def _known(code: str) -> bool:
    try:
        Locale.parse(code)
    except (UnknownLocaleError, ValueError):
        return False
    return True


def _us_form(code: str) -> str:
    """The US form of a language if Babel knows one (es_US: 5,000 and 2.5, not Spain's
    5.000 and 2,5), else the language itself."""
    return f"{code}_US" if _known(f"{code}_US") else code


#: the languages a client can choose, the first being the default: ("en", "es")
SUPPORTED = (DEFAULT, *(code for code in _catalogs() if code != DEFAULT))
#: the locale each language is rendered in (dates, numbers); its catalog is the language's
LOCALES = {code: _us_form(code) for code in SUPPORTED}
#: addresses that are always English: the staff pages and the staff API
STAFF_PREFIXES = ("/staff", "/api")
#: the session keys a client keeps when their answers are closed on this device
KEEP = ("language",)

babel = Babel()


def init_app(app: Flask) -> None:
    babel.init_app(
        app,
        default_locale=DEFAULT,
        default_translation_directories=str(TRANSLATIONS),
        # dates a client sees (when saved answers are deleted) are the practice's dates
        default_timezone=app.config.get("STAFF_TIMEZONE") or "UTC",
        locale_selector=select_locale,
    )
    # `{% trans %}` blocks are written over several lines; their msgids are one line
    app.jinja_env.policies["ext.i18n.trimmed"] = True
    app.jinja_env.filters["number"] = _number_filter
    app.jinja_env.filters["marked"] = marked
    app.before_request(switch_language)
    app.context_processor(_template_globals)
    for problem in catalog_problems():
        app.logger.warning(problem)


def catalog_problems(folder=TRANSLATIONS) -> list[str]:
    """A .po without its compiled .mo (or with an older one) shows its pages in English."""
    out = []
    for po in sorted(folder.glob("*/LC_MESSAGES/messages.po")):
        mo = po.with_suffix(".mo")
        if not mo.exists() or mo.stat().st_mtime < po.stat().st_mtime:
            out.append(
                f"{mo.relative_to(folder.parent)} is missing or older than its .po: the "
                f"{po.parent.parent.name} pages use the catalog as it was; run `make translations`"
            )
    return out


def staff_request() -> bool:
    path = request.path
    return any(path == p or path.startswith(p + "/") for p in STAFF_PREFIXES)


def supported(code) -> str | None:
    """The code if it names a supported language ("ES" and " es" do), else None."""
    if not isinstance(code, str):
        return None
    code = code.strip().lower()
    return code if code in choices() else None


def choices() -> tuple[str, ...]:
    """The languages a client can choose: those with an interface catalog that
    questions.yaml also has texts in (a catalog alone would give English questions)."""
    state = current_app.extensions.get("screener")
    if state is None:
        return SUPPORTED
    declared = state.questionnaire.meta.languages
    return tuple(code for code in SUPPORTED if code == DEFAULT or code in declared)


def select_locale() -> str:
    """A view's choice (the draft's language), the session's, the browser's, else English."""
    return LOCALES[select_language()]


def select_language() -> str:
    """The language of this request, one of SUPPORTED: see select_locale."""
    if not has_request_context() or staff_request():
        return DEFAULT
    for chosen in (g.get("language"), session.get("language")):
        if supported(chosen):
            return supported(chosen)
    return request.accept_languages.best_match(choices()) or DEFAULT


def use(code: str) -> None:
    """Render the rest of this request in `code` (a view that knows the draft's language)."""
    if supported(code):
        g.language = supported(code)
        refresh()  # Flask-Babel keeps the locale it worked out first
        request.__dict__.pop("wtforms_translations", None)  # so does Flask-WTF


def switch_language():
    """`GET ...?lang=es`: keep the choice, then the same address without `lang`."""
    if "lang" not in request.args or request.method not in ("GET", "HEAD"):
        return None
    if staff_request():
        return None
    code = supported(request.args.get("lang"))
    if code is None:
        return None  # an unknown code is ignored: the page as it is
    session["language"] = code
    rest = [(k, v) for k, v in request.args.items(multi=True) if k != "lang"]
    return redirect(_address(rest))


def clear_session() -> None:
    """Close the client's answers in this browser, keeping their language."""
    kept = {key: session[key] for key in KEEP if key in session}
    session.clear()
    session.update(kept)


def _address(args: list) -> str:
    """This page's path, quoted again (Flask gives it decoded), with the query `args`."""
    path = quote(request.script_root + request.path, safe="/:@!$&'()*+,;=-._~")
    return path + ("?" + urlencode(args) if args else "")


def switch_url(code: str) -> str:
    """This page's address with `?lang=code` (other query parameters kept)."""
    args = [(k, v) for k, v in request.args.items(multi=True) if k != "lang"]
    return _address([*args, ("lang", code)])


@functools.cache  # the catalogs are fixed while the app runs; every page shows these names
def own_name(code: str) -> str:
    """A language's name in that language, as a switch shows it: "English", "Español".

    From each catalog rather than Babel's locale data: that data costs a worker about 5 MB
    per language, and English pages need none of it.
    """
    with force_locale(LOCALES[code]):
        # translators: the name of the language of this catalog, in that language
        return _("English")


def offers() -> list[tuple[str, str, str]]:
    """(code, sentence in that language, address) for each other language: the landing page."""
    out = []
    for code in choices():
        if code != current():
            with force_locale(LOCALES[code]):
                # translators: the name of the language of this catalog, in that language
                out.append((code, _("Read this questionnaire in English"), switch_url(code)))
    return out


def decimal(number) -> str:
    """A number in the page's language, without grouping: "2.5" ("2,5" where that is the
    form). English is written here, so English pages never load Babel's locale data."""
    if current() == DEFAULT:
        text = f"{float(number):.3f}".rstrip("0").rstrip(".")
        return text if text != "-0" else "0"
    return format_decimal(number, format="0.###")


@pass_context  # never folded into a template at compile time, in one request's language
def _number_filter(context, number) -> str:
    return decimal(number)


def marked(text):
    """A text from questions.yaml, wrapped in `<span lang>` when it is in another language
    than the page (wording with no translation yet): screen readers switch voice for it."""
    lang = getattr(text, "lang", None)
    if lang is None:
        return text
    return Markup('<span lang="%s">%s</span>') % (lang, text)


def current() -> str:
    """The language this request is rendered in ("en" outside a request)."""
    locale = get_locale()
    return locale.language if locale is not None else DEFAULT


def _template_globals() -> dict:
    language = current()
    return {
        "current_locale": language,
        "language_offers": offers,
        # the switch is for clients only: staff pages (and their previews) stay English
        "language_links": ()
        if staff_request()
        else tuple(
            (code, own_name(code), None if code == language else switch_url(code))
            for code in choices()
        ),
    }
