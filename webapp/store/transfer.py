"""Import and export of a round: declaration templates (XLSX/CSV), bulk import, exports.

Layout of the declaration sheet (template, and the "Số liệu tự đánh giá" sheet of the export):

* row 1: Vietnamese labels ("Mã đơn vị", "Tên đơn vị", then each input's ``label.vi``);
  each input label carries a comment with the legal text of the items that use it and
  what to type (booleans: ``có``/``không``);
* row 2: machine keys (``code``, ``name``, then the input ids) — this row is what the
  import reads, so labels may be reworded freely;
* rows 3…: one row per commune of the round, in Vietnamese dictionary order; the header
  rows and the code/name columns are frozen (``freeze_panes == "C3"``).

Columns are the inputs in criteria order (the criterion that first uses an input, then
the order the criteria set declares them); inputs used by no item come last.

The CSV layout is a single header row ``code,name,<input ids…>`` (``name`` optional and
ignored); UTF-8 with or without BOM, comma- or semicolon-separated. A CSV saved from the
XLSX template (label row + key row) is recognised too.

Import semantics:

* a blank cell leaves the stored value unchanged (clearing a value is done in the form);
* a row whose input cells are all blank is skipped;
* a row whose values equal the stored declaration is not written (and is therefore
  accepted even when the assessment is locked, so an export re-imports cleanly);
* every other row must name a commune of the round, once, whose assessment is still
  editable (draft or returned), and every value must be valid — checked against the stored
  declaration merged with the file's values, so a numerator above a stored denominator is
  caught too.

The import is all-or-nothing: validation and writing run inside one write transaction
transaction; any problem raises :class:`ImportRejected` with every problem found and
nothing is written; any failure while writing rolls everything back.
"""
from __future__ import annotations

import csv
import io
import json
from typing import Any

import openpyxl
import sqlite_utils
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

import scoring
from criteria import CriteriaSet
from scoring import limits
from scoring.cells import append_row, csv_row, from_csv
from scoring.inputs import InputProblem

from . import audit, workflow
from .db import transaction
from .errors import ImportRejected, UnreadableImport
from .rounds import criteria_for, get_round
from .units import TYPE_NAMES, full_name
from .vietnamese import nfc

DECLARATION_SHEET = "Số liệu tự đánh giá"
SUMMARY_SHEET = "Tổng hợp"
GUIDE_SHEET = "Hướng dẫn"
CODE_LABEL, NAME_LABEL = "Mã đơn vị", "Tên đơn vị"
CODE_KEYS = {"code", "mã đơn vị", "ma_don_vi"}
NAME_KEYS = {"name", "tên đơn vị", "ten_don_vi"}
XLSX_FROZEN = "C3"
YES, NO = "có", "không"
EXPORT_FORMAT = "cfc-round-export"

_HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")
_KEY_FONT = Font(italic=True, color="808080", size=8)


# --------------------------------------------------------------------------- layout


def input_columns(cset: CriteriaSet) -> list[str]:
    """Input ids in criteria order: by the first criterion using them, then declared order."""
    declared = list(cset.inputs)
    first: dict[str, int] = {}
    for crit, item in cset.items():
        for name in item.rule.input_names:
            first.setdefault(name, crit.number)
    return sorted(declared, key=lambda n: (first.get(n, 10**9), declared.index(n)))


def _items_using(cset: CriteriaSet) -> dict[str, list[tuple[Any, Any]]]:
    using: dict[str, list[tuple[Any, Any]]] = {name: [] for name in cset.inputs}
    for crit, item in cset.items():
        for name in item.rule.input_names:
            using.setdefault(name, []).append((crit, item))
    return using


def _how_to_type(spec: Any) -> str:
    if spec.type == "boolean":
        return f"Nhập: {YES}/{NO}"
    if spec.type == "score":
        return f"Nhập điểm (số nguyên từ 0 đến {spec.max})" if spec.max is not None else "Nhập điểm (số nguyên ≥ 0)"
    unit = f" ({spec.unit.vi})" if spec.unit else ""
    return f"Nhập số nguyên ≥ 0{unit}"


