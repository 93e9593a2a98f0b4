"""Periodic reports (6 months, year) on a real two-year demo: every roll-up is recomputed here
from the assessments table with SQL and compared; the XLSX is read back with openpyxl, the
PDF through ``pdftotext``; the CLI and the web routes respect the kind and the jurisdiction."""
from __future__ import annotations

import datetime as dt
import io
import json
import os
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import openpyxl
import pdflayout
import pytest
from click.testing import CliRunner
from flask import Flask

import criteria.ntm
from certificates import pool, render, vn
from scoring.ntm import evaluate_ntm
from webapp.cli import period as period_cli  # noqa: F401 (period_cli registers)
from webapp.store import db as webdb
from webapp.store import demo, periodic, rounds, units, vietnamese  # noqa: F401 (period_cli registers)
from webapp.store.workflow import STATUS_NAMES
from webapp.web import period as period_web  # noqa: F401 (period_cli registers)

from webhelpers import ClientAs, MakeApp, needs_tools

TODAY = dt.date(2024, 12, 1)
PROVINCE = "cao-bang-2022:04"


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    tmp = tmp_path_factory.mktemp("periodic")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("CFC_INSTANCE", str(tmp / "instance"))
        mp.setenv("CFC_RENDER_WORKERS", "1")
        path = tmp / "cfc.db"
        db = webdb.connect(path)
        try:
            old, new = demo.build_demo_years(db, years=(2022, 2024))
            reviewer_scope = next(db.query("select scope_unit_id from users where username = 'thamdinh.huyen'"))
            yield {"path": path, "db": db, "old": old, "new": new, "tmp": tmp,
                   "district": reviewer_scope["scope_unit_id"]}
        finally:
            db.conn.close()
            pool.shutdown_pools()


@pytest.fixture(scope="module")
def report(world: dict[str, Any]) -> periodic.PeriodReport:
    return periodic.period_report(world["db"], world["new"], kind="annual", today=TODAY)


def _scalar(db: Any, sql: str, params: list[Any]) -> Any:
    return next(iter(db.execute(sql, params).fetchone()), None)


# ---- roll-ups against SQL ----------------------------------------------------------------------

def test_counts_match_sql(world: dict[str, Any], report: periodic.PeriodReport) -> None:
    db, rid = world["db"], world["new"]
    units_n = _scalar(db, "select count(*) from assessments where round_id = ?", [rid])
    evaluated = _scalar(db, "select count(*) from assessments where round_id = ? and status != 'draft'", [rid])
    recognised = _scalar(db, "select count(*) from assessments where round_id = ? and status = 'recognised'", [rid])
    assert (report.units, report.evaluated, report.recognised) == (units_n, evaluated, recognised)
    assert units_n == 161 and 0 < recognised < evaluated < units_n
    assert report.share == pytest.approx(recognised * 100 / units_n)
    assert [(t["year"], t["target"]) for t in report.targets] == [(2025, 65), (2030, 75)]
    for t in report.targets:
        assert t["met"] is (report.share >= t["target"])


def test_scope_limits_to_district(world: dict[str, Any]) -> None:
    db, rid, district = world["db"], world["new"], world["district"]
    scoped = periodic.period_report(db, rid, district, today=TODAY)
    expected = [r["code"] for r in db.query(
        "select u.code from assessments a join units u on u.id = a.unit_id where a.round_id = ? and u.parent_id = ? "
        "order by u.sort_key", [rid, district])]
    assert [r["code"] for r in scoped.rows] == expected
    assert scoped.units == len(expected) > 0
    assert scoped.recognised == _scalar(db, "select count(*) from assessments a join units u on u.id = a.unit_id "
                                            "where a.round_id = ? and u.parent_id = ? and a.status = 'recognised'",
                                        [rid, district])
    assert scoped.scope_name.startswith(("Huyện", "Thành phố"))
    assert scoped.issuer_lines[0] == "ỦY BAN NHÂN DÂN" and scoped.issuer_lines[1].isupper()


