"""The criteria workbench in the browser's terms: open a set, verify C2 with a citation, see the changes and the
impact, publish with four eyes, exchange YAML and XLSX, re-pin a round. Real app, real SQLite, no mocks."""
from __future__ import annotations

import html
import io
import re
import sqlite3
from pathlib import Path

import openpyxl
from flask import Flask

import criteria
import criteria.ntm
from criteria.export import dump_yaml

from webhelpers import ClientAs, logged_in

C2 = "criteria[1].items[0]"
CITATION = {"document": "Quyết định 06/QĐ-TTg", "clause": "Quy định kèm theo, Điều 2 khoản 2", "page": "5"}
C2_FORM = {"part": C2, "rule.otherwise": "0", "rule.missing": "required", "rule.zero_denominator.policy": "full_points",
           "band0.lo_kind": "at_least", "band0.lo": "100", "band0.points": "50",
           "band1.lo_kind": "at_least", "band1.lo": "97", "band1.hi_kind": "below", "band1.hi": "100", "band1.points": "35",
           "band2.lo_kind": "at_least", "band2.lo": "90", "band2.hi_kind": "below", "band2.hi": "97", "band2.points": "20",
           **CITATION}


def visible(response) -> str:
    """The page's text as a person reads it (no tags, attributes or hidden values)."""
    text = response.get_data(as_text=True)
    text = re.sub(r"<(script|style)\b.*?</\1>", " ", text, flags=re.S)
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", text)))


def _new_draft(client, version: str = "2019.2") -> int:
    response = client.post("/criteria/qd06-2019/2019.1/drafts", data={"version": version, "valid_from": "2019-01-03"})
    assert response.status_code == 302, visible(response)
    return int(response.headers["Location"].rsplit("/", 1)[1])


def test_a_legal_officer_opens_the_set_and_filters_the_unverified_values(client_as: ClientAs) -> None:
    client = client_as("legal")
    assert client.get("/").headers["Location"].endswith("/criteria")
    page = visible(client.get("/criteria"))
    assert "Tiêu chuẩn xã, phường, thị trấn phù hợp với trẻ em" in page and "Dùng cho đợt đánh giá mới" in page
    every = visible(client.get("/criteria/qd06-2019/2019.1"))
    assert "Mục 2.1. Tỷ lệ trẻ em được đăng ký khai sinh đúng hạn" in every
    assert "từ 98% đến dưới 100%: 35 điểm" in every and "Khi bỏ trống: Bắt buộc nhập" in every
    assert "Mục 1.1." in every  # verified
    unverified = visible(client.get("/criteria/qd06-2019/2019.1?chua_xac_minh=1"))
    assert "Mục 2.1." in unverified and "Mục 1.1." not in unverified
    for text in (every, unverified):
        assert "criteria[" not in text and "at_least" not in text and "sha256" not in text


def test_a_value_that_breaks_the_set_is_refused_at_its_field_and_what_was_typed_is_kept(client_as: ClientAs) -> None:
    client = client_as("legal")
    draft_id = _new_draft(client)
    form = client.get(f"/criteria/drafts/{draft_id}/part", query_string={"part": C2})
    assert "Lưu và đánh dấu đã xác minh" in visible(form) and "criteria[" not in visible(form)
    response = client.post(f"/criteria/drafts/{draft_id}/part", data=C2_FORM | {"band1.lo": "96"})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "Chồng lấn với mức trước: khoảng từ 96 đến 97 thuộc cả hai mức." in html.unescape(page)
    assert 'name="band1.lo" value="96"' in page and 'value="Quyết định 06/QĐ-TTg"' in html.unescape(page)
    response = client.post(f"/criteria/drafts/{draft_id}/part", data=C2_FORM | {"document": ""})
    assert response.status_code == 422 and "Hãy ghi căn cứ" in visible(response)