def _comment_text(name: str, spec: Any, using: list[tuple[Any, Any]]) -> str:
    lines = []
    for crit, item in using:
        lines.append(f"Tiêu chí {crit.number}. {nfc(crit.name_vi)}")
        lines.append(f"{item.id}. {nfc(item.text.vi)}")
        if getattr(item.rule, "elements", None):
            lines += [f"  – {nfc(e.text.vi)}" for e in item.rule.elements if e.input == name]
        lines.append(f"({item.source})")
    if spec.help:
        lines.append(nfc(spec.help.vi))
    lines.append(_how_to_type(spec))
    lines.append(f"Mã chỉ số: {name}")
    return "\n".join(lines)


def _round_units(db: sqlite_utils.Database, round_id: int) -> list[dict[str, Any]]:
    """The communes of the round with their assessment, in Vietnamese dictionary order."""
    return list(db.query(
        "select a.id as assessment_id, a.status, a.declared, a.verified, a.declared_total, a.verified_total, "
        "a.recognised, a.result, a.version, a.updated_at, a.updated_by, "
        "u.id as unit_id, u.code, u.name, u.type, u.category, u.khu_vuc, u.parent_id "
        "from assessments a join units u on u.id = a.unit_id where a.round_id = ? "
        "order by u.sort_key, u.code", [round_id]))


def _display_name(unit: dict[str, Any]) -> str:
    return f"{TYPE_NAMES.get(unit['type'], unit['type'])} {unit['name']}"


def _cell_value(value: Any) -> Any:
    if isinstance(value, bool):
        return YES if value else NO
    return value


def _fill_declaration_sheet(ws: Worksheet, cset: CriteriaSet, units: list[dict[str, Any]],
                            values: dict[str, dict[str, Any]] | None = None) -> None:
    columns = input_columns(cset)
    using = _items_using(cset)
    append_row(ws, [CODE_LABEL, NAME_LABEL, *(nfc(cset.inputs[n].label.vi) for n in columns)])
    append_row(ws, ["code", "name", *columns])
    for col, name in enumerate(["code", "name", *columns], start=1):
        top, key = ws.cell(1, col), ws.cell(2, col)
        top.font = Font(bold=True)
        top.fill = _HEADER_FILL
        top.alignment = Alignment(wrap_text=True, vertical="top")
        key.font = _KEY_FONT
        if col > 2:
            comment = Comment(_comment_text(name, cset.inputs[name], using.get(name, [])), "cfc")
            comment.width, comment.height = 420, 260
            top.comment = comment
            ws.column_dimensions[get_column_letter(col)].width = 18
    ws.cell(1, 1).comment = Comment("Mã đơn vị hành chính cấp xã (5 chữ số). Không sửa cột này.", "cfc")
    ws.column_dimensions["A"].width = 10
    ws.column_dimensions["B"].width = 24
    ws.row_dimensions[1].height = 90
    for unit in units:
        declared = (values or {}).get(unit["unit_id"], {})
        append_row(ws, [unit["code"], _display_name(unit), *(_cell_value(declared.get(n)) for n in columns)])
        ws.cell(ws.max_row, 1).number_format = "@"
    ws.freeze_panes = XLSX_FROZEN
    last = max(ws.max_row, 3)
    booleans = [i for i, n in enumerate(columns, start=3) if cset.inputs[n].type == "boolean"]
    if booleans:
        dv = DataValidation(type="list", formula1=f'"{YES},{NO}"', allow_blank=True,
                            errorTitle="Giá trị không hợp lệ", error=f"Chỉ nhập «{YES}» hoặc «{NO}».")
        ws.add_data_validation(dv)
        for col in booleans:
            letter = get_column_letter(col)
            dv.add(f"{letter}3:{letter}{last}")


