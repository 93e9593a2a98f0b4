"""An NTM indicator set verified in the browser: a legal officer corrects and verifies the stunting indicator with a
citation, a second officer confirms, and the commune's NTM page and the set's export then use the published version.
Real app, real SQLite, no mocks."""
from __future__ import annotations

import html
import io
import re
import sqlite3
from pathlib import Path

import openpyxl
from flask import Flask
from test_workbench_web import visible

import criteria
import criteria.ntm
from certificates import contexts
from criteria.export import dump_yaml
from webapp.store import ntm_values, vietnamese, workflow

from webhelpers import ClientAs, logged_in

SET = "ntm-qd318-2022"
STUNTING = "indicators[2]"
SHIPPED = criteria.ntm.get(SET)
FORM = ntm_values.form_values(SHIPPED, ntm_values.find(SHIPPED, STUNTING)) | {
        "part": STUNTING, "mapping.levels.tdmnpb": "23", "mapping.levels.dbsh": "16,5", "mapping.levels.btb": "25",
        "mapping.levels.dhntb": "22", "mapping.levels.tn": "26,5", "mapping.levels.dnb": "14,5",
        "mapping.levels.dbscl": "19", "verified": "1", "mapping.verified": "1", "mapping.levels_verified": "1",
        "document": "Quyết định 318/QĐ-TTg", "clause": "Phụ lục I, chỉ tiêu 15.3", "page": "12"}


def _stunting_row(page: str) -> str:
    found = re.search(r'<tr class="([^"]*)" data-indicator="c15c-suy-dinh-duong-thap-coi">(.*?)</tr>', page, re.S)
    assert found
    return found.group(1) + " " + html.unescape(found.group(2))


def test_verify_an_indicator_publish_with_four_eyes_and_the_ntm_page_uses_it(app: Flask, client_as: ClientAs,
                                                                               db_path: Path) -> None:
    first, second = client_as("legal"), logged_in(app, "phapche2.tinh")
    with sqlite3.connect(db_path) as db:
        assessment = db.execute("select a.id from assessments a join users u on u.scope_unit_id = a.unit_id "
                                "where u.username = 'canbo.xa' order by a.id desc").fetchone()[0]
    commune = client_as("canbo.xa")
    shown = commune.get(f"/assessments/{assessment}/ntm").get_data(as_text=True)
    before = _stunting_row(shown)
    assert "CHƯA XÁC NHẬN" in before and "24%" in before
    assert re.search(r'id="ntm-edition">[^<]*\(318/QĐ-TTg\), phiên bản 2022\.1</span>', shown)  # the shipped one

    response = first.post(f"/criteria/ntm/{SET}/drafts", data={"version": "2022.1"})
    assert response.status_code == 422 and "Phiên bản «2022.1» đã có" in visible(response)
    response = first.post(f"/criteria/ntm/{SET}/drafts", data={"version": "2022.2"})
    assert response.status_code == 302
    draft_id = int(response.headers["Location"].rsplit("/", 1)[1])
    draft = visible(first.get(f"/criteria/ntm/drafts/{draft_id}"))
    assert "Bản dự thảo phiên bản 2022.2" in draft and "Xác minh, sửa" in draft

    form = first.get(f"/criteria/ntm/drafts/{draft_id}/part", query_string={"part": STUNTING})
    assert "Mức của Trung du và miền núi phía Bắc" in visible(form) and "indicators[" not in visible(form)
    refused = first.post(f"/criteria/ntm/drafts/{draft_id}/part", data=FORM | {"mapping.levels.tdmnpb": "230"})
    assert refused.status_code == 422
    assert "Giá trị không được lớn hơn 100." in visible(refused)
    kept = html.unescape(refused.get_data(as_text=True))
    assert 'value="230"' in kept and 'value="Quyết định 318/QĐ-TTg"' in kept
    assert first.post(f"/criteria/ntm/drafts/{draft_id}/part", data=FORM).status_code == 302

    assert first.post(f"/criteria/ntm/drafts/{draft_id}/prepare").status_code == 302
    same = visible(first.post(f"/criteria/ntm/drafts/{draft_id}/confirm", follow_redirects=True))
    assert "Người trình không thể tự xác nhận" in same
    assert "24%" in _stunting_row(commune.get(f"/assessments/{assessment}/ntm").get_data(as_text=True))
    published = visible(second.post(f"/criteria/ntm/drafts/{draft_id}/confirm", follow_redirects=True))
    assert "Đã ban hành phiên bản 2022.2" in published
    with sqlite3.connect(db_path) as db:
        row = db.execute("select prepared_by, confirmed_by, version from ntm_published").fetchone()
    assert row == ("phapche.tinh", "phapche2.tinh", "2022.2")

    shown = commune.get(f"/assessments/{assessment}/ntm").get_data(as_text=True)
    after = _stunting_row(shown)
    assert "23%" in after and "CHƯA XÁC NHẬN" not in after
    today = vietnamese.short_date(vietnamese.today())  # the page names the version it reads, and since when
    assert f"phiên bản 2022.2, xác minh trên hệ thống ngày {today}</span>" in shown
    with app.app_context():
        from webapp.web.db import get_db
        report = contexts.report_context(get_db(), workflow.load(get_db(), assessment))
    assert report["ntm"]["edition"].endswith(f"(318/QĐ-TTg), phiên bản 2022.2, xác minh trên hệ thống ngày {today}")
    page = visible(first.get(f"/criteria/ntm/{SET}"))
    assert "phiên bản 2022.2" in page and "Phòng Pháp chế – Sở Y tế trình, Thanh tra – Sở Y tế xác nhận" in page
    assert "Quyết định 318/QĐ-TTg, Phụ lục I, chỉ tiêu 15.3, trang 12" in page
    exported = first.get(f"/criteria/ntm/{SET}/export.yaml").get_data(as_text=True)
    nset = criteria.ntm.load_text(exported, cf_set=criteria.get("qd06-2019"))
    assert nset.version == "2022.2" and dump_yaml(nset) == exported
    assert "indicators[" not in page and "c15c-" not in page and "sha256" not in page


