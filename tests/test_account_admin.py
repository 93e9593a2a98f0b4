"""Administering accounts by names (issue 15): the store's rules on real SQLite files, then the pages without
JavaScript through the Flask test client (search, radio choices, refusals with suggestions, the warning, the
temporary password, unlocking, the last administrator, the urban-status upload)."""
from __future__ import annotations

import io
import re
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner
from flask import Flask

import criteria
from webapp.cli.main import cfc
from webapp.store import accounts, audit, jurisdictions, rounds, units, urban
from webapp.store import db as webdb
from webapp.store.accounts import AccountError, TooManyAttempts
from webapp.store.errors import ImportRejected
from webapp.store.jurisdictions import ScopeRefused

from webhelpers import MakeApp, logged_in

PASSWORD = "mat-khau-quan-tri-1"
HA_QUANG = "cao-bang-2022:huyen-ha-quang"
PROVINCE_2025 = "cao-bang-2025:04"


@pytest.fixture()
def db(tmp_path: Path):
    """Both unit sets of Cao Bằng, one open round on the 2025 units, and two administrators."""
    database = webdb.connect(tmp_path / "cfc.db")
    units.load_cao_bang(database)
    rounds.create_round(database, name="Đánh giá năm 2027", year=2027, cset=criteria.get("qd06-2019"),
                        unit_set=units.CAO_BANG_2025, actor="test")
    accounts.create_user(database, "quantri", PASSWORD, "admin", "Quản trị", None, "test")
    accounts.create_user(database, "quantri.hai", PASSWORD, "admin", "Quản trị hai", None, "test")
    yield database
    database.conn.close()


def user_id(db, username: str) -> int:
    return db.execute("select id from users where username = ?", [username]).fetchone()[0]


def generation(db, username: str) -> int:
    return db.execute("select session_generation from users where username = ?", [username]).fetchone()[0]


def commune(db, name: str, unit_set: str = units.CAO_BANG_2025) -> str:
    return db.execute("select id from units where unit_set = ? and name = ? and type = 'xa'", [unit_set, name]).fetchone()[0]


# --- search -------------------------------------------------------------------------------------------------

def test_search_without_marks_finds_the_district_and_groups_newest_set_first(db) -> None:
    found = jurisdictions.search(db, "ha quang")
    assert [(m.full_name, m.unit_set_name, m.level) for m in found][:3] == [
        ("Xã Hà Quảng, tỉnh Cao Bằng", "Cao Bằng (từ 01/7/2025)", "commune"),
        ("Xã Quang Hán, tỉnh Cao Bằng", "Cao Bằng (từ 01/7/2025)", "commune"),
        ("Huyện Hà Quảng, tỉnh Cao Bằng", "Cao Bằng (trước 01/7/2025)", "district"),
    ]
    groups = jurisdictions.grouped(found)
    assert [(g.unit_set_name, g.level) for g in groups] == [
        ("Cao Bằng (từ 01/7/2025)", "commune"), ("Cao Bằng (trước 01/7/2025)", "district"),
        ("Cao Bằng (trước 01/7/2025)", "commune")]


@pytest.mark.parametrize("typed", ["ha quang", "Hà Quảng", "HÀ QUẢNG", "huyen ha quang", "Huyện Hà Quảng",
                                   "Ha\u0300 Qua\u0309ng"])  # the last typed decomposed (NFD)
def test_a_reviewer_finds_only_the_district_however_it_is_typed(db, typed: str) -> None:
    assert [m.id for m in jurisdictions.search(db, typed, "reviewer")] == [HA_QUANG]
    assert jurisdictions.resolve(db, typed, "reviewer").id == HA_QUANG


def test_levels_follow_the_role(db) -> None:
    assert {m.level for m in jurisdictions.search(db, "cao bang", "officer")} <= {"commune"}
    assert {m.level for m in jurisdictions.search(db, "cao bang", "authority")} == {"province", "district"}
    assert [m.full_name for m in jurisdictions.search(db, "cao bang", "reviewer")][:1] == ["Tỉnh Cao Bằng"]
    assert jurisdictions.search(db, "cao bang", "admin") == []