def _fill_guide(ws: Worksheet, rnd: dict[str, Any], cset: CriteriaSet) -> None:
    ws.column_dimensions["A"].width = 110
    for line in [
        f"Đợt đánh giá: {rnd['name']} ({rnd['year']})",
        f"Bộ tiêu chí: {nfc(cset.title.vi)} — {cset.id} {cset.version} (mã băm {rnd['criteria_hash']})",
        "",
        f"Điền số liệu vào trang «{DECLARATION_SHEET}», mỗi dòng một đơn vị; không sửa dòng 2 (mã chỉ số) "
        "và cột A (mã đơn vị).",
        f"Ô có/không: nhập «{YES}» hoặc «{NO}». Ô số lượng: số nguyên không âm.",
        "Để trống một ô thì giá trị đã lưu của ô đó được giữ nguyên; dòng để trống hoàn toàn được bỏ qua.",
        "Chỉ nhập được cho hồ sơ đang ở trạng thái "
        + " hoặc ".join(f"«{workflow.STATUS_NAMES[s]}»" for s in workflow.COMMUNE_EDITABLE) + ".",
        "Nếu tệp có lỗi, hệ thống không ghi dòng nào và liệt kê từng lỗi (dòng, cột, lý do).",
        "Di chuột vào tiêu đề cột để xem nội dung tiêu chí tương ứng.",
    ]:
        append_row(ws, [line])


def _save(wb: openpyxl.Workbook) -> bytes:
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def template_xlsx(db: sqlite_utils.Database, round_id: int) -> bytes:
    """A blank declaration workbook for every commune of the round (layout: module docstring)."""
    rnd = get_round(db, round_id)
    cset = criteria_for(db, rnd["criteria_hash"])
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = DECLARATION_SHEET
    _fill_declaration_sheet(ws, cset, _round_units(db, round_id))
    _fill_guide(wb.create_sheet(GUIDE_SHEET), rnd, cset)
    return _save(wb)


def template_csv(db: sqlite_utils.Database, round_id: int) -> str:
    """A blank CSV template: header ``code,name,<input ids>``, one row per commune.

    Returned as text without BOM; encode as ``utf-8-sig`` for Excel.
    """
    rnd = get_round(db, round_id)
    columns = input_columns(criteria_for(db, rnd["criteria_hash"]))
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(["code", "name", *columns])
    for unit in _round_units(db, round_id):
        writer.writerow(csv_row([unit["code"], _display_name(unit), *([""] * len(columns))]))
    return out.getvalue()


# --------------------------------------------------------------------------- reading files


def problem(row: int | None, column: str | None, field: str | None, value: Any, reason: str) -> dict[str, Any]:
    """One problem of an import file, in the shape every importer reports (row, column, field, value, reason)."""
    if not isinstance(value, (str, int, float, bool, type(None))):
        value = str(value)
    return {"row": row, "column": column, "field": field, "value": value, "reason": reason}


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _key(value: Any) -> str:
    return "" if value is None else nfc(str(value)).strip()


def _unreadable(reason: str, value: Any = None) -> UnreadableImport:
    return UnreadableImport([problem(None, None, None, value, reason)])


def _read_xlsx(data: bytes) -> list[list[Any]]:
    """The rows of the declaration sheet (else the first), refused beyond the limits of :mod:`scoring.limits`."""
    try:
        limits.check_zip(data)  # before openpyxl unzips anything: a small file may unzip to gigabytes
        wb = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        try:
            # by its name, else the first sheet that is neither the summary nor the guide (a file made before the
            # sheet's name changed, or renamed by hand)
            ws = wb[DECLARATION_SHEET] if DECLARATION_SHEET in wb.sheetnames else next(
                (w for w in wb.worksheets if w.title not in (SUMMARY_SHEET, GUIDE_SHEET)), wb.worksheets[0])
            ws.reset_dimensions()  # the sheet's declared size may lie: never pad rows to it
            rows: list[list[Any]] = []
            for number, row in enumerate(ws.iter_rows(values_only=True), start=1):
                if number > limits.MAX_ROWS:
                    raise limits.too_many_rows()
                if not all(_blank(v) for v in row[limits.MAX_COLUMNS:]):
                    raise limits.too_many_columns(number)
                rows.append(list(row[:limits.MAX_COLUMNS]))
            return rows
        finally:
            wb.close()
    except limits.UnreadableFile as exc:
        raise _unreadable(exc.vi) from exc
    except Exception as exc:  # noqa: BLE001  a damaged file fails in openpyxl or its XML parser in many ways
        raise _unreadable(limits.UNREADABLE_XLSX) from exc


