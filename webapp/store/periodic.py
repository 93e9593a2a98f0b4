"""Periodic reports to the province: 6 months (before 25 May) and the year (before 20 November).

The provincial plan asks districts and departments to report the results for 6 months and
for the year (docs: shared reference ``ntm-linkage.md``, "reporting calendar"). A report
covers one round within one scope (a unit and everything under it; None: all units) and is
computed only from the stored assessments, with the dashboard's rules:

- units: every assessment of the round in scope; evaluated: status other than draft;
  recognised: status ``recognised``; % recognised = recognised / units, against the national
  targets 65% (2025) and 75% (2030);
- per-criterion pass rates and failing criteria use the evaluated units' stored summaries
  (a criterion passes with points > 0);
- NTM child-related indicators are computed with :func:`scoring.ntm.evaluate_ntm` from each
  evaluated unit's stored values (verified if any, else declared);
- the change is measured against the latest round of an earlier year on the same units; against a
  round on the units before the 2025 reform, each unit is classified instead by what the units it was
  formed from achieved (``lineage.cross_reform``), never by subtracting counts of different units;
- not submitted: the units still in draft.

Pure functions: ``period_report`` reads the database; ``period_xlsx`` turns the report into
bytes and ``period_context`` into the data of the ``period`` document (``certificates.render``).
"""
from __future__ import annotations

import datetime as dt
import io
import json
from dataclasses import dataclass, field
from typing import Any

import sqlite_utils

from criteria import CriteriaSet
from scoring.cells import append_row

from . import lineage, ntm_drafts, scopes, units, vietnamese, workflow
from .ntm import NTM_SET_OF_UNIT_SET
from .profiles import HIGHER_BODY
from .rounds import criteria_for, get_round
from .sheets import add_sheet as _sheet
from .specimen import doc_flags
from .vietnamese import nfc, upper

KINDS = {"annual": (11, 20), "six-month": (5, 25)}
KIND_NAMES = {"annual": "năm", "six-month": "6 tháng"}
TARGETS = ((2025, 65), (2030, 75))  # QĐ 23/QĐ-TTg 2021, as on the dashboard
NTM_STATUSES = ("đạt", "không đạt", "thiếu dữ liệu")
TOP_FAILING = 5


@dataclass
class PeriodReport:
    round: dict[str, Any]
    kind: str
    kind_name: str
    today: dt.date
    due: dt.date
    next_due: dt.date
    scope_unit_id: str | None
    scope_name: str
    units: int
    evaluated: int
    recognised: int
    share: float | None
    targets: list[dict[str, Any]]
    criteria: list[dict[str, Any]]
    failing: list[dict[str, Any]]
    ntm_set: str | None
    ntm: list[dict[str, Any]]
    rows: list[dict[str, Any]]
    not_submitted: list[dict[str, Any]]
    previous: dict[str, Any] | None
    issuer_lines: list[str]
    notes: list[str] = field(default_factory=list)
    summary: list[dict[str, Any]] = field(default_factory=list)
    ntm_edition: str = ""
    """The NTM set's version as documents name it (:func:`ntm_drafts.edition`; its id ``ntm_set`` is never shown)."""
    """One row per district (before the 2025 reform) or one for the whole scope (after), then the total."""
    summary_by: str = "Huyện, thành phố"
    doc: dict[str, Any] = field(default_factory=dict)
    """Specimen flags of the round's criteria set (:func:`specimen.doc_flags`)."""
    issuer: dict[str, Any] = field(default_factory=dict)
    """The issuing body's place name (địa danh) and whom the report goes to (``Kính gửi``)."""


def due_dates(kind: str, year: int, today: dt.date) -> tuple[dt.date, dt.date]:
    """The round year's due date for ``kind`` and the next one on or after ``today``."""
    if kind not in KINDS:
        raise ValueError(f"unknown report kind {kind!r} (known: {', '.join(KINDS)})")
    month, day = KINDS[kind]
    this_year = dt.date(today.year, month, day)
    return dt.date(year, month, day), this_year if today <= this_year else dt.date(today.year + 1, month, day)


