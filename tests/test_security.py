"""Login, sessions and the browser-facing protections: rate limit, fixation, open redirect,
security headers, cookie flags, escaping of hostile text."""
from __future__ import annotations

from typing import Any

import pytest

from webapp.store import db as database
from webapp.store import demo, workflow


@pytest.fixture()
def app_config() -> dict[str, Any]:
    return {"SESSION_COOKIE_SECURE": True}


def try_login(client, username: str = "canbo.xa", password: str = demo.DEMO_PASSWORD, **kwargs):
    """One login attempt (the subject of these tests); its answer."""
    return client.post("/login", data={"username": username, "password": password}, **kwargs)


def test_login_is_rate_limited_per_account(app) -> None:
    client = app.test_client()
    for _ in range(5):
        response = try_login(client, password="sai-mat-khau-123")
        assert response.status_code == 401
        assert "Tên đăng nhập hoặc mật khẩu không đúng." in response.get_data(as_text=True)
    blocked = try_login(client)  # even the right password waits now
    assert blocked.status_code == 401
    assert "Đăng nhập sai quá nhiều lần" in blocked.get_data(as_text=True)
    assert try_login(app.test_client(), "thamdinh.huyen").status_code == 302  # others are not locked out


def test_passwords_are_stored_hashed(app) -> None:
    db = database.connect(app.config["DATABASE"])
    stored = db.execute("select password_hash from users where username = 'canbo.xa'").fetchone()[0]
    db.conn.close()
    assert demo.DEMO_PASSWORD not in stored
    assert stored.startswith(("scrypt:", "pbkdf2:"))


def test_login_starts_a_fresh_session(app) -> None:
    client = app.test_client()
    client.get("/login?lang=en")
    before = client.get_cookie("cfc_session").value
    try_login(client)
    after = client.get_cookie("cfc_session").value
    assert before != after
    assert client.get("/mine").status_code in (200, 302)
    client.post("/logout")
    assert client.get("/mine").status_code == 302  # logged out


@pytest.mark.parametrize("target, expected", [
    ("/dashboard", "/dashboard"),
    ("https://evil.example/phish", "/"),
    ("//evil.example/phish", "/"),
    ("/\\evil.example", "/"),
    ("javascript:alert(1)", "/"),
])
def test_login_never_redirects_off_site(app, target: str, expected: str) -> None:
    response = try_login(app.test_client(), "theodoi.tinh", query_string={"next": target})
    assert response.status_code == 302
    assert response.headers["Location"] == expected


def test_security_headers_and_cookie_flags(app) -> None:
    client = app.test_client()
    response = try_login(client)
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "Secure" in cookie and "SameSite=Lax" in cookie
    page = client.get("/login")
    csp = page.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp and "frame-ancestors 'none'" in csp
    assert page.headers["X-Frame-Options"] == "DENY"
    assert page.headers["X-Content-Type-Options"] == "nosniff"
    assert "<script>" not in page.get_data(as_text=True).replace('<script src=', '')


def test_hostile_text_is_shown_as_text(app, client_as) -> None:
    db = database.connect(app.config["DATABASE"])
    aid = db.execute("select a.id from assessments a join users u on u.scope_unit_id = a.unit_id "
                     "where u.username = 'canbo.xa'").fetchone()[0]
    db.execute("update units set name = ? where id = (select unit_id from assessments where id = ?)",
               ['<script>alert("x")</script>', aid])
    workflow.set_evidence(db, aid, "1.1", '<img src=x onerror=alert(1)>', "canbo.xa")
    db.conn.close()
    client = client_as("officer")
    html = client.get(f"/assessments/{aid}").get_data(as_text=True)
    assert '<script>alert("x")</script>' not in html
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in html
    assert "<img src=x" not in html and "&lt;img src=x onerror=alert(1)&gt;" in html


def test_unknown_pages_and_errors_are_friendly(client_as) -> None:
    client = client_as("officer")
    missing = client.get("/assessments/999999")
    assert missing.status_code == 404
    assert "Không tìm thấy trang" in missing.get_data(as_text=True)
    assert "Traceback" not in missing.get_data(as_text=True)


def test_one_address_is_limited_too(app) -> None:
    """Guessing across many accounts from one address is stopped, later than one account."""
    client = app.test_client()
    for n in range(30):
        assert try_login(client, f"khong-co-{n}", "sai-mat-khau-123").status_code == 401
    assert "Đăng nhập sai quá nhiều lần" in try_login(client, "admin").get_data(as_text=True)
