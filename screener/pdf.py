"""The summary PDF: render_summary(evaluation, definition, meta) -> bytes. Pure, deterministic."""

from __future__ import annotations

import functools
import io
import unicodedata
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from xml.sax.saxutils import escape

from reportlab import rl_config
from reportlab.lib import colors
from reportlab.lib.pagesizes import LETTER
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.utils import TimeStamp
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import (
    CondPageBreak,
    Flowable,
    KeepTogether,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)

from .definition import Questionnaire
from .evaluate import Evaluation

FONT_DIR = Path(__file__).resolve().parent / "fonts"
FONT, FONT_BOLD = "KAPSans", "KAPSans-Bold"
MISSING = "[?]"  # stands in for characters the font cannot draw, so they never vanish
CRISIS_FOOTER = "In crisis? Call or text 988 \u00b7 Emergency: 911 \u00b7 Text HOME to 741741"
RUNNING_TITLE = "Pre-screening summary \u2014 not a diagnosis"
SCORE_NOTE = "screening score, not a diagnosis"
MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August",
          "September", "October", "November", "December")

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


# Streams are Flate-compressed binary, not also ASCII85-encoded: smaller files, faster renders.
rl_config.useA85 = 0


class Para(Paragraph):
    """A Paragraph that remembers its last wrap: tables ask every cell again and again."""

    _wrapped_at = None

    def wrap(self, availWidth, availHeight):  # noqa: N803 (reportlab's names)
        if availWidth == self._wrapped_at and "blPara" in self.__dict__:
            return self.width, self.height
        size = super().wrap(availWidth, availHeight)
        self._wrapped_at = availWidth
        return size


@dataclass(frozen=True)
class SummaryMeta:
    """What the PDF needs to know about the submission besides its answers."""

    reference: str | None  # None: the client's own copy, not sent to the practice
    created_at: datetime
    contact_name: str | None = None


# -- fonts and text -------------------------------------------------------------------------------

_fonts: dict = {}


def _register_fonts() -> frozenset:
    """Register DejaVu Sans once per process; return the code points both faces can draw."""
    if "covered" not in _fonts:
        regular = TTFont(FONT, str(FONT_DIR / "DejaVuSans.ttf"))
        bold = TTFont(FONT_BOLD, str(FONT_DIR / "DejaVuSans-Bold.ttf"))
        pdfmetrics.registerFont(regular)
        pdfmetrics.registerFont(bold)
        pdfmetrics.registerFontFamily(FONT, normal=FONT, bold=FONT_BOLD, italic=FONT,
                                      boldItalic=FONT_BOLD)
        _fonts["covered"] = frozenset(regular.face.charToGlyph) & frozenset(
            bold.face.charToGlyph)
    return _fonts["covered"]


def clean(value) -> str:
    """Any text → what the font can draw: unknown glyphs marked, invisible controls dropped."""
    value = "" if value is None else str(value)
    if value.isascii() and value.isprintable():
        return value
    covered = _register_fonts()
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


def text(value) -> str:
    """Any text → safe Paragraph markup: escaped, line breaks kept, unknown glyphs marked."""
    return escape(clean(value)).replace("\n", "<br/>")


def _date(when: datetime) -> str:
    return f"{MONTHS[when.month - 1]} {when.day}, {when.year}"


def _number(value) -> str:
    return str(int(value)) if float(value).is_integer() else f"{value:g}"


# -- styles ---------------------------------------------------------------------------------------

