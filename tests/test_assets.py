"""Page weight: content-hashed static files, compression, CSRF tokens masked per response (BREACH),
the favicon, and what the server says about the service worker and the offline page.

The browser side of the service worker (offline reloads, logout) is in tests/e2e/test_offline_pages.py."""
from __future__ import annotations

import gzip
import hashlib
import io
import json
import re
import time
from pathlib import Path

import brotli
import pytest
from flask import Flask
from PIL import Image

from webapp.store import attachments
from webapp.web import assets
from webapp.web.csrf import PREFIX, mask, unmask

from webhelpers import CSRF_TOKEN, MakeApp, logged_in, opened, send, user_id

TEMPLATES = Path(assets.__file__).parent / "templates"
ASSET_URL = re.compile(r'(?:href|src)="(/assets/[^"]+)"')
PDF = b"%PDF-1.4\n" + b"1 0 obj <<>> endobj\n" * 200 + b"%%EOF\n"


def _children(db_path: Path, aid: int) -> str:
    """The stored number of children, as the checklist shows it (an edit's base)."""
    with opened(db_path) as db:
        return str(json.loads(db.execute("select declared from assessments where id = ?", [aid]).fetchone()[0])
                   .get("children", ""))


def own_assessment(db_path: Path) -> int:
    """The demo officer's assessment in the newest round (a draft)."""
    with opened(db_path) as db:
        return db.execute("select a.id from assessments a join users u on u.scope_unit_id = a.unit_id "
                          "where u.username = 'canbo.xa' order by a.round_id desc limit 1").fetchone()[0]


@pytest.fixture()
def guarded(make_app: MakeApp, db_path: Path) -> Flask:
    """The app as it runs: CSRF protection on."""
    return make_app(db_path, WTF_CSRF_ENABLED=True)


# --- content-hashed static files -----------------------------------------------------------------------

def test_templates_take_static_addresses_only_from_asset() -> None:
    offenders = [str(p.relative_to(TEMPLATES)) for p in TEMPLATES.rglob("*.html")
                 if "url_for('static'" in p.read_text(encoding="utf-8") or '"/static/' in p.read_text(encoding="utf-8")]
    assert offenders == []


def test_each_address_carries_the_hash_of_the_files_bytes_and_is_cached_for_a_year(client_as) -> None:
    officer = client_as("officer")
    page = officer.get("/mine", follow_redirects=True).get_data(as_text=True)
    urls = ASSET_URL.findall(page)
    names = {re.sub(r"\.[0-9a-f]{10}\.", ".", url.removeprefix("/assets/")) for url in urls}
    assert names == {"style.css", "favicon.svg", "offline.js", "files.js", "checklist.js"}
    for url in urls:
        name = re.sub(r"\.[0-9a-f]{10}\.", ".", url.removeprefix("/assets/"))
        data = (assets.STATIC / name).read_bytes()
        assert url == f"/assets/{Path(name).stem}.{hashlib.sha256(data).hexdigest()[:10]}{Path(name).suffix}"
        response = officer.get(url)  # logged in: still cached, not marked no-store like the pages
        assert response.status_code == 200 and response.data == data
        assert response.headers["Cache-Control"] == "public, max-age=31536000, immutable"


def test_a_wrong_hash_and_the_old_static_address_are_friendly_404s(client_as) -> None:
    officer = client_as("officer")
    good = assets.Assets(assets.STATIC).files["style.css"].hashed
    for url in ("/assets/style.0123456789.css", f"/assets/{good}x", "/assets/style.css", "/static/style.css"):
        response = officer.get(url)
        assert response.status_code == 404, url
        assert "Không tìm thấy trang" in response.get_data(as_text=True)


def test_the_hash_moves_with_the_content(tmp_path: Path) -> None:
    (tmp_path / "style.css").write_text("body { color: red; }", encoding="utf-8")
    (tmp_path / "favicon.ico").write_bytes(b"ico")
    before = assets.Assets(tmp_path)
    (tmp_path / "style.css").write_text("body { color: blue; }", encoding="utf-8")
    after = assets.Assets(tmp_path)
    assert before.files["style.css"].hashed != after.files["style.css"].hashed
    assert before.fingerprint() != after.fingerprint()