def _new_ntm_draft(client) -> int:
    response = client.post(f"/criteria/ntm/{SET}/drafts", data={"version": "2022.2"})
    assert response.status_code == 302
    return int(response.headers["Location"].rsplit("/", 1)[1])


def test_every_part_is_edited_with_a_scan_then_compared_and_its_impact_on_the_round_shown(client_as: ClientAs) -> None:
    client = client_as("legal")
    draft_id = _new_ntm_draft(client)
    draft = visible(client.get(f"/criteria/ntm/drafts/{draft_id}"))
    assert "Thời hạn áp dụng" in draft and "Trung du và miền núi phía Bắc" in draft
    form = client.get(f"/criteria/ntm/drafts/{draft_id}/part", query_string={"part": STUNTING})
    page = form.get_data(as_text=True)
    assert "Số trẻ em dưới 5 tuổi suy dinh dưỡng thể thấp còi" in visible(form)
    assert "under5_" not in page and "rate_at_most" not in page  # inputs and kinds chosen by their names only

    refused = client.post(f"/criteria/ntm/drafts/{draft_id}/part", data={
        "part": "regions[0]", "name": "", "note": "Ghi chú đã gõ", "verified": "1", "document": "", "clause": "Điều 1"})
    assert refused.status_code == 422
    assert "Hãy ghi tên vùng, nhóm." in visible(refused) and "Hãy ghi căn cứ: văn bản nêu giá trị." in visible(refused)
    assert "Ghi chú đã gõ" in html.unescape(refused.get_data(as_text=True))
    refused = client.post(f"/criteria/ntm/drafts/{draft_id}/part", data={
        "part": "validity", "valid_from": "08/03/2022", "valid_until": "31/12/2021", "document": "QĐ 318", "clause": "Điều 3"})
    assert refused.status_code == 422 and "Ngày hết hiệu lực trước ngày bắt đầu áp dụng." in visible(refused)

    saved = client.post(f"/criteria/ntm/drafts/{draft_id}/part", data=FORM | {
        "mapping.levels.tdmnpb": "5", "scan": (io.BytesIO(b"%PDF-1.4\n%%EOF\n"), "trang-12.pdf")},
        content_type="multipart/form-data")
    assert saved.status_code == 302

    changes = client.get(f"/criteria/ntm/drafts/{draft_id}/changes")
    text = visible(changes)
    assert "Mức của Trung du và miền núi phía Bắc 24% 5%" in text
    assert "Quyết định 318/QĐ-TTg, Phụ lục I, chỉ tiêu 15.3, trang 12" in text and "indicators[" not in text
    scan = re.search(r'href="(/criteria/ntm/edits/\d+/scan)"', changes.get_data(as_text=True))
    assert scan
    with client.get(scan.group(1)) as got:
        assert got.get_data() == b"%PDF-1.4\n%%EOF\n"
    assert client_as("officer").get(scan.group(1)).status_code == 403

    impact = client.get(f"/criteria/ntm/drafts/{draft_id}/impact")
    moved = int(re.search(r'id="impact-moved">(\d+)<', impact.get_data(as_text=True)).group(1))
    assert moved > 0 and impact.get_data(as_text=True).count("<tr><th scope=\"row\">") == moved
    assert f"Từ «đạt» thành «không đạt» {moved}" in visible(impact)


