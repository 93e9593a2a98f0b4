"""TT 13/2021 statistics of a round within a jurisdiction: per commune, per district (before the 2025 reform),
for the whole scope, and the trend over the years across the reform.

- The communes are the round's assessments within the scope (``scopes.covered_sql``: a scope since the reform
  reaches back to the communes its units were formed from, so the province's trend spans the reform).
- A draft is not reporting (its values are not submitted). A file the reviewer has verified (status «Đã thẩm
  định» or later) gives its verified values; any other submitted file gives its declared values, and the
  report says how many of each it used.
- A commune lacking an input of an indicator is not reporting for it (``scoring.statistics``), never a 0.
- The trend takes, for each year up to the round's, the latest round of that year (the round itself for its
  own year); district figures exist only for rounds on the units before the reform.

``round_statistics`` reads the database; ``statistics_json``, ``statistics_xlsx`` and ``statistics_context``
turn the result into the API's answer, the Excel file and the data of the ``statistics`` document.
"""
from __future__ import annotations

import datetime as dt
import io
import json
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

import sqlite_utils

import criteria.statistics
from criteria.statistics.schema import ANNEXES, LEVEL_NAMES, Communes, Indicator, StatisticsSet, SumOf, YesCount
from scoring.numbers import format_number
from scoring.statistics import Aggregate, Figure, aggregate, commune_figure

from . import periodic, scopes, units, vietnamese, workflow
from .rounds import get_round
from .sheets import add_sheet

SET_ID = "tt13-2021"
REVIEWED = ("verified", "recognised", "not_recognised", "revoked")
"""Statuses whose figures the reviewer has confirmed: the verified values are used."""
VERIFIED, DECLARED, DRAFT = "verified", "declared", "draft"
SOURCE_NAMES = {VERIFIED: workflow.STATUS_NAMES["verified"], DECLARED: "Số liệu tự đánh giá", DRAFT: "Chưa nộp hồ sơ"}
UNVERIFIED = "(chưa xác minh)"
DIRECT = "Đơn vị trực thuộc tỉnh"


@dataclass(frozen=True)
class Commune:
    """One commune of the round: where its figures come from and its figure for each indicator (None: not
    reporting)."""

    assessment_id: int
    unit_id: str
    code: str
    name: str
    district: str
    status: str
    source: str
    """``verified``, ``declared`` or ``draft`` (a draft reports nothing)."""
    figures: dict[str, Figure | None]


@dataclass(frozen=True)
class Area:
    """A group of communes (a district, the whole scope) and each indicator's aggregate over it."""

    name: str
    cells: dict[str, Aggregate]


@dataclass(frozen=True)
class TrendPoint:
    """The latest round of a year: the scope's aggregates, and the districts' before the reform."""

    year: int
    round_id: int
    round_name: str
    reform: bool
    """The first year on another unit set than the year before (the 2025 reform)."""
    two_tier: bool
    total: Area
    districts: list[Area]


@dataclass
class RoundStatistics:
    round: dict[str, Any]
    sset: StatisticsSet
    scope_unit_id: str | None
    scope_name: str
    communes: list[Commune]
    total: Area
    districts: list[Area]
    two_tier: bool
    """True when the round's communes have no district (since the 2025 reform)."""
    trend: list[TrendPoint]
    today: dt.date
    issuer_lines: list[str] = field(default_factory=list)
    issuer: dict[str, Any] = field(default_factory=dict)

    def count(self, source: str) -> int:
        return sum(1 for c in self.communes if c.source == source)

    @property
    def provisional(self) -> bool:
        return any(i.provisional for i in self.sset.indicators)


_ROWS_SQL = """
    select a.id, a.unit_id, a.status, a.declared, a.verified, u.code, u.name, u.type, u.sort_key,
           p.name as parent_name, p.type as parent_type
    from assessments a join units u on u.id = a.unit_id left join units p on p.id = u.parent_id
    where a.round_id = ? {scoped}
    order by u.sort_key, u.id
"""


