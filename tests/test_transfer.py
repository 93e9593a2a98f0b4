"""Import and export of a round (webapp.store.transfer) on real SQLite files and real XLSX bytes."""
from __future__ import annotations

import csv
import io
import json
import sqlite3
import unicodedata
from typing import Any

import openpyxl
import pytest

import criteria
import scoring
from webapp.store import audit, rounds, transfer, units, workflow
from webapp.store.db import connect
from webapp.store.errors import ImportRejected
from webapp.store.units import TYPE_NAMES
from webapp.store.vietnamese import sort_key

QD06 = criteria.get("qd06-2019")
SHEET = "Số liệu tự đánh giá"


# --------------------------------------------------------------------------- helpers


@pytest.fixture()
def db(tmp_path):
    database = connect(tmp_path / "cfc.db")
    units.load_cao_bang(database)
    yield database
    database.close()


@pytest.fixture()
def round_id(db) -> int:
    return rounds.create_round(db, name="Đánh giá 2024", year=2024, cset=QD06, unit_set="cao-bang-2022",
                               actor="admin")


def commune_codes(db) -> list[str]:
    return [u["code"] for u in units.communes(db, "cao-bang-2022")]


def values_for(perfect: dict[str, Any], i: int) -> dict[str, Any]:
    """A complete, valid declaration for 0 <= i <= 4; each ``i`` differs (and scores differently)."""
    assert 0 <= i <= 4
    values = dict(perfect)
    values.update(children=1000 + 10 * i, births=40 + i, births_registered_on_time=36 + i,
                  swimming_activities=i % 2 == 0, survey_respondents=100, survey_satisfied=80 + 5 * i)
    return values


def sheet_rows(data: bytes, sheet: str = SHEET) -> list[tuple]:
    wb = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    try:
        return [tuple(r) for r in wb[sheet].iter_rows(values_only=True)]
    finally:
        wb.close()


def fill_template(template: bytes, declarations: dict[str, dict[str, Any]], bool_style: str = "có") -> bytes:
    """Type values into the template like a user would (booleans as có/không or Có/Không)."""
    wb = openpyxl.load_workbook(io.BytesIO(template))
    ws = wb[SHEET]
    keys = {ws.cell(2, c).value: c for c in range(1, ws.max_column + 1)}
    rows = {ws.cell(r, 1).value: r for r in range(3, ws.max_row + 1)}
    for code, values in declarations.items():
        for field, value in values.items():
            if isinstance(value, bool):
                value = ("có" if value else "không") if bool_style == "có" else ("Có" if value else "Không")
            ws.cell(rows[code], keys[field]).value = value
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def make_file(fmt: str, columns: list[str], rows: list[list[Any]], bom: bool = False) -> tuple[bytes, int]:
    """An import file with ``columns`` as keys; returns (bytes, number of header rows)."""
    if fmt == "csv":
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow(columns)
        writer.writerows([["" if v is None else v for v in r] for r in rows])
        return out.getvalue().encode("utf-8-sig" if bom else "utf-8"), 1
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = SHEET
    ws.append([QD06.inputs[c].label.vi if c in QD06.inputs else c for c in columns])
    ws.append(columns)
    for r in rows:
        ws.append(r)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue(), 2


def letter(columns: list[str], field: str) -> str:
    return openpyxl.utils.get_column_letter(columns.index(field) + 1)


def snapshot(db) -> tuple[list[dict], list[dict], int]:
    return (list(db.query("select * from assessments order by id")),
            list(db.query("select * from audit_log order by id")),
            db["audit_log"].count)


def declared_of(db, round_id: int, code: str) -> dict[str, Any]:
    return workflow.find(db, round_id, f"cao-bang-2022:{code}")


def expected_total(db, code: str, values: dict[str, Any]) -> int:
    unit = units.get_unit(db, f"cao-bang-2022:{code}")
    return scoring.score(values, QD06, unit["category"]).total


# --------------------------------------------------------------------------- templates