def _sheet_upload(client, draft_id: int, wb: openpyxl.Workbook):
    out = io.BytesIO()
    wb.save(out)
    return client.post(f"/criteria/ntm/drafts/{draft_id}/values.xlsx",
                       data={"file": (io.BytesIO(out.getvalue()), "v.xlsx")}, content_type="multipart/form-data")


def test_the_sheet_round_trips_every_row_or_none(client_as: ClientAs) -> None:
    client = client_as("legal")
    draft_id = _new_ntm_draft(client)
    before = client.get(f"/criteria/ntm/drafts/{draft_id}/values.xlsx")
    wb = openpyxl.load_workbook(io.BytesIO(before.get_data()))
    ws = wb.active
    rows = {ws.cell(r, 1).value: r for r in range(2, ws.max_row + 1)}
    assert "Mức của Trung du và miền núi phía Bắc" in ws.cell(rows[f"{STUNTING}:mapping.levels.tdmnpb"], 4).value
    ws.cell(rows[f"{STUNTING}:mapping.levels.tdmnpb"], 5).value = "hai"
    response = _sheet_upload(client, draft_id, wb)
    assert response.status_code == 422
    assert f"Dòng {rows[f'{STUNTING}:mapping.levels.tdmnpb']}, cột E: «hai» không phải số không âm." in visible(response)
    ws.cell(rows[f"{STUNTING}:mapping.levels.tdmnpb"], 5).value = "22,5"
    assert _sheet_upload(client, draft_id, wb).status_code == 302
    exported = client.get(f"/criteria/ntm/drafts/{draft_id}/values.xlsx").get_data()
    again = openpyxl.load_workbook(io.BytesIO(exported)).active
    assert again.cell(rows[f"{STUNTING}:mapping.levels.tdmnpb"], 5).value == "22,5"
    ws.cell(rows[f"id:{SET}"], 1).value = "id:ntm-qd51-2025"
    response = _sheet_upload(client, draft_id, wb)
    assert response.status_code == 422 and "tệp là của bộ tiêu chí khác" in visible(response)


def test_once_every_indicator_is_published_verified_the_page_and_the_report_stop_saying_unconfirmed(
        app: Flask, client_as: ClientAs, db_path: Path) -> None:
    first, second = client_as("legal"), logged_in(app, "phapche2.tinh")
    draft_id = _new_ntm_draft(first)
    for part in ntm_values.parts(SHIPPED):
        if part.kind == "indicator":
            data = ntm_values.form_values(SHIPPED, part) | {"part": part.key, "verified": "1", "mapping.verified": "1",
                                                             "mapping.levels_verified": "1",
                                                             "document": "Quyết định 318/QĐ-TTg", "clause": "Phụ lục I"}
            assert first.post(f"/criteria/ntm/drafts/{draft_id}/part", data=data).status_code == 302
    first.post(f"/criteria/ntm/drafts/{draft_id}/prepare")
    assert second.post(f"/criteria/ntm/drafts/{draft_id}/confirm").status_code == 302
    with sqlite3.connect(db_path) as db:
        assessment = db.execute("select a.id from assessments a join users u on u.scope_unit_id = a.unit_id "
                                "where u.username = 'canbo.xa' order by a.id desc").fetchone()[0]
    page = client_as("canbo.xa").get(f"/assessments/{assessment}/ntm").get_data(as_text=True)
    assert "CHƯA XÁC NHẬN" not in page and "ntm-unverified" not in page
    with app.app_context():
        from webapp.web.db import get_db
        report = contexts.report_context(get_db(), workflow.load(get_db(), assessment))
    assert report["ntm"]["rows"] and report["ntm"]["caution"] == ""