# --- compression ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("encoding, decompress", [("gzip", gzip.decompress), ("br", brotli.decompress)])
def test_pages_styles_scripts_and_json_are_compressed(client_as, db_path: Path, encoding, decompress) -> None:
    officer = client_as("officer")
    aid = own_assessment(db_path)
    plain = officer.get(f"/assessments/{aid}")
    assert "Content-Encoding" not in plain.headers  # a client that does not ask gets the plain page
    packed = officer.get(f"/assessments/{aid}", headers={"Accept-Encoding": encoding})
    assert packed.headers["Content-Encoding"] == encoding and "Accept-Encoding" in packed.headers["Vary"]
    page = decompress(packed.data).decode("utf-8")
    assert len(packed.data) < len(page.encode("utf-8")) / 4
    assert re.sub(CSRF_TOKEN, "", page) == re.sub(CSRF_TOKEN, "", plain.get_data(as_text=True))
    for url in ASSET_URL.findall(page):
        response = officer.get(url, headers={"Accept-Encoding": encoding})
        data = assets.Assets(assets.STATIC).hashed[url.removeprefix("/assets/")].data
        if len(data) >= 500:
            assert response.headers["Content-Encoding"] == encoding and decompress(response.data) == data
    scored = send(officer, aid, user_id(page), ("children", "1300", _children(db_path, aid)),
                  **{"Accept-Encoding": encoding})
    assert scored.headers["Content-Encoding"] == encoding
    assert json.loads(decompress(scored.data))["results"][0]["state"] == "saved"


def test_downloads_are_neither_compressed_nor_buffered(app: Flask, client_as, db_path: Path) -> None:
    aid = own_assessment(db_path)
    with opened(db_path) as db:
        file_id = attachments.add(db, Path(app.config["ATTACHMENTS"]), aid, None, "bien-ban.pdf", PDF, "test")["id"]
    response = client_as("officer").get(f"/attachments/{file_id}", headers={"Accept-Encoding": "gzip, br"})
    assert response.status_code == 200 and response.is_streamed
    assert "Content-Encoding" not in response.headers and response.get_data() == PDF
    response.close()


# --- CSRF tokens masked per response (BREACH) ----------------------------------------------------------

def test_mask_and_unmask() -> None:
    token = "IjFhMmIzYyI.Z1x2Yw.abc-def_123"
    masked = {mask(token) for _ in range(20)}
    assert len(masked) == 20 and all(m.startswith(PREFIX) and token not in m for m in masked)
    assert {unmask(m) for m in masked} == {token}
    assert unmask(token) == token  # a page rendered before masking: Flask-WTF judges it as before
    assert unmask(PREFIX + "@@@") == unmask(PREFIX + "abc") == unmask(PREFIX) == ""


def test_two_renders_carry_different_token_fields_for_one_token(guarded: Flask, db_path: Path) -> None:
    officer = logged_in(guarded, "canbo.xa")
    aid = own_assessment(db_path)
    first = CSRF_TOKEN.findall(officer.get(f"/assessments/{aid}").get_data(as_text=True))
    second = CSRF_TOKEN.findall(officer.get(f"/assessments/{aid}").get_data(as_text=True))
    assert len(first) >= 2 and len(set(first + second)) == len(first + second)
    assert len({unmask(t) for t in first}) == len({unmask(t) for t in second}) == 1  # one signed token a response
    assert len({unmask(t).split(".")[0] for t in first + second}) == 1  # of one session token (signed each second)
    login = [CSRF_TOKEN.search(guarded.test_client().get("/login").get_data(as_text=True)).group(1) for _ in "ab"]
    assert login[0] != login[1]


def _version(db_path: Path, aid: int) -> str:
    with opened(db_path) as db:
        return str(db.execute("select version from assessments where id = ?", [aid]).fetchone()[0])


def test_a_masked_token_posts_as_a_form_field_and_as_the_header(guarded: Flask, db_path: Path) -> None:
    officer = logged_in(guarded, "canbo.xa")  # the login form itself posted a masked token
    aid = own_assessment(db_path)
    page = officer.get(f"/assessments/{aid}").get_data(as_text=True)
    token = CSRF_TOKEN.search(page).group(1)
    saved = officer.post(f"/assessments/{aid}", data={"csrf_token": token, "version": _version(db_path, aid),
                                                      "children": "1300"})
    assert saved.status_code == 302
    sent = send(officer, aid, user_id(page), ("children", "1400", "1300"), **{"X-CSRFToken": token})
    assert sent.status_code == 200 and sent.get_json()["results"][0]["state"] == "saved"
    with opened(db_path) as db:
        assert json.loads(db.execute("select declared from assessments where id = ?", [aid]).fetchone()[0])[
            "children"] == 1400


def _garbled(token: str) -> str:
    """The token with one character of its masked body changed."""
    i = len(token) // 2
    return token[:i] + ("A" if token[i] != "A" else "B") + token[i + 1:]