def test_template_has_every_commune_in_vietnamese_order_and_every_input(db, round_id):
    data = transfer.template_xlsx(db, round_id)
    wb = openpyxl.load_workbook(io.BytesIO(data))
    ws = wb[SHEET]
    assert wb.sheetnames[0] == SHEET
    assert ws.max_row == 2 + 161
    assert ws.max_column == 2 + 37

    # row 2: machine keys, one column per input, in criteria order
    keys = [ws.cell(2, c).value for c in range(1, ws.max_column + 1)]
    assert keys[:2] == ["code", "name"]
    assert keys[2:] == transfer.input_columns(QD06)
    assert sorted(keys[2:]) == sorted(QD06.inputs)
    assert keys[2:6] == ["cp_officer_assigned", "cp_collaborators", "cp_board_reviews", "child_budget"]
    assert keys.index("births") < keys.index("children") < keys.index("abused_children")

    # row 1: Vietnamese labels in NFC, each with a comment quoting the items' legal text
    labels = [ws.cell(1, c).value for c in range(1, ws.max_column + 1)]
    assert labels[:2] == ["Mã đơn vị", "Tên đơn vị"]
    for col, key in enumerate(keys[2:], start=3):
        label = ws.cell(1, col).value
        assert label == QD06.inputs[key].label.vi
        assert unicodedata.is_normalized("NFC", label)
        comment = ws.cell(1, col).comment
        assert comment is not None and f"Mã chỉ số: {key}" in comment.text
    assert labels[keys.index("children")] == "Tổng số trẻ em (dưới 16 tuổi) trên địa bàn"
    children_note = ws.cell(1, keys.index("children") + 1).comment.text
    items = {i.id: i for _c, i in QD06.items()}
    for item_id in ("3.1", "4.1", "5.2"):  # every item computed per 1,000 children
        assert f"{item_id}. {items[item_id].text.vi}" in children_note
    officer_note = ws.cell(1, 3).comment.text
    assert f"1.1. {items['1.1'].text.vi}" in officer_note and "có/không" in officer_note
    assert "số nguyên" in ws.cell(1, keys.index("births") + 1).comment.text

    assert ws.freeze_panes == "C3"

    # one row per commune: code as text (leading zero kept), name with its type, blank values
    codes = [ws.cell(r, 1).value for r in range(3, ws.max_row + 1)]
    assert codes == commune_codes(db)
    assert len(set(codes)) == 161 and all(isinstance(c, str) and len(c) == 5 for c in codes)
    bare = [units.get_unit(db, f"cao-bang-2022:{c}")["name"] for c in codes]
    assert [sort_key(n) for n in bare] == sorted(sort_key(n) for n in bare)
    # Vietnamese alphabet: every "Đ…" after every "D…", before every "E…"
    firsts = [n[0] for n in bare]
    assert max(i for i, f in enumerate(firsts) if f == "D") < min(i for i, f in enumerate(firsts) if f == "Đ")
    first = units.get_unit(db, f"cao-bang-2022:{codes[0]}")
    assert ws.cell(3, 2).value == f"{TYPE_NAMES[first['type']]} {first['name']}"
    assert all(ws.cell(r, c).value is None for r in range(3, ws.max_row + 1) for c in range(3, ws.max_column + 1))
    # booleans offered as a có/không list
    lists = [dv for dv in ws.data_validations.dataValidation if dv.type == "list"]
    assert lists and lists[0].formula1 == '"có,không"'


def test_template_csv_has_code_name_and_input_ids(db, round_id):
    text = transfer.template_csv(db, round_id)
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0] == ["code", "name", *transfer.input_columns(QD06)]
    assert [r[0] for r in rows[1:]] == commune_codes(db)
    assert all(r[2:] == [""] * 37 for r in rows[1:])


def test_a_blank_template_imports_nothing(db, round_id):
    before = snapshot(db)
    assert transfer.import_declared(db, round_id, transfer.template_xlsx(db, round_id), "mau.xlsx", "xa") == 0
    assert transfer.import_declared(db, round_id, transfer.template_csv(db, round_id).encode(), "mau.csv", "xa") == 0
    assert snapshot(db) == before


# --------------------------------------------------------------------------- good imports and exports


