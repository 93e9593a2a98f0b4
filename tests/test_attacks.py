"""Attacks tried against the real app and refused: script in reviewer comments and attachment
names, path traversal through uploads and URLs, role escalation, a disabled account's live
session, and secrets in the repository."""
from __future__ import annotations

import io
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
from flask import Flask

from webapp.store import accounts, workflow
from webapp.store import db as database

from webhelpers import ClientAs, MakeApp

ROOT = Path(__file__).resolve().parent.parent
PDF = b"%PDF-1.7\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
SCRIPT = '<script>alert("x")</script>'
IMG = "<img src=x onerror=alert(1)>"


@pytest.fixture()
def app_config(tmp_path: Path) -> dict[str, Any]:
    return {"ATTACHMENTS": str(tmp_path / "instance" / "attachments")}  # escapes would land in tmp_path


@pytest.fixture()
def site(app: Flask, db_path: Path, tmp_path: Path) -> dict[str, Any]:
    db = database.connect(db_path)
    own = db.execute("select a.id from assessments a join users u on u.scope_unit_id = a.unit_id "
                     "where u.username = 'canbo.xa' order by a.round_id desc").fetchone()[0]
    db.conn.close()
    return {"path": db_path, "store": Path(app.config["ATTACHMENTS"]), "own": own, "tmp": tmp_path}


def sql(site: dict[str, Any], query: str, params: list[Any] | None = None) -> list[dict[str, Any]]:
    db = database.connect(site["path"], migrate=False)
    try:
        return list(db.query(query, params or []))
    finally:
        db.conn.close()


# --- XSS -------------------------------------------------------------------------------------------

def test_script_in_a_reviewer_comment_is_shown_as_text_to_officer_and_reviewer(site, client_as) -> None:
    db = database.connect(site["path"])
    submitted = db.execute("select a.id from assessments a join units u on u.id = a.unit_id join users r "
                           "on r.scope_unit_id = u.parent_id where r.username = 'thamdinh.huyen' and "
                           "a.status in ('submitted', 'resubmitted') limit 1").fetchone()[0]
    workflow.review_criterion(db, submitted, 3, "needs_clarification", "thamdinh.huyen", comment=SCRIPT)
    workflow.return_for_clarification(db, submitted, "thamdinh.huyen", IMG)
    db.conn.close()
    for page in (f"/assessments/{submitted}/review", f"/assessments/{submitted}"):
        html = client_as("thamdinh.huyen").get(page).get_data(as_text=True)
        assert SCRIPT not in html and IMG not in html, page
        assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in html, page


def test_script_in_an_attachment_name_is_stored_harmless_and_shown_as_text(site, client_as) -> None:
    client = client_as("canbo.xa")
    name = f'{IMG}{SCRIPT}.pdf'
    response = client.post(f"/assessments/{site['own']}/attachments",
                           data={"file": (io.BytesIO(PDF), name), "item_id": "1.1"},
                           content_type="multipart/form-data")
    assert response.status_code == 302
    stored = sql(site, "select filename, stored_name from attachments where assessment_id = ?", [site["own"]])
    assert len(stored) == 1 and "<" not in stored[0]["filename"] and ">" not in stored[0]["filename"]
    html = client.get(f"/assessments/{site['own']}").get_data(as_text=True)
    assert "<img src=x" not in html and "<script>alert" not in html
    assert stored[0]["filename"] in html.replace("&#34;", '"').replace("&#39;", "'")


@pytest.mark.parametrize("version", ["abc", "1e3", "-1", "99999999999999999999999", "1; drop table users"])
def test_a_garbled_version_on_a_review_is_refused_not_ignored(site, version: str, client_as: ClientAs) -> None:
    row = sql(site, "select a.id, a.version from assessments a join units u on u.id = a.unit_id join users r "
                    "on r.scope_unit_id = u.parent_id where r.username = 'thamdinh.huyen' and "
                    "a.status in ('submitted', 'resubmitted') limit 1")[0]
    before = sql(site, "select count(*) n from audit_log")[0]["n"]
    response = client_as("thamdinh.huyen").post(
        f"/assessments/{row['id']}/review/2", data={"status": "accepted", "comment": "", "version": version})
    assert response.status_code == 409
    assert sql(site, "select version from assessments where id = ?", [row["id"]])[0]["version"] == row["version"]
    assert sql(site, "select count(*) n from audit_log")[0]["n"] == before


# --- path traversal -----------------------------------------------------------------------------

def test_an_uploaded_name_cannot_choose_where_the_file_goes(site, client_as) -> None:
    client = client_as("canbo.xa")
    target = site["tmp"] / "pwned.pdf"
    for name in ("../../../pwned.pdf", "..\\..\\..\\pwned.pdf", "/tmp/../" + str(target)):
        client.post(f"/assessments/{site['own']}/attachments", data={"file": (io.BytesIO(PDF), name)},
                    content_type="multipart/form-data")
    files = sorted(p for p in site["store"].rglob("*") if p.is_file())
    rows = sql(site, "select filename, stored_name from attachments where assessment_id = ?", [site["own"]])
    assert len(files) == len(rows) == 3 and not target.exists()
    assert {p.name for p in files} == {r["stored_name"] for r in rows}
    assert all(re.fullmatch(r"[0-9a-f]{32}\.pdf", r["stored_name"]) for r in rows)
    assert all("/" not in r["filename"] and "\\" not in r["filename"] and ".." not in r["filename"] for r in rows)


