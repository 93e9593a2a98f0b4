"""Civilised-urban status (đô thị văn minh) of wards and townships, as the province records it.

Wards and townships are rated "đạt chuẩn văn minh đô thị" under Thông tư 02/2013/TT-BVHTTDL.
That rating does not reference the child-friendly standard (see the NTM linkage notes), so
the product keeps it beside the child-friendly result, never folded into it. One record per
unit and year, with the decision that states it; every change goes to the audit log.
"""
from __future__ import annotations

import csv
import datetime as dt
import io
import re
from typing import Any

import openpyxl
import sqlite_utils
from openpyxl.utils import get_column_letter

from scoring.cells import csv_row

from . import audit
from .db import transaction
from .errors import ImportRejected, InvalidRecord, NotFound, UnreadableImport
from .transfer import problem, read_table
from .units import TYPE_NAMES, get_unit
from .vietnamese import nfc

BASIS = "Thông tư 02/2013/TT-BVHTTDL"
URBAN_TYPES = ("phuong", "thi_tran")
STATUS_NAMES = {"dat": "Đạt chuẩn văn minh đô thị", "chua_dat": "Chưa đạt chuẩn văn minh đô thị"}
_STATUS_WORDS = {"dat": "dat", "đạt": "dat", "chua_dat": "chua_dat", "chưa đạt": "chua_dat",
                 "không đạt": "chua_dat", "chua dat": "chua_dat", "khong dat": "chua_dat"}
COLUMNS = ("Mã đơn vị", "Tên đơn vị", "Năm", "Kết quả", "Số quyết định", "Ngày quyết định", "Ghi chú")
FIELD_COLUMNS = {"unit": "Mã đơn vị", "year": "Năm", "status": "Kết quả", "decision": "Số quyết định",
                 "decided_on": "Ngày quyết định", "note": "Ghi chú"}  # each field's column, as a problem names it
MAX_TEXT = 200
MAX_FILE_BYTES = 2 * 2**20  # a province's wards and townships fit in a few kB; 2 MB is generous
FIRST_YEAR, LAST_YEAR = 2000, 2100


def parse_status(value: Any) -> str:
    """``dat`` or ``chua_dat`` from the code or the Vietnamese words ("đạt", "chưa đạt", "không đạt")."""
    word = re.sub(r"\s+", " ", nfc(str(value or "")).strip().lower())
    if word in _STATUS_WORDS:
        return _STATUS_WORDS[word]
    raise InvalidRecord("status", "kết quả phải là «đạt» hoặc «chưa đạt»")


def parse_year(value: Any) -> int:
    text = str(value if value is not None else "").strip()
    if isinstance(value, float) and value.is_integer():
        text = str(int(value))
    if not text.isdigit() or not FIRST_YEAR <= int(text) <= LAST_YEAR:
        raise InvalidRecord("year", f"năm phải là một số từ {FIRST_YEAR} đến {LAST_YEAR}")
    return int(text)


def parse_date(value: Any) -> str | None:
    """An ISO date from ``dd/mm/yyyy`` (as Vietnamese documents write it), ``yyyy-mm-dd`` or a spreadsheet date."""
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    text = str(value or "").strip()
    if not text:
        return None
    match = re.fullmatch(r"(\d{1,2})/(\d{1,2})/(\d{4})", text)
    try:
        if match:
            day, month, year = (int(g) for g in match.groups())
            return dt.date(year, month, day).isoformat()
        return dt.date.fromisoformat(text).isoformat()
    except ValueError:
        raise InvalidRecord("decided_on", "ngày quyết định không hợp lệ (viết dd/mm/yyyy)") from None


def _text(value: Any, field: str) -> str | None:
    text = nfc(str(value if value is not None else "")).strip()
    if len(text) > MAX_TEXT:
        raise InvalidRecord(field, f"dài quá {MAX_TEXT} ký tự")
    return text or None