def test_a_garbled_masked_token_is_refused_as_today(guarded: Flask, db_path: Path) -> None:
    officer = logged_in(guarded, "canbo.xa")
    aid = own_assessment(db_path)
    page = officer.get(f"/assessments/{aid}").get_data(as_text=True)
    token = CSRF_TOKEN.search(page).group(1)
    with opened(db_path) as db:
        before = db.execute("select declared from assessments where id = ?", [aid]).fetchone()[0]
    for bad in (_garbled(token), token[:-4], PREFIX + "not-base64!", "het-han"):
        refused = officer.post(f"/assessments/{aid}", data={"csrf_token": bad, "version": _version(db_path, aid),
                                                            "children": "1300"}, headers={"Origin": "http://localhost"})
        assert refused.status_code == 400 and "Phiên làm việc đã hết hạn" in refused.get_data(as_text=True)
        header = send(officer, aid, user_id(page), ("children", "1400", _children(db_path, aid)),
                      **{"X-CSRFToken": bad})
        assert header.status_code == 400
    with opened(db_path) as db:
        assert db.execute("select declared from assessments where id = ?", [aid]).fetchone()[0] == before


def test_an_expired_masked_token_gets_the_resend_page_as_before(make_app: MakeApp, db_path: Path) -> None:
    app = make_app(db_path, WTF_CSRF_ENABLED=True, WTF_CSRF_TIME_LIMIT=1)
    officer = logged_in(app, "canbo.xa")
    aid = own_assessment(db_path)
    token = CSRF_TOKEN.search(officer.get(f"/assessments/{aid}").get_data(as_text=True)).group(1)
    time.sleep(2.1)
    form = {"csrf_token": token, "version": _version(db_path, aid), "children": "1300"}
    refused = officer.post(f"/assessments/{aid}", data=form, headers={"Origin": "http://localhost"})
    page = refused.get_data(as_text=True)
    assert refused.status_code == 400 and "Biểu mẫu đã mở quá lâu nên mã bảo mật hết hạn" in page
    assert 'name="children" value="1300"' in page and "Gửi lại" in page


# --- favicon -------------------------------------------------------------------------------------------

def test_the_favicon_is_ours_linked_and_answered_at_the_root(client_as) -> None:
    client = client_as("officer")
    page = client.get("/login").get_data(as_text=True)
    icon = re.search(r'<link rel="icon" href="(/assets/favicon\.[0-9a-f]{10}\.svg)" type="image/svg\+xml">', page)
    svg = client.get(icon.group(1)).get_data(as_text=True)
    assert svg.startswith("<svg") and re.findall(r"https?://[^\"]+", svg) == ["http://www.w3.org/2000/svg"]
    response = client.get("/favicon.ico")
    assert response.status_code == 200 and response.mimetype == "image/x-icon"
    assert "immutable" not in response.headers["Cache-Control"]
    assert Image.open(io.BytesIO(response.data)).info["sizes"] >= {(16, 16), (32, 32)}


# --- the service worker and the offline page -----------------------------------------------------------

def test_the_service_worker_is_served_from_the_root_with_this_releases_assets(app: Flask) -> None:
    response = app.test_client().get("/sw.js")
    script = response.get_data(as_text=True)
    assert response.status_code == 200 and response.mimetype == "text/javascript"
    assert response.headers["Cache-Control"] == "no-cache"
    release = re.search(r'const RELEASE = "([0-9a-f]{12})";', script).group(1)
    assert release == app.extensions["offline_release"]
    precache = json.loads(re.search(r"const PRECACHE = (\[.*?\]);", script).group(1))
    assert sorted(precache) == sorted(f"/assets/{a.hashed}" for a in app.extensions["assets"].files.values())
    assert 'const OFFLINE = "/offline";' in script and "{{" not in script


def test_the_offline_page_is_the_same_for_everyone(client_as) -> None:
    officer = client_as("officer")
    page = officer.get("/offline").get_data(as_text=True)
    assert "<h1>Không có kết nối mạng</h1>" in page and 'id="last-checklist" hidden' in page
    assert "csrf_token" not in page and "Đăng xuất" not in page and "/mine" not in page
    assert "No network connection" in officer.get("/offline?lang=en").get_data(as_text=True)


def test_every_page_registers_the_worker_from_a_script_file(client_as) -> None:
    page = client_as("officer").get("/password").get_data(as_text=True)
    scripts = re.findall(r"<script([^>]*)>(.*?)</script>", page, re.DOTALL)
    assert all(body.strip() == "" and "src=" in attributes for attributes, body in scripts)  # the CSP forbids inline
    assert re.search(r'<script src="/assets/offline\.[0-9a-f]{10}\.js" data-worker="/sw\.js" defer>', page)
    assert "data-logout" in re.search(r'<form method="post" action="/logout"[^>]*>', page).group(0)


def test_logging_out_clears_the_http_cache_but_not_the_storage(client_as) -> None:
    response = client_as("officer").post("/logout")
    assert response.status_code == 302 and response.headers["Clear-Site-Data"] == '"cache"'