def test_the_whole_name_ranks_first_and_typed_marks_break_ties(db) -> None:
    found = [m.full_name for m in jurisdictions.search(db, "Đức Long", "officer")]
    assert found[0] == "Xã Đức Long, tỉnh Cao Bằng"
    assert set(found[1:3]) == {"Xã Đức Long, huyện Hoà An, tỉnh Cao Bằng", "Xã Đức Long, huyện Thạch An, tỉnh Cao Bằng"}
    hạ = jurisdictions.search(db, "Hạ", "reviewer")
    assert hạ[0].full_name == "Huyện Hạ Lang, tỉnh Cao Bằng"  # «Hạ» typed: Hạ Lang before Hà Quảng


def test_an_unknown_name_is_refused_with_what_was_typed_and_the_closest_names(db) -> None:
    with pytest.raises(ScopeRefused) as info:
        jurisdictions.resolve(db, "ha qang", "reviewer")
    assert info.value.params["typed"] == "ha qang"
    assert info.value.suggestions[0].full_name == "Huyện Hà Quảng, tỉnh Cao Bằng"


def test_part_of_a_name_is_confirmed_by_choosing_it(db) -> None:
    with pytest.raises(ScopeRefused, match="not a whole name") as info:
        jurisdictions.resolve(db, "ha quan", "reviewer")
    assert [m.id for m in info.value.suggestions] == [HA_QUANG]


def test_a_name_of_several_units_asks_to_choose_among_them(db) -> None:
    with pytest.raises(ScopeRefused) as info:
        jurisdictions.resolve(db, "Cao Bằng", "viewer")
    assert [(m.full_name, m.unit_set_name) for m in info.value.suggestions][:2] == [
        ("Tỉnh Cao Bằng", "Cao Bằng (từ 01/7/2025)"), ("Tỉnh Cao Bằng", "Cao Bằng (trước 01/7/2025)")]


def test_a_unit_out_of_the_roles_levels_is_refused_with_suggestions_of_the_right_level(db) -> None:
    with pytest.raises(ScopeRefused) as info:
        jurisdictions.choose(db, HA_QUANG, "officer")
    assert info.value.params["name"] == "Huyện Hà Quảng"
    assert info.value.suggestions[0].full_name == "Xã Hà Quảng, tỉnh Cao Bằng"
    with pytest.raises(ScopeRefused):
        jurisdictions.choose(db, "cao-bang-2025:khong-co", "viewer")


def test_the_store_refuses_a_commune_for_a_reviewer(db) -> None:
    with pytest.raises(AccountError):
        accounts.create_user(db, "thamdinh.xa", PASSWORD, "reviewer", "Sai", commune(db, "Hà Quảng"), "test")


# --- the warning --------------------------------------------------------------------------------------------

def test_an_old_district_holds_no_unit_of_the_open_round_and_says_so(db) -> None:
    warning = jurisdictions.idle_warning(db, HA_QUANG)
    assert warning is not None
    assert warning.params["place"] == "Huyện Hà Quảng, tỉnh Cao Bằng"
    assert warning.params["set"] == "Cao Bằng (trước 01/7/2025)"
    assert "«Đánh giá năm 2027» (Cao Bằng (từ 01/7/2025))" in warning.params["rounds"]
    assert jurisdictions.idle_warning(db, PROVINCE_2025) is None
    assert jurisdictions.idle_warning(db, commune(db, "Hà Quảng")) is None


def test_a_round_whose_every_assessment_is_decided_is_not_open(db) -> None:
    db.execute("update assessments set status = 'not_recognised'")
    assert jurisdictions.open_rounds(db) == []
    assert "không có đợt đánh giá nào đang mở" in jurisdictions.idle_warning(db, PROVINCE_2025).vi


# --- account actions ----------------------------------------------------------------------------------------

def test_a_reset_password_must_be_changed_and_ends_the_sessions(db) -> None:
    user = accounts.create_user(db, "thamdinh.tinh", PASSWORD, "reviewer", "Thẩm định tỉnh", PROVINCE_2025, "test")
    before = generation(db, "thamdinh.tinh")
    accounts.reset_password(db, user.id, "tam-thoi-12345", "quantri")
    assert generation(db, "thamdinh.tinh") > before
    assert accounts.authenticate(db, "thamdinh.tinh", PASSWORD, "10.0.0.1") is None
    logged = accounts.authenticate(db, "thamdinh.tinh", "tam-thoi-12345", "10.0.0.1")
    assert logged.must_change
    with pytest.raises(AccountError, match="temporary"):
        accounts.change_password(db, logged, "tam-thoi-12345", "tam-thoi-12345")
    accounts.change_password(db, logged, "tam-thoi-12345", "cua-rieng-toi-1")
    assert not accounts.authenticate(db, "thamdinh.tinh", "cua-rieng-toi-1", "10.0.0.1").must_change
    entry = [e for e in audit.entries(db, "user", user.id) if e["action"] == "reset_password"]
    assert entry and entry[0]["actor"] == "quantri" and "tam-thoi" not in str(entry)