def _values(row: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    if row["status"] == "draft":
        return DRAFT, {}
    if row["status"] in REVIEWED and row["verified"]:
        return VERIFIED, json.loads(row["verified"])
    return DECLARED, json.loads(row["declared"] or "{}")


def communes(db: sqlite_utils.Database, round_id: int, scope: str | None, sset: StatisticsSet) -> list[Commune]:
    """The round's communes within ``scope`` (None: all), each with its figure for every indicator."""
    out = []
    for row in db.query(scopes.covered_sql(_ROWS_SQL, scope is not None), [scope or "", round_id]):
        source, values = _values(row)
        district = ""
        if row["parent_type"] in units.TIER_TYPES["district"]:
            district = f"{units.TYPE_NAMES[row['parent_type']]} {row['parent_name']}"
        out.append(Commune(row["id"], row["unit_id"], row["code"],
                           f"{units.TYPE_NAMES.get(row['type'], '')} {row['name']}".strip(), district, row["status"],
                           source, {i.id: None if source == DRAFT else commune_figure(i, values)
                                    for i in sset.indicators}))
    return out


def area(name: str, sset: StatisticsSet, members: list[Commune]) -> Area:
    return Area(name, {i.id: aggregate(i, (c.figures[i.id] for c in members)) for i in sset.indicators})


def districts(sset: StatisticsSet, members: list[Commune]) -> list[Area]:
    """One area per district in the communes' order, then the communes directly under the province;
    empty when no commune has a district (since the reform)."""
    groups: dict[str, list[Commune]] = {}
    for c in members:
        groups.setdefault(c.district, []).append(c)
    if set(groups) <= {""}:
        return []
    return [area(name or DIRECT, sset, group) for name, group in sorted(groups.items(), key=lambda kv: kv[0] == "")]


def trend(db: sqlite_utils.Database, rnd: dict[str, Any], scope: str | None, sset: StatisticsSet,
          scope_name: str) -> list[TrendPoint]:
    """For each year up to the round's: the latest round of that year (the round itself for its year)."""
    latest = {r["year"]: r for r in db.query("select id, name, year, unit_set from rounds where year <= ? "
                                             "order by year, id", [rnd["year"]])}
    latest[rnd["year"]] = rnd
    points, before = [], None
    for year, r in sorted(latest.items()):
        members = communes(db, r["id"], scope, sset)
        parts = districts(sset, members)
        points.append(TrendPoint(year, r["id"], r["name"], before is not None and r["unit_set"] != before,
                                 not parts, area(scope_name, sset, members), parts))
        before = r["unit_set"]
    return points


def round_statistics(db: sqlite_utils.Database, round_id: int, scope_unit_id: str | None = None,
                     today: dt.date | None = None, set_id: str = SET_ID) -> RoundStatistics:
    """The statistics of ``round_id`` within ``scope_unit_id`` (None: every unit); NotFound for either unknown."""
    rnd = get_round(db, round_id)
    sset = criteria.statistics.get(set_id)
    scope_name = "Toàn bộ các đơn vị"
    if scope_unit_id is not None:
        scope_name = units.full_name(db, units.get_unit(db, scope_unit_id))
    members = communes(db, round_id, scope_unit_id, sset)
    parts = districts(sset, members)
    return RoundStatistics(
        round=rnd, sset=sset, scope_unit_id=scope_unit_id, scope_name=scope_name, communes=members,
        total=area(scope_name, sset, members), districts=parts, two_tier=not parts,
        trend=trend(db, rnd, scope_unit_id, sset, scope_name), today=today or vietnamese.today(),
        issuer_lines=periodic.issuer_lines(db, scope_unit_id),
        issuer=periodic.report_issuer(db, scope_unit_id, rnd["profile"]))


# ---- How a figure is written --------------------------------------------------------------------------


def code_text(ind: Any) -> str:
    """``TT13-XH-0101``, ``TT13-TE-0301 (chưa xác minh)``, or «—» without a code."""
    full = ind.full_code
    if full is None:
        return "—"
    return full if ind.code_verified else f"{full} {UNVERIFIED}"


def name_text(ind: Any) -> str:
    """The indicator's Vietnamese name, marked «*» when its name and content are not confirmed against the
    circular (:func:`provisional_note` says so)."""
    return ind.name.vi if ind.verified else f"{ind.name.vi} *"


def rounded(value: Fraction | None, places: int = 2) -> float | None:
    return None if value is None else round(float(value), places)


def answer(ind: Indicator, figure: Figure | None) -> str | None:
    """A commune's own answer for an indicator counting communes that answer «Có» (None for other indicators)."""
    if not isinstance(ind.numerator, YesCount):
        return None
    if figure is None:
        return None
    return "Có" if figure.numerator else "Không"


# ---- JSON ------------------------------------------------------------------------------------------------


def _cell(cell: Aggregate) -> dict[str, Any]:
    return {"numerator": cell.numerator, "denominator": cell.denominator, "value": rounded(cell.value, 4),
            "communes_reporting": cell.reporting, "communes": cell.communes}


def statistics_json(report: RoundStatistics) -> dict[str, Any]:
    """The API's answer: the set, every indicator at each level, its trend, and what is not covered."""
    r, sset = report.round, report.sset
    indicators = []
    for ind in sset.indicators:
        indicators.append({
            "id": ind.id, "annex": ind.annex, "code": ind.code, "code_verified": ind.code_verified,
            "full_code": ind.full_code, "group": ind.group, "name": {"vi": ind.name.vi, "en": ind.name.en},
            "unit": ind.unit, "verified": ind.verified, "source": ind.source.strip(),
            "formula": {"numerator": ind.numerator.model_dump(),
                        "denominator": ind.denominator.model_dump() if ind.denominator else None,
                        "per": ind.per},
            "breakdowns": list(ind.breakdowns),
            "total": _cell(report.total.cells[ind.id]),
            "districts": [{"name": d.name, **_cell(d.cells[ind.id])} for d in report.districts],
            "communes": [{"code": c.code, "name": c.name, "district": c.district or None, "values_from": c.source,
                          "reporting": c.figures[ind.id] is not None,
                          "numerator": c.figures[ind.id].numerator if c.figures[ind.id] else None,
                          "denominator": c.figures[ind.id].denominator if c.figures[ind.id] else None}
                         for c in report.communes],
            "trend": [{"year": p.year, "round_id": p.round_id, "reform": p.reform, **_cell(p.total.cells[ind.id]),
                       "districts": [{"name": d.name, **_cell(d.cells[ind.id])} for d in p.districts]}
                      for p in report.trend],
        })
    return {
        "round": {"id": r["id"], "name": r["name"], "year": r["year"]},
        "statistics_set": {"id": sset.id, "version": sset.version, "title": sset.title.vi,
                           "provisional": report.provisional},
        "scope": {"unit_id": report.scope_unit_id, "name": report.scope_name},
        "values_from": {VERIFIED: report.count(VERIFIED), DECLARED: report.count(DECLARED), DRAFT: report.count(DRAFT)},
        "indicators": indicators,
        "not_covered": [{"annex": n.annex, "code": n.code, "code_verified": n.code_verified,
                         "name": {"vi": n.name.vi, "en": n.name.en}, "reason": {"vi": n.reason.vi.strip(),
                                                                               "en": n.reason.en.strip()},
                         "verified": n.verified} for n in sset.not_covered],
    }


# ---- XLSX ------------------------------------------------------------------------------------------------

INT = "#,##0"
RATE = "0.00"


def _rate_format(ind: Indicator) -> str:
    return INT if ind.per is None else RATE


def _level_rows(name: str, sset: StatisticsSet, cells: dict[str, Aggregate]) -> list[list[Any]]:
    return [[name, code_text(i), name_text(i), i.unit, cells[i.id].numerator, cells[i.id].denominator,
             rounded(cells[i.id].value), cells[i.id].reporting, cells[i.id].communes] for i in sset.indicators]


LEVEL_HEADERS = ["Chỉ tiêu (mã số)", "Tên chỉ tiêu", "Đơn vị tính", "Tử số", "Mẫu số", "Giá trị",
                 "Số xã có số liệu", "Số xã trong phạm vi"]
LEVEL_FORMATS = {5: INT, 6: INT, 7: RATE, 8: INT, 9: INT}


def term_text(term: SumOf | YesCount | Communes, labels: dict[str, str]) -> str:
    """A formula's term in words: «Số trẻ em sinh ra trong năm», «Số xã trả lời «Có»: …», «Số xã có số liệu»."""
    if isinstance(term, SumOf):
        return labels[term.input]
    if isinstance(term, YesCount):
        return f"Số xã trả lời «Có»: «{labels[term.input]}»"
    return "Số xã có số liệu"


def _catalogue(sset: StatisticsSet) -> list[list[Any]]:
    """Each indicator as the set describes it: code, name, group, formula in words, unit, breakdowns, source."""
    import criteria

    labels = {name: spec.label.vi for name, spec in criteria.get(sset.criteria_set).inputs.items()}
    return [[code_text(i), name_text(i), i.group, term_text(i.numerator, labels),
             term_text(i.denominator, labels) if i.denominator else None,
             i.unit if i.per is None else f"{i.unit} (× {i.per})", "; ".join(LEVEL_NAMES[b] for b in i.breakdowns),
             " ".join(i.source.split()), " ".join(i.note.vi.split()) if i.note else None, ANNEXES[i.annex]]
            for i in sset.indicators]


def statistics_xlsx(report: RoundStatistics) -> bytes:
    """One sheet per table of the page: general facts, the indicators' catalogue, the scope, the districts (before
    the reform), the communes, the trend (and the districts' trend), the indicators not covered."""
    import openpyxl

    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    r, sset = report, report.sset
    add_sheet(wb, "Thông tin chung", ["Nội dung", "Giá trị"], [
        ["Đợt đánh giá", r.round["name"]], ["Năm", r.round["year"]], ["Phạm vi", r.scope_name],
        ["Bộ chỉ tiêu", f"{sset.title.vi} (phiên bản {sset.version})"],
        ["Số xã trong phạm vi", len(r.communes)],
        ["Số xã dùng số liệu đã thẩm định", r.count(VERIFIED)],
        ["Số xã dùng số liệu tự đánh giá (chưa thẩm định)", r.count(DECLARED)],
        ["Số xã chưa nộp hồ sơ (không có số liệu)", r.count(DRAFT)],
        ["Ghi chú", provisional_note(r) or "Các mã số, tên chỉ tiêu đã được đối chiếu với thông tư."],
        ["Ngày lập", vietnamese.short_date(r.today)]], {}, {1: 45, 2: 70})
    add_sheet(wb, "Danh mục chỉ tiêu", ["Chỉ tiêu (mã số)", "Tên chỉ tiêu", "Nhóm", "Tử số", "Mẫu số", "Đơn vị tính",
                                        "Phân tổ có được", "Nguồn", "Ghi chú", "Danh mục của thông tư"],
              _catalogue(sset), {}, {1: 30, 2: 60, 3: 30, 4: 45, 5: 45, 7: 40, 8: 60, 9: 50, 10: 36})
    add_sheet(wb, "Toàn phạm vi", ["Phạm vi", *LEVEL_HEADERS], _level_rows(r.scope_name, sset, r.total.cells),
              LEVEL_FORMATS, {1: 28, 2: 30, 3: 60})
    if r.districts:
        add_sheet(wb, "Theo huyện", ["Huyện, thành phố", *LEVEL_HEADERS],
                  [row for d in r.districts for row in _level_rows(d.name, sset, d.cells)], LEVEL_FORMATS,
                  {1: 28, 2: 30, 3: 60})
    rows = []
    for c in r.communes:
        for i in sset.indicators:
            f = c.figures[i.id]
            rows.append([c.code, c.name, c.district, SOURCE_NAMES[c.source], code_text(i), name_text(i), i.unit,
                         f.numerator if f else None, f.denominator if f else None,
                         answer(i, f) or rounded(aggregate(i, [f]).value),
                         "Có" if f else "Không"])
    add_sheet(wb, "Theo xã", ["Mã đơn vị", "Đơn vị", "Huyện, thành phố", "Nguồn số liệu", "Chỉ tiêu (mã số)",
                              "Tên chỉ tiêu", "Đơn vị tính", "Tử số", "Mẫu số", "Giá trị", "Có số liệu"],
              rows, {1: "@", 8: INT, 9: INT, 10: RATE}, {2: 26, 3: 22, 5: 30, 6: 60})
    add_sheet(wb, "Xu hướng", ["Năm", "Đợt đánh giá", "Đơn vị hành chính", *LEVEL_HEADERS],
              [[p.year, p.round_name, unit_set_text(p), *row[1:]] for p in r.trend
               for row in _level_rows("", sset, p.total.cells)],
              {1: "0", **{k + 2: v for k, v in LEVEL_FORMATS.items()}}, {2: 40, 3: 36, 4: 30, 5: 60})
    district_trend = [[p.year, d.name, *row[1:]] for p in r.trend for d in p.districts
                      for row in _level_rows(d.name, sset, d.cells)]
    if district_trend:
        add_sheet(wb, "Xu hướng theo huyện", ["Năm", "Huyện, thành phố", *LEVEL_HEADERS], district_trend,
                  {1: "0", **{k + 1: v for k, v in LEVEL_FORMATS.items()}}, {2: 28, 3: 30, 4: 60})
    add_sheet(wb, "Chưa tính được", ["Chỉ tiêu (mã số)", "Tên chỉ tiêu", "Lý do"],
              [[code_text(n), name_text(n), n.reason.vi.strip()]
               for n in sset.not_covered], {}, {1: 30, 2: 60, 3: 80})
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def unit_set_text(point: TrendPoint) -> str:
    """How the year's units stand against the reform, in words."""
    if point.two_tier:
        return "Sau sắp xếp (01/7/2025)" + (" — năm đầu tiên" if point.reform else "")
    return "Trước sắp xếp (còn cấp huyện)"


def provisional_note(report: RoundStatistics) -> str:
    """Why the codes or names marked «(chưa xác minh)» may not be the circular's (empty when all are confirmed)."""
    if not report.provisional:
        return ""
    return ("Mã số đánh dấu «(chưa xác minh)» và tên chỉ tiêu đánh dấu «*» chưa được đối chiếu với văn bản Thông "
            "tư 13/2021/TT-BLĐTBXH: lấy từ các bản tóm tắt thông tư hoặc suy ra từ thứ tự; chỉ tiêu không có mã số là "
            "cách tính của phần mềm từ phiếu đánh giá của xã.")


# ---- PDF ------------------------------------------------------------------------------------------------

COLUMNS = 5
"""Indicators per table of the PDF's matrices (an A4 page in portrait holds five value columns)."""


def shown(ind: Indicator, cell: Aggregate) -> str:
    """«12,5%», «3,2‰», «1.234»; «—» when no commune reports or the denominator is 0."""
    value = cell.value
    if value is None:
        return "—"
    return format_number(value, 0) if ind.per is None else format_number(value, 1) + ind.unit


def _matrix(sset: StatisticsSet, rows: list[tuple[str, dict[str, str]]]) -> list[dict[str, Any]]:
    """Tables of at most :data:`COLUMNS` indicators each: the indicators' numbers, then each row's printed values."""
    inds = list(enumerate(sset.indicators, start=1))
    return [{"numbers": [n for n, _ in part], "rows": [{"name": name, "values": [cells[i.id] for _, i in part]}
                                                       for name, cells in rows]}
            for part in (inds[k:k + COLUMNS] for k in range(0, len(inds), COLUMNS))]


def _shown_all(sset: StatisticsSet, cells: dict[str, Aggregate]) -> dict[str, str]:
    return {i.id: shown(i, cells[i.id]) for i in sset.indicators}


def commune_value(ind: Indicator, figure: Figure | None) -> str:
    """A commune's value as printed: «Có»/«Không» for an indicator counting communes, else its rate or count."""
    return answer(ind, figure) or shown(ind, aggregate(ind, [figure]))


def statistics_context(report: RoundStatistics) -> dict[str, Any]:
    """Plain data for the ``statistics`` document (``certificates.render``: ``statistics.html``): every figure
    already written as printed."""
    r, sset = report, report.sset
    note = provisional_note(r)
    indicators = []
    for n, i in enumerate(sset.indicators, start=1):
        cell = r.total.cells[i.id]
        indicators.append({"number": n, "code": code_text(i), "name": name_text(i), "unit": i.unit,
                           "numerator": format_number(cell.numerator, 0),
                           "denominator": "—" if cell.denominator is None else format_number(cell.denominator, 0),
                           "value": shown(i, cell), "reporting": f"{cell.reporting}/{cell.communes}"})
    trend_rows = [(f"{p.year}{' *' if p.reform else ''}", _shown_all(sset, p.total.cells)) for p in r.trend]
    district_trend = [(f"{d.name} ({p.year})", _shown_all(sset, d.cells)) for p in r.trend
                      if p.districts and p.round_id != r.round["id"] for d in p.districts]
    return {
        "r": r, "issuer": {"lines": r.issuer_lines}, "place": r.issuer["place"], "date": r.today,
        "recipient": r.issuer["recipient"], "number_text": "\u00a0" * 9 + "/BC-UBND",
        "doc": {"specimen": r.provisional, "provisional_note": f"{note} Báo cáo này không có giá trị pháp lý." if note else ""},
        "signer": {"title_lines": ["TM. ỦY BAN NHÂN DÂN", "CHỦ TỊCH"], "name": ""},
        "recipients": ["Như trên;", "Lưu: VT."], "note": note,
        "counts": {s: r.count(s) for s in (VERIFIED, DECLARED, DRAFT)}, "indicators": indicators,
        "districts": _matrix(sset, [(d.name, _shown_all(sset, d.cells)) for d in r.districts]),
        "trend": _matrix(sset, trend_rows), "reform": any(p.reform for p in r.trend),
        "district_trend": _matrix(sset, district_trend) if district_trend else [],
        "communes": _matrix(sset, [(f"{c.name}{', ' + c.district if c.district else ''}",
                                    {i.id: commune_value(i, c.figures[i.id]) for i in sset.indicators})
                                   for c in r.communes]),
        "not_covered": [{"code": code_text(n), "name": name_text(n),
                         "reason": " ".join(n.reason.vi.split())} for n in sset.not_covered],
    }