_ROWS_SQL = """
    select a.id, a.unit_id, a.status, a.declared, a.verified, a.result,
           u.code, u.name, u.type, u.sort_key, u.khu_vuc, p.name as parent_name, p.type as parent_type
    from assessments a join units u on u.id = a.unit_id left join units p on p.id = u.parent_id
    where a.round_id = ? {scoped}
    order by u.sort_key, u.id
"""


def _rows(db: sqlite_utils.Database, round_id: int, scope: str | None) -> list[dict[str, Any]]:
    query = scopes.covered_sql(_ROWS_SQL, scope is not None)
    out = []
    for row in db.query(query, [scope or "", round_id]):
        row["summary"] = json.loads(row["result"]) if row["result"] else None
        row["display_name"] = f"{units.TYPE_NAMES.get(row['type'], '')} {row['name']}".strip()
        row["district"] = (f"{units.TYPE_NAMES.get(row['parent_type'], '')} {row['parent_name']}".strip()
                           if row["parent_name"] and row["parent_type"] != "tinh" else "")
        out.append(row)
    return out


def _share(part: int, whole: int) -> float | None:
    return part * 100 / whole if whole else None


def _verdict(row: dict[str, Any]) -> str:
    if row["status"] == "draft" or not row["summary"]:
        return "Chưa nộp hồ sơ"
    return "Đủ điều kiện công nhận" if row["summary"]["recognised"] else "Chưa đủ điều kiện công nhận"


def _previous(db: sqlite_utils.Database, rnd: dict[str, Any], current: list[dict[str, Any]],
              recognised: int) -> dict[str, Any] | None:
    """The latest round of an earlier year: on the same units, the change in recognised units; on the units
    before a reform, each current unit classified by what the units it was formed from achieved
    (``lineage.cross_reform``), since subtracting counts of different units says nothing."""
    prev = next(db.query("select id, year, name, unit_set from rounds where year < ? order by year desc, id desc "
                         "limit 1", [rnd["year"]]), None)
    if prev is None:
        return None
    if prev["unit_set"] != rnd["unit_set"]:
        cross = lineage.cross_reform(db, rnd, [r["unit_id"] for r in current], prev)
        if cross is None:
            return None
        return {"round_id": prev["id"], "year": prev["year"], "name": prev["name"], "same_units": False,
                "units": cross.earlier_units, "recognised": cross.earlier_recognised,
                "share": _share(cross.earlier_recognised, cross.earlier_units), "cross": cross,
                "sentence": cross.sentence()}
    ids = {r["unit_id"] for r in current}
    rows = [r for r in db.query("select unit_id, status from assessments where round_id = ?", [prev["id"]])
            if r["unit_id"] in ids]
    prev_recognised = sum(1 for r in rows if r["status"] == "recognised")
    share_now, share_then = _share(recognised, len(current)), _share(prev_recognised, len(rows))
    return {
        "round_id": prev["id"], "year": prev["year"], "name": prev["name"], "same_units": True, "units": len(rows),
        "recognised": prev_recognised, "share": share_then,
        "recognised_change": recognised - prev_recognised,
        "recognised_change_pct": ((recognised - prev_recognised) * 100 / prev_recognised) if prev_recognised else None,
        "share_change_points": (share_now - share_then) if share_now is not None and share_then is not None else None,
    }


def _summary_row(name: str, rows: list[dict[str, Any]]) -> dict[str, Any]:
    """Units, evaluated, recognised, % recognised against the national targets, not submitted."""
    recognised = sum(1 for r in rows if r["status"] == "recognised")
    share = _share(recognised, len(rows))
    return {"name": name, "units": len(rows), "evaluated": sum(1 for r in rows if r["status"] != "draft" and r["summary"]),
            "recognised": recognised, "share": share, "not_submitted": sum(1 for r in rows if r["status"] == "draft"),
            "gaps": [None if share is None else max(0.0, target - share) for _, target in TARGETS], "total": False}


def summary(rows: list[dict[str, Any]], scope_name: str) -> tuple[str, list[dict[str, Any]]]:
    """The summary table: per district while units have districts (before 2025), else one row for the scope;
    the last row is the total."""
    districts: dict[str, list[dict[str, Any]]] = {}
    for r in rows:
        if r["district"]:
            districts.setdefault(r["district"], []).append(r)
    if not districts or len(districts) == 1 and len(districts[next(iter(districts))]) == len(rows):
        return "Phạm vi", [{**_summary_row(scope_name, rows), "total": True}]
    parts = [_summary_row(name, group) for name, group in districts.items()]
    others = [r for r in rows if not r["district"]]
    if others:
        parts.append(_summary_row("Đơn vị trực thuộc tỉnh", others))
    return "Huyện, thành phố", [*parts, {**_summary_row("Tổng cộng", rows), "total": True}]


