"""The English interface: the catalogue covers every message in the sources, and pages follow ``?lang=en``.

Vietnamese is the source language (the msgids); English is the catalogue
``webapp/web/translations/en/LC_MESSAGES/messages.po``. The messages are extracted from the current
sources at test time with Babel and the project's ``babel.cfg``, so a new ``_("...")`` without an
English translation fails here. Babel does not see ``_()`` inside f-strings on Python 3.11, and
names looked up through a variable (``_(status_names[...])``) are never extracted: both are added.
"""
from __future__ import annotations

import ast
import html
import re
import unicodedata
from collections.abc import Callable
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po
from flask import Flask

from webapp.store import accounts, urban, workflow
from webapp.store import db as webdb

from webhelpers import ClientAs, MakeApp, logged_in

ROOT = Path(__file__).resolve().parents[1]
PO = ROOT / "webapp" / "web" / "translations" / "en" / "LC_MESSAGES" / "messages.po"
KEYWORDS = {**DEFAULT_KEYWORDS, "lazy_gettext": None}  # as `pybabel extract -k _ -k gettext -k lazy_gettext`
GETTEXT_NAMES = ("_", "gettext", "lazy_gettext")
PLACEHOLDER = re.compile(r"%\((\w+)\)[sd]|%%")
VIETNAMESE = re.compile(r"[À-ỹĐđ]")
DOCUMENT_CODE = re.compile(r"\bQĐ-(TTg|UBND)\b")


# --- the catalogue against the sources --------------------------------------------------------

@pytest.fixture(scope="module")
def catalog() -> Catalog:
    with PO.open("rb") as f:
        return read_po(f, locale="en")


def extracted() -> dict[tuple[str, str | None], list[str]]:
    """Every (msgid, context) Babel extracts with babel.cfg, with where it was found."""
    with (ROOT / "babel.cfg").open(encoding="utf-8") as f:
        method_map, options_map = parse_mapping_cfg(f, filename=str(ROOT / "babel.cfg"))
    found: dict[tuple[str, str | None], list[str]] = {}
    for filename, lineno, message, _comments, context in extract_from_dir(
            str(ROOT), method_map, options_map, keywords=KEYWORDS):
        for msgid in (message if isinstance(message, tuple) else (message,)):
            if msgid:
                found.setdefault((msgid, context), []).append(f"{filename}:{lineno}")
    return found


