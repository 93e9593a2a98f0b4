"""The «BẢN MẪU» and «DỰ THẢO» marks drawn as vector outlines, not text.

A mark printed as text enters the PDF's text layer: copying a specimen's text then yields stray
«U», «Ẫ», «M» lines. Here the letters' outlines are taken from the bundled bold font
(fontTools) and served as an SVG picture (``<img src="mark:specimen">``, see
:class:`certificates.render.AssetFetcher`): the page shows the word, ``pdftotext`` does not.
"""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from xml.sax.saxutils import quoteattr

from fontTools.pens.svgPathPen import SVGPathPen
from fontTools.pens.transformPen import TransformPen
from fontTools.ttLib import TTFont

FONT = Path(__file__).resolve().parent / "fonts" / "LiberationSerif-Bold.ttf"
OPACITY = 0.16  # the fill's alpha, not CSS opacity: no transparency group to draw
MARKS = {"specimen": "BẢN MẪU", "draft": "DỰ THẢO"}  # name in the URL → word; nothing else is drawn


class UnknownMark(ValueError):
    """A ``mark:`` URL asked for a word that is not one of :data:`MARKS`."""


@lru_cache(maxsize=1)
def _font() -> TTFont:
    return TTFont(FONT)


@lru_cache(maxsize=len(MARKS) * 2)
def mark_svg(name: str, colour: str = "#c0392b") -> bytes:
    """The word of mark ``name`` as filled outlines (one path, font units, y downwards) in an SVG as wide
    as the word."""
    if name not in MARKS:
        raise UnknownMark(f"no mark {name[:40]!r} (known: {', '.join(sorted(MARKS))})")
    text = MARKS[name]
    font = _font()
    glyphs, cmap, metrics = font.getGlyphSet(), font.getBestCmap(), font["hmtx"].metrics
    ascent, descent = font["hhea"].ascent, font["hhea"].descent
    pen = SVGPathPen(glyphs)
    x = 0
    for char in text:
        name = cmap[ord(char)]
        glyphs[name].draw(TransformPen(pen, (1, 0, 0, -1, x, ascent)))
        x += metrics[name][0]
    height = ascent - descent
    return (f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {x} {height}" width="{x}" height="{height}">'
            f'<path fill={quoteattr(colour)} fill-opacity="{OPACITY}" d="{pen.getCommands()}"/></svg>').encode()
