"""Vietnamese text as administrative documents print it (Nghị định 30/2020/NĐ-CP, Phụ lục I).

Every string is NFC. Dates: ``ngày 05 tháng 01 năm 2025`` (a day below 10 and the months 1
and 2 take a leading zero, so that nothing can be written in front of them), short dates
``05/01/2025``; numbers ``1.234,5`` (dot groups thousands, comma is the decimal sign).
"""
from __future__ import annotations

import datetime as dt
import unicodedata
from typing import Any

from scoring.numbers import format_number

VIETNAM = dt.timezone(dt.timedelta(hours=7), "ICT")  # no daylight saving time
BLANK = "\u00a0" * 9  # room to write by hand on a draft (no-break spaces do not collapse)


def nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


def upper(text: str) -> str:
    """``Huyện Thạch An`` → ``HUYỆN THẠCH AN`` (precomposed letters stay precomposed)."""
    return nfc(nfc(text).upper())


def today() -> dt.date:
    """Today's date in Vietnam."""
    return dt.datetime.now(VIETNAM).date()


def as_date(value: Any) -> dt.date | None:
    """A date from a ``date``, a ``datetime`` or an ISO text (``2024-12-15`` or a timestamp)."""
    if value is None or value == "":
        return None
    if isinstance(value, dt.datetime):
        return value.astimezone(VIETNAM).date() if value.tzinfo else value.date()
    if isinstance(value, dt.date):
        return value
    text = str(value)
    if len(text) > 10:
        return as_date(dt.datetime.fromisoformat(text))
    return dt.date.fromisoformat(text)


def short_date(value: Any) -> str:
    """``05/01/2025``; an empty string for no date."""
    day = as_date(value)
    return "" if day is None else day.strftime("%d/%m/%Y")


def long_date(value: Any) -> str:
    """``ngày 05 tháng 01 năm 2025``; with no date, the blanks a clerk fills in by hand."""
    day = as_date(value)
    if day is None:
        return f"ngày{BLANK}tháng{BLANK}năm{BLANK}"
    month = f"{day.month:02d}" if day.month < 3 else str(day.month)
    return f"ngày {day.day:02d} tháng {month} năm {day.year}"


def number(value: Any, places: int = 2) -> str:
    """``1.234``, ``98,5``; an empty string for None."""
    return "" if value is None else format_number(value, places, "vi")


def yes_no(value: Any) -> str:
    return "Có" if value is True else "Không" if value is False else str(value)


def slug(text: str) -> str:
    """``Xã Đức Long`` → ``xa-duc-long`` (ASCII, for file names)."""
    ascii_text = nfc(text).casefold().replace("đ", "d")
    ascii_text = "".join(c for c in unicodedata.normalize("NFD", ascii_text) if not unicodedata.combining(c))
    return "-".join("".join(c if c.isascii() and c.isalnum() else " " for c in ascii_text).split())
