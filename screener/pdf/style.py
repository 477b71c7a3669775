"""The summary's look: page geometry, palette and paragraph styles (the wording is in sections)."""

from __future__ import annotations

from reportlab.lib import colors
from reportlab.lib.pagesizes import LETTER
from reportlab.lib.styles import ParagraphStyle

from .text import FONT, FONT_BOLD

PAGE_W, PAGE_H = LETTER
MARGIN_X, MARGIN_TOP, MARGIN_BOTTOM = 54, 58, 92
FRAME_W = PAGE_W - 2 * MARGIN_X
QUESTION_W, ANSWER_W = FRAME_W * 0.58, FRAME_W * 0.42
# Table cells: reportlab splits a multi-line string cell assuming a leading of 1.2 × size.
CELL_SIZE, CELL_LEADING, CELL_PAD = 8.5, 10.2, 5
FOOTER_SIZE = 6.8

INK = colors.HexColor("#1d2428")
MUTED = colors.HexColor("#5b666c")
ACCENT = colors.HexColor("#1f5663")
ACCENT_BG = colors.HexColor("#ecf4f6")
RULE = colors.HexColor("#c9d3d7")
CRISIS = colors.HexColor("#a4262c")
CRISIS_BG = colors.HexColor("#fcefef")
BAND_COLOURS = ("#dcebef", "#bcd8df", "#94bfcb", "#6ba2b2", "#468397", "#2b6577")


def paragraph_styles() -> dict:
    """The named ParagraphStyles the story sections use, all derived from "body"."""
    base = ParagraphStyle(
        "body",
        fontName=FONT,
        fontSize=9.5,
        leading=13,
        textColor=INK,
        bulletFontName=FONT,
        splitLongWords=1,
        spaceAfter=4,
    )

    def style(name, **kw):
        return ParagraphStyle(name, parent=base, **kw)

    return {
        "body": base,
        "practice": style(
            "practice", fontName=FONT_BOLD, fontSize=10, textColor=ACCENT, spaceAfter=2
        ),
        "title": style("title", fontName=FONT_BOLD, fontSize=17, leading=21, spaceAfter=4),
        "meta": style("meta", fontSize=8.5, leading=11.5, textColor=MUTED, spaceAfter=0),
        "h2": style(
            "h2",
            fontName=FONT_BOLD,
            fontSize=12.5,
            leading=16,
            textColor=ACCENT,
            spaceBefore=12,
            spaceAfter=5,
            keepWithNext=1,
        ),
        "h3": style(
            "h3",
            fontName=FONT_BOLD,
            fontSize=10.5,
            leading=14,
            spaceBefore=8,
            spaceAfter=3,
            keepWithNext=1,
        ),
        "box_title": style(
            "box_title", fontName=FONT_BOLD, fontSize=13, leading=17, textColor=ACCENT, spaceAfter=4
        ),
        "crisis_title": style(
            "crisis_title",
            fontName=FONT_BOLD,
            fontSize=11.5,
            leading=15,
            textColor=CRISIS,
            spaceAfter=4,
        ),
        "bullet": style("bullet", leftIndent=12, bulletIndent=2, spaceAfter=3),
        "small": style("small", fontSize=8, leading=10.5, textColor=MUTED, spaceAfter=0),
        "cell": style("cell", fontSize=8.5, leading=11.5, spaceAfter=0),
        "score_value": style(
            "score_value", fontName=FONT_BOLD, fontSize=10, leading=13, spaceAfter=0
        ),
    }
