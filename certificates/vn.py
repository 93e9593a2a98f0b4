"""Vietnamese text as administrative documents print it (Nghị định 30/2020/NĐ-CP, Phụ lục I).

Only what is particular to printed documents lives here; NFC, capitals, Vietnam time and
short dates ``05/01/2025`` are :mod:`webapp.store.vietnamese`, shared with the web pages.
Long dates: ``ngày 05 tháng 01 năm 2025`` (a day below 10 and the months 1 and 2 take a
leading zero, so that nothing can be written in front of them); numbers ``1.234,5`` (dot
groups thousands, comma is the decimal sign).
"""
from __future__ import annotations

from typing import Any

from scoring.numbers import format_number
from webapp.store.vietnamese import as_date

BLANK = "\u00a0" * 9  # room to write by hand on a draft (no-break spaces do not collapse)


def long_date(value: Any) -> str:
    """``ngày 05 tháng 01 năm 2025``; with no date, the blanks a clerk fills in by hand."""
    day = as_date(value)
    if day is None:
        return f"ngày{BLANK}tháng{BLANK}năm{BLANK}"
    month = f"{day.month:02d}" if day.month < 3 else str(day.month)
    return f"ngày {day.day:02d} tháng {month} năm {day.year}"


def number(value: Any, places: int = 2) -> str:
    """``1.234``, ``98,5``; an empty string for None (documents are always in Vietnamese)."""
    return "" if value is None else format_number(value, places, "vi")


def yes_no(value: Any) -> str:
    """``Có`` / ``Không`` for a yes/no input; other values as they are."""
    return "Có" if value is True else "Không" if value is False else str(value)