def test_criterion_pass_rates_match_sql(world: dict[str, Any], report: periodic.PeriodReport) -> None:
    db, rid = world["db"], world["new"]
    evaluated = _scalar(db, "select count(*) from assessments where round_id = ? and status != 'draft' "
                            "and result is not null", [rid])
    for c in report.criteria:
        passed = _scalar(db, "select count(*) from assessments where round_id = ? and status != 'draft' and "
                             "json_extract(result, '$.criteria.\"' || ? || '\"') > 0", [rid, c["number"]])
        assert (c["evaluated"], c["passed"], c["failed"]) == (evaluated, passed, evaluated - passed), c["number"]
        assert c["pass_rate"] == pytest.approx(passed * 100 / evaluated)
    failing = sorted(((c["failed"], c["number"]) for c in report.criteria if c["failed"]), key=lambda x: (-x[0], x[1]))
    assert [(c["failed"], c["number"]) for c in report.failing] == failing[:periodic.TOP_FAILING]
    assert report.failing and report.failing[0]["failed"] >= report.failing[-1]["failed"]


def test_ntm_counts_recomputed(world: dict[str, Any], report: periodic.PeriodReport) -> None:
    db, rid = world["db"], world["new"]
    nset = criteria.ntm.get("ntm-qd318-2022")
    expected: dict[str, dict[str, int]] = {i.id: {"đạt": 0, "không đạt": 0, "thiếu dữ liệu": 0} for i in nset.indicators}
    for row in db.query("select declared, verified from assessments where round_id = ? and status != 'draft'", [rid]):
        values = json.loads(row["verified"]) or json.loads(row["declared"])
        for st in evaluate_ntm(nset, values, "tdmnpb", {}):
            expected[st.indicator_id][st.status] += 1
    assert report.ntm_set == "ntm-qd318-2022" and report.ntm_edition.startswith("Bộ tiêu chí")
    got = {n["id"]: {k: n[k] for k in periodic.NTM_STATUSES} for n in report.ntm}
    assert got == expected
    for n in report.ntm:
        assert sum(n[k] for k in periodic.NTM_STATUSES) == report.evaluated
    assert any(n["không đạt"] for n in report.ntm) and any(n["đạt"] for n in report.ntm)


def test_unit_list_totals_and_verdicts(world: dict[str, Any], report: periodic.PeriodReport) -> None:
    db, rid = world["db"], world["new"]
    rows = list(db.query("select u.code, a.status, json_extract(a.result, '$.total') total, "
                         "json_extract(a.result, '$.recognised') ok from assessments a join units u on u.id = a.unit_id "
                         "where a.round_id = ? order by u.sort_key", [rid]))
    assert [r["code"] for r in report.rows] == [r["code"] for r in rows]
    for got, want in zip(report.rows, rows, strict=True):
        assert got["status"] == STATUS_NAMES[want["status"]]
        if want["status"] == "draft":
            assert got["total"] is None and got["verdict"] == "Chưa nộp hồ sơ"
        else:
            assert got["total"] == want["total"]
            assert got["verdict"] == ("Đủ điều kiện công nhận" if want["ok"] else "Chưa đủ điều kiện công nhận")


def test_not_submitted_are_the_drafts(world: dict[str, Any], report: periodic.PeriodReport) -> None:
    drafts = [r["code"] for r in world["db"].query(
        "select u.code from assessments a join units u on u.id = a.unit_id where a.round_id = ? "
        "and a.status = 'draft' order by u.sort_key", [world["new"]])]
    assert drafts, "the demo's open round has drafts"
    assert [r["code"] for r in report.not_submitted] == drafts
    assert {r["status"] for r in report.not_submitted} == {"Bản nháp"}


