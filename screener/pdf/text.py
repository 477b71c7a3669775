"""Fonts, text cleaning and line breaking: every string passes through here before it is drawn."""

from __future__ import annotations

import functools
import unicodedata
from datetime import datetime
from pathlib import Path
from xml.sax.saxutils import escape

from babel.dates import format_date
from babel.numbers import get_decimal_symbol
from babel.support import NullTranslations
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont

FONT_DIR = Path(__file__).resolve().parent / "fonts"  # screener/pdf/fonts (package data)
FONT, FONT_BOLD = "KAPSans", "KAPSans-Bold"
MISSING = "[?]"  # stands in for characters the font cannot draw, so they never vanish
ENGLISH = NullTranslations()  # the source strings are English: no catalogue needed

_fonts: dict = {}


def register_fonts() -> frozenset:
    """Register DejaVu Sans once per process; return the code points both faces can draw."""
    if "covered" not in _fonts:
        regular = TTFont(FONT, str(FONT_DIR / "DejaVuSans.ttf"))
        bold = TTFont(FONT_BOLD, str(FONT_DIR / "DejaVuSans-Bold.ttf"))
        pdfmetrics.registerFont(regular)
        pdfmetrics.registerFont(bold)
        pdfmetrics.registerFontFamily(
            FONT, normal=FONT, bold=FONT_BOLD, italic=FONT, boldItalic=FONT_BOLD
        )
        _fonts["covered"] = frozenset(regular.face.charToGlyph) & frozenset(bold.face.charToGlyph)
    return _fonts["covered"]


def clean(value) -> str:
    """Any text → what the font can draw: unknown glyphs marked, invisible controls dropped."""
    value = "" if value is None else str(value)
    if value.isascii() and value.isprintable():
        return value
    covered = register_fonts()
    out, missing = [], False
    for char in unicodedata.normalize("NFC", value.replace("\r\n", "\n")):
        kind = unicodedata.category(char)
        if char == "\n" or kind in ("Zl", "Zp"):
            out.append("\n")
        elif char == "\t" or kind == "Zs":
            out.append(" ")
        elif kind == "Cf":
            continue  # invisible by nature (joiners, direction marks, soft hyphens)
        elif kind != "Cc" and ord(char) in covered:
            out.append(char)
        else:
            if not missing:
                out.append(MISSING)
            missing = True
            continue
        missing = False
    return "".join(out)


def markup(value) -> str:
    """Any text → safe Paragraph markup: escaped, line breaks kept, unknown glyphs marked."""
    return escape(clean(value)).replace("\n", "<br/>")


def canvas_string(value: str) -> str:
    """Text for canvas.drawString: no markup, unknown glyphs marked."""
    covered = register_fonts()
    return "".join(c if ord(c) in covered and c.isprintable() else MISSING for c in value)


def fitted_size(value: str, font: str, size: float, width: float) -> float:
    """`size`, or the smaller size at which one line of `value` fits in `width`."""
    wide = pdfmetrics.stringWidth(value, font, size)
    return size if wide <= width else size * width / wide


MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)


def long_date(when: datetime, locale: str = "en") -> str:
    """`when` as "November 28, 2026" ("28 de noviembre de 2026" in "es"), in its own zone.

    English is written here: Babel's locale data costs a worker about 5 MB a language.
    """
    if _english(locale):
        return f"{MONTHS[when.month - 1]} {when.day}, {when.year}"
    return format_date(when, format="long", locale=locale)


def format_number(value, locale: str = "en") -> str:
    """A score without a needless ".0", with the locale's decimal mark."""
    text = str(int(value)) if float(value).is_integer() else f"{value:g}"
    if "." not in text or _english(locale):
        return text
    return text.replace(".", get_decimal_symbol(locale))


def _english(locale: str) -> bool:
    return locale in ("en", "en_US")


def language_tag(locale: str) -> str:
    """The PDF's /Lang for a Babel locale: "en" → "en-US", "es" → "es-US" (a US practice)."""
    tag = locale.replace("_", "-")
    return tag if "-" in tag else f"{tag}-US"


def wrap_lines(value: str, width: float, font: str, size: float) -> list[str]:
    """Greedy line breaking; a word wider than the line is cut into pieces that fit."""
    space = pdfmetrics.stringWidth(" ", font, size)
    lines = []
    for paragraph in value.split("\n"):
        line, used = [], 0.0
        for word in paragraph.split():
            wide = pdfmetrics.stringWidth(word, font, size)
            if wide > width:
                pieces = _cut_word(word, width, font, size)
                word, wide = pieces.pop(), 0.0
                if line:
                    lines.append(" ".join(line))
                lines.extend(pieces)
                line, used = [], 0.0
                wide = pdfmetrics.stringWidth(word, font, size)
            if line and used + space + wide > width:
                lines.append(" ".join(line))
                line, used = [], 0.0
            used += (space if line else 0.0) + wide
            line.append(word)
        lines.append(" ".join(line))
    return lines


def _cut_word(word: str, width: float, font: str, size: float) -> list[str]:
    """`word` cut into pieces no wider than `width` (the last may be shorter)."""
    pieces, start, used = [], 0, 0.0
    for i, char in enumerate(word):
        wide = pdfmetrics.stringWidth(char, font, size)
        if used + wide > width and i > start:
            pieces.append(word[start:i])
            start, used = i, 0.0
        used += wide
    pieces.append(word[start:])
    return pieces


@functools.lru_cache(maxsize=512)
def wrapped_definition_text(value: str, width: float, font: str, size: float) -> tuple[str, ...]:
    """The definition's own prose, wrapped once per width and kept (every summary repeats it)."""
    return tuple(wrap_lines(clean(value), width, font, size))
