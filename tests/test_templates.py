"""The pieces templates share, so their repetitions cannot come back: every POST form goes through the
``post_form`` macro (which writes the CSRF field), bilingual values through the ``|tr`` filter."""
from __future__ import annotations

import html
import re
from pathlib import Path
from typing import Any

import pytest
from flask import Flask, template_rendered
from jinja2 import Template

import criteria
from webapp.store import db as webdb

from webhelpers import logged_in

TEMPLATES = Path(__file__).resolve().parents[1] / "webapp" / "web" / "templates"
MACROS = TEMPLATES / "_forms.html"
POST_FORM = re.compile(r"<form\b[^>]*\bmethod\s*=\s*[\"']?post|csrf_token", re.IGNORECASE)
CSET = criteria.get("qd06-2019")  # the demo round's criteria
LANGUAGE_TEST = re.compile(r"\bif\s+current_lang\(\)\s*==\s*[\"'](vi|en)[\"']\s+else\b")


@pytest.fixture()
def app_config() -> dict[str, Any]:
    """The pages as users get them: with their CSRF fields."""
    return {"WTF_CSRF_ENABLED": True}


def _found(pattern: re.Pattern[str], skip: Path | None = None) -> list[str]:
    """Where ``pattern`` occurs in the templates, as ``file:line``."""
    return [f"{path.relative_to(TEMPLATES)}:{text.count(chr(10), 0, match.start()) + 1}"
            for path in sorted(TEMPLATES.rglob("*.html")) if path != skip
            for text in [path.read_text(encoding="utf-8")] for match in pattern.finditer(text)]


def test_only_the_macro_writes_a_post_form_or_a_csrf_field() -> None:
    assert "csrf_token()" in MACROS.read_text(encoding="utf-8")
    assert _found(POST_FORM, skip=MACROS) == []


def test_no_template_tests_the_language_to_pick_a_translation() -> None:
    assert _found(LANGUAGE_TEST) == []


def _review_page(app: Flask, db_path: Path, lang: str = "vi") -> str:
    """The reviewer's page of a submitted assessment of their district: one form per criterion, and more."""
    db = webdb.connect(db_path)
    aid = db.execute("select a.id from assessments a join units u on u.id = a.unit_id join users r "
                     "on r.username = 'thamdinh.huyen' and u.parent_id = r.scope_unit_id "
                     "where a.status = 'submitted' order by a.id limit 1").fetchone()[0]
    db.conn.close()
    client = logged_in(app, "thamdinh.huyen")
    return client.get(f"/assessments/{aid}/review?lang={lang}").get_data(as_text=True)


def test_every_rendered_post_form_carries_its_csrf_field(app: Flask, db_path: Path) -> None:
    page = _review_page(app, db_path)
    forms = re.findall(r'<form method="post"[^>]*>\s*(<input[^>]*>)', page)
    assert len(forms) == len(CSET.criteria) + 3  # each criterion's review, verify, return; log out
    assert all(re.fullmatch(r'<input type="hidden" name="csrf_token" value="[^"]+">', field) for field in forms)
    assert '<form method="post" action="/logout" class="inline" data-logout novalidate>' in page


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_bilingual_values_follow_the_interface_language(app: Flask, db_path: Path, lang: str) -> None:
    page = html.unescape(_review_page(app, db_path, lang))
    other = "en" if lang == "vi" else "vi"
    first = CSET.criteria[0]
    for shown, hidden in ((getattr(first, f"name_{lang}"), getattr(first, f"name_{other}")),
                          (getattr(CSET.title, lang), getattr(CSET.title, other)),
                          (getattr(first.items[0].text, lang), getattr(first.items[0].text, other))):
        assert shown in page and hidden not in page


def test_every_error_page_is_the_one_error_template(app: Flask) -> None:
    """Missing, forbidden, not allowed, expired, too large and failing requests: one template, with the
    status's own title and text."""
    app.add_url_rule("/fails", view_func=lambda: 1 / 0)
    rendered: list[str] = []

    def record(sender: Flask, template: Template, context: dict[str, Any], **extra: Any) -> None:
        rendered.append(template.name or "")

    anonymous, officer = app.test_client(), logged_in(app, "canbo.xa")
    with template_rendered.connected_to(record, app):
        for method, path, status, text in (("PUT", "/login", 405, "405 — Method Not Allowed"),
                                           ("POST", "/login", 400, "Phiên làm việc đã hết hạn"),  # no CSRF token
                                           ("GET", "/fails", 500, "Đã xảy ra lỗi")):
            response = anonymous.open(path, method=method)
            assert response.status_code == status and text in response.get_data(as_text=True)
        app.config["WTF_CSRF_ENABLED"] = False  # the body bound, not the missing token, answers the last post
        for method, path, status, text in (("GET", "/assessments/999999", 404, "Không tìm thấy trang"),
                                           ("GET", "/admin/users", 403, "Không có quyền truy cập")):
            response = officer.open(path, method=method)
            assert response.status_code == status and text in response.get_data(as_text=True)
        response = officer.post("/password", data={"old": "x" * 300_000})
        assert response.status_code == 413 and "Nội dung quá lớn" in response.get_data(as_text=True)
    assert rendered == ["errors/error.html"] * 6


def test_every_file_picker_is_the_vietnamese_one() -> None:
    """A bare ``<input type="file">`` shows the browser's «Choose File / No file chosen» in an English-locale
    browser: every template asks ``file_input`` (_forms.html) for its picker instead."""
    bare = [f"{path.relative_to(TEMPLATES)}:{n}" for path in sorted(TEMPLATES.rglob("*.html")) if path != MACROS
            for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1) if 'type="file"' in line]
    assert bare == []