def due_text(report: PeriodReport) -> str:
    """``20/11/2024 (đã quá hạn; kỳ tiếp theo: 20/11/2025)``: the round's due date, said to be past when it
    is, and the next due date only when it is another day."""
    text = vietnamese.short_date(report.due)
    notes = ["đã quá hạn"] if report.today > report.due else []
    if report.next_due != report.due:
        notes.append(f"kỳ tiếp theo: {vietnamese.short_date(report.next_due)}")
    return f"{text} ({'; '.join(notes)})" if notes else text


def _ntm(db: sqlite_utils.Database, ntm_set_id: str | None, evaluated: list[dict[str, Any]],
         cset: CriteriaSet) -> tuple[list[dict[str, Any]], list[str]]:
    if ntm_set_id is None:
        return [], ["Chưa có bộ tiêu chí nông thôn mới cho bộ đơn vị hành chính của đợt này."]
    from scoring.ntm import cao_bang_ntm_area, evaluate_ntm, labels_of

    labels = labels_of(cset)
    nset = ntm_drafts.current(db, ntm_set_id)
    table = {ind.id: {"id": ind.id, "criterion": ind.criterion, "wording": nfc(ind.wording_vi),
                      **{s: 0 for s in NTM_STATUSES}} for ind in nset.indicators}
    notes: list[str] = []
    for row in evaluated:
        values = json.loads(row["verified"] or "{}") or json.loads(row["declared"] or "{}")
        try:
            area = cao_bang_ntm_area(ntm_set_id, row["khu_vuc"]).area
            statuses = evaluate_ntm(nset, values, area, labels)
        except ValueError:  # no NTM region or group is known for the unit
            notes.append(f"{row['display_name']}: không tính được chỉ tiêu nông thôn mới "
                         f"(chưa xác định được vùng, nhóm áp dụng).")
            for entry in table.values():
                entry["thiếu dữ liệu"] += 1
            continue
        for st in statuses:
            table[st.indicator_id][st.status] += 1
    return list(table.values()), notes


def period_report(db: sqlite_utils.Database, round_id: int, scope_unit_id: str | None = None,
                  kind: str = "annual", today: dt.date | None = None) -> PeriodReport:
    """The 6-month or annual report of ``round_id`` within ``scope_unit_id`` (None: all units)."""
    today = today or vietnamese.today()
    rnd = get_round(db, round_id)
    due, next_due = due_dates(kind, rnd["year"], today)
    cset = criteria_for(db, rnd["criteria_hash"])
    scope_name = "Toàn bộ các đơn vị"
    if scope_unit_id is not None:
        scope_name = units.full_name(db, units.get_unit(db, scope_unit_id))  # NotFound for an unknown unit
    rows = _rows(db, round_id, scope_unit_id)
    evaluated = [r for r in rows if r["status"] != "draft" and r["summary"]]
    recognised = sum(1 for r in rows if r["status"] == "recognised")
    share = _share(recognised, len(rows))
    per_criterion = []
    for c in cset.criteria:
        points = [r["summary"]["criteria"].get(str(c.number)) for r in evaluated]
        passed = sum(1 for p in points if p is not None and p > 0)
        per_criterion.append({"number": c.number, "name": nfc(c.name_vi), "evaluated": len(evaluated),
                              "passed": passed, "failed": len(evaluated) - passed,
                              "pass_rate": _share(passed, len(evaluated))})
    failing = sorted((c for c in per_criterion if c["failed"]), key=lambda c: (-c["failed"], c["number"]))
    ntm_set_id = NTM_SET_OF_UNIT_SET.get(rnd["unit_set"])
    ntm, notes = _ntm(db, ntm_set_id, evaluated, cset)
    listed = [{"code": r["code"], "name": r["display_name"], "district": r["district"],
               "status": workflow.STATUS_NAMES[r["status"]],
               "total": r["summary"]["total"] if r["summary"] and r["status"] != "draft" else None,
               "verdict": _verdict(r), "recognised": r["status"] == "recognised"} for r in rows]
    by, table = summary(rows, scope_name)
    return PeriodReport(
        round=rnd, kind=kind, kind_name=KIND_NAMES[kind], today=today, due=due, next_due=next_due,
        scope_unit_id=scope_unit_id, scope_name=scope_name, units=len(rows), evaluated=len(evaluated),
        recognised=recognised, share=share,
        targets=[{"year": y, "target": t, "met": share is not None and share >= t,
                  "gap": None if share is None else t - share} for y, t in TARGETS],
        criteria=per_criterion, failing=failing[:TOP_FAILING], ntm_set=ntm_set_id, ntm=ntm, rows=listed,
        not_submitted=[x for x, r in zip(listed, rows, strict=True) if r["status"] == "draft"],
        ntm_edition=ntm_drafts.edition(db, ntm_set_id) if ntm_set_id else "",
        previous=_previous(db, rnd, rows, recognised), issuer_lines=issuer_lines(db, scope_unit_id), notes=notes,
        summary=table, summary_by=by, doc=doc_flags(cset), issuer=report_issuer(db, scope_unit_id, rnd["profile"]))


