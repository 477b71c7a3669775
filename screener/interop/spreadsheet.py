"""Cells a spreadsheet opens safely: the rule every CSV this app writes follows."""

from __future__ import annotations

CSV_DANGER = ("=", "+", "-", "@", "\t", "\r")


def csv_cell(value) -> str:
    """Neutralise spreadsheet formulas: a cell that starts with = + - @ tab or CR gets a '."""
    text = "" if value is None else str(value)
    if text.startswith(CSV_DANGER):
        return "'" + text
    return text
