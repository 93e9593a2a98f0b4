"""What users read, and the marks of our internal names in it.

``visible_text`` extracts what a person reads from an HTML page (text, and the attributes a browser
shows or speaks: title, alt, aria-label, placeholder, button values), ``pdf_text`` and ``xlsx_text``
the same for documents and exports; ``problems`` names what must never be there in the Vietnamese
interface: snake_case or kebab-case identifiers, hex digests, English words, and a sentence said
twice on one page.
"""
from __future__ import annotations

import io
import re
import subprocess
import unicodedata
from html.parser import HTMLParser

SHOWN_ATTRIBUTES = ("title", "alt", "aria-label", "placeholder")
SKIPPED = {"script", "style", "template", "noscript"}
SNAKE = re.compile(r"\b[a-z][a-z0-9]*(?:_[a-z0-9]+)+\b")
KEBAB = re.compile(r"\b[a-z][a-z0-9]*(?:-[a-z0-9]+)+\b")  # cao-bang-2025, criterion-3-above-zero
DIGEST = re.compile(r"\b(?:sha256:)?[0-9a-f]{16,}\b")
LABELLED_DIGEST = re.compile(r"Mã kiểm tra nội dung bộ tiêu chí[^:]{0,60}:\s*(?:sha256:)?[0-9a-f]{16,}")
"""The one place a digest may be read: a technical appendix that says what it is."""
FILE_NAME = re.compile(r"[\w.-]+\.(?:pdf|jpe?g|png|docx?|xlsx?|csv|zip)\b", re.IGNORECASE)
"""A file's name is what its sender called it, not ours to word."""
ENGLISH = {"the", "and", "cannot", "unknown", "error", "before", "after", "must", "should", "invalid", "missing",
           "with", "from", "this", "that", "not", "are", "was", "will", "which", "round", "unit", "units",
           "criterion", "criteria", "draft", "submitted", "verified", "recognised", "status", "none", "true",
           "false", "null", "choose", "file", "please", "field", "profile", "set", "version", "hash", "id"}
WORD = re.compile(r"[^\W\d_]+")
SENTENCE = re.compile(r"(?:[^.!?:;\n]|\.(?=\d)){40,}[.!?](?!\d)")  # «phiên bản 2019.1» does not end one


class _Text(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skip = 0
        self._options: list[str] | None = None  # the texts of the <select> being read
        self._choices: set[str] = set()  # every choice read on the page

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in SKIPPED:
            self._skip += 1
            return
        if tag == "select":
            self._options = []
        shown = dict(attrs)
        for name in SHOWN_ATTRIBUTES:
            if shown.get(name):
                self.parts.append(f"\n{shown[name]}\n")
        if tag == "input" and shown.get("type") in ("submit", "button") and shown.get("value"):
            self.parts.append(f"\n{shown['value']}\n")
        if tag in ("p", "div", "li", "tr", "td", "th", "br", "h1", "h2", "h3", "h4", "option", "section",
                   "summary", "label", "dt", "dd", "caption", "button", "a", "span", "text", "tspan"):
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in SKIPPED and self._skip:
            self._skip -= 1
        elif tag == "select" and self._options is not None:
            # lists of choices name the same unit or set in several selects (from, to): each choice once a page
            for choice in dict.fromkeys(" ".join(o.split()) for o in self._options):
                if choice and choice not in self._choices:
                    self._choices.add(choice)
                    self.parts.append(f"\n{choice}\n")
            self._options = None
        elif tag in ("p", "div", "li", "td", "th", "option", "label", "dd", "button", "a", "text", "tspan"):
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if self._skip:
            return
        if self._options is not None:
            self._options.append(data)
        else:
            self.parts.append(data)


def visible_text(html: str) -> str:
    parser = _Text()
    parser.feed(html)
    return unicodedata.normalize("NFC", "".join(parser.parts))


def pdf_text(pdf: bytes) -> str:
    out = subprocess.run(["pdftotext", "-enc", "UTF-8", "-", "-"], input=pdf, capture_output=True, check=True).stdout
    return unicodedata.normalize("NFC", out.decode("utf-8"))


def xlsx_text(data: bytes) -> str:
    """The text cells a person sees: hidden columns (a row's key the program reads back) left out."""
    from openpyxl import load_workbook
    book = load_workbook(io.BytesIO(data))
    lines = [sheet.title for sheet in book.worksheets]
    for sheet in book.worksheets:
        hidden = {letter for letter, dim in sheet.column_dimensions.items() if dim.hidden}
        for row in sheet.iter_rows():
            lines += [c.value for c in row if isinstance(c.value, str) and c.column_letter not in hidden]
    return "\n".join(lines)


def problems(text: str, allowed: set[str] = frozenset(), repeats: bool = True) -> list[str]:
    """Each internal mark in ``text`` once, as ``kind: what`` (``allowed``: literal strings to ignore;
    ``repeats``: whether a sentence said twice counts, not in a spreadsheet, whose rows are read one by one)."""
    for literal in allowed:
        text = text.replace(literal, " ")
    text = FILE_NAME.sub(" ", LABELLED_DIGEST.sub(" ", text))
    found: list[str] = []
    found += [f"mã nội bộ: {m}" for m in SNAKE.findall(text)]
    found += [f"mã nội bộ: {m}" for m in KEBAB.findall(text)]
    found += [f"mã băm: {m}" for m in DIGEST.findall(text)]
    found += [f"tiếng Anh: {w}" for w in WORD.findall(text) if w.isascii() and w.lower() in ENGLISH]
    if repeats:
        seen: set[str] = set()
        for sentence in (" ".join(s.split()) for s in SENTENCE.findall(text)):
            if sentence in seen:
                found.append(f"câu lặp lại: {sentence}")
            seen.add(sentence)
    return list(dict.fromkeys(found))
