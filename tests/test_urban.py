"""Civilised-urban status of wards and townships: recording (web form, CLI, CSV/XLSX import,
all or nothing), the latest rating up to a round's year, and its display beside the
child-friendly result on the dashboard, the unit's page and the evaluation report PDF."""
from __future__ import annotations

import io
import re
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from click.testing import CliRunner

from certificates.contexts import report_context
from certificates.render import render_pdf
from webapp.cli.main import cfc
from webapp.store import audit, units, urban, workflow
from webapp.store import db as webdb
from webapp.store.errors import ImportRejected, InvalidRecord

from webhelpers import needs_tools

WARD = "cao-bang-2022:01273"  # Phường Hợp Giang, thành phố Cao Bằng
TOWN = "cao-bang-2022:01321"  # Thị trấn Bảo Lạc
SET22 = units.CAO_BANG_2022


@pytest.fixture
def db(db_path: Path) -> Iterator[Any]:
    database = webdb.connect(db_path)
    yield database
    database.conn.close()


def stored(db: Any, unit_id: str, year: int) -> dict[str, Any] | None:
    return next(db["urban_status"].rows_where("unit_id = ? and year = ?", [unit_id, year]), None)


def latest_round(db: Any) -> tuple[int, int]:
    row = next(db.query("select id, year from rounds order by id desc"))
    return row["id"], row["year"]


# --- recording ----------------------------------------------------------------------------------

def test_a_rating_is_recorded_with_its_decision_and_audited_old_to_new(db) -> None:
    before = db["audit_log"].count
    urban.record(db, WARD, {"year": 2030, "status": "Đạt", "decision": " Số 1234/QĐ-UBND ",
                            "decided_on": "20/12/2030"}, "admin")
    urban.record(db, WARD, {"year": "2030", "status": "chưa đạt", "note": "Bị thu hồi do vi phạm"}, "admin")
    row = stored(db, WARD, 2030)
    assert (row["status"], row["decision"], row["decided_on"], row["note"]) == (
        "chua_dat", None, None, "Bị thu hồi do vi phạm")
    entries = [e for e in audit.entries(db, "unit", WARD) if e["field"] == "urban_status:2030"]
    assert db["audit_log"].count == before + 2 and len(entries) == 2
    assert '"dat"' in entries[1]["old"] and "Số 1234/QĐ-UBND" in entries[1]["old"]
    assert '"chua_dat"' in entries[1]["new"] and entries[1]["reason"] == "Bị thu hồi do vi phạm"


@pytest.mark.parametrize("unit_id, given, field, words", [
    ("cao-bang-2022:01291", {"year": 2024, "status": "đạt"}, "unit", "không phải phường hoặc thị trấn"),
    ("cao-bang-2022:00000", {"year": 2024, "status": "đạt"}, "unit", "không có đơn vị «00000»"),
    (WARD, {"year": 1999, "status": "đạt"}, "year", "từ 2000 đến 2100"),
    (WARD, {"year": "năm ngoái", "status": "đạt"}, "year", "từ 2000 đến 2100"),
    (WARD, {"year": 2024, "status": "tốt"}, "status", "«đạt» hoặc «chưa đạt»"),
    (WARD, {"year": 2024, "status": "đạt", "decided_on": "30/02/2024"}, "decided_on", "không hợp lệ"),
    (WARD, {"year": 2024, "status": "đạt", "decided_on": "2027-01-05"}, "decided_on", "muộn hơn năm"),
    (WARD, {"year": 2024, "status": "đạt", "note": "x" * 201}, "note", "dài quá 200"),
])
def test_a_bad_value_names_its_field_and_writes_nothing(db, unit_id, given, field, words) -> None:
    before = (db["urban_status"].count, db["audit_log"].count)
    with pytest.raises(InvalidRecord) as info:
        urban.record(db, unit_id, given, "admin")
    assert info.value.field == field and words in str(info.value)
    assert (db["urban_status"].count, db["audit_log"].count) == before


def test_a_rating_stands_until_the_next_and_never_reaches_back(db) -> None:
    db.execute("delete from urban_status where unit_id = ?", [TOWN])
    urban.record(db, TOWN, {"year": 2021, "status": "đạt"}, "admin")
    urban.record(db, TOWN, {"year": 2025, "status": "chưa đạt"}, "admin")
    assert urban.status_for(db, [TOWN], 2020) == {}
    assert [urban.status_for(db, [TOWN], y)[TOWN]["year"] for y in (2021, 2024, 2025, 2030)] == [2021, 2021, 2025, 2025]
    assert urban.status_for(db, [TOWN], 2024)[TOWN]["name"] == "Đạt chuẩn văn minh đô thị"


# --- import: all or nothing -------------------------------------------------------------------