def test_change_since_previous_year(world: dict[str, Any], report: periodic.PeriodReport) -> None:
    db = world["db"]
    before = _scalar(db, "select count(*) from assessments where round_id = ? and status = 'recognised'", [world["old"]])
    prev = report.previous
    assert prev is not None and prev["round_id"] == world["old"] and prev["year"] == 2022
    assert prev["units"] == 161 and prev["recognised"] == before
    assert prev["recognised_change"] == report.recognised - before
    assert prev["recognised_change_pct"] == pytest.approx((report.recognised - before) * 100 / before)
    assert prev["share_change_points"] == pytest.approx((report.recognised - before) * 100 / 161)
    assert periodic.period_report(db, world["old"], today=TODAY).previous is None


def test_change_follows_lineage(world: dict[str, Any]) -> None:
    """A round on the 2025 units is set beside the 2024 round on the communes merged into them: each new unit
    classified by its predecessors, no change in counts (the round stays in the module's database: the other
    tests name their rounds)."""
    db = world["db"]
    rid = rounds.create_round(db, name="Đánh giá năm 2025 (đơn vị mới)", year=2025, cset=criteria.get("qd06-2019"),
                              unit_set=units.CAO_BANG_2025, actor="test")
    merged = next(db.query("select to_id, count(*) n from unit_lineage group by to_id order by n desc limit 1"))
    scoped = periodic.period_report(db, rid, merged["to_id"], today=TODAY)
    want = _scalar(db, "select count(*) from assessments where round_id = ? and status = 'recognised' and "
                       "unit_id in (select from_id from unit_lineage where to_id = ?)", [world["new"], merged["to_id"]])
    assert scoped.units == 1 and scoped.recognised == 0
    assert scoped.previous["round_id"] == world["new"] and not scoped.previous["same_units"]
    assert scoped.previous["units"] == merged["n"] > 1
    assert scoped.previous["recognised"] == want
    assert "recognised_change" not in scoped.previous
    assert scoped.previous["sentence"].startswith("Của 1 xã, phường mới: ")
    whole = periodic.period_report(db, rid, today=TODAY)
    linked = _scalar(db, "select count(*) from assessments where round_id = ? and unit_id in "
                         "(select from_id from unit_lineage)", [world["new"]])
    assert whole.previous["units"] == linked
    cross = whole.previous["cross"]
    assert cross.units == 56 == sum(len(g) for g in cross.groups.values())
    assert whole.ntm_set == "ntm-qd51-2025" and whole.evaluated == 0
    assert len(whole.not_submitted) == whole.units == 56


@pytest.mark.parametrize(("kind", "today", "due", "next_due"), [
    ("annual", dt.date(2024, 12, 1), dt.date(2024, 11, 20), dt.date(2025, 11, 20)),
    ("annual", dt.date(2024, 11, 20), dt.date(2024, 11, 20), dt.date(2024, 11, 20)),
    ("six-month", dt.date(2024, 5, 25), dt.date(2024, 5, 25), dt.date(2024, 5, 25)),
    ("six-month", dt.date(2024, 5, 26), dt.date(2024, 5, 25), dt.date(2025, 5, 25)),
    ("six-month", dt.date(2026, 1, 2), dt.date(2024, 5, 25), dt.date(2026, 5, 25)),
])
def test_due_dates(kind: str, today: dt.date, due: dt.date, next_due: dt.date) -> None:
    assert periodic.due_dates(kind, 2024, today) == (due, next_due)


def test_unknown_kind_refused(world: dict[str, Any]) -> None:
    with pytest.raises(ValueError, match="unknown report kind"):
        periodic.period_report(world["db"], world["new"], kind="quarterly", today=TODAY)


# ---- XLSX ---------------------------------------------------------------------------------------

