"""Users read Vietnamese, never our names: every page each role can reach, every document and export
linked from them, read as text and checked for internal codes, digests, English and repeated sentences.

The pages are found by following the links of each demo account from its home page (as a person
clicking through would), on the product's own demo (``cfc demo``: the 2026 round on the 56 communes
and the 2024 round before the reform) and on the test demo (a 2024 round in progress, with the
district's accounts).
"""
from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import pytest

from webapp.store import db as webdb
from webapp.store import demo

from plain_words import pdf_text, problems, visible_text, xlsx_text
from webhelpers import logged_in, needs_tools

HREF = re.compile(r'href="([^"#]+)')
SKIP = re.compile(r"^/(assets/|logout|sw\.js|favicon)|[?&]lang=")
PER_SHAPE = 2  # pages of one shape (/assessments/<n>) read per account
MAX_PAGES = 120


@pytest.fixture(scope="module")
def product_demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("words") / "cfc.db"
    db = webdb.connect(path)
    demo.build_demo_years(db, (2024,), last_open=False)
    demo.build_current_round(db)
    db.conn.close()
    return path


def crawl(client, start: str = "/") -> Iterator[tuple[str, str, bytes]]:
    """(url, content type, body) of every page reachable by links from ``start``, a few of each shape."""
    queue, seen, shapes = [start], {start}, {}
    while queue and len(seen) <= MAX_PAGES:
        url = queue.pop(0)
        response = client.get(url, follow_redirects=True)
        kind = response.headers.get("Content-Type", "")
        body = response.get_data()
        yield url, kind, body
        if "text/html" not in kind:
            continue
        for href in HREF.findall(body.decode("utf-8", "replace")):
            target = urljoin(url, href.replace("&amp;", "&"))
            parts = urlsplit(target)
            if parts.netloc and parts.netloc != "localhost":
                continue
            path = parts.path + (f"?{parts.query}" if parts.query else "")
            shape = re.sub(r"\d+", "N", parts.path)
            if SKIP.search(path) or path in seen or shapes.get(shape, 0) >= PER_SHAPE:
                continue
            shapes[shape] = shapes.get(shape, 0) + 1
            seen.add(path)
            queue.append(path)


def read(kind: str, body: bytes) -> str | None:
    if "text/html" in kind:
        return visible_text(body.decode("utf-8"))
    if "pdf" in kind:
        return pdf_text(body)
    if "spreadsheetml" in kind:
        return xlsx_text(body)
    return None  # zip archives of certificates: their PDFs are the decision's, read through it


ACCOUNTS = {
    "product": ("canbo.bachdang", "canbo.baolac", "thamdinh.tinh", "chutich.tinh", "theodoi.tinh", "admin"),
    "three-tier": ("canbo.xa", "thamdinh.huyen", "chutich.huyen"),
}


@needs_tools("pdftotext")
@pytest.mark.parametrize("which", ACCOUNTS)
def test_no_page_document_or_export_shows_our_internal_names(which: str, product_demo: Path, demo_db: Path,
                                                             make_app) -> None:
    app = make_app(product_demo if which == "product" else demo_db)
    found: dict[str, list[str]] = {}
    for account in ACCOUNTS[which]:
        client = logged_in(app, account)
        for url, kind, body in crawl(client):
            text = read(kind, body)
            if text is None:
                continue
            for problem in problems(text):
                found.setdefault(problem, []).append(f"{account} {url}")
    report = "\n".join(f"{p}  ← {', '.join(where[:3])}" for p, where in sorted(found.items()))
    assert not found, f"{len(found)} problems:\n{report}"