def _styles() -> dict:
    base = ParagraphStyle("body", fontName=FONT, fontSize=9.5, leading=13, textColor=INK,
                          bulletFontName=FONT, splitLongWords=1, spaceAfter=4)

    def style(name, **kw):
        return ParagraphStyle(name, parent=base, **kw)

    return {
        "body": base,
        "practice": style("practice", fontName=FONT_BOLD, fontSize=10, textColor=ACCENT,
                          spaceAfter=2),
        "title": style("title", fontName=FONT_BOLD, fontSize=17, leading=21, spaceAfter=4),
        "meta": style("meta", fontSize=8.5, leading=11.5, textColor=MUTED, spaceAfter=0),
        "h2": style("h2", fontName=FONT_BOLD, fontSize=12.5, leading=16, textColor=ACCENT,
                    spaceBefore=12, spaceAfter=5, keepWithNext=1),
        "h3": style("h3", fontName=FONT_BOLD, fontSize=10.5, leading=14, spaceBefore=8,
                    spaceAfter=3, keepWithNext=1),
        "box_title": style("box_title", fontName=FONT_BOLD, fontSize=13, leading=17,
                           textColor=ACCENT, spaceAfter=4),
        "crisis_title": style("crisis_title", fontName=FONT_BOLD, fontSize=11.5, leading=15,
                              textColor=CRISIS, spaceAfter=4),
        "bullet": style("bullet", leftIndent=12, bulletIndent=2, spaceAfter=3),
        "small": style("small", fontSize=8, leading=10.5, textColor=MUTED, spaceAfter=0),
        "cell": style("cell", fontSize=8.5, leading=11.5, spaceAfter=0),
        "score_value": style("score_value", fontName=FONT_BOLD, fontSize=10, leading=13,
                             spaceAfter=0),
    }


# -- the document ---------------------------------------------------------------------------------

def render_summary(evaluation: Evaluation, definition: Questionnaire,
                   submission_meta: SummaryMeta) -> bytes:
    """The client's summary PDF for one evaluation, rendered with the given definition."""
    _register_fonts()
    styles = _styles()
    meta = definition.meta
    practice = str(meta.practice.get("name") or meta.title)
    story = [
        *_header(definition, submission_meta, styles),
        *_next_step(evaluation, styles),
        *_crisis_block(evaluation, definition, styles),
        *_questions_to_bring(evaluation, styles),
        *_scores(evaluation, styles),
        *_answers(evaluation, definition, styles),
        *_about(definition, styles),
    ]
    buffer = io.BytesIO()
    doc = SimpleDocTemplate(
        buffer, pagesize=LETTER, leftMargin=MARGIN_X, rightMargin=MARGIN_X,
        topMargin=MARGIN_TOP, bottomMargin=MARGIN_BOTTOM, invariant=1,
        initialFontName=FONT, initialFontSize=9.5,
        title=f"{RUNNING_TITLE} ({practice})", author=practice,
        subject=f"{meta.title}: answers, screening scores and recommended next step",
        creator="KAP pre-screener", producer="KAP pre-screener (ReportLab)",
        keywords=["pre-screening", "not a diagnosis"], lang="en-US")
    doc.build(story, canvasmaker=_canvas_maker(submission_meta, practice, meta.disclaimer))
    return buffer.getvalue()


def _header(definition, sm: SummaryMeta, styles) -> list:
    meta = definition.meta
    reference = text(sm.reference) if sm.reference else "not sent (your own copy)"
    first = [f"Date: {_date(sm.created_at)}", f"Reference: {reference}"]
    if sm.contact_name:
        first.append(f"Prepared for: {text(sm.contact_name)}")
    contact = [text(meta.practice[k]) for k in ("city", "phone", "email")
               if meta.practice.get(k)]
    version = (f"Questionnaire version {text(meta.version or '-')} "
               f"({text(definition.version)})")
    lines = [" \u00b7 ".join(first), " \u00b7 ".join([*contact, version])]
    return [
        Para(text(meta.practice.get("name") or meta.title), styles["practice"]),
        Para(RUNNING_TITLE, styles["title"]),
        Para("<br/>".join(lines), styles["meta"]),
        Spacer(1, 10),
    ]