def test_xlsx_sheets_headers_formats_values(report: periodic.PeriodReport) -> None:
    wb = openpyxl.load_workbook(io.BytesIO(periodic.period_xlsx(report)))
    assert wb.sheetnames == ["Tổng hợp", "Theo đơn vị", "Theo tiêu chí", "Nông thôn mới", "Danh sách đơn vị",
                             "Chưa nộp"]
    by = list(wb["Theo đơn vị"].iter_rows(values_only=True))
    assert by[0][:5] == ("Huyện, thành phố", "Số đơn vị", "Số đã đánh giá", "Số được công nhận",
                          "Tỷ lệ được công nhận (%)")
    assert [row[0] for row in by[1:]] == [x["name"] for x in report.summary] and by[-1][0] == "Tổng cộng"
    assert by[-1][1:4] == (report.units, report.evaluated, report.recognised)
    assert sum(row[1] for row in by[1:-1]) == report.units
    for ws in wb.worksheets:
        assert ws.freeze_panes == "A2", ws.title
        assert all(c.font.bold for c in ws[1] if c.value)
    general = {ws_row[0].value: ws_row[1] for ws_row in wb["Tổng hợp"].iter_rows(min_row=2)}
    assert [c.value for c in wb["Tổng hợp"][1]] == ["Chỉ tiêu", "Giá trị"]
    assert general["Hạn báo cáo của kỳ"].value == dt.datetime(2024, 11, 20)
    assert general["Hạn báo cáo của kỳ"].number_format == "dd/mm/yyyy"
    assert general["Hạn báo cáo tiếp theo"].value == dt.datetime(2025, 11, 20)
    assert general["Số đơn vị"].value == report.units and general["Số đơn vị"].number_format == "#,##0"
    assert general["Số đơn vị được công nhận"].value == report.recognised
    assert general["Tỷ lệ được công nhận (%)"].value == pytest.approx(report.share)
    assert general["Tỷ lệ được công nhận (%)"].number_format == "0.0"
    assert general["Mục tiêu 2025 (%)"].value == 65 and general["Mục tiêu 2030 (%)"].value == 75
    assert general["Số đơn vị chưa nộp hồ sơ"].value == len(report.not_submitted)
    assert general["Thay đổi số đơn vị được công nhận"].value == report.previous["recognised_change"]
    assert general["Kỳ báo cáo"].value == "Báo cáo năm"

    crit = wb["Theo tiêu chí"]
    assert [c.value for c in crit[1]] == ["Tiêu chí", "Tên tiêu chí", "Số đơn vị đã đánh giá",
                                          "Số đơn vị có điểm", "Số đơn vị 0 điểm", "Tỷ lệ đạt (%)"]
    assert crit.max_row == 1 + len(report.criteria) == 14
    for row, c in zip(crit.iter_rows(min_row=2), report.criteria, strict=True):
        assert [x.value for x in row[:5]] == [c["number"], c["name"], c["evaluated"], c["passed"], c["failed"]]
        assert row[5].value == pytest.approx(c["pass_rate"]) and row[5].number_format == "0.0"

    ntm = wb["Nông thôn mới"]
    assert [c.value for c in ntm[1]] == ["Tiêu chí nông thôn mới", "Chỉ tiêu", "Đạt", "Không đạt", "Thiếu dữ liệu"]
    assert [[c.value for c in r] for r in ntm.iter_rows(min_row=2)] == [  # no indicator ids: people read the wording
        [n["criterion"], n["wording"], n["đạt"], n["không đạt"], n["thiếu dữ liệu"]] for n in report.ntm]

    listing = wb["Danh sách đơn vị"]
    assert [c.value for c in listing[1]] == ["STT", "Mã", "Đơn vị", "Huyện, thành phố", "Trạng thái", "Tổng điểm",
                                             "Kết luận"]
    assert listing.max_row == 1 + report.units
    second = [c for c in listing[2]]
    assert second[0].value == 1 and second[1].value == report.rows[0]["code"] and second[1].number_format == "@"
    assert second[5].value == report.rows[0]["total"] and second[5].number_format == "#,##0"
    pending = wb["Chưa nộp"]
    assert [r[1].value for r in pending.iter_rows(min_row=2)] == [r["code"] for r in report.not_submitted]


# ---- PDF ----------------------------------------------------------------------------------------

def pdf_text(data: bytes, tmp: Path) -> str:
    assert data.startswith(b"%PDF")
    path = tmp / "report.pdf"
    path.write_bytes(data)
    out = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, check=True)
    return out.stdout.decode("utf-8")


def _vi_pct(value: float) -> str:
    text = f"{value:.1f}".replace(".", ",")
    return text.removesuffix(",0")