def filled_template(db: Any, year: int, rows: dict[str, list[str]]) -> str:
    """The CSV template with some rows filled in (code → [status, decision, date, note])."""
    lines = urban.template_csv(db, SET22, year).splitlines()
    for i, line in enumerate(lines):
        code = line.lstrip("\ufeff").split(",", 1)[0]
        if code in rows:
            lines[i] = ",".join(line.split(",")[:3] + rows[code])
    return "\n".join(lines) + "\n"


def test_an_import_with_bad_rows_writes_nothing_and_reports_each(db) -> None:
    text = filled_template(db, 2031, {"01273": ["đạt", "Số 5/QĐ-UBND", "01/12/2031", ""],
                                      "01321": ["giỏi", "", "", ""],
                                      "01288": ["đạt", "", "1/13/2031", ""]})
    text += "01291,Xã X,2031,đạt,,,\n99999,,2031,đạt,,,\n01273,,2031,chưa đạt,,,\n"
    before = (db["urban_status"].count, db["audit_log"].count)
    with pytest.raises(ImportRejected) as info:
        urban.import_file(db, SET22, text.encode(), "vmdt.csv", "admin")
    got = {(p["row"], p["column"], p["field"]) for p in info.value.problems}
    lines = text.splitlines()
    row_of = {line.split(",", 1)[0].lstrip("\ufeff"): n for n, line in enumerate(lines, start=1)}
    assert got == {(row_of["01321"], "D", "status"), (row_of["01288"], "F", "decided_on"),
                   (len(lines) - 2, "A", "unit"), (len(lines) - 1, "A", "unit"), (len(lines), "A", "unit")}
    assert any("dòng" in p["reason"] for p in info.value.problems)  # the duplicate names the first row
    assert (db["urban_status"].count, db["audit_log"].count) == before


def test_a_good_csv_and_xlsx_import_and_blank_template_rows_are_skipped(db) -> None:
    text = filled_template(db, 2032, {"01273": ["đạt", "Số 5/QĐ-UBND", "01/12/2032", ""],
                                      "01321": ["chưa đạt", "", "", "thiếu tiêu chí 3"]})
    assert urban.import_file(db, SET22, text.encode("utf-8"), "vmdt.csv", "admin") == 2
    assert stored(db, WARD, 2032)["decided_on"] == "2032-12-01"
    assert stored(db, TOWN, 2032)["note"] == "thiếu tiêu chí 3"
    assert db["urban_status"].count_where("year = 2032") == 2
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(list(urban.COLUMNS))
    ws.append([1273, "Phường Hợp Giang", 2033, "Đạt", "Số 7/QĐ-UBND", "15/12/2033", None])  # code lost its zero
    buffer = io.BytesIO()
    wb.save(buffer)
    assert urban.import_file(db, SET22, buffer.getvalue(), "vmdt.xlsx", "admin") == 1
    assert stored(db, WARD, 2033)["decision"] == "Số 7/QĐ-UBND"


# --- CLI --------------------------------------------------------------------------------------

def test_cli_set_list_template_and_import(db_path: Path, tmp_path: Path) -> None:
    def run(*args: str, code: int = 0):
        result = CliRunner().invoke(cfc, ["urban", *args, "--db", str(db_path)], catch_exceptions=False)
        assert result.exit_code == code, result.output + result.stderr
        return result

    assert "Đạt chuẩn văn minh đô thị" in run("set", "01273", "2034", "đạt", "--unit-set", SET22,
                                              "--decision", "Số 9/QĐ-UBND", "--date", "10/12/2034").output
    refused = run("set", "01291", "2034", "đạt", "--unit-set", SET22, code=1)
    assert "unit:" in refused.stderr and "không phải phường hoặc thị trấn" in refused.stderr
    listing = run("list", "2034", "--unit-set", SET22).output
    assert "01273\tPhường Hợp Giang\tĐạt chuẩn văn minh đô thị (2034, Số 9/QĐ-UBND)" in listing
    assert len(listing.splitlines()) == 22  # 8 wards and 14 townships in 2022
    template = tmp_path / "vmdt.csv"
    run("template", "2035", "-o", str(template), "--unit-set", SET22)
    text = template.read_text(encoding="utf-8").replace("01321,Thị trấn Bảo Lạc,2035,", "01321,Thị trấn Bảo Lạc,2035,sai")
    template.write_text(text, encoding="utf-8")
    bad = run("import", str(template), "--unit-set", SET22, code=1)
    assert "cột D: 'sai'" in bad.stderr and "không ghi dữ liệu nào" in bad.stderr
    template.write_text(text.replace(",2035,sai", ",2035,đạt"), encoding="utf-8")
    assert "1 statuses recorded" in run("import", str(template), "--unit-set", SET22).output


# --- display beside the child-friendly result ----------------------------------------------------