def test_good_xlsx_imports_and_round_trips_through_the_exports(db, round_id, perfect_inputs):
    codes = commune_codes(db)
    chosen = [codes[0], codes[50], codes[160]]
    declarations = {code: values_for(perfect_inputs, i) for i, code in enumerate(chosen)}
    audit_before = db["audit_log"].count
    data = fill_template(transfer.template_xlsx(db, round_id), declarations)

    assert transfer.import_declared(db, round_id, data, "ke-khai.xlsx", "can-bo") == 3

    totals = {}
    for code, values in declarations.items():
        row = declared_of(db, round_id, code)
        assert row["declared"] == values
        assert row["status"] == "draft" and row["version"] == 2 and row["updated_by"] == "can-bo"
        totals[code] = expected_total(db, code, values)
        assert row["declared_total"] == totals[code]
        entries = [e for e in audit.entries(db, "assessment", row["id"]) if e["action"] == "declare"]
        assert {e["field"] for e in entries} == set(values)
        assert all(e["actor"] == "can-bo" and e["old"] is None for e in entries)
        assert {e["field"]: json.loads(e["new"]) for e in entries} == values
    assert len(set(totals.values())) == 3  # the three declarations really differ
    imports = audit.entries(db, "round", round_id)[-1]
    assert imports["action"] == "import" and json.loads(imports["new"]) == {"filename": "ke-khai.xlsx", "units": 3}
    assert db["audit_log"].count == audit_before + 3 * 37 + 1
    untouched = [r for r in db.query("select * from assessments where round_id = ?", [round_id])
                 if r["unit_id"].split(":")[1] not in chosen]
    assert len(untouched) == 158 and all(r["version"] == 1 and r["declared"] == "{}" for r in untouched)

    # export_json carries the round's criteria pin and the declared values and totals
    exported = transfer.export_json(db, round_id)
    json.dumps(exported, ensure_ascii=False)
    assert exported["round"]["criteria"] == {"id": "qd06-2019", "version": QD06.version,
                                             "hash": criteria.content_hash(QD06), "title": QD06.title.vi}
    assert exported["round"]["name"] == "Đánh giá 2024" and exported["round"]["year"] == 2024
    by_code = {a["unit"]["code"]: a for a in exported["assessments"]}
    assert [a["unit"]["code"] for a in exported["assessments"]] == codes
    for code, values in declarations.items():
        a = by_code[code]
        assert a["declared"] == values and a["verified"] == {}
        assert a["declared_total"] == totals[code] and a["verified_total"] is None
        assert a["status"] == "draft" and a["status_name"] == "Bản nháp"
        assert sum(a["criteria_points"].values()) == totals[code]
        unit = units.get_unit(db, f"cao-bang-2022:{code}")
        assert a["unit"]["name"] == unit["name"] and a["unit"]["type"] == unit["type"]
        assert a["unit"]["category"] == unit["category"]
        assert a["unit"]["full_name"].endswith("tỉnh Cao Bằng")
        assert a["evidence"] == {} and a["reviews"] == {}
    assert by_code[codes[1]]["declared"] == {} and by_code[codes[1]]["declared_total"] is None

    # export_xlsx: the summary has totals and points per criterion
    book = transfer.export_xlsx(db, round_id)
    summary = sheet_rows(book, "Tổng hợp")
    assert summary[0][:7] == ("Mã đơn vị", "Tên đơn vị", "Trạng thái", "Tổng điểm tự đánh giá",
                              "Tổng điểm thẩm định", "Đạt chuẩn", "Điểm tính theo")
    assert summary[0][7:] == tuple(f"Tiêu chí {n}" for n in range(1, 14))
    lines = {r[0]: r for r in summary[1:]}
    assert len(lines) == 161
    for code, values in declarations.items():
        result = scoring.score(values, QD06, units.get_unit(db, f"cao-bang-2022:{code}")["category"])
        line = lines[code]
        assert line[2:7] == ("Bản nháp", totals[code], None, "Có" if result.recognised else "Không", "tự đánh giá")
        assert line[7:] == tuple(result.criteria[n].points for n in range(1, 14))

    # … and its declaration sheet imports again: unchanged here, identical in a new round
    assert transfer.import_declared(db, round_id, book, "xuat.xlsx", "can-bo") == 0
    assert {c: declared_of(db, round_id, c)["version"] for c in chosen} == dict.fromkeys(chosen, 2)
    other = rounds.create_round(db, name="Đợt 2", year=2025, cset=QD06, unit_set="cao-bang-2022", actor="admin")
    assert transfer.import_declared(db, other, book, "xuat.xlsx", "can-bo") == 3
    for code, values in declarations.items():
        assert declared_of(db, other, code)["declared"] == values
        assert declared_of(db, other, code)["declared_total"] == totals[code]
    # an export saved before the sheet took its glossary name (or renamed by hand) still imports: the sheet after
    # the summary is read, not the summary
    wb = openpyxl.load_workbook(io.BytesIO(book))
    wb[SHEET].title = "Trang 2"
    renamed = io.BytesIO()
    wb.save(renamed)
    third = rounds.create_round(db, name="Đợt 3", year=2025, cset=QD06, unit_set="cao-bang-2022", actor="admin")
    assert transfer.import_declared(db, third, renamed.getvalue(), "xuat-cu.xlsx", "can-bo") == 3
    exported_rows = sheet_rows(book)
    assert exported_rows[1][2:] == tuple(transfer.input_columns(QD06))
    row0 = exported_rows[2]
    assert row0[0] == codes[0] and row0[2] == "có" and row0[3] == "có"