def _urban_unit(db: sqlite_utils.Database, unit_id: str) -> str:
    try:
        unit = get_unit(db, unit_id)
    except NotFound:
        raise InvalidRecord("unit", f"không có đơn vị «{unit_id.rpartition(':')[2]}»") from None
    if unit["type"] not in URBAN_TYPES:
        raise InvalidRecord("unit", f"{TYPE_NAMES.get(unit['type'], '')} {unit['name']} không phải phường hoặc "
                                    "thị trấn: chỉ phường, thị trấn được đánh giá văn minh đô thị")
    return unit_id


def _decided_on(value: Any, year: int | None) -> str | None:
    day = parse_date(value)
    if day and year and dt.date.fromisoformat(day).year > year + 1:
        raise InvalidRecord("decided_on", "ngày quyết định muộn hơn năm đánh giá quá một năm")
    return day


def parse(db: sqlite_utils.Database, unit_id: str, given: dict[str, Any]) -> tuple[dict[str, Any], list[InvalidRecord]]:
    """The record from raw values (``year``, ``status``, ``decision``, ``decided_on``, ``note``), and every problem."""
    row: dict[str, Any] = {}
    problems: list[InvalidRecord] = []
    steps = (("unit_id", lambda: _urban_unit(db, unit_id)),
             ("year", lambda: parse_year(given.get("year"))),
             ("status", lambda: parse_status(given.get("status"))),
             ("decision", lambda: _text(given.get("decision"), "decision")),
             ("decided_on", lambda: _decided_on(given.get("decided_on"), row.get("year"))),
             ("note", lambda: _text(given.get("note"), "note")))
    for field, step in steps:
        try:
            row[field] = step()
        except InvalidRecord as exc:
            problems.append(exc)
    return row, problems


def record(db: sqlite_utils.Database, unit_id: str, given: dict[str, Any], actor: str) -> dict[str, Any]:
    """Record (or correct) a ward's or township's status for a year; raises InvalidRecord naming the field."""
    row, problems = parse(db, unit_id, given)
    if problems:
        raise problems[0]
    row.update(recorded_by=actor, recorded_at=audit.now())
    with transaction(db):
        _write(db, row, actor)
    return row


def _write(db: sqlite_utils.Database, row: dict[str, Any], actor: str) -> None:
    kept = ("status", "decision", "decided_on", "note")
    old = next(db["urban_status"].rows_where("unit_id = ? and year = ?", [row["unit_id"], row["year"]]), None)
    db["urban_status"].upsert(row, pk=("unit_id", "year"))
    audit.record(db, actor, "urban_status", "unit", row["unit_id"], field=f"urban_status:{row['year']}",
                 old={k: old[k] for k in kept} if old else None, new={k: row[k] for k in kept},
                 reason=row["note"])


def status_for(db: sqlite_utils.Database, unit_ids: list[str], year: int) -> dict[str, dict[str, Any]]:
    """Each unit's latest recorded status up to ``year`` (a rating stands until the next one)."""
    if not unit_ids:
        return {}
    marks = ", ".join("?" * len(unit_ids))
    rows = db.query(
        f"select * from urban_status where unit_id in ({marks}) and year <= ? order by unit_id, year",
        [*unit_ids, year])
    return {r["unit_id"]: {**r, "name": STATUS_NAMES[r["status"]]} for r in rows}


def urban_units(db: sqlite_utils.Database, unit_set: str) -> list[dict[str, Any]]:
    """The wards and townships of a unit set, in Vietnamese order."""
    marks = ", ".join("?" * len(URBAN_TYPES))
    return list(db["units"].rows_where(f"unit_set = ? and type in ({marks})", [unit_set, *URBAN_TYPES],
                                       order_by="sort_key"))


def listing(db: sqlite_utils.Database, unit_set: str, year: int) -> list[dict[str, Any]]:
    """Every ward and township of the unit set with its status for ``year`` (None where not recorded)."""
    found = urban_units(db, unit_set)
    statuses = status_for(db, [u["id"] for u in found], year)
    return [{"unit": u, "display_name": f"{TYPE_NAMES[u['type']]} {u['name']}", "status": statuses.get(u["id"])}
            for u in found]