def _read_csv(data: bytes) -> list[list[Any]]:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise _unreadable("tệp CSV không được mã hóa UTF-8 (hãy lưu lại dưới dạng «CSV UTF-8»)") from exc
    first = text.split("\n", 1)[0]
    delimiter = ";" if first.count(";") > first.count(",") else ","
    try:
        return limits.csv_rows(text, delimiter)
    except limits.UnreadableFile as exc:
        raise _unreadable(exc.vi) from exc


def read_table(data: bytes, filename: str) -> list[list[Any]]:
    """The rows of an XLSX or CSV file (by name, else by content); unreadable files raise UnreadableImport."""
    try:
        limits.check_size(len(data))
    except limits.UnreadableFile as exc:
        raise _unreadable(exc.vi) from exc
    name = (filename or "").lower()
    if name.endswith((".xlsx", ".xlsm")) or (not name.endswith(".csv") and data[:2] == b"PK"):
        return _read_xlsx(data)
    if name.endswith((".csv", ".txt")) or not name.rpartition(".")[1]:
        return [[from_csv(cell) for cell in row] for row in _read_csv(data)]
    raise _unreadable("chỉ nhận tệp Excel (.xlsx) hoặc CSV (.csv)", filename)


# --------------------------------------------------------------------------- import


def _normalise_code(raw: Any, known: Any) -> str:
    """The unit code as text; a number that lost its leading zeros gets them back if that names a unit."""
    if isinstance(raw, float) and raw.is_integer():
        raw = int(raw)
    code = _key(raw)
    if code not in known and code.isdigit() and len(code) < 5 and code.zfill(5) in known:
        code = code.zfill(5)  # a spreadsheet read "01267" as the number 1267
    return code


def _partners(cset: CriteriaSet) -> dict[str, list[str]]:
    """For each input, the inputs it is checked against (numerator ↔ denominator)."""
    out: dict[str, list[str]] = {}
    for _crit, item in cset.items():
        rule = item.rule
        pair = ((rule.numerator, rule.denominator) if rule.kind == "rate_bands"
                else (rule.count, rule.population) if rule.kind == "incidence_bands" else None)
        if pair:
            out.setdefault(pair[0], []).append(pair[1])
            out.setdefault(pair[1], []).append(pair[0])
    return out


