"""The summary PDF: render_summary(evaluation, definition, meta) -> bytes. Pure, deterministic.

The client's summary speaks the client's language: pass `translations=` (anything with
gettext, e.g. babel.support.Translations) and `locale=` ("es"); English by default. The
clinician brief (render_brief) stays English.

text.py (fonts, cleaning, line breaking) → style.py (geometry, palette, styles) →
flowables.py (custom flowables and tables) → sections.py (the story) → document.py (pages).
"""

from __future__ import annotations

from reportlab import rl_config

from .brief import CONFIDENTIAL, BriefMeta, render_brief
from .document import SummaryMeta, render_summary
from .text import MISSING, clean, wrap_lines

# Streams are Flate-compressed binary, not also ASCII85-encoded: smaller files, faster renders.
rl_config.useA85 = 0

__all__ = [
    "CONFIDENTIAL",
    "MISSING",
    "BriefMeta",
    "SummaryMeta",
    "clean",
    "render_brief",
    "render_summary",
    "wrap_lines",
]
