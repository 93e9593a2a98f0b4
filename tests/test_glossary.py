"""The glossary (docs/glossary.md) decides one word per concept; its «không dùng» list is checked against the
product's own texts: templates, scripts, Python sources (messages, documents, explanations), criteria texts
and the catalogue's Vietnamese side. Unit names come from the official lists (data files) and are not read."""
from __future__ import annotations

import re
import unicodedata
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
GLOSSARY = ROOT / "docs" / "glossary.md"
SOURCES = ("webapp/**/*.html", "webapp/**/*.js", "webapp/**/*.py", "certificates/**/*.html", "certificates/**/*.py",
           "scoring/**/*.py", "criteria/**/*.yaml", "criteria/**/*.py")
CATALOGUE = ROOT / "webapp" / "web" / "translations" / "en" / "LC_MESSAGES" / "messages.po"


def forbidden() -> dict[str, str]:
    """Each word of the glossary's «Không dùng» section → the term to use instead."""
    section = GLOSSARY.read_text(encoding="utf-8").split("## Không dùng", 1)[1]
    return {m.group(1): m.group(2) for m in re.finditer(r"^- «([^»]+)» → «([^»]+)»", section, re.MULTILINE)}


def texts() -> dict[str, str]:
    """The product's own texts by file (the catalogue: its msgids only, the English side says English)."""
    out = {str(p.relative_to(ROOT)): p.read_text(encoding="utf-8") for pattern in SOURCES for p in ROOT.glob(pattern)}
    out[str(CATALOGUE.relative_to(ROOT))] = "\n".join(
        line for line in CATALOGUE.read_text(encoding="utf-8").splitlines() if not line.startswith("msgstr"))
    return {name: unicodedata.normalize("NFC", text) for name, text in out.items()}


def test_the_glossary_lists_words_not_to_use() -> None:
    words = forbidden()
    assert {"bản kê khai", "bản tự đánh giá", "kỳ đánh giá", "hoà", "thuỷ"} <= set(words)


def test_no_forbidden_word_in_the_product_texts() -> None:
    found = []
    for word, instead in forbidden().items():
        pattern = re.compile(rf"(?<!\w){re.escape(word)}(?!\w)", re.IGNORECASE)
        for name, text in texts().items():
            for number, line in enumerate(text.splitlines(), start=1):
                if pattern.search(line):
                    found.append(f"{name}:{number}: «{word}» (dùng «{instead}»): {line.strip()[:100]}")
    assert not found, "\n".join(found)