# ---- XLSX --------------------------------------------------------------------------------------

PCT = "0.0"  # percent values are stored as numbers 0–100
INT = "#,##0"
DATE = "dd/mm/yyyy"


def period_xlsx(report: PeriodReport) -> bytes:
    """One sheet per table of the PDF (general facts, the summary by district or scope, criteria, NTM, not
    submitted, the unit list), Vietnamese headers, frozen header row, number formats."""
    import openpyxl
    from openpyxl.styles import Alignment

    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    r = report
    prev = r.previous
    general = [
        ["Đợt đánh giá", r.round["name"], None],
        ["Năm", r.round["year"], INT],
        ["Kỳ báo cáo", f"Báo cáo {r.kind_name}", None],
        ["Phạm vi", r.scope_name, None],
        ["Hạn báo cáo của kỳ", r.due, DATE],
        ["Hạn báo cáo tiếp theo", r.next_due, DATE],
        ["Ngày lập báo cáo", r.today, DATE],
        ["Số đơn vị", r.units, INT],
        ["Số đơn vị đã đánh giá", r.evaluated, INT],
        ["Số đơn vị được công nhận", r.recognised, INT],
        ["Tỷ lệ được công nhận (%)", r.share, PCT],
        *([f"Mục tiêu {t['year']} (%)", t["target"], INT] for t in r.targets),
        ["Số đơn vị chưa nộp hồ sơ", len(r.not_submitted), INT],
        ["Đợt so sánh (năm trước)", prev["name"] if prev else "Không có", None],
        ["Số đơn vị được công nhận năm trước", prev["recognised"] if prev else None, INT],
        ["Tỷ lệ được công nhận năm trước (%)", prev["share"] if prev else None, PCT],
        *([["Thay đổi số đơn vị được công nhận", prev["recognised_change"] if prev else None, "+#,##0;-#,##0;0"],
           ["Thay đổi tỷ lệ (điểm %)", prev["share_change_points"] if prev else None, "+0.0;-0.0;0.0"]]
          if not prev or prev["same_units"] else
          [["Số đơn vị trước sắp xếp trong đợt so sánh", prev["units"], INT],
           ["So sánh qua sắp xếp đơn vị hành chính", prev["sentence"], None]]),
    ]
    ws = _sheet(wb, "Tổng hợp", ["Chỉ tiêu", "Giá trị"], [], {}, {1: 40, 2: 60})
    for label, value, fmt in general:
        append_row(ws, [label, value])
        if fmt:
            ws.cell(ws.max_row, 2).number_format = fmt
        ws.cell(ws.max_row, 2).alignment = Alignment(horizontal="left")
    _sheet(wb, "Theo đơn vị", [r.summary_by, "Số đơn vị", "Số đã đánh giá", "Số được công nhận", "Tỷ lệ được công nhận (%)",
                               *(f"Còn thiếu so với mục tiêu {t['year']} (điểm %)" for t in r.targets),
                               "Chưa nộp hồ sơ"],
           [[x["name"], x["units"], x["evaluated"], x["recognised"], x["share"], *x["gaps"], x["not_submitted"]]
            for x in r.summary], {2: INT, 3: INT, 4: INT, 5: PCT, 6: PCT, 7: PCT, 8: INT}, {1: 28})
    _sheet(wb, "Theo tiêu chí", ["Tiêu chí", "Tên tiêu chí", "Số đơn vị đã đánh giá", "Số đơn vị có điểm",
                                 "Số đơn vị 0 điểm", "Tỷ lệ đạt (%)"],
           [[c["number"], c["name"], c["evaluated"], c["passed"], c["failed"], c["pass_rate"]] for c in r.criteria],
           {1: "0", 3: INT, 4: INT, 5: INT, 6: PCT}, {2: 50})
    _sheet(wb, "Nông thôn mới", ["Tiêu chí nông thôn mới", "Chỉ tiêu", "Đạt", "Không đạt", "Thiếu dữ liệu"],
           [[n["criterion"], n["wording"], n["đạt"], n["không đạt"], n["thiếu dữ liệu"]] for n in r.ntm],
           {1: "0", 3: INT, 4: INT, 5: INT}, {2: 60})
    _sheet(wb, "Danh sách đơn vị", ["STT", "Mã", "Đơn vị", "Huyện, thành phố", "Trạng thái", "Tổng điểm", "Kết luận"],
           [[i, x["code"], x["name"], x["district"], x["status"], x["total"], x["verdict"]]
            for i, x in enumerate(r.rows, start=1)], {1: "0", 2: "@", 6: INT}, {3: 28, 4: 24, 5: 22, 7: 28})
    _sheet(wb, "Chưa nộp", ["STT", "Mã", "Đơn vị", "Huyện, thành phố", "Trạng thái"],
           [[i, x["code"], x["name"], x["district"], x["status"]] for i, x in enumerate(r.not_submitted, start=1)],
           {1: "0", 2: "@"}, {3: 28, 4: 24, 5: 22})
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