def _boxed(flowables, border, background) -> Table:
    box = Table([[flowables]], colWidths=[FRAME_W])
    box.setStyle(TableStyle([
        ("BOX", (0, 0), (-1, -1), 1.2, border), ("BACKGROUND", (0, 0), (-1, -1), background),
        ("FONTNAME", (0, 0), (-1, -1), FONT),
        ("LEFTPADDING", (0, 0), (-1, -1), 12), ("RIGHTPADDING", (0, 0), (-1, -1), 12),
        ("TOPPADDING", (0, 0), (-1, -1), 9), ("BOTTOMPADDING", (0, 0), (-1, -1), 6)]))
    return box


def _bullets(items, styles, style="bullet") -> list:
    return [Para(item, styles[style], bulletText="\u2022") for item in items]


def _next_step(evaluation, styles) -> list:
    outcome = evaluation.outcome
    if outcome is None:
        return []
    inside = [Para("Recommended next step", styles["small"]),
              Para(text(outcome.title), styles["box_title"])]
    if outcome.message:
        inside.append(Para(text(outcome.message), styles["body"]))
    if outcome.next_steps:
        inside += _bullets([text(step) for step in outcome.next_steps], styles)
    story = [_boxed(inside, ACCENT, ACCENT_BG)]
    if evaluation.reasons:
        story += [Para("Because of what you told us", styles["h3"]),
                  *_bullets([text(r.flag.client_text) for r in evaluation.reasons], styles)]
    return story


def _crisis_block(evaluation, definition, styles) -> list:
    if not (evaluation.safety_flags or evaluation.urgent):
        return []
    inside = [
        Para("If you are struggling right now, please reach out now", styles["crisis_title"]),
        Para("Some of your answers tell us you may be going through a very hard time. "
                  "You don't have to wait for a consultation, and this form is not monitored "
                  "around the clock. These services are free and open 24 hours a day:",
                  styles["body"]),
    ]
    for res in definition.meta.crisis_resources:
        detail = f"<b>{text(res.name)}</b>: {text(res.how)}"
        if res.url and res.url.split("//")[-1].rstrip("/") not in res.how:
            detail += f" ({text(res.url.split('//')[-1].rstrip('/'))})"
        if res.note:
            detail += f". {text(res.note)}"
        inside.append(Para(detail, styles["bullet"], bulletText="\u2022"))
    return [Spacer(1, 8), _boxed(inside, CRISIS, CRISIS_BG)]


def _questions_to_bring(evaluation, styles) -> list:
    review = [f for f in evaluation.flags if f.flag.level == "review" and f.flag.client_text]
    story = [Para("Questions to bring to your consultation", styles["h2"])]
    if not review:
        return story + [Para("Nothing in particular stood out. Bring any questions you "
                                  "have about KAP, costs or timing.", styles["body"])]
    return story + _bullets([text(f.flag.client_text) for f in review], styles)


# -- scores ---------------------------------------------------------------------------------------

class BandBar(Flowable):
    """A horizontal scale split into the score's bands, with a marker at the value."""

    def __init__(self, score, value, width=150, height=9):
        super().__init__()
        self.score, self.value = score, value
        self.width, self.bar_h, self.height = width, height, height + 7

    def draw(self):
        c, score = self.canv, self.score
        top = score.maximum or 1
        shades = _shades(len(score.bands))
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


def _shades(count: int) -> list:
    """`count` colours from light to dark, evenly spread over the band palette."""
    if count <= 1:
        return [colors.HexColor(BAND_COLOURS[2])] * count
    last = len(BAND_COLOURS) - 1
    return [colors.HexColor(BAND_COLOURS[round(i * last / (count - 1))]) for i in range(count)]