class _Layout:
    """Which column holds the unit code and which hold which input."""

    def __init__(self, rows: list[list[Any]], cset: CriteriaSet):
        self.problems: list[dict[str, Any]] = []
        self.code_col: int | None = None
        self.inputs: dict[int, str] = {}
        first = rows[0] if rows else []
        second = rows[1] if len(rows) > 1 else []
        if any(_key(v).casefold() in CODE_KEYS for v in second):
            self.key_row, labels, keys = 2, first, second
        else:
            self.key_row, labels, keys = 1, [], first
        self.data_start = self.key_row + 1
        by_label = {nfc(s.label.vi).casefold(): n for n, s in cset.inputs.items()}
        width = max((len(r) for r in rows), default=0)
        seen: dict[str, int] = {}
        for col in range(width):
            key = _key(keys[col] if col < len(keys) else None)
            if not key:
                key = _key(labels[col] if col < len(labels) else None)
            folded = key.casefold()
            letter = get_column_letter(col + 1)
            if not key:
                if any(not _blank(r[col]) for r in rows[self.data_start - 1:] if col < len(r)):
                    self.problems.append(problem(self.key_row, letter, None, None,
                                                  "cột có dữ liệu nhưng không có mã chỉ số ở dòng tiêu đề"))
                continue
            if folded in CODE_KEYS:
                name = "code"
            elif folded in NAME_KEYS:
                name = "name"
            elif key in cset.inputs:
                name = key
            elif folded in by_label:
                name = by_label[folded]
            else:
                self.problems.append(problem(self.key_row, letter, key, key,
                                              InputProblem(key, "unknown_input").message("vi")))
                continue
            if name in seen:
                self.problems.append(problem(self.key_row, letter, name, key,
                                              f"cột trùng với cột {get_column_letter(seen[name] + 1)}"))
                continue
            seen[name] = col
            if name == "code":
                self.code_col = col
            elif name != "name":
                self.inputs[col] = name
        if self.code_col is None:
            self.problems.append(problem(self.key_row, None, "code", None,
                                          "thiếu cột mã đơn vị (tiêu đề «code» hoặc «Mã đơn vị»)"))


def _plan(db: sqlite_utils.Database, round_id: int, rows: list[list[Any]]
          ) -> tuple[list[tuple[dict[str, Any], dict[str, Any]]], list[dict[str, Any]]]:
    """Validate every row against the stored state; (writes to make, problems)."""
    rnd = get_round(db, round_id)
    cset = criteria_for(db, rnd["criteria_hash"])
    layout = _Layout(rows, cset)
    problems = list(layout.problems)
    partners = _partners(cset)
    in_round = {u["code"]: u for u in _round_units(db, round_id)}
    elsewhere = {r["code"]: r for r in db.query("select code, name, unit_set, type from units")}
    code_letter = get_column_letter(layout.code_col + 1) if layout.code_col is not None else None
    seen: dict[str, int] = {}
    writes: list[tuple[dict[str, Any], dict[str, Any]]] = []
    for index, row in enumerate(rows[layout.data_start - 1:], start=layout.data_start):
        cells = {layout.inputs[c]: (c, row[c]) for c in layout.inputs if c < len(row) and not _blank(row[c])}
        raw_code = row[layout.code_col] if layout.code_col is not None and layout.code_col < len(row) else None
        if not cells:
            continue  # nothing declared on this row
        if layout.code_col is None:
            unit = None
        elif _blank(raw_code):
            problems.append(problem(index, code_letter, "code", None, "thiếu mã đơn vị"))
            unit = None
        else:
            code = _normalise_code(raw_code, in_round.keys() | elsewhere.keys())
            unit = in_round.get(code)
            if code in seen:
                problems.append(problem(index, code_letter, "code", raw_code,
                                         f"mã đơn vị {code} trùng với dòng {seen[code]}"))
                unit = None
            elif unit is None and code in elsewhere:
                other = elsewhere[code]
                problems.append(problem(index, code_letter, "code", raw_code,
                                         f"đơn vị {code} ({TYPE_NAMES.get(other['type'], '')} {other['name']}) "
                                         "không thuộc đợt đánh giá này"))
            elif unit is None:
                problems.append(problem(index, code_letter, "code", raw_code,
                                         f"không có đơn vị hành chính nào mang mã {code}"))
            else:
                seen[code] = index
        stored = json.loads(unit["declared"]) if unit else {}
        merged_raw = {k: v for k, v in stored.items() if k not in cells} | {k: v for k, (_c, v) in cells.items()}
        typed, found = scoring.validate_inputs(merged_raw, cset, partial=True)
        for p in found:
            if p.field in cells:
                field, reason = p.field, p.message("vi")
            else:  # a stored value clashes with one in the file: point at the file's cell
                field = next((m for m in partners.get(p.field, []) if m in cells), None)
                if field is None:
                    continue  # not caused by this file
                mirror = p.mirrored()
                reason = (mirror.message("vi") if mirror
                          else f"giá trị đã lưu của «{cset.inputs[p.field].label.vi}» ({p.value}) {p.message('vi')}")
            col, value = cells[field]
            problems.append(problem(index, get_column_letter(col + 1), field, value, reason))
        if unit is None:
            continue
        changed = bool(found) or typed != stored
        if not changed:
            continue
        if unit["status"] not in workflow.COMMUNE_EDITABLE:
            allowed = ", ".join(workflow.STATUS_NAMES[s] for s in workflow.COMMUNE_EDITABLE)
            problems.append(problem(
                index, code_letter, "code", raw_code,
                f"hồ sơ của đơn vị {unit['code']} đang ở trạng thái «{workflow.STATUS_NAMES[unit['status']]}», "
                f"không sửa được số liệu tự đánh giá (chỉ sửa được khi: {allowed})"))
            continue
        writes.append((unit, typed))
    order = {get_column_letter(c + 1): c for c in range(max((len(r) for r in rows), default=0) + 1)}
    problems.sort(key=lambda p: (p["row"] or 0, order.get(p["column"], -1)))
    return writes, problems