def test_unlock_clears_the_throttle_so_the_right_password_logs_in(db) -> None:
    user = accounts.create_user(db, "canbo.haquang", PASSWORD, "officer", "Cán bộ", commune(db, "Hà Quảng"), "test")
    for _ in range(accounts.MAX_FAILURES):
        assert accounts.authenticate(db, "canbo.haquang", "sai-mat-khau", "10.0.0.2") is None
    assert accounts.throttled(db, "canbo.haquang")
    assert accounts.account(db, user.id)["throttled"]
    with pytest.raises(TooManyAttempts):
        accounts.authenticate(db, "canbo.haquang", PASSWORD, "10.0.0.2")
    before = generation(db, "canbo.haquang")
    accounts.unlock(db, user.id, "quantri")
    assert not accounts.throttled(db, "canbo.haquang") and generation(db, "canbo.haquang") > before
    assert accounts.authenticate(db, "canbo.haquang", PASSWORD, "10.0.0.2").username == "canbo.haquang"
    assert accounts.account(db, user.id)["last_login"] is not None
    assert [e["action"] for e in audit.entries(db, "user", user.id)][-1] == "unlock"


def test_the_last_active_administrator_cannot_be_deactivated_nor_demoted(db) -> None:
    first, second = user_id(db, "quantri"), user_id(db, "quantri.hai")
    accounts.set_active(db, second, False, "quantri")
    with pytest.raises(AccountError) as info:
        accounts.set_active(db, first, False, "quantri.hai")
    assert info.value.params["username"] == "quantri"
    with pytest.raises(AccountError):
        accounts.change_role(db, first, "viewer", PROVINCE_2025, "quantri.hai")
    assert accounts.account(db, first)["role"] == "admin" and accounts.account(db, first)["active"]
    accounts.set_active(db, second, True, "quantri")  # with two again, one may go
    accounts.change_role(db, first, "viewer", PROVINCE_2025, "quantri.hai")
    assert accounts.account(db, first)["role"] == "viewer"


def test_a_role_and_jurisdiction_change_ends_the_sessions_and_is_audited(db) -> None:
    user = accounts.create_user(db, "thamdinh.cu", PASSWORD, "reviewer", "Thẩm định", HA_QUANG, "test")
    before = generation(db, "thamdinh.cu")
    accounts.change_role(db, user.id, "authority", PROVINCE_2025, "quantri")
    assert generation(db, "thamdinh.cu") > before
    shown = accounts.account(db, user.id)
    assert (shown["role_name"], shown["scope_name"]) == ("Người có thẩm quyền công nhận", "Tỉnh Cao Bằng")
    entry = audit.entries(db, "user", user.id)[-1]
    assert entry["action"] == "change_role" and "huyen-ha-quang" in entry["old"] and PROVINCE_2025 in entry["new"]
    with pytest.raises(AccountError):
        accounts.change_role(db, user.id, "officer", PROVINCE_2025, "quantri")


def test_cfc_users_add_takes_the_jurisdiction_by_name_and_lists_full_names(db, tmp_path: Path) -> None:
    path = str(tmp_path / "cfc.db")
    added = CliRunner().invoke(cfc, ["users", "add", "thamdinh.hq", "--role", "reviewer", "--name", "Phòng VH-XH",
                                     "--unit", "huyen ha quang", "--password", PASSWORD, "--db", path])
    assert added.exit_code == 0, added.output
    assert db.execute("select scope_unit_id from users where username = 'thamdinh.hq'").fetchone()[0] == HA_QUANG
    refused = CliRunner().invoke(cfc, ["users", "add", "thamdinh.x", "--role", "reviewer", "--name", "X",
                                       "--unit", "ha qang", "--password", PASSWORD, "--db", path])
    assert refused.exit_code == 2 and "closest: Huyện Hà Quảng, tỉnh Cao Bằng (Cao Bằng (trước 01/7/2025))" in refused.output
    listed = CliRunner().invoke(cfc, ["users", "list", "--db", path])
    assert "thamdinh.hq\treviewer\tHuyện Hà Quảng, tỉnh Cao Bằng\tactive" in listed.output