def _scores(evaluation, styles) -> list:
    results = [r for r in evaluation.scores.values() if r.applies]
    if not results:
        return []
    rows = []
    for result in results:
        score = result.score
        rows.append([
            Para(f"<b>{text(score.label)}</b><br/><font size=7.5 color='#5b666c'>"
                      f"{SCORE_NOTE}</font>", styles["cell"]),
            Para(f"{_number(result.value)} <font size=8 color='#5b666c'>of "
                      f"{_number(score.maximum)}</font>", styles["score_value"]),
            Para(f"{text(result.band)}<br/><font size=7.5 color='#5b666c'>range 0\u2013"
                      f"{_number(score.maximum)}</font>", styles["cell"]),
            BandBar(score, result.value, width=140),
        ])
    table = Table(rows, colWidths=[150, 56, 158, 140])
    table.setStyle(TableStyle([
        ("FONTNAME", (0, 0), (-1, -1), FONT), ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ("LINEBELOW", (0, 0), (-1, -1), 0.5, RULE),
        ("TOPPADDING", (0, 0), (-1, -1), 5), ("BOTTOMPADDING", (0, 0), (-1, -1), 5),
        ("LEFTPADDING", (0, 0), (0, -1), 0)]))
    return [KeepTogether([
        Para("Screening scores", styles["h2"]),
        Para("These are screening scores, not a diagnosis. Only a clinician can diagnose a "
             "condition. The marker shows where your total falls.", styles["small"]),
        Spacer(1, 4), table])]


# -- answers --------------------------------------------------------------------------------------

def _answers(evaluation, definition, styles) -> list:
    visible = set(evaluation.visible_questions)
    story = [CondPageBreak(140), Para("Your answers", styles["h2"]),
             Para("Only the questions you were asked are listed, by section.",
                  styles["small"]), Spacer(1, 4)]
    for section in definition.sections:
        table = AnswerTable(section.title)
        for page in section.pages:
            shown = [q for q in page.questions if q.id in visible]
            if not shown:
                continue
            heading = _page_heading(page)
            if heading and heading != section.title:
                table.page_title(heading)
            for question in shown:
                answer = question.display(evaluation.answers.get(question.id))
                # Choice answers are the definition's own labels; free text is never cached.
                answer_cell = _fixed_cell if question.is_choice else _cell
                table.question(_fixed_cell(question.label, QUESTION_W),
                               answer_cell(answer, ANSWER_W))
        if table.rows:
            story += [table.build(), Spacer(1, 10)]
    return story


class LinesTable(Table):
    """A Table that draws each plain-text cell as one text object instead of a call per line.

    Same output positions as reportlab's own string cells (LEFT, TOP); about a third fewer
    PDF operators, which matters for a summary that is mostly table cells.
    """

    def _drawCell(self, cellval, cellstyle, pos, size):  # noqa: N802 (reportlab's name)
        plain = (isinstance(cellval, str) and cellstyle.alignment == "LEFT"
                 and cellstyle.valign == "TOP" and not cellstyle.direction
                 and not cellstyle.shaping and not cellstyle.href
                 and not cellstyle.destination)
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

    def __init__(self, title: str):
        self.title = title
        self.rows: list[list[str]] = []
        self.commands: list[tuple] = []

    def page_title(self, title: str) -> None:
        row = len(self.rows) + 1  # the header row shifts every index by one
        self.rows.append([_fixed_cell(title, FRAME_W, FONT_BOLD), ""])
        self.commands += [  # a page title is never left alone at the foot of a page
            ("SPAN", (0, row), (1, row)), ("BACKGROUND", (0, row), (1, row), ACCENT_BG),
            ("FONTNAME", (0, row), (1, row), FONT_BOLD), ("TEXTCOLOR", (0, row), (1, row), MUTED),
            ("NOSPLIT", (0, row), (1, row + 1))]

    def question(self, label: str, answer: str) -> None:
        left, right = label.split("\n"), answer.split("\n")
        size = self.CHUNK
        first = len(self.rows) + 1  # the header row shifts every index by one
        for start in range(0, max(len(left), len(right)), size):
            self.rows.append(["\n".join(left[start:start + size]),
                              "\n".join(right[start:start + size])])
        last = len(self.rows)
        if last > first:  # the pieces of a long answer read as one block
            self.commands += [("BOTTOMPADDING", (0, first), (1, last - 1), 0),
                              ("TOPPADDING", (0, first + 1), (1, last), 0)]
        self.commands.append(("LINEBELOW", (0, last), (1, last), 0.4, RULE))

    def build(self) -> Table:
        head = [_fixed_cell(self.title, QUESTION_W, FONT_BOLD), "Your answer"]
        commands = [
            ("FONTNAME", (0, 0), (-1, -1), FONT), ("FONTSIZE", (0, 0), (-1, -1), CELL_SIZE),
            ("LEADING", (0, 0), (-1, -1), CELL_LEADING), ("TEXTCOLOR", (0, 0), (-1, -1), INK),
            ("VALIGN", (0, 0), (-1, -1), "TOP"), ("FONTNAME", (0, 0), (-1, 0), FONT_BOLD),
            ("TEXTCOLOR", (0, 0), (-1, 0), colors.white), ("BACKGROUND", (0, 0), (-1, 0), ACCENT),
            ("TOPPADDING", (0, 0), (-1, -1), 3), ("BOTTOMPADDING", (0, 0), (-1, -1), 3.5),
            ("LEFTPADDING", (0, 0), (-1, -1), CELL_PAD),
            ("RIGHTPADDING", (0, 0), (-1, -1), CELL_PAD), *self.commands]
        return LinesTable([head, *self.rows], colWidths=[QUESTION_W, ANSWER_W], repeatRows=1,
                     style=TableStyle(commands))