def test_verify_c2_see_changes_and_impact_then_publish_with_four_eyes(app: Flask, client_as: ClientAs,
                                                                       db_path: Path) -> None:
    first, second = client_as("legal"), logged_in(app, "phapche2.tinh")
    draft_id = _new_draft(first)
    scan = (io.BytesIO(b"%PDF-1.4\n%%EOF\n"), "trang-5.pdf")
    response = first.post(f"/criteria/drafts/{draft_id}/part", data=C2_FORM | {"scan": scan},
                          content_type="multipart/form-data")
    assert response.status_code == 302
    draft = visible(first.get(f"/criteria/drafts/{draft_id}"))
    assert "Đã lưu và đánh dấu đã xác minh: Mục 2.1." in draft
    assert "21 giá trị chưa xác minh" in draft
    changes = visible(first.get(f"/criteria/drafts/{draft_id}/changes"))
    assert re.search(r"Mức 2: từ\s+98%\s+97%", changes)
    assert "Quyết định 06/QĐ-TTg, Quy định kèm theo, Điều 2 khoản 2, trang 5" in changes
    assert "Bản chụp trang văn bản" in changes
    impact = visible(first.get(f"/criteria/drafts/{draft_id}/impact"))
    assert "Đủ điều kiện theo bản dự thảo" in impact
    assert first.post(f"/criteria/drafts/{draft_id}/prepare").status_code == 302
    refused = visible(first.post(f"/criteria/drafts/{draft_id}/confirm", follow_redirects=True))
    assert "Người trình không thể tự xác nhận" in refused
    published = visible(second.post(f"/criteria/drafts/{draft_id}/confirm", follow_redirects=True))
    assert "Đã ban hành phiên bản 2019.2" in published
    with sqlite3.connect(db_path) as db:
        row = db.execute("select prepared_by, confirmed_by, version from criteria_published").fetchone()
        entry = db.execute("select actor, new from audit_log where action = 'publish'").fetchone()
    assert row == ("phapche.tinh", "phapche2.tinh", "2019.2")
    assert entry[0] == "phapche2.tinh" and "phapche.tinh" in entry[1]
    sets = visible(first.get("/criteria"))
    assert "Ban hành qua trang này: Phòng Pháp chế – Sở Y tế trình, Thanh tra – Sở Y tế xác nhận." in sets


def test_yaml_export_upload_export_is_byte_for_byte(client_as: ClientAs) -> None:
    client = client_as("legal")
    exported = client.get("/criteria/qd06-2019/2019.1/export.yaml").get_data()
    assert exported.decode() == dump_yaml(criteria.get("qd06-2019"))
    renamed = exported.replace(b"version: '2019.1'", b"version: '2019.7'")
    response = client.post("/criteria/upload", data={"file": (io.BytesIO(renamed), "qd06.yaml")},
                           content_type="multipart/form-data")
    assert response.status_code == 302
    draft_id = int(response.headers["Location"].rsplit("/", 1)[1])
    assert client.get(f"/criteria/drafts/{draft_id}/export.yaml").get_data() == renamed
    broken = renamed.replace(b"version: '2019.7'", b"version: '2019.8'").replace(b"points: 50\n", b"points: 55\n", 1)
    response = client.post("/criteria/upload", data={"file": (io.BytesIO(broken), "qd06.yaml")},
                           content_type="multipart/form-data")
    assert response.status_code == 422 and "Dòng " in visible(response)


def _sheet(client, draft_id: int) -> openpyxl.Workbook:
    return openpyxl.load_workbook(io.BytesIO(client.get(f"/criteria/drafts/{draft_id}/values.xlsx").get_data()))


def _upload(client, draft_id: int, wb: openpyxl.Workbook):
    out = io.BytesIO()
    wb.save(out)
    return client.post(f"/criteria/drafts/{draft_id}/values.xlsx", data={"file": (io.BytesIO(out.getvalue()), "v.xlsx")},
                       content_type="multipart/form-data")


def _row(ws, path: str) -> int:
    return next(r for r in range(1, ws.max_row + 1) if ws.cell(r, 1).value == path)


def test_xlsx_round_trip_all_or_none_with_every_bad_cell_named(client_as: ClientAs) -> None:
    client = client_as("legal")
    draft_id = _new_draft(client)
    before = client.get(f"/criteria/drafts/{draft_id}/export.yaml").get_data()
    wb = _sheet(client, draft_id)
    assert _upload(client, draft_id, wb).status_code == 302  # unchanged: nothing to write
    assert client.get(f"/criteria/drafts/{draft_id}/export.yaml").get_data() == before
    ws = wb.active
    ws.cell(_row(ws, f"{C2}.rule.bands[1].at_least"), 5).value = "chín mươi"
    ws.cell(_row(ws, f"{C2}.rule.missing"), 5).value = "tùy ý"
    response = _upload(client, draft_id, wb)
    text = visible(response)
    assert response.status_code == 422
    assert re.search(r"Dòng \d+, cột E: cần một số không âm", text) and "«chín mươi»" in text
    assert "«tùy ý»" in text
    assert client.get(f"/criteria/drafts/{draft_id}/export.yaml").get_data() == before
    wb = _sheet(client, draft_id)
    ws = wb.active
    for path, value in ((f"{C2}.rule.bands[1].at_least", "97"), (f"{C2}.rule.bands[2].below", "97"),
                        (f"{C2}.rule.bands[2].at_least", "90")):
        ws.cell(_row(ws, path), 5).value = value
    for r in range(2, ws.max_row + 1):
        if str(ws.cell(r, 1).value).startswith(C2 + "."):
            ws.cell(r, 6).value, ws.cell(r, 7).value = "có", "QĐ 06/QĐ-TTg, Điều 2 khoản 2, trang 5"
    assert _upload(client, draft_id, wb).status_code == 302
    exported = client.get(f"/criteria/drafts/{draft_id}/export.yaml").get_data().decode()
    item = criteria.load_text(exported).criteria[1].items[0]
    assert item.verified and item.source == "QĐ 06/QĐ-TTg, Điều 2 khoản 2, trang 5"
    assert [b.at_least for b in item.rule.bands] == [100, 97, 90]
    assert ws.column_dimensions["A"].hidden  # the keys are read back, not shown
    ws.cell(_row(ws, "id:qd06-2019"), 1).value = "id:qd06-khac"  # a sheet of another set
    response = _upload(client, draft_id, wb)
    assert response.status_code == 422
    assert "tệp là của bộ tiêu chí khác, không phải «Tiêu chuẩn xã, phường, thị trấn phù hợp với trẻ em»" in visible(response)