# --- the pages without JavaScript ---------------------------------------------------------------------------

@pytest.fixture()
def app(make_app: MakeApp, db, tmp_path: Path) -> Flask:
    return make_app(tmp_path / "cfc.db")


def radios(page: str) -> list[tuple[str, str]]:
    """The chooser's choices: (hidden value, the name shown)."""
    return re.findall(r'<input type="radio" name="scope_unit_id" value="([^"]+)"[^>]*> ([^<]+)</label>', page)


def flashes(page: str) -> list[str]:
    return re.findall(r'<p class="flash [a-z]+"[^>]*>([^<]*)</p>', page)


def test_without_javascript_a_search_lists_radio_choices_and_creating_keeps_them(app: Flask, db) -> None:
    admin = logged_in(app, "quantri", PASSWORD)
    form = {"username": "thamdinh.hq", "display_name": "Phòng Văn hóa huyện", "role": "reviewer",
            "scope_q": "ha quang", "password": "tam-thoi-12345", "find": "1"}
    page = admin.post("/admin/users", data=form).get_data(as_text=True)
    assert radios(page) == [(HA_QUANG, "Huyện Hà Quảng, tỉnh Cao Bằng")]
    assert "Cao Bằng (trước 01/7/2025) — Huyện, thành phố" in page
    assert 'value="thamdinh.hq"' in page and 'value="ha quang"' in page and "tam-thoi-12345" not in page
    del form["find"]
    created = admin.post("/admin/users", data={**form, "scope_unit_id": HA_QUANG})
    assert created.status_code == 302
    listing = admin.get("/admin/users").get_data(as_text=True)
    notes = flashes(listing)
    assert notes[0] == "Đã tạo tài khoản «thamdinh.hq». Người dùng phải đổi mật khẩu khi đăng nhập lần đầu."
    assert notes[1].startswith("Lưu ý: «Huyện Hà Quảng, tỉnh Cao Bằng» thuộc bộ đơn vị «Cao Bằng (trước 01/7/2025)»")
    assert re.search(r"<tr><td>thamdinh.hq</td><td>Phòng Văn hóa huyện</td><td>Cán bộ thẩm định</td>\s*"
                     r"<td data-label=\"Phạm vi\">Huyện Hà Quảng, tỉnh Cao Bằng</td>", listing)
    assert "huyen-ha-quang" not in re.sub(r'value="[^"]*"', "", listing)


def test_a_typed_name_alone_is_enough_when_it_names_one_unit(app: Flask, db) -> None:
    admin = logged_in(app, "quantri", PASSWORD)
    created = admin.post("/admin/users", data={"username": "chutich.tinh", "display_name": "Chủ tịch UBND tỉnh",
                                               "role": "authority", "scope_q": "tinh cao bang",
                                               "password": "tam-thoi-12345"})
    assert created.status_code == 422  # two provinces of that name: choose
    page = created.get_data(as_text=True)
    assert "«tinh cao bang» khớp với nhiều đơn vị" in page
    assert [name for _v, name in radios(page)][:2] == ["Tỉnh Cao Bằng", "Tỉnh Cao Bằng"]
    assert page.index("Cao Bằng (từ 01/7/2025) — Tỉnh") < page.index("Cao Bằng (trước 01/7/2025) — Tỉnh")
    made = admin.post("/admin/users", data={"username": "thamdinh.hq2", "display_name": "Huyện", "role": "reviewer",
                                            "scope_q": "Huyen Ha Quang", "password": "tam-thoi-12345"})
    assert made.status_code == 302
    assert db.execute("select scope_unit_id from users where username = 'thamdinh.hq2'").fetchone()[0] == HA_QUANG


