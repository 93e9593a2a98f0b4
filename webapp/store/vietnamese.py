"""Vietnamese text helpers: NFC normalisation and the alphabet's sort order.

SQLite sorts "Đ" after "z" and ignores tone order; ``sort_key`` gives the dictionary order
(a ă â b c d đ e ê …, then tones: ngang, huyền, hỏi, ngã, sắc, nặng).
"""
from __future__ import annotations

import unicodedata

_ALPHABET = "aăâbcdđeêfghijklmnoôơpqrstuưvwxyz"
_TONES = {"\u0300": "1", "\u0309": "2", "\u0303": "3", "\u0301": "4", "\u0323": "5"}
_LETTER_MARKS = {"\u0306", "\u0302", "\u031b"}  # breve, circumflex, horn: part of the letter


def nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


def upper(text: str) -> str:
    """``Huyện Thạch An`` → ``HUYỆN THẠCH AN`` (precomposed letters stay precomposed)."""
    return nfc(nfc(text).upper())


def fold(text: str) -> str:
    """``text`` as compared without regard to case or Unicode form ("Đạt" and NFD "đạt" fold alike)."""
    return nfc(nfc(text).casefold())


def sort_key(text: str) -> str:
    """A string that sorts Vietnamese names in dictionary order under plain comparison."""
    letters, tones = [], []
    for char in nfc(text).casefold():
        decomposed = unicodedata.normalize("NFD", char)
        base = "".join(c for c in decomposed if c not in _TONES)
        tone = next((_TONES[c] for c in decomposed if c in _TONES), "0")
        base = unicodedata.normalize("NFC", base)
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
