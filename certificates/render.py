"""HTML templates → PDF with WeasyPrint, using only what ships in this package.

* Templates are autoescaped Jinja (``templates/*.html``); every printed value is NFC.
* :class:`AssetFetcher` is the only way WeasyPrint reaches anything: it serves the
  package's fonts (``fonts/*.ttf``) and stylesheets (``static/*.css``), draws the QR code of
  the text of a ``qr:`` URL (a picture made here, nothing read) and the specimen and draft
  marks of a ``mark:`` URL (outlines, :mod:`certificates.marks`), and refuses every other URL
  (no network, no other file, no ``data:``); a refusal stops the rendering.
* :class:`PackagedFonts` is a font configuration *without* the machine's fonts: text is set
  in the bundled Liberation Serif or not at all, so output is the same on every machine.
* A :class:`Renderer` (templates, fonts and parsed stylesheets) is built once per process;
  :mod:`certificates.pool` runs it in long-lived worker processes.

This module knows nothing of the database: it turns a context (plain data) into a PDF.
"""
from __future__ import annotations

import datetime as dt
import io
import os
import threading
from importlib import resources
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit
from urllib.request import url2pathname

import segno
from jinja2 import Environment, FileSystemLoader, StrictUndefined
from markupsafe import Markup
from PIL import Image

from webapp.store import vietnamese

from . import marks, native, vn

native.require()  # a missing Pango is one line naming its package, not WeasyPrint's page of advice

from weasyprint import CSS, HTML  # noqa: E402
from weasyprint.css import ColorProfile  # noqa: E402
from weasyprint.document import Document  # noqa: E402
from weasyprint.text.ffi import ffi, fontconfig, pangoft2  # noqa: E402
from weasyprint.text.fonts import FontConfiguration  # noqa: E402
from weasyprint.urls import FatalURLFetchingError, URLFetcher, URLFetcherResponse  # noqa: E402

PACKAGE = Path(__file__).resolve().parent
FONTS = PACKAGE / "fonts"
STATIC = PACKAGE / "static"
TEMPLATES = PACKAGE / "templates"
SERVED = {FONTS: {".ttf": "font/ttf"}, STATIC: {".css": "text/css"}}
FONT_FILES = ("LiberationSerif-Regular.ttf", "LiberationSerif-Bold.ttf",
              "LiberationSerif-Italic.ttf", "LiberationSerif-BoldItalic.ttf")

# kind → (template, stylesheets)
KINDS: dict[str, tuple[str, tuple[str, ...]]] = {
    "certificate": ("certificate.html", ("document.css", "certificate.css")),
    "decision": ("decision.html", ("document.css", "decision.css")),
    "report": ("report.html", ("document.css", "report.css")),
    "period": ("period.html", ("document.css", "period.css")),  # the six-month and annual reports
    "statistics": ("statistics.html", ("document.css", "period.css")),  # TT 13/2021 statistics of a round
    "floor": ("floor.html", ("document.css",)),  # one line of text: the benchmark's floor
}
# Archival form of the documents that are kept (docs/architecture.md, "Archival PDFs"): PDF/A-3b, the level
# WeasyPrint 70 writes with an sRGB output intent and XMP metadata, which allows the specimen mark's
# transparency (PDF/A-1 does not) and a later attachment of the decision's data (PDF/A-2 does not).
ARCHIVAL = {"decision": "pdf/a-3b", "certificate": "pdf/a-3b"}
OUTPUT_INTENT = "srgb-packaged"  # any name but WeasyPrint's "srgb": the intent is the profile set by Renderer.write
MASK = 2  # a fixed QR mask: always valid, and choosing the "best" of 8 costs 15 ms a code
QR_SCHEME = "qr:"  # <img src="qr:TEXT">: the QR code of TEXT, drawn by AssetFetcher
MARK_SCHEME = "mark:"  # <img src="mark:specimen">: a word of marks.MARKS as outlines (no text layer)
QR_BORDER = 4  # modules of quiet zone
QR_GREY = bytes.maketrans(b"\x00\x01", b"\xff\x00")  # segno's light/dark modules → white/black