def test_an_unknown_jurisdiction_is_refused_naming_it_with_suggestions_and_the_form_kept(app: Flask, db) -> None:
    admin = logged_in(app, "quantri", PASSWORD)
    before = db.execute("select count(*) from users").fetchone()[0]
    response = admin.post("/admin/users", data={"username": "canbo.moi", "display_name": "Cán bộ mới",
                                                "role": "officer", "scope_q": "ha qang", "password": "tam-thoi-12345"})
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Không tìm thấy đơn vị nào tên «ha qang» phù hợp với vai trò «Cán bộ xã»." in page
    assert "Có phải bạn muốn chọn" in page and radios(page)[0][1] == "Xã Hà Quảng, tỉnh Cao Bằng"
    assert 'value="canbo.moi"' in page and 'value="Cán bộ mới"' in page and 'value="ha qang"' in page
    assert db.execute("select count(*) from users").fetchone()[0] == before
    officer = admin.post("/admin/users", data={"username": "canbo.moi", "display_name": "Cán bộ mới",
                                               "role": "officer", "scope_unit_id": HA_QUANG,
                                               "password": "tam-thoi-12345"})
    assert officer.status_code == 422
    assert "«Huyện Hà Quảng» không phải xã, phường hoặc thị trấn" in officer.get_data(as_text=True)


def test_the_search_endpoint_answers_admins_with_names_grouped(app: Flask, db) -> None:
    admin = logged_in(app, "quantri", PASSWORD)
    answer = admin.get("/admin/units", query_string={"q": "ha quang", "role": "reviewer"}).get_json()
    assert answer == {"hint": None, "groups": [{"heading": "Cao Bằng (trước 01/7/2025) — Huyện, thành phố",
                                                "units": [{"id": HA_QUANG, "name": "Huyện Hà Quảng, tỉnh Cao Bằng"}]}]}
    near = admin.get("/admin/units", query_string={"q": "ha qang", "role": "reviewer"}).get_json()
    assert near["hint"] == "Không tìm thấy đơn vị nào tên «ha qang»."
    assert near["groups"][0]["units"][0]["name"] == "Huyện Hà Quảng, tỉnh Cao Bằng"


def test_a_temporary_password_leads_to_the_password_page_and_nowhere_else(app: Flask, db) -> None:
    user = accounts.create_user(db, "thamdinh.tinh", PASSWORD, "reviewer", "Thẩm định tỉnh", PROVINCE_2025, "test")
    admin = logged_in(app, "quantri", PASSWORD)
    reviewer = logged_in(app, "thamdinh.tinh", PASSWORD)
    assert admin.post(f"/admin/users/{user.id}/password", data={"password": "tam-thoi-12345"}).status_code == 302
    assert reviewer.get("/review").status_code == 302  # the session ended
    fresh = app.test_client()
    login = fresh.post("/login", data={"username": "thamdinh.tinh", "password": "tam-thoi-12345"})
    assert login.headers["Location"] == "/password"
    assert fresh.get("/review").headers["Location"] == "/password"
    assert fresh.post("/assessments/1/review/1", data={}).status_code == 403
    page = fresh.get("/password").get_data(as_text=True)
    assert "Quản trị viên đã đặt cho bạn một mật khẩu tạm thời" in page
    changed = fresh.post("/password", data={"old": "tam-thoi-12345", "new": "cua-rieng-toi-1",
                                            "confirm": "cua-rieng-toi-1"})
    assert changed.status_code == 302 and fresh.get("/review").status_code == 200


def test_the_list_shows_a_throttled_account_and_unlocking_lets_it_log_in(app: Flask, db) -> None:
    user = accounts.create_user(db, "canbo.haquang", PASSWORD, "officer", "Cán bộ", commune(db, "Hà Quảng"), "test")
    officer = app.test_client()
    for _ in range(accounts.MAX_FAILURES):
        officer.post("/login", data={"username": "canbo.haquang", "password": "sai-mat-khau"})
    assert officer.post("/login", data={"username": "canbo.haquang", "password": PASSWORD}).status_code == 401
    admin = logged_in(app, "quantri", PASSWORD)
    listing = admin.get("/admin/users").get_data(as_text=True)
    row = re.search(r"<tr><td>canbo.haquang</td>.*?</tr>", listing, re.S).group(0)
    assert "Đang bị khóa tạm thời" in row and "Xã Hà Quảng, tỉnh Cao Bằng" in row
    assert admin.post(f"/admin/users/{user.id}/unlock").status_code == 302
    assert officer.post("/login", data={"username": "canbo.haquang", "password": PASSWORD}).status_code == 302