def in_fstrings() -> dict[tuple[str, str | None], list[str]]:
    """``_("...")`` calls with a literal argument anywhere in webapp/*.py, f-strings included."""
    found: dict[tuple[str, str | None], list[str]] = {}
    for path in sorted((ROOT / "webapp").rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for node in ast.walk(tree):
            if (isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in GETTEXT_NAMES
                    and node.args and isinstance(node.args[0], ast.Constant) and isinstance(node.args[0].value, str)):
                found.setdefault((node.args[0].value, None), []).append(
                    f"{path.relative_to(ROOT)}:{node.lineno}")
    return found


def dynamic_names() -> dict[tuple[str, str | None], list[str]]:
    """Names kept in dictionaries and translated where the templates display them."""
    sources = {"workflow.STATUS_NAMES": workflow.STATUS_NAMES, "workflow.REVIEW_NAMES": workflow.REVIEW_NAMES,
               "accounts.ROLE_NAMES": accounts.ROLE_NAMES, "urban.STATUS_NAMES": urban.STATUS_NAMES}
    found: dict[tuple[str, str | None], list[str]] = {}
    for where, names in sources.items():
        for key, name in names.items():
            found.setdefault((name, None), []).append(f"{where}[{key!r}]")
    return found


@pytest.fixture(scope="module")
def required() -> dict[tuple[str, str | None], list[str]]:
    found = extracted()
    assert len(found) > 150, "the extraction found too little: is babel.cfg still covering webapp/?"
    assert any(loc.startswith("webapp/web/templates/commune/") for locs in found.values() for loc in locs)
    assert any(re.match(r"webapp/(store|web|cli)/[a-z_]+\.py:", loc) for locs in found.values() for loc in locs)
    for extra in (in_fstrings(), dynamic_names()):
        for key, locations in extra.items():
            found.setdefault(key, []).extend(locations)
    return found


def test_every_message_in_the_sources_has_an_english_translation(catalog: Catalog, required) -> None:
    missing = []
    for (msgid, context), locations in sorted(required.items()):
        message = catalog.get(msgid, context=context)
        if message is None or not str(message.string or "").strip() or message.fuzzy:
            missing.append(f"{msgid!r} ({', '.join(locations[:3])})")
    assert not missing, f"{len(missing)} message(s) without an English translation in {PO.name}:\n" + "\n".join(missing)


def test_status_review_and_role_names_are_translated(catalog: Catalog) -> None:
    expected = {"Bản nháp": "Draft", "Đã nộp": "Submitted", "Đã nộp lại": "Resubmitted",
                "Đã thẩm định": "Verified", "Được công nhận": "Recognised", "Không được công nhận": "Not recognised",
                "Đã thu hồi công nhận": "Recognition revoked", "Chấp nhận": "Accepted",
                "Cần giải trình, bổ sung": "Explanation or additional information needed",
                "Điều chỉnh số liệu": "Figures adjusted", "Cán bộ xã": "Commune officer",
                "Quản trị hệ thống": "System administrator"}
    assert {msgid: catalog.get(msgid).string for msgid in expected} == expected


def test_catalogue_is_nfc_and_placeholders_match(catalog: Catalog, required) -> None:
    entries = [m for m in catalog if m.id]
    assert len(entries) >= len(required)
    for message in entries:
        for text in (message.id, message.string):
            assert unicodedata.normalize("NFC", text) == text, f"not NFC: {text!r}"
        english = DOCUMENT_CODE.sub("", message.string)  # «06/QĐ-TTg» is a document's number, kept as is
        assert not VIETNAMESE.search(english), f"Vietnamese left in the translation of {message.id!r}"
        assert sorted(PLACEHOLDER.findall(message.id)) == sorted(PLACEHOLDER.findall(message.string)), message.id
    for msgid, _context in required:
        assert unicodedata.normalize("NFC", msgid) == msgid, f"source msgid not NFC: {msgid!r}"
    assert list(catalog.check()) == []  # Babel's own checks (python-format)


# --- pages in English -------------------------------------------------------------------------

@pytest.fixture(scope="module")
def app(make_app: MakeApp, demo_copy: Callable[[Path], int], tmp_path_factory: pytest.TempPathFactory) -> Flask:
    path = tmp_path_factory.mktemp("i18n") / "cfc.db"
    demo_copy(path)
    return make_app(path)


def text(response) -> str:
    assert response.status_code == 200, response.status_code
    return html.unescape(response.get_data(as_text=True))


def test_login_page_in_english(app) -> None:
    page = text(app.test_client().get("/login?lang=en"))
    assert '<html lang="en">' in page
    for english in ("<h1>Log in</h1>", ">Username</label>", ">Password</label>", ">Log in</button>",
                    "Child-friendly commune and ward assessment", "Tiếng Việt"):
        assert english in page
    for vietnamese in ("Đăng nhập", "Tên đăng nhập", "Mật khẩu", "Xã, phường phù hợp với trẻ em", "Tiêu chuẩn:"):
        assert vietnamese not in page


def test_login_page_in_vietnamese_by_default(app) -> None:
    page = text(app.test_client().get("/login"))
    assert '<html lang="vi">' in page
    assert "<h1>Đăng nhập</h1>" in page and ">Tên đăng nhập</label>" in page and ">Mật khẩu</label>" in page
    assert "Log in" not in page and "Username" not in page


def test_wrong_password_message_in_english(app) -> None:
    client = app.test_client()
    client.get("/login?lang=en")
    response = client.post("/login", data={"username": "canbo.xa", "password": "wrong password"})
    assert response.status_code == 401
    assert "Incorrect username or password." in html.unescape(response.get_data(as_text=True))


@pytest.fixture(scope="module")
def checklists(app) -> dict[str, str]:
    """The officer's checklist, in English and in Vietnamese."""
    pages = {}
    for lang in ("en", "vi"):
        client = logged_in(app, "canbo.xa", lang=lang)
        mine = client.get("/mine")
        assert mine.status_code == 302, "canbo.xa has one assessment: /mine goes straight to it"
        pages[lang] = text(client.get(mine.headers["Location"]))
    return pages


def test_checklist_in_english_shows_english_interface(checklists) -> None:
    page = checklists["en"]
    assert '<html lang="en">' in page
    for english in ("Status", '">Draft</strong>', "Criterion 1.", " points</span>", "Evidence for item",
                    ">Save</button>", "Submit self-assessment…", "Provisional score", "Minimum", "Still needed",
                    "Suggestions", "Upload", "Log out", "Self-assessment", '"saved_at": "Saved at %(t)s"'):
        assert english in page, english


def test_checklist_in_english_has_no_vietnamese_interface_strings(checklists) -> None:
    page = checklists["en"]
    for vietnamese in ("Trạng thái", "Bản nháp", "Tiêu chí", "Hạn nộp", "Minh chứng cho mục", "Nộp hồ sơ tự đánh giá",
                       "Điểm tạm tính", "Mức tối thiểu", "Còn thiếu", "Gợi ý", "Tệp minh chứng", "Tải lên",
                       "Đã lưu lúc", "Đang lưu", "Chưa lưu", "Đủ điều kiện công nhận", "Chưa đủ", "Đăng xuất",
                       "Tự đánh giá", "Lưu ý:", "Tiêu chuẩn:", "Bỏ qua, đến nội dung chính", " điểm<"):
        assert vietnamese not in page, vietnamese


def test_no_catalogue_message_on_the_vietnamese_checklist_survives_in_english(catalog: Catalog, checklists) -> None:
    """Whatever interface text the Vietnamese checklist shows from the catalogue is gone in English."""
    shown = [m.id for m in catalog if m.id and len(m.id) > 3 and VIETNAMESE.search(m.id)
             and m.id in checklists["vi"]]
    assert len(shown) > 15
    left = [msgid for msgid in shown if msgid in checklists["en"]]
    assert not left


def test_status_and_role_names_in_english_where_templates_show_them(client_as: ClientAs) -> None:
    page = text(client_as("admin", lang="en").get("/admin/users"))
    assert "<td>Commune officer</td>" in page and "<td>System administrator</td>" in page
    assert '<option value="reviewer" >Reviewing officer</option>' in page
    roles = re.findall(r"<tr><td>[^<]*</td><td>[^<]*</td><td>([^<]*)</td>", page)  # username, name, role
    assert len(roles) >= 5 and set(roles) <= {"Commune officer", "Reviewing officer", "Recognising authority",
                                               "Monitoring (view only)", "Legal officer", "System administrator"}
    for name in accounts.ROLE_NAMES.values():  # («Quản trị hệ thống» is also the demo admin's own name)
        assert f">{name}</option>" not in page
    page = text(client_as("theodoi.tinh", lang="en").get("/dashboard"))
    assert '<option value="draft" >Draft</option>' in page
    assert '<span class="status status-draft">Draft</span>' in page
    for name in workflow.STATUS_NAMES.values():
        assert f">{name}<" not in page, name
    page = text(client_as("canbo.xa", lang="en").get("/mine", follow_redirects=True))
    assert '<strong class="status status-draft">Draft</strong>' in page


def test_a_workflow_refusal_is_shown_in_the_interface_language(make_app: MakeApp, db_path: Path) -> None:
    """Saving a submitted declaration is refused: in Vietnamese by default, in English on request."""
    db = webdb.connect(db_path)
    aid = next(db.query("select a.id from assessments a join users u on u.scope_unit_id = a.unit_id "
                        "where u.username = 'canbo.xa'"))["id"]
    db.execute("update assessments set status = 'submitted' where id = ?", [aid])
    db.conn.close()
    client = logged_in(make_app(db_path), "canbo.xa")
    vi = html.unescape(client.post(f"/assessments/{aid}", data={"children": "10"}).get_data(as_text=True))
    assert "Không thể sửa hồ sơ tự đánh giá: hồ sơ đang ở trạng thái «Đã nộp»; chỉ được khi: Bản nháp, " in vi
    assert "cannot edit" not in vi
    client.get("/?lang=en")
    en = html.unescape(client.post(f"/assessments/{aid}", data={"children": "10"}).get_data(as_text=True))
    assert "Cannot edit the self-assessment: the assessment is «Submitted»; allowed only when: Draft, " in en
    user = int(re.search(r'data-user="(\d+)"', client.get(f"/assessments/{aid}").get_data(as_text=True)).group(1))
    edits = client.post(f"/assessments/{aid}/edits",
                        json={"user": user, "edits": [{"field": "children", "value": "10", "base": ""}]})
    assert edits.status_code == 409 and edits.get_json()["locked"] is True
    assert edits.get_json()["message"].startswith("Cannot edit the self-assessment")
