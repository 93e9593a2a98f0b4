"""Where text sits on a PDF's pages, read back with poppler's ``pdftotext -bbox`` (points, origin top left).

The documents' layout tests (margins, font sizes, page numbers, one line a table row) measure the
words' boxes instead of trusting the stylesheet.
"""
from __future__ import annotations

import re
import subprocess
import unicodedata
from dataclasses import dataclass
from html import unescape

MM = 72 / 25.4  # points in a millimetre
_PAGE = re.compile(r'<page width="([\d.]+)" height="([\d.]+)">(.*?)</page>', re.S)
_WORD = re.compile(r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">(.*?)</word>')


@dataclass(frozen=True)
class Word:
    text: str
    x0: float
    y0: float
    x1: float
    y1: float

    @property
    def height(self) -> float:
        """The box's height: about the font size (poppler's box spans ascent to descent)."""
        return self.y1 - self.y0


@dataclass(frozen=True)
class Page:
    width: float
    height: float
    words: list[Word]

    def find(self, text: str) -> list[Word]:
        return [w for w in self.words if w.text == text]

    def body(self, top: float = 0, bottom: float | None = None) -> list[Word]:
        """The words between ``top`` and ``bottom`` (points from the top)."""
        return [w for w in self.words if w.y0 >= top and (bottom is None or w.y1 <= bottom)]


def pages(pdf: bytes) -> list[Page]:
    out = subprocess.run(["pdftotext", "-bbox", "-enc", "UTF-8", "-", "-"], input=pdf, capture_output=True,
                         check=True).stdout.decode("utf-8")
    return [Page(float(w), float(h), [Word(unicodedata.normalize("NFC", unescape(m[4])), *map(float, m[:4]))
                                      for m in _WORD.findall(body)])
            for w, h, body in _PAGE.findall(out)]