class AssetRefused(ValueError):
    """WeasyPrint asked for something that is not one of the package's own assets."""


class RenderError(RuntimeError):
    """A document could not be rendered (e.g. its HTML asked for a refused URL)."""


def asset_path(url: str) -> Path:
    """The packaged font or stylesheet ``url`` points to; :class:`AssetRefused` otherwise."""
    parts = urlsplit(url)
    if parts.scheme != "file" or parts.netloc not in ("", "localhost") or parts.query or parts.fragment:
        raise AssetRefused(f"refused {url[:200]!r}: only the package's own fonts and stylesheets are served")
    path = Path(os.path.realpath(url2pathname(parts.path)))
    types = SERVED.get(path.parent, {})
    if path.suffix not in types or not path.is_file():
        raise AssetRefused(f"refused {url[:200]!r}: only the package's own fonts and stylesheets are served")
    return path


def qr_png(text: str) -> bytes:
    """The QR code of ``text`` (error correction M, 4-module quiet zone) as a grey PNG of one
    pixel a module: one image for WeasyPrint, where an SVG of ~570 path commands costs 6–8 ms."""
    code = segno.make(text, error="m", micro=False, mask=MASK)
    size = len(code.matrix) + 2 * QR_BORDER
    quiet, side = b"\xff" * (QR_BORDER * size), b"\xff" * QR_BORDER
    pixels = quiet + b"".join(side + bytes(row).translate(QR_GREY) + side for row in code.matrix) + quiet
    out = io.BytesIO()
    Image.frombytes("L", (size, size), pixels).save(out, "PNG")
    return out.getvalue()


class AssetFetcher(URLFetcher):
    """Serves :data:`FONTS` ``*.ttf`` and :data:`STATIC` ``*.css`` and draws ``qr:`` URLs;
    refuses everything else.

    ``fail_on_errors``: a refused URL stops the rendering instead of leaving a hole.
    """

    def __init__(self) -> None:
        super().__init__(allowed_protocols=("file",), allow_redirects=False, fail_on_errors=True)

    def fetch(self, url: str, headers: Any = None) -> URLFetcherResponse:
        if url.startswith(QR_SCHEME):
            return URLFetcherResponse(url, qr_png(url[len(QR_SCHEME):]), {"Content-Type": "image/png"})
        if url.startswith(MARK_SCHEME):
            try:
                svg = marks.mark_svg(url[len(MARK_SCHEME):])
            except marks.UnknownMark as exc:
                raise AssetRefused(str(exc)) from exc
            return URLFetcherResponse(url, svg, {"Content-Type": "image/svg+xml"})
        path = asset_path(url)
        return URLFetcherResponse(path.as_uri(), path.read_bytes(),
                                  {"Content-Type": SERVED[path.parent][path.suffix]})


if not hasattr(fontconfig, "FcConfigCreate"):  # not declared by WeasyPrint's bindings
    ffi.cdef("FcConfig * FcConfigCreate (void);")


class PackagedFonts(FontConfiguration):
    """A font configuration that starts empty: only ``@font-face`` fonts exist in it.

    WeasyPrint's own configuration loads the machine's fonts, which Pango then uses for any
    character the document's font lacks. Here there is no fallback: every glyph comes from
    the bundled fonts (a character they lack prints as a box and is logged), and the PDF
    embeds nothing else.
    """

    def __init__(self) -> None:
        super().__init__()
        empty = fontconfig.FcConfigCreate()
        pangoft2.pango_fc_font_map_set_config(ffi.cast("PangoFcFontMap *", self.font_map), empty)
        fontconfig.FcConfigDestroy(empty)  # the font map keeps its own reference
        self._config = empty


def _finalize(value: Any) -> Any:
    """Every printed value is NFC text (None prints as nothing)."""
    if value is None:
        return ""
    if isinstance(value, Markup):
        return value
    if isinstance(value, str):
        return vietnamese.nfc(value)
    return value