def test_dashboard_shows_every_ward_beside_its_result(db, client_as) -> None:
    round_id, year = latest_round(db)
    urban.record(db, WARD, {"year": year, "status": "chưa đạt", "decision": "Số 77/QĐ-UBND",
                            "decided_on": f"{year}-12-20"}, "admin")
    html = client_as("theodoi.tinh").get(f"/dashboard?round={round_id}").get_data(as_text=True)
    section = re.search(r'<table class="data" id="urban-table">(.*?)</table>', html, re.S).group(1)
    shown = dict(re.findall(r'<tr data-unit="(\d+)">(.*?)</tr>', section, re.S))
    wards = list(db.query("select u.code, a.status, a.verified_total, a.declared_total from assessments a "
                          "join units u on u.id = a.unit_id where a.round_id = ? and u.type in "
                          "('phuong', 'thi_tran')", [round_id]))
    assert set(shown) == {w["code"] for w in wards} and len(shown) == 22
    statuses = urban.status_for(db, [f"{SET22}:{w['code']}" for w in wards], year)
    for w in wards:
        cells = shown[w["code"]]
        expected = statuses.get(f"{SET22}:{w['code']}")
        assert (expected["name"] if expected else "Chưa ghi nhận") in cells
    assert "Chưa đạt chuẩn văn minh đô thị" in shown["01273"] and "Số 77/QĐ-UBND, 20/12/" in shown["01273"]
    assert 'status-' in shown["01273"]  # the child-friendly status sits in the same row


def test_unit_page_shows_both_for_a_ward_and_nothing_for_a_commune(db, client_as) -> None:
    round_id, year = latest_round(db)
    urban.record(db, WARD, {"year": year, "status": "đạt", "decision": "Số 8/QĐ-UBND"}, "admin")
    ward_aid = next(db.query("select id from assessments where unit_id = ? and round_id = ?", [WARD, round_id]))["id"]
    commune_aid = next(db.query("select a.id from assessments a join units u on u.id = a.unit_id "
                                "where u.type = 'xa' and a.round_id = ?", [round_id]))["id"]
    client = client_as("theodoi.tinh")
    page = client.get(f"/assessments/{ward_aid}/ntm").get_data(as_text=True)
    assert re.search(r'id="urban-status"><strong>Đạt chuẩn văn minh đô thị</strong> \(\d{4}, Số 8/QĐ-UBND', page)
    assert 'id="urban-cfc"' in page
    english = client.get(f"/assessments/{ward_aid}/ntm?lang=en").get_data(as_text=True)
    assert "Rated a civilised urban area" in english and "Child-friendly (round" in english
    assert 'id="urban"' not in client.get(f"/assessments/{commune_aid}/ntm").get_data(as_text=True)


def test_admin_records_through_the_form_and_a_bad_date_keeps_the_input(db, client_as) -> None:
    client = client_as("admin")
    bad = client.post("/urban", data={"unit_set": SET22, "code": "01273", "year": "2036", "status": "dat",
                                      "decision": "Số 3/QĐ-UBND", "decided_on": "31/04/2036"})
    html = bad.get_data(as_text=True)
    assert bad.status_code == 422 and "ngày quyết định không hợp lệ" in html
    assert 'value="Số 3/QĐ-UBND"' in html and 'value="31/04/2036"' in html
    assert stored(db, WARD, 2036) is None
    good = client.post("/urban", data={"unit_set": SET22, "code": "01273", "year": "2036", "status": "dat",
                                       "decision": "Số 3/QĐ-UBND", "decided_on": "30/04/2036"})
    assert good.status_code == 302
    assert stored(db, WARD, 2036)["recorded_by"] == "admin"
    listing = client.get(f"/urban?unit_set={SET22}&year=2036").get_data(as_text=True)
    assert re.search(r'<tr data-unit="01273">.*?Đạt chuẩn văn minh đô thị.*?2036, Số 3/QĐ-UBND, 30/04/2036',
                     listing, re.S)


@needs_tools("pdftotext")
def test_the_evaluation_report_of_a_ward_states_its_rating(db) -> None:
    round_id, year = latest_round(db)
    urban.record(db, WARD, {"year": year, "status": "đạt", "decision": "Số 12/QĐ-UBND",
                            "decided_on": f"15/12/{year}"}, "admin")
    aid = next(db.query("select id from assessments where unit_id = ? and round_id = ?", [WARD, round_id]))["id"]
    pdf = render_pdf("report", report_context(db, workflow.load(db, aid)))
    text = " ".join(subprocess.run(["pdftotext", "-enc", "UTF-8", "-", "-"], input=pdf, capture_output=True,
                                   check=True).stdout.decode().split())
    assert f"Văn minh đô thị: Đạt chuẩn văn minh đô thị ({year}, Số 12/QĐ-UBND, ngày 15/12/{year})" in text
    assert "Thông tư 02/2013/TT-BVHTTDL" in text