@needs_tools("pdftotext")
def test_pdf_text(world: dict[str, Any], report: periodic.PeriodReport, tmp_path: Path) -> None:
    pdf = render.render_pdf("period", periodic.period_context(report))
    text = pdf_text(pdf, tmp_path)
    flat = " ".join(text.split())
    for needle in ("ỦY BAN NHÂN DÂN", "TỈNH CAO BẰNG", "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
                   "Độc lập - Tự do - Hạnh phúc", "Cao Bằng, ngày 01 tháng 12 năm 2024", "BÁO CÁO",
                   "Kết quả xây dựng xã, phường, thị trấn phù hợp với trẻ em năm 2024", "/BC-UBND",
                   "Kính gửi: Bộ Lao động – Thương binh và Xã hội", "TM. ỦY BAN NHÂN DÂN", "Nơi nhận:",
                   "Hạn báo cáo 20/11/2024 (đã quá hạn; kỳ tiếp theo: 20/11/2025)", "Chỉ tiêu nông thôn mới",
                   "Đơn vị chưa nộp hồ sơ", "PHỤ LỤC", "Danh sách đơn vị", "BẢN MẪU"):
        assert needle in flat, needle
    assert "Trang" not in flat
    summary = flat[flat.index("II. Kết quả chung"):flat.index("III.")]
    total = report.summary[-1]
    assert total["name"] == "Tổng cộng" and total["units"] == report.units
    assert sum(x["units"] for x in report.summary[:-1]) == report.units  # one row per district, then the total
    assert report.summary_by == "Huyện, thành phố" and len(report.summary) > 2
    for row in report.summary:
        assert " ".join(row["name"].split()[-1:]) in summary
    assert f"Tỷ lệ được công nhận: {_vi_pct(report.share)}% ({report.recognised}/{report.units} đơn vị)" in flat
    assert "mục tiêu năm 2025 (65%)" in flat and "mục tiêu năm 2030 (75%)" in flat
    prev = report.previous
    assert f"thay đổi {prev['recognised_change']:+d} đơn vị" in flat
    for row in report.not_submitted:
        assert row["name"] in flat
    assert flat.index("Nơi nhận:") < flat.index("PHỤ LỤC") < flat.index(report.rows[-1]["name"])
    pdflayout.check_administrative_layout(pdf)
    if os.environ.get("CFC_DUMP"):
        Path(os.environ["CFC_DUMP"]).write_bytes(pdf)
    six = periodic.period_report(world["db"], world["new"], kind="six-month", today=dt.date(2024, 6, 1))
    flat6 = " ".join(pdf_text(render.render_pdf("period", periodic.period_context(six)), tmp_path).split())
    assert "6 tháng năm 2024" in flat6 and "Hạn báo cáo 25/05/2024 (đã quá hạn; kỳ tiếp theo: 25/05/2025)" in flat6


@needs_tools("pdftotext")
def test_a_district_report_has_its_own_place_and_reports_to_the_province(world: dict[str, Any],
                                                                         tmp_path: Path) -> None:
    district = periodic.period_report(world["db"], world["new"], world["district"], today=TODAY)
    flat = " ".join(pdf_text(render.render_pdf("period", periodic.period_context(district)), tmp_path).split())
    name = units.get_unit(world["db"], world["district"])["name"]
    assert f"{name}, ngày 01 tháng 12 năm 2024" in flat and "Cao Bằng, ngày" not in flat.replace(name, "")
    assert "Kính gửi: Ủy ban nhân dân tỉnh Cao Bằng" in flat
    assert district.summary_by == "Phạm vi" and len(district.summary) == 1  # one district: one row


# ---- command line -------------------------------------------------------------------------------