def test_blank_cells_keep_stored_values_and_bool_spellings_are_accepted(db, round_id, perfect_inputs):
    code = commune_codes(db)[7]
    values = values_for(perfect_inputs, 1)
    template = transfer.template_xlsx(db, round_id)
    assert transfer.import_declared(db, round_id, fill_template(template, {code: values}, "Có"), "a.xlsx", "x") == 1
    assert declared_of(db, round_id, code)["declared"] == values
    change = {"children": 2000, "play_area": False}
    assert transfer.import_declared(db, round_id, fill_template(template, {code: change}), "b.xlsx", "x") == 1
    row = declared_of(db, round_id, code)
    assert row["declared"] == values | change
    assert row["declared_total"] == expected_total(db, code, values | change)
    last = [e for e in audit.entries(db, "assessment", row["id"]) if e["action"] == "declare"][-2:]
    assert [(e["field"], e["old"], e["new"]) for e in last] == [("children", "1010", "2000"),
                                                                ("play_area", "true", "false")]


# --------------------------------------------------------------------------- rejected files


@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
def test_bad_rows_are_all_reported_and_nothing_is_written(db, round_id, perfect_inputs, fmt):
    codes = commune_codes(db)
    good = values_for(perfect_inputs, 0)
    # a stored denominator that the file's numerator exceeds
    workflow.save_declared(db, declared_of(db, round_id, codes[5])["id"], {"infants": 20}, "x")
    columns = ["code", "name", "children", "births", "births_registered_on_time", "infants_fully_immunised",
               "play_area", "ghi_chu"]
    rows = [
        [codes[0], "", good["children"], good["births"], good["births_registered_on_time"], 30, "có", None],
        [codes[1], "", 900, -3, None, None, None, None],                  # negative count
        [codes[2], "", "abc", 10, 9, None, "có", None],                   # not a number
        ["99999", "", 800, None, None, None, None, None],                 # no such unit
        [codes[3], "", 700, 10, 12, None, None, None],                    # numerator above denominator
        ["04", "", 700, None, None, None, None, None],                    # the province: not a commune
        [codes[4], "", 500, None, None, None, "có lẽ", None],             # not a yes/no
        [codes[0], "", 1200, None, None, None, None, None],               # duplicate of the first row
        [codes[5], "", 600, None, None, 25, None, "ghi chú"],             # 25 > stored infants 20
        [None, "", 100, None, None, None, None, None],                    # no code
    ]
    data, header = make_file(fmt, columns, rows)
    before = snapshot(db)

    with pytest.raises(ImportRejected) as info:
        transfer.import_declared(db, round_id, data, f"loi.{fmt}", "can-bo")

    assert snapshot(db) == before
    assert not db.conn.in_transaction
    problems = info.value.problems
    assert all(set(p) == {"row", "column", "field", "value", "reason"} for p in problems)
    at = {(p["row"], p["column"], p["field"]): p for p in problems}
    r = lambda i: header + 1 + i  # noqa: E731 - the spreadsheet row of rows[i]
    col = lambda f: letter(columns, f)  # noqa: E731
    expected = {
        (header, col("ghi_chu"), "ghi_chu"): ("ghi_chu", "không phải là chỉ số của bộ tiêu chí"),
        (r(1), col("births"), "births"): (-3 if fmt == "xlsx" else "-3", "không được là số âm"),
        (r(2), col("children"), "children"): ("abc", "phải là một số"),
        (r(3), "A", "code"): ("99999", "không có đơn vị hành chính nào mang mã 99999"),
        (r(4), col("births_registered_on_time"), "births_registered_on_time"): (
            12 if fmt == "xlsx" else "12", "lớn hơn «Số trẻ em sinh ra trong năm» (10)"),
        (r(5), "A", "code"): ("04", "đơn vị 04 (Tỉnh Cao Bằng) không thuộc đợt đánh giá này"),
        (r(6), col("play_area"), "play_area"): ("có lẽ", "phải là Có hoặc Không"),
        (r(7), "A", "code"): (codes[0], f"mã đơn vị {codes[0]} trùng với dòng {r(0)}"),
        (r(8), col("infants_fully_immunised"), "infants_fully_immunised"): (
            25 if fmt == "xlsx" else "25", "lớn hơn «Số trẻ em dưới 1 tuổi» (20)"),
        (r(9), "A", "code"): (None, "thiếu mã đơn vị"),
    }
    assert {k: (p["value"], p["reason"]) for k, p in at.items()} == expected
    assert len(problems) == len(expected)
    assert [p["row"] for p in problems] == sorted(p["row"] for p in problems)
    assert "10 problem(s)" in str(info.value)


