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
        return self.y1 - self.y0

    @property
    def size(self) -> float:
        """The font size in points: poppler's box spans the font's ascent to descent, 1.107 em in Liberation Serif."""
        return self.height / 1.107


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


def check_administrative_layout(pdf: bytes, *, body_min: float = 13, table_min: float = 9.5) -> list[Page]:
    """NĐ 30/2020, Phụ lục I, read from the words' positions: A4 portrait; no text in the margins (top and
    bottom 20–25 mm, left 30–35 mm, right 15–20 mm) except the page number, which is the number alone at the
    top centre from page 2 and absent from page 1; the masthead and title at 13–14 pt; nothing below
    ``table_min`` (tables and annexes may be smaller than the body, not tiny)."""
    layout = pages(pdf)
    assert layout, "no page"
    for number, page in enumerate(layout, start=1):
        assert (round(page.width), round(page.height)) == (595, 842), "A4 portrait"
        top, bottom = 20 * MM, page.height - 20 * MM
        left, right = 30 * MM, page.width - 15 * MM
        in_margin = [w for w in page.words if w.y0 < top - 1 or w.y1 > bottom + 1 or w.x0 < left - 1 or w.x1 > right + 1]
        if number == 1:
            assert not in_margin, [w.text for w in in_margin][:5]
        else:
            assert [w.text for w in in_margin] == [str(number)], (number, [w.text for w in in_margin][:5])
            mark = in_margin[0]
            assert abs((mark.x0 + mark.x1) / 2 - (left + right) / 2) < 3, "the number is centred on the text width"
            assert mark.y1 < top and 12.9 <= mark.size <= 14.1
        tiny = [w.text for w in page.words if w.size < table_min - 0.1]
        assert not tiny, (number, tiny[:5])
    first = layout[0]
    for text in ("BÁO", "QUYẾT"):
        heads = [w for w in first.find(text) if w.y0 < first.height / 2]
        if heads:
            assert body_min - 0.1 <= heads[0].size <= 14.1, (text, heads[0].size)
    return layout
