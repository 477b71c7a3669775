"""The summary's own flowables and tables, tuned to draw the same output with fewer operators."""

from __future__ import annotations

import functools

from reportlab.lib import colors
from reportlab.lib.styles import ParagraphStyle
from reportlab.platypus import Flowable, Paragraph, Table, TableStyle

from .style import (
    ACCENT,
    ACCENT_BG,
    ANSWER_W,
    BAND_COLOURS,
    CELL_LEADING,
    CELL_PAD,
    CELL_SIZE,
    FRAME_W,
    INK,
    MUTED,
    QUESTION_W,
    RULE,
)
from .text import FONT, FONT_BOLD, clean, wrap_lines, wrapped_definition_text


class Para(Paragraph):
    """A Paragraph that remembers its last wrap: tables ask every cell again and again."""

    _wrapped_at = None

    def wrap(self, availWidth, availHeight):  # noqa: N803 (reportlab's names)
        if availWidth == self._wrapped_at and "blPara" in self.__dict__:
            return self.width, self.height
        size = super().wrap(availWidth, availHeight)
        self._wrapped_at = availWidth
        return size


class PlainText(Flowable):
    """Unstyled prose from the definition as pre-wrapped lines: much cheaper than a Paragraph."""

    def __init__(self, value: str, style: ParagraphStyle, lines: tuple[str, ...] | None = None):
        super().__init__()
        self.value, self.style, self.lines = value, style, lines

    def wrap(self, availWidth, availHeight):  # noqa: N803 (reportlab's names)
        if self.lines is None:
            self.lines = wrapped_definition_text(
                self.value, availWidth, self.style.fontName, self.style.fontSize
            )
        self.width, self.height = availWidth, len(self.lines) * self.style.leading
        return self.width, self.height

    def split(self, availWidth, availHeight):  # noqa: N803
        self.wrap(availWidth, availHeight)
        fit = int(availHeight // self.style.leading)
        if fit < 2 or fit >= len(self.lines):
            return []
        return [
            PlainText(self.value, self.style, self.lines[:fit]),
            PlainText(self.value, self.style, self.lines[fit:]),
        ]

    def getSpaceAfter(self):  # noqa: N802
        return self.style.spaceAfter

    def draw(self):
        style = self.style
        lines = self.canv.beginText(0, self.height - style.fontSize)
        lines.setFont(style.fontName, style.fontSize, style.leading)
        lines.setFillColor(style.textColor)
        lines.textLines(self.lines)
        self.canv.drawText(lines)


class BandBar(Flowable):
    """A horizontal scale split into the score's bands, with a marker at the value."""

    def __init__(self, score, value, width=150, height=9):
        super().__init__()
        self.score, self.value = score, value
        self.width, self.bar_h, self.height = width, height, height + 7

    def draw(self):
        c, score = self.canv, self.score
        top = score.maximum or 1
        shades = band_shades(len(score.bands))
        start = 0.0
        c.setStrokeColor(colors.white)
        c.setLineWidth(0.8)
        for band, shade in zip(score.bands, shades, strict=True):
            end = min(band.max, top) / top * self.width
            c.setFillColor(shade)
            c.rect(start, 7, max(end - start, 0.5), self.bar_h, stroke=1, fill=1)
            start = end
        x = max(0.0, min(float(self.value), top)) / top * self.width
        c.setFillColor(INK)
        c.rect(x - 0.9, 6, 1.8, self.bar_h + 2, stroke=0, fill=1)
        path = c.beginPath()
        path.moveTo(x - 4, 0)
        path.lineTo(x + 4, 0)
        path.lineTo(x, 6)
        path.close()
        c.drawPath(path, stroke=0, fill=1)


def band_shades(count: int) -> list:
    """`count` colours from light to dark, evenly spread over the band palette."""
    if count <= 1:
        return [colors.HexColor(BAND_COLOURS[2])] * count
    last = len(BAND_COLOURS) - 1
    return [colors.HexColor(BAND_COLOURS[round(i * last / (count - 1))]) for i in range(count)]


def boxed(flowables, border, background) -> Table:
    """`flowables` in a full-width padded box (the next step, the crisis resources)."""
    box = Table([[flowables]], colWidths=[FRAME_W])
    box.setStyle(
        TableStyle(
            [
                ("BOX", (0, 0), (-1, -1), 1.2, border),
                ("BACKGROUND", (0, 0), (-1, -1), background),
                ("FONTNAME", (0, 0), (-1, -1), FONT),
                ("LEFTPADDING", (0, 0), (-1, -1), 12),
                ("RIGHTPADDING", (0, 0), (-1, -1), 12),
                ("TOPPADDING", (0, 0), (-1, -1), 9),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 6),
            ]
        )
    )
    return box


# -- the answers table ----------------------------------------------------------------------------


