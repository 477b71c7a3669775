"""The summary PDF: render_summary(evaluation, definition, meta) -> bytes. Pure, deterministic."""

from __future__ import annotations

import io
import unicodedata
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from xml.sax.saxutils import escape

from reportlab import rl_config
from reportlab.lib import colors
from reportlab.lib.enums import TA_RIGHT
from reportlab.lib.pagesizes import LETTER
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.utils import TimeStamp
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import (
    CondPageBreak,
    Flowable,
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
        if availWidth == self._wrapped_at:
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


def text(value) -> str:
    """Any text → safe Paragraph markup: escaped, line breaks kept, unknown glyphs marked."""
    value = "" if value is None else str(value)
    if value.isascii() and value.isprintable():
        return escape(value)
    covered = _register_fonts()
    out, missing = [], False
    for char in unicodedata.normalize("NFC", value.replace("\r\n", "\n")):
        kind = unicodedata.category(char)
        if char == "\n" or kind in ("Zl", "Zp"):
            out.append("<br/>")
        elif char == "\t" or kind == "Zs":
            out.append(" ")
        elif kind == "Cf":
            continue  # invisible by nature (joiners, direction marks, soft hyphens)
        elif kind != "Cc" and ord(char) in covered:
            out.append(escape(char))
        else:
            if not missing:
                out.append(MISSING)
            missing = True
            continue
        missing = False
    return "".join(out)


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
        "cell_head": style("cell_head", fontName=FONT_BOLD, fontSize=8.5, leading=11.5,
                           textColor=colors.white, spaceAfter=0),
        "cell_page": style("cell_page", fontName=FONT_BOLD, fontSize=8, leading=11,
                           textColor=MUTED, spaceAfter=0),
        "score_value": style("score_value", fontName=FONT_BOLD, fontSize=10, leading=13,
                             spaceAfter=0),
        "footer": style("footer", fontSize=6.8, leading=8.4, textColor=MUTED, spaceAfter=0),
        "right": style("right", alignment=TA_RIGHT),
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
    footer = Para(text(meta.disclaimer), styles["footer"])
    doc.build(story, canvasmaker=_canvas_maker(submission_meta, practice, footer))
    return buffer.getvalue()


def _header(definition, sm: SummaryMeta, styles) -> list:
    meta = definition.meta
    reference = text(sm.reference) if sm.reference else "not sent (your own copy)"
    lines = [f"Date: {_date(sm.created_at)}", f"Reference: {reference}",
             f"Questionnaire version: {text(meta.version or '-')} "
             f"({text(definition.version)})"]
    if sm.contact_name:
        lines.insert(0, f"Prepared for: {text(sm.contact_name)}")
    contact = " \u00b7 ".join(text(meta.practice[k]) for k in ("city", "phone", "email")
                              if meta.practice.get(k))
    return [
        Para(text(meta.practice.get("name") or meta.title), styles["practice"]),
        Para(RUNNING_TITLE, styles["title"]),
        Para(" \u00b7 ".join(lines), styles["meta"]),
        *([Para(contact, styles["meta"])] if contact else []),
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
            BandBar(score, result.value),
        ])
    table = Table(rows, colWidths=[120, 62, 160, 162])
    table.setStyle(TableStyle([
        ("FONTNAME", (0, 0), (-1, -1), FONT), ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ("LINEBELOW", (0, 0), (-1, -1), 0.5, RULE),
        ("TOPPADDING", (0, 0), (-1, -1), 5), ("BOTTOMPADDING", (0, 0), (-1, -1), 5),
        ("LEFTPADDING", (0, 0), (0, -1), 0)]))
    return [Para("Screening scores", styles["h2"]),
            Para("These are screening scores, not a diagnosis. Only a clinician can "
                      "diagnose a condition. The marker shows where your total falls.",
                      styles["small"]),
            Spacer(1, 4), table]


# -- answers --------------------------------------------------------------------------------------

def _answers(evaluation, definition, styles) -> list:
    visible = set(evaluation.visible_questions)
    story = [CondPageBreak(140), Para("Your answers", styles["h2"]),
             Para("Only the questions you were asked are listed, by section.",
                       styles["small"]), Spacer(1, 4)]
    for section in definition.sections:
        rows, page_rows = [], []
        for page in section.pages:
            shown = [q for q in page.questions if q.id in visible]
            if not shown:
                continue
            if page.title and page.title != section.title:
                page_rows.append(len(rows) + 1)
                rows.append([Para(text(page.title), styles["cell_page"]), ""])
            for question in shown:
                answer = _display(question, evaluation.answers.get(question.id))
                rows.append([Para(text(question.label), styles["cell"]),
                             Para(text(answer), styles["cell"])])
        if rows:
            story += [_answer_table(text(section.title), rows, page_rows, styles),
                      Spacer(1, 10)]
    return story


def _display(question, value) -> str:
    """Question.display, one option at a time for multiple-choice answers."""
    if question.type == "multiple" and isinstance(value, list | tuple) and value:
        return ", ".join(option.label if (option := question.option(v)) else str(v)
                         for v in value)
    return question.display(value)


def _answer_table(title, rows, page_rows, styles) -> Table:
    head = [Para(title, styles["cell_head"]),
            Para("Your answer", styles["cell_head"])]
    commands = [
        ("FONTNAME", (0, 0), (-1, -1), FONT), ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("BACKGROUND", (0, 0), (-1, 0), ACCENT), ("LINEBELOW", (0, 1), (-1, -1), 0.4, RULE),
        ("TOPPADDING", (0, 0), (-1, -1), 3.5), ("BOTTOMPADDING", (0, 0), (-1, -1), 4),
        ("LEFTPADDING", (0, 0), (-1, -1), 5), ("RIGHTPADDING", (0, 0), (-1, -1), 5)]
    for row in page_rows:
        commands += [("SPAN", (0, row), (1, row)),
                     ("BACKGROUND", (0, row), (1, row), ACCENT_BG)]
    table = Table([head, *rows], colWidths=[FRAME_W * 0.58, FRAME_W * 0.42], repeatRows=1,
                  splitInRow=1)
    table.setStyle(TableStyle(commands))
    return table


def _about(definition, styles) -> list:
    paragraphs = definition.meta.about_kap
    if not paragraphs:
        return []
    return [CondPageBreak(100), Para("About KAP at this practice", styles["h2"]),
            *[Para(text(p), styles["body"]) for p in paragraphs]]


# -- page furniture -------------------------------------------------------------------------------

def _canvas_maker(sm: SummaryMeta, practice: str, footer: Paragraph):
    created = sm.created_at if sm.created_at.tzinfo else sm.created_at.replace(tzinfo=UTC)
    created = created.astimezone(UTC)
    reference = sm.reference or "not sent"
    header = f"{practice} \u00b7 {RUNNING_TITLE} \u00b7 Reference: {reference}"
    footer_w, footer_h = footer.wrap(FRAME_W, MARGIN_BOTTOM)

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
            footer.drawOn(self, MARGIN_X, MARGIN_BOTTOM - 33 - footer_h)
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