def environment() -> Environment:
    env = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=True, undefined=StrictUndefined,
                      finalize=_finalize, trim_blocks=True, lstrip_blocks=True, auto_reload=False)
    env.filters.update(vndate=vietnamese.short_date, longdate=vn.long_date, number=vn.number,
                       upper_vi=vietnamese.upper, yes_no=vn.yes_no)
    return env


class Renderer:
    """Templates, fonts and stylesheets of one process, loaded once."""

    def __init__(self) -> None:
        self.env = environment()
        self.fetcher = AssetFetcher()
        self.fonts = PackagedFonts()
        icc = (resources.files("weasyprint.pdf") / "sRGB2014.icc").read_bytes()
        self.srgb = ColorProfile(io.BytesIO(icc), "sRGB2014.icc", "relative-colorimetric", (["r"], ["g"], ["b"]))
        sheets: dict[str, CSS] = {}
        self.stylesheets: dict[str, list[CSS]] = {}
        for kind, (_, names) in KINDS.items():
            for name in names:
                if name not in sheets:
                    try:
                        sheets[name] = CSS(url=(STATIC / name).as_uri(), url_fetcher=self.fetcher,
                                           font_config=self.fonts)
                    except FatalURLFetchingError as exc:
                        raise RenderError(f"stylesheet {name}: {exc.__cause__}") from exc.__cause__
            self.stylesheets[kind] = [sheets[name] for name in names]

    def html(self, kind: str, context: dict[str, Any]) -> str:
        """The document's HTML (autoescaped, NFC)."""
        if kind not in KINDS:
            raise RenderError(f"unknown document kind {kind!r} (known: {', '.join(KINDS)})")
        return vietnamese.nfc(self.env.get_template(KINDS[kind][0]).render(**context))

    def document(self, kind: str, context: dict[str, Any]) -> Document:
        """The laid-out document (pages), not yet written."""
        return self.layout(self.html(kind, context), kind)

    def layout(self, source: str, kind: str) -> Document:
        """Lay out HTML ``source`` with the stylesheets of ``kind`` (fetching only packaged assets)."""
        html = HTML(string=source, base_url=STATIC.as_uri() + "/", url_fetcher=self.fetcher)
        try:
            return html.render(stylesheets=self.stylesheets[kind], font_config=self.fonts)
        except FatalURLFetchingError as exc:  # a BaseException: make it an ordinary error
            raise RenderError(f"{kind}: {exc} ({exc.__cause__})") from exc.__cause__

    def pdf(self, kind: str, context: dict[str, Any] | list[dict[str, Any]]) -> bytes:
        """The document as PDF bytes; a list of contexts gives one PDF of several documents
        (each laid out on its own, with its own page numbers)."""
        if isinstance(context, list):
            if not context:
                raise RenderError(f"{kind}: nothing to render")
            documents = [self.document(kind, c) for c in context]
            return self.write(kind, documents[0].copy([page for d in documents for page in d.pages]))
        return self.write(kind, self.document(kind, context))

    def write(self, kind: str, document: Document) -> bytes:
        """The PDF bytes: PDF/A for the kinds in :data:`ARCHIVAL`; the creation date (Vietnam time) is the
        moment of writing unless the template gave one."""
        now = dt.datetime.now(vietnamese.VIETNAM)
        document.metadata.created = document.metadata.created or now.isoformat(timespec="seconds")
        variant = ARCHIVAL.get(kind)
        if variant is None:
            return document.write_pdf()
        # the sRGB output intent from a profile read once: WeasyPrint's own ("srgb") leaves its file open
        document.color_profiles["srgb"] = self.srgb
        return document.write_pdf(pdf_variant=variant, output_intent=OUTPUT_INTENT)


_RENDERER: Renderer | None = None
_RENDERER_LOCK = threading.Lock()


def renderer() -> Renderer:
    """This process's renderer (built on first use)."""
    global _RENDERER
    with _RENDERER_LOCK:
        if _RENDERER is None:
            _RENDERER = Renderer()
        return _RENDERER


def render_pdf(kind: str, context: dict[str, Any]) -> bytes:
    """Render one document in this process."""
    return renderer().pdf(kind, context)