# ---- PDF ---------------------------------------------------------------------------------------

def period_context(report: PeriodReport) -> dict[str, Any]:
    """Plain data for the ``period`` document (``certificates.render``: ``period.html``)."""
    return {"r": report, "issuer": {"lines": report.issuer_lines}, "place": report.issuer["place"],
            "date": report.today, "doc": report.doc, "recipient": report.issuer["recipient"],
            "number_text": "\u00a0" * 9 + "/BC-UBND", "signer": {"title_lines": ["TM. ỦY BAN NHÂN DÂN", "CHỦ TỊCH"],
                                                                 "name": ""},
            "recipients": ["Như trên;", "Lưu: VT."], "due": due_text(report)}


def report_issuer(db: sqlite_utils.Database, scope_unit_id: str | None, profile_id: str) -> dict[str, Any]:
    """The place name of the issuing body (its own, not always the province's) and whom it reports to: a
    district to the province, the province to the ministry (``profiles.HIGHER_BODY``)."""
    unit = units.get_unit(db, scope_unit_id) if scope_unit_id else None
    while unit is not None and unit["type"] not in (*units.TIER_TYPES["district"], *units.TIER_TYPES["province"]):
        unit = units.get_unit(db, unit["parent_id"]) if unit["parent_id"] else None  # a commune's: its district's
    parent = units.get_unit(db, unit["parent_id"]) if unit is not None and unit["parent_id"] else None
    return {"place": unit["name"] if unit else "Cao Bằng",
            "recipient": (f"Ủy ban nhân dân {units.TYPE_NAMES[parent['type']].lower()} {parent['name']}"
                          if parent else HIGHER_BODY[profile_id])}


def issuer_lines(db: sqlite_utils.Database, scope_unit_id: str | None) -> list[str]:
    """``ỦY BAN NHÂN DÂN / HUYỆN THẠCH AN`` for a scope (the province when none or a commune's)."""
    if scope_unit_id:
        unit = units.get_unit(db, scope_unit_id)
        return ["ỦY BAN NHÂN DÂN", upper(f"{units.TYPE_NAMES[unit['type']].lower()} {unit['name']}")]
    return ["ỦY BAN NHÂN DÂN", "TỈNH CAO BẰNG"]