def import_declared(db: sqlite_utils.Database, round_id: int, data: bytes, filename: str, actor: str) -> int:
    """Save the declared values of an XLSX or CSV file, all or nothing; the number of units written.

    Raises :class:`ImportRejected` listing every problem (row, column, field, value, reason)
    when anything in the file is wrong; nothing is written then.
    """
    rows = read_table(data, filename)
    # One write transaction around validation and writing: nobody can change an assessment
    # between the check and the write, and any failure leaves the database untouched.
    with transaction(db):
        writes, problems = _plan(db, round_id, rows)
        if problems:
            raise ImportRejected(problems)
        for unit, typed in writes:
            workflow.record_declaration(db, workflow.load(db, unit["assessment_id"]), typed, actor)
        written = len(writes)
        if written:
            audit.record(db, actor, "import", "round", round_id, "declared", None,
                         {"filename": filename, "units": written}, f"nhập từ tệp {filename}")
    return written


# --------------------------------------------------------------------------- export


def _grouped(db: sqlite_utils.Database, sql: str, round_id: int) -> dict[int, list[dict[str, Any]]]:
    out: dict[int, list[dict[str, Any]]] = {}
    for r in db.query(sql, [round_id]):
        out.setdefault(r.pop("assessment_id"), []).append(r)
    return out


def _criteria_points(result: str | None) -> dict[int, int]:
    if not result:
        return {}
    return {int(n): points for n, points in json.loads(result)["criteria"].items()}