def _cell(value, width: float, font: str = FONT) -> str:
    """A table cell as plain lines: Table draws these far faster than Paragraphs."""
    return "\n".join(wrap_lines(clean(value), width - 2 * CELL_PAD, font, CELL_SIZE))


@functools.lru_cache(maxsize=4096)
def _fixed_cell(value: str, width: float, font: str = FONT) -> str:
    """_cell for the definition's own text (labels, titles), which every summary repeats."""
    return _cell(value, width, font)


@functools.lru_cache(maxsize=512)
def _wrapped(value: str, width: float, font: str, size: float) -> tuple[str, ...]:
    """The definition's own prose, wrapped once per width and kept (every summary repeats it)."""
    return tuple(wrap_lines(clean(value), width, font, size))


class PlainText(Flowable):
    """Unstyled prose from the definition as pre-wrapped lines: much cheaper than a Paragraph."""

    def __init__(self, value: str, style: ParagraphStyle, lines: tuple[str, ...] | None = None):
        super().__init__()
        self.value, self.style, self.lines = value, style, lines

    def wrap(self, availWidth, availHeight):  # noqa: N803 (reportlab's names)
        if self.lines is None:
            self.lines = _wrapped(self.value, availWidth, self.style.fontName,
                                  self.style.fontSize)
        self.width, self.height = availWidth, len(self.lines) * self.style.leading
        return self.width, self.height

    def split(self, availWidth, availHeight):  # noqa: N803
        self.wrap(availWidth, availHeight)
        fit = int(availHeight // self.style.leading)
        if fit < 2 or fit >= len(self.lines):
            return []
        return [PlainText(self.value, self.style, self.lines[:fit]),
                PlainText(self.value, self.style, self.lines[fit:])]

    def getSpaceAfter(self):  # noqa: N802
        return self.style.spaceAfter

    def draw(self):
        style = self.style
        lines = self.canv.beginText(0, self.height - style.fontSize)
        lines.setFont(style.fontName, style.fontSize, style.leading)
        lines.setFillColor(style.textColor)
        lines.textLines(self.lines)
        self.canv.drawText(lines)


def wrap_lines(value: str, width: float, font: str, size: float) -> list[str]:
    """Greedy line breaking; a word wider than the line is cut into pieces that fit."""
    space = pdfmetrics.stringWidth(" ", font, size)
    lines = []
    for paragraph in value.split("\n"):
        line, used = [], 0.0
        for word in paragraph.split():
            wide = pdfmetrics.stringWidth(word, font, size)
            if wide > width:
                pieces = _cut(word, width, font, size)
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


def _cut(word: str, width: float, font: str, size: float) -> list[str]:
    pieces, start, used = [], 0, 0.0
    for i, char in enumerate(word):
        wide = pdfmetrics.stringWidth(char, font, size)
        if used + wide > width and i > start:
            pieces.append(word[start:i])
            start, used = i, 0.0
        used += wide
    pieces.append(word[start:])
    return pieces


def _page_heading(page) -> str:
    """A short page intro ("In the past month, have you…") reads better than the title."""
    return page.intro if page.intro and len(page.intro) <= 120 else page.title


def _about(definition, styles) -> list:
    paragraphs = definition.meta.about_kap
    if not paragraphs:
        return []
    return [CondPageBreak(100), Para("About KAP at this practice", styles["h2"]),
            *[PlainText(p, styles["body"]) for p in paragraphs]]


# -- page furniture -------------------------------------------------------------------------------

def _canvas_maker(sm: SummaryMeta, practice: str, disclaimer: str):
    created = sm.created_at if sm.created_at.tzinfo else sm.created_at.replace(tzinfo=UTC)
    created = created.astimezone(UTC)
    reference = sm.reference or "not sent"
    header = f"{practice} \u00b7 {RUNNING_TITLE} \u00b7 Reference: {reference}"
    footer = _wrapped(disclaimer, FRAME_W, FONT, FOOTER_SIZE)

    class SummaryCanvas(Canvas):
        """Keeps every page until the end, so each can say "Page N of M"."""

        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            self._doc._timeStamp = _timestamp(created)
            self._pages = []

        def showPage(self):  # noqa: N802 (reportlab's name)
            self._pages.append(dict(self.__dict__))
            self._startPage()

        def save(self):
            total = len(self._pages)
            for number, state in enumerate(self._pages, start=1):
                self.__dict__.update(state)
                self._furniture(number, total)
                super().showPage()
            super().save()

        def _furniture(self, number, total):
            self.saveState()
            self.setFillColor(MUTED)
            self.setFont(FONT, 7.5)
            self.drawString(MARGIN_X, PAGE_H - 34, _plain(header))
            self.setStrokeColor(RULE)
            self.setLineWidth(0.5)
            self.line(MARGIN_X, PAGE_H - 40, PAGE_W - MARGIN_X, PAGE_H - 40)
            self.line(MARGIN_X, MARGIN_BOTTOM - 14, PAGE_W - MARGIN_X, MARGIN_BOTTOM - 14)
            self.setFillColor(CRISIS)
            self.setFont(FONT_BOLD, 8.5)
            self.drawString(MARGIN_X, MARGIN_BOTTOM - 27, CRISIS_FOOTER)
            self.setFillColor(MUTED)
            self.setFont(FONT, 8)
            self.drawRightString(PAGE_W - MARGIN_X, MARGIN_BOTTOM - 27,
                                 f"Page {number} of {total}")
            lines = self.beginText(MARGIN_X, MARGIN_BOTTOM - 40)
            lines.setFont(FONT, FOOTER_SIZE, FOOTER_SIZE * 1.25)
            lines.textLines(footer)
            self.drawText(lines)
            self.restoreState()

    return SummaryCanvas


def _plain(value: str) -> str:
    """Text for canvas.drawString: no markup, unknown glyphs marked."""
    covered = _register_fonts()
    return "".join(c if ord(c) in covered and c.isprintable() else MISSING for c in value)


def _timestamp(when: datetime) -> TimeStamp:
    """A reportlab TimeStamp pinned to `when` (UTC), used for the creation date."""
    stamp = TimeStamp(invariant=1)
    stamp.t = when.timestamp()
    stamp.lt = when.timetuple()
    stamp.YMDhms = tuple(stamp.lt)[:6]
    stamp.dhh = stamp.dmm = 0
    return stamp
