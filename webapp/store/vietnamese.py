"""Vietnamese text and dates, the one place for them: NFC, capitals, folding, slugs, the alphabet's
sort order, Vietnam time and dd/mm/yyyy dates (the documents and the web filters import these).

SQLite sorts "Đ" after "z" and ignores tone order; ``sort_key`` gives the dictionary order
(a ă â b c d đ e ê …, then tones: ngang, huyền, hỏi, ngã, sắc, nặng).
"""
from __future__ import annotations

import datetime as dt
import unicodedata
from typing import Any

VIETNAM = dt.timezone(dt.timedelta(hours=7), "ICT")  # no daylight saving time

_ALPHABET = "aăâbcdđeêfghijklmnoôơpqrstuưvwxyz"
_TONES = {"\u0300": "1", "\u0309": "2", "\u0303": "3", "\u0301": "4", "\u0323": "5"}


def nfc(text: str) -> str:
    """``text`` in NFC, the one form stored and compared (typed NFD text would not match)."""
    return unicodedata.normalize("NFC", text)


def upper(text: str) -> str:
    """``Huyện Thạch An`` → ``HUYỆN THẠCH AN`` (precomposed letters stay precomposed)."""
    return nfc(nfc(text).upper())


def fold(text: str) -> str:
    """``text`` as compared without regard to case or Unicode form ("Đạt" and NFD "đạt" fold alike)."""
    return nfc(nfc(text).casefold())


def unmarked(text: str) -> str:
    """``Xã Đức Long`` → ``xa duc long``: casefolded and without marks (search typed without them, slugs)."""
    folded = nfc(text).casefold().replace("đ", "d")
    return "".join(c for c in unicodedata.normalize("NFD", folded) if not unicodedata.combining(c))


def slug(text: str) -> str:
    """``Xã Đức Long`` → ``xa-duc-long`` (ASCII, for file names and ids)."""
    return "-".join("".join(c if c.isascii() and c.isalnum() else " " for c in unmarked(text)).split())


def sort_key(text: str) -> str:
    """A string that sorts Vietnamese names in dictionary order under plain comparison."""
    letters, tones = [], []
    for char in nfc(text).casefold():
        decomposed = unicodedata.normalize("NFD", char)
        base = "".join(c for c in decomposed if c not in _TONES)
        tone = next((_TONES[c] for c in decomposed if c in _TONES), "0")
        base = nfc(base)
        if base in _ALPHABET:
            letters.append(f"{20 + _ALPHABET.index(base):02d}")
            tones.append(tone)
        elif base.isdigit():
            letters.append(f"1{base}")
        elif base.strip():
            letters.append("05")  # punctuation sorts before digits and letters
        else:
            letters.append("00")
    return "".join(letters) + "!" + "".join(tones)  # "!" sorts before every code: prefixes first


def today() -> dt.date:
    """Today's date in Vietnam, whatever the server's time zone."""
    return dt.datetime.now(VIETNAM).date()


def as_date(value: Any) -> dt.date | None:
    """A date from a ``date``, a ``datetime`` or an ISO text; a timestamp is dated in Vietnam."""
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


def is_past(deadline: Any) -> bool:
    """Whether a deadline (a date or its ISO text) is before today, in Vietnam; no deadline is never past."""
    day = as_date(deadline)
    return day is not None and day < today()


def short_date(value: Any) -> str:
    """``05/01/2025`` (dd/mm/yyyy, as Vietnamese documents and pages write dates); "" for no date."""
    day = as_date(value)
    return "" if day is None else day.strftime("%d/%m/%Y")


def parse_short_date(text: str) -> dt.date:
    """A date as typed: ``15/02/2026`` (as :func:`short_date` writes it) or ``2026-02-15``; ValueError otherwise."""
    try:
        return dt.datetime.strptime(text.strip(), "%d/%m/%Y").date()
    except ValueError:
        return dt.date.fromisoformat(text.strip())


def short_time(value: Any) -> str:
    """``14:05 05/01/2025``: a moment in Vietnam's time, as a page dates a message; "" for none."""
    if value is None or value == "":
        return ""
    moment = value if isinstance(value, dt.datetime) else dt.datetime.fromisoformat(str(value))
    if moment.tzinfo:
        moment = moment.astimezone(VIETNAM)
    return f"{moment:%H:%M} {short_date(moment)}"
