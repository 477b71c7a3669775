"""render_summary: the story laid out on pages with a running header, footer and page numbers."""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import UTC, datetime

from reportlab.lib.pagesizes import LETTER
from reportlab.lib.utils import TimeStamp
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import SimpleDocTemplate

from ..questionnaire import Evaluation, Questionnaire
from .sections import crisis_footer, running_title, story
from .style import (
    CRISIS,
    FOOTER_SIZE,
    FRAME_W,
    MARGIN_BOTTOM,
    MARGIN_TOP,
    MARGIN_X,
    MUTED,
    PAGE_H,
    PAGE_W,
    RULE,
    paragraph_styles,
)
from .text import (
    ENGLISH,
    FONT,
    FONT_BOLD,
    canvas_string,
    fitted_size,
    language_tag,
    register_fonts,
    wrapped_definition_text,
)


@dataclass(frozen=True)
class SummaryMeta:
    """What the PDF needs to know about the submission besides its answers."""

    reference: str | None  # None: the client's own copy, not sent to the practice
    created_at: datetime
    contact_name: str | None = None


def render_summary(
    evaluation: Evaluation,
    definition: Questionnaire,
    submission_meta: SummaryMeta,
    *,
    translations=ENGLISH,
    locale: str = "en",
) -> bytes:
    """The client's summary PDF for one evaluation, rendered with the given definition.

    `translations` (anything with gettext, like babel.support.Translations) gives the
    fixed words and `locale` (a Babel locale, "es") the dates and numbers; the definition
    should be loaded in the same language. The defaults give the English summary.
    """
    register_fonts()
    _ = translations.gettext
    styles = paragraph_styles()
    meta = definition.meta
    practice = str(meta.practice.get("name") or meta.title)
    flowables = story(evaluation, definition, submission_meta, styles, translations, locale)
    title = running_title(_)
    buffer = io.BytesIO()
    doc = letter_document(
        buffer,
        title=f"{title} ({practice})",
        author=practice,
        subject=_("%(title)s: answers, screening scores and recommended next step")
        % {"title": meta.title},
        keywords=[_("pre-screening"), _("not a diagnosis")],
        lang=language_tag(locale),
    )
    maker = _canvas_maker(submission_meta, practice, meta, title, translations)
    doc.build(flowables, canvasmaker=maker)
    return buffer.getvalue()


def letter_document(
    buffer, *, title: str, author: str, subject: str, lang: str = "en-US", **metadata
):
    """A US letter document with our margins, font and metadata. Invariant: the same content
    gives the same bytes (the creation date comes from the canvas maker)."""
    return SimpleDocTemplate(
        buffer,
        pagesize=LETTER,
        leftMargin=MARGIN_X,
        rightMargin=MARGIN_X,
        topMargin=MARGIN_TOP,
        bottomMargin=MARGIN_BOTTOM,
        invariant=1,
        initialFontName=FONT,
        initialFontSize=9.5,
        title=title,
        author=author,
        subject=subject,
        creator="KAP pre-screener",
        producer="KAP pre-screener (ReportLab)",
        lang=lang,
        **metadata,
    )


def _canvas_maker(sm, practice: str, meta, running_title: str, translations=ENGLISH):
    """A Canvas class that stamps this submission's header and footer on every page."""
    _ = translations.gettext
    created = sm.created_at if sm.created_at.tzinfo else sm.created_at.replace(tzinfo=UTC)
    created = created.astimezone(UTC)
    reference = _("Reference: %(reference)s") % {"reference": sm.reference or _("not sent")}
    header = f"{practice} \u00b7 {running_title} \u00b7 {reference}"
    page_of = _("Page %(number)s of %(total)s")
    footer = wrapped_definition_text(meta.disclaimer, FRAME_W, FONT, FOOTER_SIZE)
    crisis = canvas_string(crisis_footer(meta, _))  # from questions.yaml's crisis_resources
    # A longer translation shrinks to fit beside the page number rather than run into it.
    crisis_size = fitted_size(crisis, FONT_BOLD, 8.5, FRAME_W - stringWidth("M" * 14, FONT, 8))

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
            self.drawString(MARGIN_X, PAGE_H - 34, canvas_string(header))
            self.setStrokeColor(RULE)
            self.setLineWidth(0.5)
            self.line(MARGIN_X, PAGE_H - 40, PAGE_W - MARGIN_X, PAGE_H - 40)
            self.line(MARGIN_X, MARGIN_BOTTOM - 14, PAGE_W - MARGIN_X, MARGIN_BOTTOM - 14)
            self.setFillColor(CRISIS)
            self.setFont(FONT_BOLD, crisis_size)
            self.drawString(MARGIN_X, MARGIN_BOTTOM - 27, crisis)
            self.setFillColor(MUTED)
            self.setFont(FONT, 8)
            page = canvas_string(page_of % {"number": number, "total": total})
            self.drawRightString(PAGE_W - MARGIN_X, MARGIN_BOTTOM - 27, page)
            lines = self.beginText(MARGIN_X, MARGIN_BOTTOM - 40)
            lines.setFont(FONT, FOOTER_SIZE, FOOTER_SIZE * 1.25)
            lines.textLines(footer)
            self.drawText(lines)
            self.restoreState()

    return SummaryCanvas


def _timestamp(when: datetime) -> TimeStamp:
    """A reportlab TimeStamp pinned to `when` (UTC), used for the creation date."""
    stamp = TimeStamp(invariant=1)
    stamp.t = when.timestamp()
    stamp.lt = when.timetuple()
    stamp.YMDhms = tuple(stamp.lt)[:6]
    stamp.dhh = stamp.dmm = 0
    return stamp