def test_a_stored_value_clashing_with_the_file_is_reported_on_the_files_cell(db, round_id):
    code = commune_codes(db)[9]
    workflow.save_declared(db, declared_of(db, round_id, code)["id"],
                           {"births": 10, "births_registered_on_time": 10}, "x")
    before = snapshot(db)
    data, _ = make_file("csv", ["code", "births"], [[code, 5]])
    with pytest.raises(ImportRejected) as info:
        transfer.import_declared(db, round_id, data, "b.csv", "x")
    assert info.value.problems == [{
        "row": 2, "column": "B", "field": "births", "value": "5",
        "reason": "nhỏ hơn «Số trẻ em được đăng ký khai sinh đúng hạn» (10)"}]
    assert snapshot(db) == before


def test_a_failure_while_writing_rolls_back_every_row(db, round_id, perfect_inputs):
    codes = commune_codes(db)
    declarations = {codes[10 + i]: values_for(perfect_inputs, i) for i in range(3)}
    data = fill_template(transfer.template_xlsx(db, round_id), declarations)
    # the last unit's update fails inside the database, after the first two were written
    db.execute(f"create trigger boom before update on assessments when new.unit_id = 'cao-bang-2022:{codes[12]}' "
               "begin select raise(abort, 'disk on fire'); end")
    before = snapshot(db)
    with pytest.raises(sqlite3.DatabaseError, match="disk on fire"):
        transfer.import_declared(db, round_id, data, "a.xlsx", "x")
    assert snapshot(db) == before
    assert not db.conn.in_transaction
    db.execute("drop trigger boom")
    assert transfer.import_declared(db, round_id, data, "a.xlsx", "x") == 3
    assert {c: declared_of(db, round_id, c)["declared"] for c in declarations} == declarations