def test_an_administrator_re_pins_a_round_not_started_with_a_reason(client_as: ClientAs, db_path: Path) -> None:
    admin = client_as("admin")
    draft_id = _new_draft(admin)
    admin.post(f"/criteria/drafts/{draft_id}/part", data=C2_FORM)
    admin.post(f"/criteria/drafts/{draft_id}/prepare")
    logged_in_second = client_as("phapche.tinh")
    logged_in_second.post(f"/criteria/drafts/{draft_id}/confirm")
    with sqlite3.connect(db_path) as db:
        started_round = db.execute("select max(id) from rounds").fetchone()[0]
    page = visible(admin.get(f"/rounds/{started_round}/criteria"))
    assert "Đợt đánh giá đã bắt đầu" in page  # the demo round has declarations
    with sqlite3.connect(db_path) as db:
        db.execute("update assessments set status = 'draft', declared = '{}', version = 1 where round_id = ?",
                   [started_round])
    response = admin.post(f"/rounds/{started_round}/criteria", data={"version": "2019.2", "reason": ""})
    assert response.status_code == 422 and "Hãy ghi lý do đổi phiên bản." in visible(response)
    response = admin.post(f"/rounds/{started_round}/criteria", data={"version": "2019.2", "reason": "Bảng điểm chính thức"})
    assert response.status_code == 302
    with sqlite3.connect(db_path) as db:
        assert db.execute("select criteria_version from rounds where id = ?", [started_round]).fetchone()[0] == "2019.2"
        assert db.execute("select reason from audit_log where action = 'repin'").fetchone()[0] == "Bảng điểm chính thức"


def test_the_workbench_in_english_keeps_the_law_s_wording_and_translates_the_rest(app: Flask) -> None:
    client = logged_in(app, "legal", lang="en")
    page = visible(client.get("/criteria/qd06-2019/2019.1"))
    assert "Criterion 2. Trẻ em được khai sinh đúng quy định" in page
    assert "Item 2.1. Tỷ lệ trẻ em được đăng ký khai sinh đúng hạn" in page
    assert "from 98% to below 100%: 35 points" in page and "When left blank: Required" in page
    assert "Not verified" in page and "Start a draft" in page


def test_an_ntm_set_is_read_with_its_unverified_mappings_and_exported_as_its_loader_reads_it(client_as: ClientAs) -> None:
    client = client_as("legal")
    assert "Bộ tiêu chí quốc gia về xã nông thôn mới giai đoạn 2021–2025" in visible(client.get("/criteria"))
    page = visible(client.get("/criteria/ntm/ntm-qd318-2022?chua_xac_minh=1"))
    assert "Tỷ lệ trẻ em dưới 5 tuổi bị suy dinh dưỡng thể thấp còi" in page  # its mapping is not verified
    assert "Mức của Trung du và miền núi phía Bắc: 24%" in page and "Chưa xác minh" in page
    assert "Trung du và miền núi phía Bắc Chưa xác minh" not in page  # the regions are verified
    assert "c15c-" not in page and "rate_at_most" not in page
    exported = client.get("/criteria/ntm/ntm-qd318-2022/export.yaml").get_data(as_text=True)
    nset = criteria.ntm.load_text(exported, cf_set=criteria.get("qd06-2019"))
    assert nset == criteria.ntm.get("ntm-qd318-2022") and dump_yaml(nset) == exported