def export_json(db: sqlite_utils.Database, round_id: int) -> dict[str, Any]:
    """The whole round as JSON-ready data: metadata, criteria pin and every assessment."""
    rnd = get_round(db, round_id)
    cset = criteria_for(db, rnd["criteria_hash"])
    where = "from {t} x join assessments a on a.id = x.assessment_id where a.round_id = ?"
    evidence = _grouped(db, "select x.assessment_id, x.item_id, x.note, x.updated_by, x.updated_at "
                        + where.format(t="evidence") + " order by x.item_id", round_id)
    reviews = _grouped(db, "select x.assessment_id, x.criterion, x.status, x.comment, x.reviewer, x.at "
                       + where.format(t="reviews") + " order by x.criterion", round_id)
    decisions = _grouped(db, "select x.* " + where.format(t="decisions"), round_id)
    assessments = []
    for u in _round_units(db, round_id):
        aid = u["assessment_id"]
        verified = json.loads(u["verified"])
        decision = decisions.get(aid, [None])[0]
        assessments.append({
            "id": aid,
            "unit": {"id": u["unit_id"], "code": u["code"], "name": u["name"], "type": u["type"],
                     "type_name": TYPE_NAMES.get(u["type"]), "category": u["category"],
                     "khu_vuc": u["khu_vuc"], "full_name": full_name(db, u)},
            "status": u["status"], "status_name": workflow.STATUS_NAMES[u["status"]],
            "version": u["version"],
            "declared": json.loads(u["declared"]), "verified": verified,
            "declared_total": u["declared_total"], "verified_total": u["verified_total"],
            "recognised": None if u["recognised"] is None else bool(u["recognised"]),
            "result_basis": None if not u["result"] else ("verified" if verified else "declared"),
            "criteria_points": {str(n): p for n, p in _criteria_points(u["result"]).items()},
            "evidence": {e["item_id"]: {k: e[k] for k in ("note", "updated_by", "updated_at")}
                         for e in evidence.get(aid, [])},
            "reviews": {str(r["criterion"]): {k: r[k] for k in ("status", "comment", "reviewer", "at")}
                        for r in reviews.get(aid, [])},
            "decision": decision,
            "updated_at": u["updated_at"], "updated_by": u["updated_by"],
        })
    return {
        "format": EXPORT_FORMAT, "format_version": 1, "exported_at": audit.now(),
        "round": {
            "id": rnd["id"], "name": rnd["name"], "year": rnd["year"], "profile": rnd["profile"],
            "unit_set": rnd["unit_set"], "submission_deadline": rnd["submission_deadline"],
            "review_deadline": rnd["review_deadline"], "created_at": rnd["created_at"],
            "criteria": {"id": rnd["criteria_id"], "version": rnd["criteria_version"],
                         "hash": rnd["criteria_hash"], "title": cset.title.vi},
        },
        "inputs": input_columns(cset),
        "assessments": assessments,
    }


def export_xlsx(db: sqlite_utils.Database, round_id: int) -> bytes:
    """Sheets «Tổng hợp» (status, totals, verdict, points per criterion) and «Số liệu tự đánh giá»
    (declared values in the template layout, so the sheet can be imported again)."""
    rnd = get_round(db, round_id)
    cset = criteria_for(db, rnd["criteria_hash"])
    units = _round_units(db, round_id)
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = SUMMARY_SHEET
    numbers = [c.number for c in cset.criteria]
    append_row(ws, [CODE_LABEL, NAME_LABEL, "Trạng thái", "Tổng điểm tự đánh giá", "Tổng điểm thẩm định",
               "Đạt chuẩn", "Điểm tính theo", *(f"Tiêu chí {n}" for n in numbers)])
    for col, crit in enumerate(cset.criteria, start=8):
        ws.cell(1, col).comment = Comment(f"{nfc(crit.name_vi)} (tối đa {crit.max_points} điểm)", "cfc")
    for cell in ws[1]:
        cell.font = Font(bold=True)
        cell.fill = _HEADER_FILL
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    for u in units:
        points = _criteria_points(u["result"])
        basis = None if not u["result"] else ("thẩm định" if json.loads(u["verified"]) else "tự đánh giá")
        recognised = None if u["recognised"] is None else ("Có" if u["recognised"] else "Không")
        append_row(ws, [u["code"], _display_name(u), workflow.STATUS_NAMES[u["status"]], u["declared_total"],
                   u["verified_total"], recognised, basis, *(points.get(n) for n in numbers)])
        ws.cell(ws.max_row, 1).number_format = "@"
    ws.freeze_panes = "C2"
    ws.column_dimensions["B"].width = 24
    declared = {u["unit_id"]: json.loads(u["declared"]) for u in units}
    _fill_declaration_sheet(wb.create_sheet(DECLARATION_SHEET), cset, units, declared)
    return _save(wb)


def export_json_text(db: sqlite_utils.Database, round_id: int) -> str:
    """:func:`export_json` as UTF-8-ready text (Vietnamese kept readable)."""
    return json.dumps(export_json(db, round_id), ensure_ascii=False, indent=2)


__all__ = ["template_xlsx", "template_csv", "import_declared", "export_json", "export_json_text",
                          "export_xlsx", "input_columns"]
