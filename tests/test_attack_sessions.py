"""Issue 11, items 2, 7, 11 and login on a full disk: sessions that end, the login's attempt limit
under parallel guesses, no timing oracle for user names, user names compared as NFC and
case-folded, and user names that are printable, without surrounding spaces and unique."""
from __future__ import annotations

import resource
import sqlite3
import threading
import unicodedata
from pathlib import Path
from typing import Any

import pytest
import sqlite_utils
from click.testing import CliRunner
from flask import Flask
from test_faults import Browser, held_open, on_full_disk, ro_query, serving

from webapp.cli import checks as doctor
from webapp.cli.main import cfc
from webapp.store import accounts
from webapp.store import db as database
from webapp.store.demo import DEMO_PASSWORD
from webapp.web.assets import STATIC, Assets

from webhelpers import ClientAs, opened

WRONG = "sai-mat-khau-123"
SAI, QUA_NHIEU = "Tên đăng nhập hoặc mật khẩu không đúng.", "Đăng nhập sai quá nhiều lần"


@pytest.fixture()
def hashes(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every password hash checked at login (werkzeug's function, wrapped to count its calls)."""
    checked: list[str] = []
    lock = threading.Lock()
    real = accounts.check_password_hash

    def counting(pwhash: str, password: str) -> bool:
        with lock:
            checked.append(pwhash)
        return real(pwhash, password)
    monkeypatch.setattr(accounts, "check_password_hash", counting)
    return checked


def user_id(path: Path, username: str) -> int:
    with opened(path) as db:
        return db.execute("select id from users where username = ?", [username]).fetchone()[0]


def is_logged_out(response: Any) -> bool:
    return response.status_code == 302 and response.headers["Location"].startswith("/login")


# --- item 2: sessions ---------------------------------------------------------------------------------

def test_a_cookie_replayed_after_logout_is_logged_out(app: Flask, client_as: ClientAs) -> None:
    client = client_as("canbo.xa")
    cookie = client.get_cookie("cfc_session").value
    assert client.get("/password").status_code == 200
    client.post("/logout")
    replay = app.test_client()
    replay.set_cookie("cfc_session", cookie)
    assert is_logged_out(replay.get("/password"))
    assert is_logged_out(replay.get("/password"))  # and the answer cleared it: still out


def test_a_password_change_ends_the_other_sessions_and_keeps_its_own(client_as: ClientAs) -> None:
    here, elsewhere = client_as("canbo.xa"), client_as("canbo.xa")
    new = "mat-khau-moi-2026"
    changed = here.post("/password", data={"old": DEMO_PASSWORD, "new": new, "confirm": new})
    assert changed.status_code == 302
    assert here.get("/password").status_code == 200
    assert is_logged_out(elsewhere.get("/password"))
    assert client_as("canbo.xa", new).get("/password").status_code == 200


@pytest.mark.parametrize("change", [
    "role = 'viewer'",
    "scope_unit_id = (select parent_id from units where id = users.scope_unit_id)",
    "active = 0",
])
def test_a_role_jurisdiction_or_active_change_ends_the_users_sessions(db_path: Path, change: str,
                                                                     client_as: ClientAs) -> None:
    client, other = client_as("thamdinh.huyen"), client_as("canbo.xa")
    assert client.get("/review").status_code == 200
    with opened(db_path) as db:
        db.execute(f"update users set {change} where username = 'thamdinh.huyen'")
    assert is_logged_out(client.get("/review"))
    assert other.get("/password").status_code == 200  # other users' sessions go on


def test_a_display_name_change_does_not_end_sessions(db_path: Path, client_as: ClientAs) -> None:
    client = client_as("thamdinh.huyen")
    with opened(db_path) as db:
        db.execute("update users set display_name = 'Phòng VH-XH' where username = 'thamdinh.huyen'")
    assert client.get("/review").status_code == 200


def test_pages_seen_while_logged_in_are_not_stored(app: Flask, client_as: ClientAs) -> None:
    client = app.test_client()
    assert "no-store" not in client.get("/login").headers.get("Cache-Control", "")
    client = client_as("canbo.xa")
    for path in ("/mine", "/", "/password", "/no-such-page"):
        assert client.get(path).headers.get("Cache-Control") == "no-store", path
    style = Assets(STATIC).files["style.css"].hashed
    for path in (f"/assets/{style}", "/favicon.ico", "/sw.js"):  # the same for everyone, cached as they say
        assert "no-store" not in client.get(path).headers["Cache-Control"], path


# --- item 7: login --------------------------------------------------------------------------------------

def test_parallel_wrong_passwords_evaluate_no_more_than_the_limit(app: Flask, hashes: list[str]) -> None:
    threads, start = 40, threading.Barrier(40)
    answers: list[str] = []

    def guess() -> None:
        client = app.test_client()
        start.wait()
        answers.append(client.post("/login", data={"username": "thamdinh.huyen", "password": WRONG})
                       .get_data(as_text=True))
    workers = [threading.Thread(target=guess) for _ in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    print(f"{threads} parallel wrong passwords: {len(hashes)} evaluated")
    assert len(hashes) == accounts.MAX_FAILURES
    assert sum(SAI in a for a in answers) == accounts.MAX_FAILURES
    assert sum(QUA_NHIEU in a for a in answers) == threads - accounts.MAX_FAILURES


def test_an_unknown_or_disabled_name_costs_one_hash_like_a_known_one(app: Flask, db_path: Path,
                                                                      hashes: list[str]) -> None:
    with opened(db_path) as db:
        accounts.set_active(db, user_id(db_path, "theodoi.tinh"), False, "admin")
    for username in ("canbo.xa", "khong.co.ai", "theodoi.tinh"):
        hashes.clear()
        response = app.test_client().post("/login", data={"username": username, "password": WRONG})
        assert response.status_code == 401 and SAI in response.get_data(as_text=True)
        assert len(hashes) == 1, username
        assert hashes[0].split("$")[0] == accounts.generate_password_hash("x").split("$")[0]  # same method


@pytest.mark.parametrize("typed", ["ĐẠT.NGUYỄN", unicodedata.normalize("NFD", "đạt.nguyễn"), " Đạt.Nguyễn ",
                                   "CANBO.XA"])
def test_user_names_log_in_in_any_case_and_unicode_form(app: Flask, db_path: Path, typed: str) -> None:
    with opened(db_path) as db:
        accounts.create_user(db, "đạt.nguyễn", DEMO_PASSWORD, "viewer", "Nguyễn Văn Đạt",
                             "cao-bang-2022:04", "admin")
    response = app.test_client().post("/login", data={"username": typed, "password": DEMO_PASSWORD})
    assert response.status_code == 302


def test_failures_count_for_a_name_in_any_case_or_form(app: Flask) -> None:
    for typed in ("CANBO.XA", "canbo.xa", "Canbo.Xa", "CanBo.xa", " canbo.xa"):
        assert app.test_client().post("/login", data={"username": typed, "password": WRONG}).status_code == 401
    response = app.test_client().post("/login", data={"username": "canbo.xa", "password": DEMO_PASSWORD})
    assert QUA_NHIEU in response.get_data(as_text=True)


# --- item 11: user names ----------------------------------------------------------------------------

@pytest.mark.parametrize("username, reason", [
    (unicodedata.normalize("NFD", "nguyễn.văn"), "is taken"),
    ("NGUYỄN.VĂN", "is taken"),
    (" thamdinh.tinh", "starts or ends with a space"),
    ("thamdinh.tinh\t", "starts or ends with a space"),
    ("\x1b[31mdo\x1b[0m", "control or invisible character"),
    ("ab\u200bc", "control or invisible character"),
    ("", "is empty"),
    ("x" * 65, "longer than 64"),
])
def test_cfc_users_add_refuses_unusable_and_duplicate_names(db_path: Path, username: str, reason: str) -> None:
    with opened(db_path) as db:
        accounts.create_user(db, "nguyễn.văn", DEMO_PASSWORD, "viewer", "Nguyễn Văn", "cao-bang-2022:04", "admin")
        before = db.execute("select count(*) from users").fetchone()[0]
    result = CliRunner().invoke(cfc, ["users", "add", username, "--role", "viewer", "--name", "Sở Y tế",
                                      "--unit", "cao-bang-2022:04", "--password", DEMO_PASSWORD,
                                      "--db", str(db_path)])
    assert result.exit_code == 2 and reason in result.output, result.output
    assert "\x1b" not in result.output
    with opened(db_path) as db:
        assert db.execute("select count(*) from users").fetchone()[0] == before


def test_cfc_users_add_stores_the_name_in_nfc(db_path: Path) -> None:
    result = CliRunner().invoke(cfc, ["users", "add", unicodedata.normalize("NFD", "lê.thị"), "--role", "viewer",
                                      "--name", "Lê Thị", "--unit", "cao-bang-2022:04",
                                      "--password", DEMO_PASSWORD, "--db", str(db_path)])
    assert result.exit_code == 0, result.output
    assert ro_query(db_path, "select username from users where username_key = 'lê.thị'") == [("lê.thị",)]


@pytest.mark.parametrize("username, message", [
    ("", "Tên đăng nhập không được để trống."),
    ("   ", "Tên đăng nhập không được để trống."),
    ("ab\x00cd", "Tên đăng nhập chỉ được có ký tự in được (không có ký tự điều khiển hay ký tự ẩn)."),
    ("CANBO.XA", "Tên đăng nhập «CANBO.XA» đã có người dùng."),
])
def test_the_admin_form_refuses_unusable_names_naming_the_field_and_keeping_the_input(
        db_path: Path, username: str, message: str, client_as: ClientAs) -> None:
    admin = client_as("admin")
    before = ro_query(db_path, "select count(*) from users"), ro_query(db_path, "select count(*) from audit_log")
    form = {"username": username, "password": "mot-mat-khau-dai", "role": "viewer",
            "display_name": "Sở Y tế tỉnh", "scope_unit_id": "cao-bang-2022:04"}
    response = admin.post("/admin/users", data=form)
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert message in page
    assert 'value="Sở Y tế tỉnh"' in page and 'value="cao-bang-2022:04"' in page
    assert "mot-mat-khau-dai" not in page
    after = ro_query(db_path, "select count(*) from users"), ro_query(db_path, "select count(*) from audit_log")
    assert after == before


# --- item 15: login on a full disk ----------------------------------------------------------------------

def attempts(path: Path) -> int:
    return ro_query(path, "select count(*) from login_attempts")[0][0]


def test_on_a_full_disk_users_still_log_in_to_read_and_the_limit_still_holds(db_path: Path, tmp_path: Path) -> None:
    instance = tmp_path / "instance"
    with serving(db_path, instance, preexec_fn=on_full_disk()) as (server, url), held_open(db_path) as wal:
        first = Browser(url)
        first.open("/login")
        assert first.post("/login", {"username": "admin", "password": DEMO_PASSWORD})[0] == 200
        recorded = attempts(db_path)
        resource.prlimit(server.pid, resource.RLIMIT_FSIZE, (wal.stat().st_size, resource.RLIM_INFINITY))

        officer = Browser(url)
        officer.open("/login")
        status, page = officer.post("/login", {"username": "canbo.xa", "password": DEMO_PASSWORD})
        assert status == 200 and "Traceback" not in page, page  # logged in, on its list of communes
        assert officer.open("/mine")[0] == 200

        guesser = Browser(url)
        guesser.open("/login")
        answers = [guesser.post("/login", {"username": "thamdinh.huyen", "password": WRONG})
                   for _ in range(accounts.MAX_FAILURES)]
        assert answers == [(401, page) for _status, page in answers] and all(SAI in p for _s, p in answers)
        status, page = guesser.post("/login", {"username": "thamdinh.huyen", "password": DEMO_PASSWORD})
        assert status == 401 and QUA_NHIEU in page  # the limit holds though nothing could be recorded

        assert attempts(db_path) == recorded
        resource.prlimit(server.pid, resource.RLIMIT_FSIZE, (resource.RLIM_INFINITY, resource.RLIM_INFINITY))
        assert server.poll() is None


def test_a_database_with_names_that_fold_alike_upgrades_and_the_doctor_reports_them(app: Flask, tmp_path: Path,
                                                                                      client_as: ClientAs) -> None:
    path = tmp_path / "old.db"
    db = database.connect(path, migrate=False)
    database.migrations.apply(db, stop_before="m006_sessions_and_username_keys")
    for username in ("Đạt", "đạt", unicodedata.normalize("NFD", "Lan"), "lan2"):  # NOCASE folds ASCII only
        db["users"].insert({"username": username, "display_name": username, "role": "admin", "created_at": "-",
                            "password_hash": accounts.generate_password_hash(DEMO_PASSWORD)})
    database.migrations.apply(db)
    assert [r[0] for r in db.execute("select username_key from users order by id")] == ["đạt", "đạt", "lan", "lan2"]
    db.conn.close()
    checks = {c.name: c for c in doctor.check_database(path)}
    assert checks["user names"].status == doctor.WARN and "'Đạt' = 'đạt'" in checks["user names"].reason
    app.config["DATABASE"] = str(path)
    assert client_as("Đạt").get("/password").status_code == 200  # typed exactly: that account
    response = app.test_client().post("/login", data={"username": "ĐẠT", "password": DEMO_PASSWORD})
    assert response.status_code == 401  # which of the two? neither


def test_the_doctor_finds_no_names_that_fold_alike_in_the_demo(db_path: Path) -> None:
    checks = {c.name: c for c in doctor.check_database(db_path)}
    assert checks["user names"].status == doctor.OK


def test_a_read_only_database_still_logs_in_and_keeps_the_limit(db_path: Path) -> None:
    """Storage level, the database opened read-only: nothing can be recorded, the limit holds in memory
    (this process's: the account is made for this test so that no other test finds it locked)."""
    with opened(db_path) as db:
        accounts.create_user(db, "chi.o.day", DEMO_PASSWORD, "viewer", "Chỉ ở đây", "cao-bang-2022:04", "admin")
    db = sqlite_utils.Database(sqlite3.connect(f"file:{db_path}?mode=ro", uri=True, check_same_thread=False))
    try:
        assert accounts.authenticate(db, "canbo.xa", DEMO_PASSWORD, "10.9.9.9").username == "canbo.xa"
        for _ in range(accounts.MAX_FAILURES):
            assert accounts.authenticate(db, "chi.o.day", WRONG, "10.9.9.9") is None
        with pytest.raises(accounts.TooManyAttempts):
            accounts.authenticate(db, "chi.o.day", DEMO_PASSWORD, "10.9.9.9")
    finally:
        db.conn.close()
    assert ro_query(db_path, "select count(*) from login_attempts where remote = '10.9.9.9'") == [(0,)]


def test_a_name_typed_very_long_is_recorded_no_longer_than_a_name(app: Flask, db_path: Path) -> None:
    """200,000 characters: under the form body bound (a larger body is a 413 before the login runs)."""
    response = app.test_client().post("/login", data={"username": "a" * 200_000, "password": WRONG})
    assert response.status_code == 401 and SAI in response.get_data(as_text=True)
    assert ro_query(db_path, "select max(length(username)) from login_attempts") == [(accounts.MAX_USERNAME,)]


def test_colleagues_logging_in_at_once_from_one_address_are_not_refused(app: Flask, db_path: Path) -> None:
    """An office behind one router: 40 right passwords at the same moment are not failures for the address."""
    with opened(db_path) as db:
        for n in range(40):
            accounts.create_user(db, f"dong.nghiep.{n}", DEMO_PASSWORD, "viewer", f"Đồng nghiệp {n}",
                                 "cao-bang-2022:04", "admin")
    start, statuses = threading.Barrier(40), []

    def log_in(n: int) -> None:
        client = app.test_client()
        start.wait()
        statuses.append(client.post("/login", data={"username": f"dong.nghiep.{n}", "password": DEMO_PASSWORD})
                        .status_code)
    workers = [threading.Thread(target=log_in, args=(n,)) for n in range(40)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    assert statuses == [302] * 40
    assert ro_query(db_path, "select success, count(*) from login_attempts group by success") == [(1, 40)]