@needs_tools("pdftotext")
def test_cli_writes_xlsx_and_pdf(world: dict[str, Any], tmp_path: Path) -> None:
    from webapp.cli.main import cfc

    runner = CliRunner()
    out = tmp_path / "bc.xlsx"
    result = runner.invoke(cfc, ["report-period", str(world["new"]), "--kind", "six-month", "--scope",
                                 world["district"], "--today", "2024-06-01", "-o", str(out), "--db", str(world["path"])])
    assert result.exit_code == 0, result.output
    wb = openpyxl.load_workbook(out)
    general = {r[0].value: r[1].value for r in wb["Tổng hợp"].iter_rows(min_row=2)}
    assert general["Hạn báo cáo của kỳ"] == dt.datetime(2024, 5, 25)
    assert general["Số đơn vị"] == periodic.period_report(world["db"], world["new"], world["district"]).units
    pdf = tmp_path / "bc.pdf"
    result = runner.invoke(cfc, ["report-period", str(world["new"]), "-o", str(pdf), "--db", str(world["path"])])
    assert result.exit_code == 0, result.output
    assert "20/11/2024" in pdf_text(pdf.read_bytes(), tmp_path)
    bad = runner.invoke(cfc, ["report-period", str(world["new"]), "-o", str(tmp_path / "x.csv"), "--db", str(world["path"])])
    assert bad.exit_code == 2 and ".xlsx or .pdf" in bad.output
    missing = runner.invoke(cfc, ["report-period", "999", "-o", str(out), "--db", str(world["path"])])
    assert missing.exit_code == 2


# ---- web ----------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def app(make_app: MakeApp, world: dict[str, Any]) -> Flask:
    return make_app(world["path"])


def _xlsx_units(response: Any) -> int:
    assert response.status_code == 200
    wb = openpyxl.load_workbook(io.BytesIO(response.data))
    return {r[0].value: r[1].value for r in wb["Tổng hợp"].iter_rows(min_row=2)}["Số đơn vị"]


def test_web_scope_and_roles(world: dict[str, Any], app: Flask, client_as: ClientAs) -> None:
    rid = world["new"]
    district = periodic.period_report(world["db"], rid, world["district"]).units
    assert _xlsx_units(client_as("theodoi.tinh").get(f"/rounds/{rid}/period.xlsx")) == 161
    reviewer = client_as("thamdinh.huyen")
    response = reviewer.get(f"/rounds/{rid}/period.xlsx?kind=six-month")
    assert response.mimetype.endswith("spreadsheetml.sheet")
    assert _xlsx_units(response) == district
    assert _xlsx_units(client_as("chutich.huyen").get(f"/rounds/{rid}/period.xlsx")) == district
    assert reviewer.get(f"/rounds/{rid}/period.xlsx?scope={PROVINCE}").status_code == 403
    assert reviewer.get(f"/rounds/{rid}/period.xlsx?kind=weekly").status_code == 400
    assert reviewer.get("/rounds/999/period.xlsx").status_code == 404
    assert client_as("canbo.xa").get(f"/rounds/{rid}/period.xlsx").status_code == 403
    assert app.test_client().get(f"/rounds/{rid}/period.xlsx").status_code == 302
    assert _xlsx_units(client_as("admin").get(f"/rounds/{rid}/period.xlsx?scope={world['district']}")) == district


@needs_tools("pdftotext")
def test_web_pdf(world: dict[str, Any], tmp_path: Path, client_as: ClientAs) -> None:
    response = client_as("thamdinh.huyen").get(f"/rounds/{world['new']}/period.pdf?kind=six-month")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    flat = " ".join(pdf_text(response.data, tmp_path).split())
    assert "6 tháng" in flat and "25/05/" in flat and "ỦY BAN NHÂN DÂN" in flat
    # dated in Vietnam's time, as the decisions are (not the server's UTC day)
    today = vietnamese.today()
    assert f"ngày {vn.long_date(today).removeprefix('ngày ')}" in flat
    wb = openpyxl.load_workbook(io.BytesIO(client_as("thamdinh.huyen").get(
        f"/rounds/{world['new']}/period.xlsx?kind=six-month").data))
    general = {r[0].value: r[1].value for r in wb["Tổng hợp"].iter_rows(min_row=2)}
    assert general["Ngày lập báo cáo"].date() == today