def cell_text(value, width: float, font: str = FONT) -> str:
    """A table cell as plain lines: Table draws these far faster than Paragraphs."""
    return "\n".join(wrap_lines(clean(value), width - 2 * CELL_PAD, font, CELL_SIZE))


@functools.lru_cache(maxsize=4096)
def definition_cell_text(value: str, width: float, font: str = FONT) -> str:
    """cell_text for the definition's own text (labels, titles), which every summary repeats."""
    return cell_text(value, width, font)


class LinesTable(Table):
    """A Table that draws each plain-text cell as one text object instead of a call per line.

    Same output positions as reportlab's own string cells (LEFT, TOP); about a third fewer
    PDF operators, which matters for a summary that is mostly table cells.
    """

    def _drawCell(self, cellval, cellstyle, pos, size):  # noqa: N802 (reportlab's name)
        plain = (
            isinstance(cellval, str)
            and cellstyle.alignment == "LEFT"
            and cellstyle.valign == "TOP"
            and not cellstyle.direction
            and not cellstyle.shaping
            and not cellstyle.href
            and not cellstyle.destination
        )
        if not plain:
            return super()._drawCell(cellval, cellstyle, pos, size)
        if not cellval:
            return None
        canv = self.canv
        if self._curcellstyle is not cellstyle:
            canv.setFillColor(cellstyle.color)
            canv.setFont(cellstyle.fontname, cellstyle.fontsize, cellstyle.leading)
            self._curcellstyle = cellstyle
        y = pos[1] + size[1] - cellstyle.topPadding - cellstyle.fontsize
        lines = canv.beginText(pos[0] + cellstyle.leftPadding, y)
        lines.textLines(cellval, trim=0)
        canv.drawText(lines)
        return None


class AnswerTable:
    """Rows of one section's question/answer table, with the style commands they need."""

    #: a long answer is cut into rows of this many lines, so that no row is taller than a page
    CHUNK = 24

    def __init__(self, title: str, answer_heading: str):
        self.title, self.answer_heading = title, answer_heading
        self.rows: list[list[str]] = []
        self.commands: list[tuple] = []

    def page_title(self, title: str) -> None:
        row = len(self.rows) + 1  # the header row shifts every index by one
        self.rows.append([definition_cell_text(title, FRAME_W, FONT_BOLD), ""])
        self.commands += [  # a page title is never left alone at the foot of a page
            ("SPAN", (0, row), (1, row)),
            ("BACKGROUND", (0, row), (1, row), ACCENT_BG),
            ("FONTNAME", (0, row), (1, row), FONT_BOLD),
            ("TEXTCOLOR", (0, row), (1, row), MUTED),
            ("NOSPLIT", (0, row), (1, row + 1)),
        ]

    def question(self, label: str, answer: str) -> None:
        left, right = label.split("\n"), answer.split("\n")
        size = self.CHUNK
        first = len(self.rows) + 1  # the header row shifts every index by one
        for start in range(0, max(len(left), len(right)), size):
            self.rows.append(
                ["\n".join(left[start : start + size]), "\n".join(right[start : start + size])]
            )
        last = len(self.rows)
        if last > first:  # the pieces of a long answer read as one block
            self.commands += [
                ("BOTTOMPADDING", (0, first), (1, last - 1), 0),
                ("TOPPADDING", (0, first + 1), (1, last), 0),
            ]
        self.commands.append(("LINEBELOW", (0, last), (1, last), 0.4, RULE))

    def build(self) -> Table:
        head = [
            definition_cell_text(self.title, QUESTION_W, FONT_BOLD),
            definition_cell_text(self.answer_heading, ANSWER_W, FONT_BOLD),
        ]
        commands = [
            ("FONTNAME", (0, 0), (-1, -1), FONT),
            ("FONTSIZE", (0, 0), (-1, -1), CELL_SIZE),
            ("LEADING", (0, 0), (-1, -1), CELL_LEADING),
            ("TEXTCOLOR", (0, 0), (-1, -1), INK),
            ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ("FONTNAME", (0, 0), (-1, 0), FONT_BOLD),
            ("TEXTCOLOR", (0, 0), (-1, 0), colors.white),
            ("BACKGROUND", (0, 0), (-1, 0), ACCENT),
            ("TOPPADDING", (0, 0), (-1, -1), 3),
            ("BOTTOMPADDING", (0, 0), (-1, -1), 3.5),
            ("LEFTPADDING", (0, 0), (-1, -1), CELL_PAD),
            ("RIGHTPADDING", (0, 0), (-1, -1), CELL_PAD),
            *self.commands,
        ]
        return LinesTable(
            [head, *self.rows],
            colWidths=[QUESTION_W, ANSWER_W],
            repeatRows=1,
            style=TableStyle(commands),
        )