def test_an_administrator_may_demote_another_but_not_change_their_own_account(app: Flask, db) -> None:
    """(The store refuses to leave no active administrator; on the pages the acting one is always another.)"""
    me, other = user_id(db, "quantri"), user_id(db, "quantri.hai")
    admin = logged_in(app, "quantri", PASSWORD)
    for action, data in (("active", {"active": "0"}), ("role", {"role": "viewer", "scope_unit_id": PROVINCE_2025}),
                         ("password", {"password": "tam-thoi-12345"})):
        page = admin.post(f"/admin/users/{me}/{action}", data=data, follow_redirects=True).get_data(as_text=True)
        assert "Không thể tự thay đổi tài khoản của mình ở đây" in page
    assert accounts.account(db, me)["role"] == "admin" and accounts.account(db, me)["active"]
    assert admin.post(f"/admin/users/{other}/role", data={"role": "viewer", "scope_q": "tinh cao bang",
                                                         "scope_unit_id": PROVINCE_2025}).status_code == 302
    assert accounts.account(db, other)["role"] == "viewer"
    with pytest.raises(AccountError):  # «quantri» is now the last one
        accounts.set_active(db, me, False, "cli")


# --- urban status from a file -------------------------------------------------------------------------------

def workbook(rows: list[list[object]]) -> bytes:
    wb = openpyxl.Workbook()
    for row in rows:
        wb.active.append(row)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def test_the_urban_page_names_unit_sets_and_offers_templates(app: Flask, db) -> None:
    admin = logged_in(app, "quantri", PASSWORD)
    page = admin.get("/urban?year=2026").get_data(as_text=True)
    visible = re.sub(r'(value|href)="[^"]*"', "", page)
    assert "cao-bang-2025" not in visible and "cfc urban" not in page
    assert ">Cao Bằng (từ 01/7/2025)</option>" in page
    sheet = admin.get("/urban/template.xlsx?year=2026&unit_set=cao-bang-2025")
    rows = list(openpyxl.load_workbook(io.BytesIO(sheet.data)).active.iter_rows(values_only=True))
    assert rows[0] == urban.COLUMNS and rows[1][2] == 2026 and isinstance(rows[1][0], str) and rows[1][0].startswith("0")
    csv_text = admin.get("/urban/template.csv?year=2026").data.decode("utf-8-sig")
    assert csv_text.splitlines()[0] == ",".join(urban.COLUMNS)


def test_an_urban_file_with_bad_cells_records_nothing_and_names_each_cell(app: Flask, db) -> None:
    admin = logged_in(app, "quantri", PASSWORD)
    wards = urban.urban_units(db, units.CAO_BANG_2025)
    good = [wards[0]["code"], "", 2026, "đạt", "Số 12/QĐ-UBND", "01/02/2027", ""]
    bad = [wards[1]["code"], "", 2026, "tốt", "", "32/13/2026", ""]
    response = admin.post("/urban/import", data={"unit_set": "cao-bang-2025", "year": "2026",
                                                 "file": (io.BytesIO(workbook([list(urban.COLUMNS), good, bad])),
                                                          "vmdt.xlsx")}, content_type="multipart/form-data")
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    problems = re.findall(r"<tr><td>(\d+)</td>\s*<td>([^<]*)</td>\s*<td>([^<]*)</td><td>([^<]*)</td></tr>", page)
    assert problems == [("3", "D (Kết quả)", "tốt", "kết quả phải là «đạt» hoặc «chưa đạt»"),
                        ("3", "F (Ngày quyết định)", "32/13/2026", "ngày quyết định không hợp lệ (viết dd/mm/yyyy)")]
    assert db.execute("select count(*) from urban_status").fetchone()[0] == 0
    bad[3], bad[5] = "chưa đạt", ""
    done = admin.post("/urban/import", data={"unit_set": "cao-bang-2025", "year": "2026",
                                             "file": (io.BytesIO(workbook([list(urban.COLUMNS), good, bad])),
                                                      "vmdt.xlsx")}, content_type="multipart/form-data")
    assert done.status_code == 302
    assert db.execute("select count(*) from urban_status").fetchone()[0] == 2
    with pytest.raises(ImportRejected) as info:  # as `cfc urban import` too: a file over the bound is not read
        urban.import_file(db, units.CAO_BANG_2025, b"x" * (urban.MAX_FILE_BYTES + 1), "vmdt.csv", "quantri")
    assert info.value.problems[0]["reason"] == "tệp lớn hơn 2 MB, giới hạn của tệp văn minh đô thị"