def _template_rows(db: sqlite_utils.Database, unit_set: str, year: int) -> list[list[Any]]:
    return [[u["code"], f"{TYPE_NAMES[u['type']]} {u['name']}", year, "", "", "", ""] for u in urban_units(db, unit_set)]


def template_csv(db: sqlite_utils.Database, unit_set: str, year: int) -> str:
    """A CSV to fill in: one row per ward and township, the year filled in."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(COLUMNS)
    for row in _template_rows(db, unit_set, year):
        writer.writerow(csv_row(row))
    return "\ufeff" + out.getvalue()


def template_xlsx(db: sqlite_utils.Database, unit_set: str, year: int) -> bytes:
    """The same as :func:`template_csv` as an Excel workbook; codes stored as text (their leading zeros kept)."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Văn minh đô thị"
    ws.append(COLUMNS)
    for row in _template_rows(db, unit_set, year):
        ws.append(row)
        ws.cell(ws.max_row, 1).number_format = "@"
    for letter, width in zip("ABCDEFG", (12, 30, 8, 18, 22, 18, 30), strict=True):
        ws.column_dimensions[letter].width = width
    ws.freeze_panes = "A2"
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def import_file(db: sqlite_utils.Database, unit_set: str, data: bytes, filename: str, actor: str) -> int:
    """Import statuses from XLSX or CSV (columns as in ``template_csv``): every row or none.

    Raises ImportRejected listing every bad cell (row, column, value, reason); a file over ``MAX_FILE_BYTES``
    is not read.
    """
    if len(data) > MAX_FILE_BYTES:
        raise UnreadableImport([problem(None, None, None, filename, f"tệp lớn hơn {MAX_FILE_BYTES // 2**20} MB, giới "
                                                                    "hạn của tệp văn minh đô thị")])
    rows = read_table(data, filename)
    if not rows:
        raise ImportRejected([problem(None, None, None, filename, "tệp trống")])
    header = [nfc(str(h or "")).strip().lower() for h in rows[0]]
    wanted = {name.lower(): name for name in COLUMNS}
    missing = [name for key, name in wanted.items() if key not in header and name != "Tên đơn vị"]
    if missing:
        raise ImportRejected([problem(1, None, None, ", ".join(missing), "thiếu cột")])
    column = {wanted[h]: i for i, h in enumerate(header) if h in wanted}
    fields = {field: name for field, name in FIELD_COLUMNS.items() if field != "unit"}
    columns = FIELD_COLUMNS
    problems: list[dict[str, Any]] = []
    planned: dict[tuple[str, int], dict[str, Any]] = {}
    for number, cells in enumerate(rows[1:], start=2):
        cell = {name: cells[i] if i < len(cells) else None for name, i in column.items()}
        if all(cell.get(name) is None or not str(cell[name]).strip() for name in COLUMNS[3:]):
            continue  # nothing recorded on this row (the template prefills code, name and year)
        given = {field: cell.get(name) for field, name in fields.items()}
        row, bad = parse(db, f"{unit_set}:{_code(cell['Mã đơn vị'])}", given)
        problems += [problem(number, get_column_letter(column[columns[p.field]] + 1), p.field,
                             cell[columns[p.field]], str(p)) for p in bad]
        if bad:
            continue
        key = (row["unit_id"], row["year"])
        if key in planned:
            problems.append(problem(number, get_column_letter(column["Mã đơn vị"] + 1), "unit", cell["Mã đơn vị"],
                                    f"đơn vị và năm đã có ở dòng {planned[key]['line']}"))
        planned[key] = {**row, "line": number}
    if problems:
        raise ImportRejected(problems)
    now = audit.now()
    with transaction(db):
        for row in planned.values():
            row.pop("line")
            _write(db, {**row, "recorded_by": actor, "recorded_at": now}, actor)
    return len(planned)


def _code(value: Any) -> str:
    """A unit code as text; a spreadsheet number that lost its leading zeros gets them back."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return str(int(value)).zfill(5)
    return str(value or "").strip()