@pytest.mark.parametrize("url", [
    "/static/../app.py", "/static/%2e%2e/app.py", "/static/..%2fapp.py", "/static/%2e%2e%2f%2e%2e/pyproject.toml",
    "/static//etc/passwd", "/attachments/..%2f..%2fcfc.db", "/attachments/-1", "/assessments/1%20or%201=1",
    "/assets/../app.py", "/assets/..%2fapp.py", "/assets/%2e%2e%2fassets.py", "/assets//etc/passwd",
])
def test_urls_cannot_reach_files_outside_their_folder(url: str, client_as: ClientAs) -> None:
    response = client_as("canbo.xa").get(url, follow_redirects=True)  # "//" is merged by a redirect
    body = response.get_data()
    assert response.status_code == 404, url
    assert b"from __future__" not in body and b"root:" not in body and b"SQLite format" not in body


# --- role escalation ---------------------------------------------------------------------------------

def test_an_officer_cannot_make_itself_admin_nor_decide(site, client_as) -> None:
    client = client_as("canbo.xa")
    before = sql(site, "select username, role from users order by id")
    created = client.post("/admin/users", data={"username": "evil", "password": "x" * 12, "role": "admin",
                                                "display_name": "evil"})
    decided = client.post(f"/assessments/{site['own']}/decide", data={"outcome": "recognised", "reason": "x"})
    assert (created.status_code, decided.status_code) == (403, 403)
    assert sql(site, "select username, role from users order by id") == before
    assert sql(site, "select count(*) n from decisions where assessment_id = ?", [site["own"]])[0]["n"] == 0


def test_a_session_follows_the_stored_role_and_a_disabled_account_is_logged_out(site, client_as) -> None:
    client = client_as("thamdinh.huyen")
    assert client.get("/review").status_code == 200
    db = database.connect(site["path"])
    reviewer = next(u for u in accounts.list_users(db) if u["username"] == "thamdinh.huyen")
    db.execute("update users set role = 'viewer' where id = ?", [reviewer["id"]])
    assert client.get("/review").status_code == 302  # a role change ends the session (issue 11, item 2)
    client = client_as("thamdinh.huyen")
    assert client.get("/review").status_code == 403  # the role is read from the database, not the cookie
    accounts.set_active(db, reviewer["id"], False, "admin")
    db.conn.close()
    response = client.get("/dashboard")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


# --- secrets ------------------------------------------------------------------------------------------

def test_no_secret_is_tracked_in_the_repository() -> None:
    if not (ROOT / ".git").exists() or not shutil.which("git"):
        pytest.skip("not a git checkout")
    tracked = subprocess.run(["git", "ls-files"], cwd=ROOT, capture_output=True, text=True, check=True).stdout.split()
    assert tracked, "git ls-files listed nothing"
    forbidden_names = re.compile(r"(^|/)(secret_key|\.env|cfc\.env|id_rsa|.*\.pem|.*\.key|.*\.db|.*\.sqlite3?)$")
    assert [f for f in tracked if forbidden_names.search(f)] == []
    patterns = re.compile(r"-----BEGIN [A-Z ]*PRIVATE KEY-----|SECRET_KEY\s*=\s*['\"][^'\"]{8,}|"
                          r"CFC_API_TOKEN\s*=\s*['\"]?[0-9a-f]{32,}|AKIA[0-9A-Z]{16}")
    leaks = []
    for name in tracked:
        path = ROOT / name
        if path.suffix in {".ttf", ".png", ".pdf", ".xlsx"} or not path.is_file():
            continue
        text = path.read_text(encoding="utf-8", errors="ignore")
        leaks += [f"{name}: {m.group(0)[:40]}" for m in patterns.finditer(text)]
    assert leaks == []


def test_each_installation_makes_its_own_session_key(make_app: MakeApp, tmp_path: Path) -> None:
    keys = []
    for name in ("a", "b"):
        instance = tmp_path / name
        app = make_app(tmp_path / f"{name}.db", instance=instance, SECRET_KEY=None)  # no key given: its own
        keys.append(app.secret_key)
        assert (instance / "secret_key").stat().st_mode & 0o777 == 0o600
    assert keys[0] != keys[1] and all(len(k) >= 32 for k in keys)


# --- behind a reverse proxy -------------------------------------------------------------------------

@pytest.mark.parametrize("hops, recorded", [(0, "127.0.0.1"), (1, "203.0.113.7")])
def test_the_client_address_comes_from_the_proxy_only_when_told_to_trust_it(make_app: MakeApp, site, hops: int,
                                                                            recorded: str) -> None:
    app = make_app(site["path"], PROXY_HOPS=hops)
    client = app.test_client()
    client.post("/login", data={"username": "canbo.xa", "password": "wrong-password"},
                headers={"X-Forwarded-For": "203.0.113.7"}, environ_base={"REMOTE_ADDR": "127.0.0.1"})
    assert sql(site, "select remote from login_attempts order by id desc limit 1")[0]["remote"] == recorded