def test_unreadable_files_are_rejected_without_writing(db, round_id):
    before = snapshot(db)
    for data, name, reason in [
        (b"PK\x03\x04 not really a zip", "a.xlsx", "không đọc được tệp Excel"),
        ("code,children\n01267,5\n".encode("utf-16"), "a.csv", "UTF-8"),
        (b"%PDF-1.4", "a.pdf", "chỉ nhận tệp Excel"),
        (b"children\n5\n", "a.csv", "thiếu cột mã đơn vị"),
    ]:
        with pytest.raises(ImportRejected) as info:
            transfer.import_declared(db, round_id, data, name, "x")
        assert len(info.value.problems) == 1 and reason in info.value.problems[0]["reason"]
    assert snapshot(db) == before


# --------------------------------------------------------------------------- CSV


@pytest.mark.parametrize("bom", [False, True])
def test_csv_import_with_or_without_bom(db, round_id, perfect_inputs, bom):
    codes = commune_codes(db)
    declarations = {codes[20]: values_for(perfect_inputs, 1), codes[21]: values_for(perfect_inputs, 2)}
    columns = ["code", *transfer.input_columns(QD06)]
    rows = [[code, *(("có" if v[f] else "không") if isinstance(v[f], bool) else v[f] for f in columns[1:])]
            for code, v in declarations.items()]
    data, _ = make_file("csv", columns, rows, bom=bom)
    assert data.startswith(b"\xef\xbb\xbf") is bom
    assert transfer.import_declared(db, round_id, data, "ke-khai.csv", "can-bo") == 2
    for code, values in declarations.items():
        row = declared_of(db, round_id, code)
        assert row["declared"] == values
        assert row["declared_total"] == expected_total(db, code, values)
    assert json.loads(audit.entries(db, "round", round_id)[-1]["new"]) == {"filename": "ke-khai.csv", "units": 2}


def test_csv_from_excel_with_semicolons_and_lost_leading_zeros(db, round_id):
    code = commune_codes(db)[30]
    assert code.startswith("0")
    text = f"code;name;children;births;births_registered_on_time\n{int(code)};x;1.200;40;38\n"
    assert transfer.import_declared(db, round_id, text.encode("utf-8-sig"), "excel.csv", "x") == 1
    assert declared_of(db, round_id, code)["declared"] == {"children": 1200, "births": 40,
                                                           "births_registered_on_time": 38}


def test_the_filled_csv_template_imports(db, round_id):
    rows = list(csv.reader(io.StringIO(transfer.template_csv(db, round_id))))
    rows[3][rows[0].index("children")] = "800"
    rows[3][rows[0].index("play_area")] = "Có"
    out = io.StringIO()
    csv.writer(out).writerows(rows)
    assert transfer.import_declared(db, round_id, out.getvalue().encode("utf-8-sig"), "mau.csv", "x") == 1
    assert declared_of(db, round_id, rows[3][0])["declared"] == {"children": 800, "play_area": True}


def test_a_submitted_assessment_in_the_file_is_not_editable(db, round_id, perfect_inputs):
    codes = commune_codes(db)
    done, open_ = codes[40], codes[41]
    submitted = declared_of(db, round_id, done)
    workflow.save_declared(db, submitted["id"], values_for(perfect_inputs, 0), "xa")
    workflow.submit(db, submitted["id"], "xa")
    before = snapshot(db)
    data, _ = make_file("csv", ["code", "children", "play_area"], [[open_, 900, "có"], [done, 950, "có"]], bom=True)
    with pytest.raises(ImportRejected) as info:
        transfer.import_declared(db, round_id, data, "a.csv", "xa")
    assert info.value.problems == [{
        "row": 3, "column": "A", "field": "code", "value": done,
        "reason": f"hồ sơ của đơn vị {done} đang ở trạng thái «Đã nộp», không sửa được số liệu tự đánh giá "
                  "(chỉ sửa được khi: Bản nháp, Trả lại để bổ sung)"}]
    assert snapshot(db) == before

    # an export of the round (which holds the submitted, unchanged row) still re-imports
    book = transfer.export_xlsx(db, round_id)
    assert transfer.import_declared(db, round_id, book, "xuat.xlsx", "xa") == 0
    assert snapshot(db) == before
    assert transfer.export_json(db, round_id)["assessments"][codes.index(done)]["status"] == "submitted"
