"""TT 13/2021 statistics: the YAML set and its loader, the formulas against figures computed by hand on a small
real SQLite fixture (verified figures where the file was verified, a missing input is not reporting, drafts
report nothing), the trend across the 2025 reform through the lineage, and the page, XLSX, PDF and JSON."""
from __future__ import annotations

import io
import json
import subprocess
from collections.abc import Iterator
from fractions import Fraction
from pathlib import Path
from typing import Any

import openpyxl
import pdflayout
import pytest
from flask import Flask

import criteria
import criteria.statistics
from certificates import pool
from criteria import CriteriaInvalid, CriteriaSyntaxError
from scoring.statistics import Figure, aggregate, commune_figure
from webapp.store import accounts, lineage, rounds, statistics, units
from webapp.store import db as webdb
from webapp.store.demo import DEMO_PASSWORD

from webhelpers import MakeApp, logged_in, needs_tools

SET_FILE = criteria.statistics.STATISTICS_DIR / "tt13-2021.yaml"
TOKEN = "statistics-token"


@pytest.fixture(scope="module")
def sset() -> criteria.statistics.StatisticsSet:
    return criteria.statistics.get("tt13-2021")


# ---- the set and its loader --------------------------------------------------------------------------------

def test_shipped_set_reads_inputs_of_the_criteria_set(sset: criteria.statistics.StatisticsSet) -> None:
    inputs = criteria.get(sset.criteria_set).inputs
    assert len(sset.indicators) >= 10 and sset.not_covered
    for ind in sset.indicators:
        assert set(ind.input_names) <= set(inputs), ind.id
        assert ind.source.strip()
    # only the two codes read in the circular's text are verified
    assert [i.full_code for i in sset.indicators if i.code_verified] == ["TT13-XH-0101"]
    assert [n.full_code for n in sset.not_covered if n.code_verified] == ["TT13-TE-0605"]
    assert all(n.reason.vi.strip() and n.reason.en.strip() for n in sset.not_covered)
    assert "indicator tre-em-bi-xam-hai" not in sset.provisional_parts()


def _load(text: str) -> criteria.statistics.StatisticsSet:
    return criteria.statistics.load_text(text, "tt13.yaml", cf_set=criteria.get("qd06-2019"))


def _line_of(text: str, needle: str) -> int:
    return text[:text.index(needle)].count("\n") + 1


@pytest.mark.parametrize(("old", "new", "path", "message"), [
    ("{kind: sum, input: births}", "{kind: sum, input: birth}", "indicators[1].denominator.input",
     "unknown input 'birth': not an input of criteria set qd06-2019"),
    ("{kind: sum, input: births}", "{kind: sum, input: play_area}", "indicators[1].denominator.input",
     "input 'play_area' is a boolean; sum needs a count"),
    ("{kind: answered_yes, input: play_area}", "{kind: yes, input: play_area}", "indicators[13].numerator.kind",
     "unknown term kind True"),  # YAML 1.1 reads a bare yes as true: the message shows it
    ("{kind: sum, input: births}", "null", "indicators[1].denominator", "a rate in % needs a denominator"),
])
def test_a_broken_set_names_file_line_and_key_path(old: str, new: str, path: str, message: str) -> None:
    text = SET_FILE.read_text(encoding="utf-8")
    broken = text.replace(old, new, 1)
    with pytest.raises(CriteriaInvalid) as info:
        _load(broken)
    problem = info.value.problems[0]
    assert (problem.file, problem.path) == ("tt13.yaml", path)
    assert problem.line == _line_of(text, old)
    assert message in problem.message


def test_a_duplicate_key_is_a_syntax_error_with_its_line() -> None:
    text = SET_FILE.read_text(encoding="utf-8").replace("    unit: số\n", "    unit: số\n    unit: số\n", 1)
    with pytest.raises(CriteriaSyntaxError) as info:
        _load(text)
    assert "duplicate key 'unit'" in str(info.value) and info.value.problem.line is not None


# ---- the formulas on their own --------------------------------------------------------------------------

def test_commune_figures_and_their_sums(sset: criteria.statistics.StatisticsSet) -> None:
    births = sset.indicator("khai-sinh-dung-han")
    children = sset.indicator("dan-so-tre-em")
    play = sset.indicator("xa-co-diem-vui-choi")
    a = {"children": 100, "births": 10, "births_registered_on_time": 9, "play_area": True}
    b = {"children": 0, "births": 20, "births_registered_on_time": 20, "play_area": False}
    c = {"children": True, "births_registered_on_time": 3}  # a yes/no is not a count; births missing
    assert commune_figure(births, a) == Figure(9, 10)
    assert commune_figure(births, c) is None and commune_figure(children, c) is None and commune_figure(play, c) is None
    total = aggregate(births, [commune_figure(births, v) for v in (a, b, c)])
    assert (total.numerator, total.denominator, total.reporting, total.communes) == (29, 30, 2, 3)
    assert total.value == Fraction(290, 3)
    count = aggregate(children, [commune_figure(children, v) for v in (a, b, c)])
    assert (count.numerator, count.denominator, count.value, count.reporting) == (100, None, 100, 2)
    share = aggregate(play, [commune_figure(play, v) for v in (a, b, c)])
    assert (share.numerator, share.denominator, share.value) == (1, 2, 50)
    nobody = aggregate(births, [None, None])
    assert (nobody.value, nobody.reporting, nobody.communes) == (None, 0, 2)  # not reporting is never 0
    no_births = aggregate(births, [Figure(0, 0)])
    assert no_births.value is None and no_births.reporting == 1


# ---- a small real database ------------------------------------------------------------------------------

def _set(db: Any, round_id: int, unit_id: str, status: str, declared: dict[str, Any],
         verified: dict[str, Any] | None = None) -> None:
    db.execute("update assessments set status = ?, declared = ?, verified = ? where round_id = ? and unit_id = ?",
               [status, json.dumps(declared), json.dumps(verified or {}), round_id, unit_id])


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """Cao Bằng's units; a 2024 round on the units before the reform and a 2026 round on those since, with
    figures for a few communes only (every other file an empty draft).

    2024: P1 and P2 (formed N in 2025) and R in district D1, Q in district D2 (formed M).
    P1 verified (its verified figures count, not its declared ones); P2 submitted (declared, though its verified
    column holds a reviewer's working copy); Q submitted without births; R a draft with figures (ignored).
    2026: N recognised (verified figures), M submitted (declared, no play-area answer)."""
    tmp = tmp_path_factory.mktemp("statistics")
    path = tmp / "cfc.db"
    db = webdb.connect(path)
    units.load_cao_bang(db)
    cset = criteria.get("qd06-2019")
    old = rounds.create_round(db, name="Đợt 2024", year=2024, cset=cset, unit_set=units.CAO_BANG_2022, actor="t")
    new = rounds.create_round(db, name="Đợt 2026", year=2026, cset=cset, unit_set=units.CAO_BANG_2025, actor="t")
    n = p1 = p2 = None
    for unit in db.query("select id from units where unit_set = ? and type != 'tinh' order by sort_key",
                         [units.CAO_BANG_2025]):
        before = lineage.predecessors(db, unit["id"])
        parents = {u["parent_id"] for u in before}
        if len(before) >= 2 and len(parents) == 1:
            n, (p1, p2) = unit["id"], [u["id"] for u in before[:2]]
            break
    assert n is not None
    d1 = units.get_unit(db, p1)["parent_id"]
    r = db.execute("select id from units where parent_id = ? and id not in (?, ?) order by sort_key limit 1",
                   [d1, p1, p2]).fetchone()[0]
    q, d2 = db.execute("select id, parent_id from units where unit_set = ? and parent_id not in (?) and type = 'xa' "
                       "order by sort_key limit 1", [units.CAO_BANG_2022, d1]).fetchone()
    m = lineage.successors(db, q)[0]["id"]
    assert m != n
    _set(db, old, p1, "verified", {"children": 999, "births": 10, "births_registered_on_time": 5, "play_area": False},
         {"children": 100, "births": 10, "births_registered_on_time": 9, "play_area": True})
    _set(db, old, p2, "submitted", {"children": 200, "births": 20, "births_registered_on_time": 20, "play_area": False},
         {"children": 5})
    _set(db, old, q, "submitted", {"children": 300, "play_area": True})
    _set(db, old, r, "draft", {"children": 1000, "births": 50, "births_registered_on_time": 50})
    _set(db, new, n, "recognised", {"children": 1},
         {"children": 250, "births": 12, "births_registered_on_time": 12, "play_area": True})
    _set(db, new, m, "submitted", {"children": 280, "births": 8, "births_registered_on_time": 6})
    province_2025 = db.execute("select id from units where unit_set = ? and type = 'tinh'",
                               [units.CAO_BANG_2025]).fetchone()[0]
    accounts.create_user(db, "quantri.tk", DEMO_PASSWORD, "admin", "Quản trị", None, "t")
    accounts.create_user(db, "thamdinh.d1", DEMO_PASSWORD, "reviewer", "Thẩm định huyện", d1, "t")
    accounts.create_user(db, "xem.tinh", DEMO_PASSWORD, "viewer", "Xem cấp tỉnh", province_2025, "t")
    accounts.create_user(db, "canbo.n", DEMO_PASSWORD, "officer", "Cán bộ xã", n, "t")
    try:
        yield {"db": db, "path": path, "old": old, "new": new, "p1": p1, "p2": p2, "q": q, "r": r, "n": n, "m": m,
               "d1": d1, "d2": d2, "province_2025": province_2025, "tmp": tmp}
    finally:
        db.conn.close()


def _name(db: Any, unit_id: str) -> str:
    unit = units.get_unit(db, unit_id)
    return f"{units.TYPE_NAMES[unit['type']]} {unit['name']}"


def _cell(area: statistics.Area, indicator: str) -> tuple[Any, ...]:
    c = area.cells[indicator]
    return c.numerator, c.denominator, c.value, c.reporting, c.communes


def test_province_2024_by_hand(world: dict[str, Any]) -> None:
    report = statistics.round_statistics(world["db"], world["old"])
    assert len(report.communes) == 161 and not report.two_tier
    assert (report.count("verified"), report.count("declared"), report.count("draft")) == (1, 2, 158)
    # P1's verified 100 + P2's declared 200 + Q's 300; R's draft 1000 and P1's declared 999 are not counted
    assert _cell(report.total, "dan-so-tre-em") == (600, None, 600, 3, 161)
    # (9 + 20) / (10 + 20): Q lacks births, so it is not reporting
    assert _cell(report.total, "khai-sinh-dung-han") == (29, 30, Fraction(290, 3), 2, 161)
    # P1 yes (verified), P2 no, Q yes
    assert _cell(report.total, "xa-co-diem-vui-choi") == (2, 3, Fraction(200, 3), 3, 161)
    # nobody gave vaccination figures: no value, not 0
    assert _cell(report.total, "tiem-chung-day-du") == (0, 0, None, 0, 161)


def test_districts_before_the_reform(world: dict[str, Any]) -> None:
    db = world["db"]
    report = statistics.round_statistics(db, world["old"])
    by_name = {d.name: d for d in report.districts}
    assert len(report.districts) == 10
    d1 = by_name[_name(db, world["d1"])]
    d2 = by_name[_name(db, world["d2"])]
    d1_size = db.execute("select count(*) from units where parent_id = ?", [world["d1"]]).fetchone()[0]
    assert _cell(d1, "dan-so-tre-em") == (300, None, 300, 2, d1_size)
    assert _cell(d1, "khai-sinh-dung-han")[:4] == (29, 30, Fraction(290, 3), 2)
    assert _cell(d2, "dan-so-tre-em")[:4] == (300, None, 300, 1)
    assert _cell(d2, "khai-sinh-dung-han")[:4] == (0, 0, None, 0)


def test_a_district_scope_reads_its_district_only(world: dict[str, Any]) -> None:
    db = world["db"]
    report = statistics.round_statistics(db, world["old"], world["d1"])
    assert {c.unit_id for c in report.communes} == {r["id"] for r in db.query(
        "select id from units where parent_id = ?", [world["d1"]])}
    assert _cell(report.total, "dan-so-tre-em")[:4] == (300, None, 300, 2)
    after = statistics.round_statistics(db, world["new"], world["d1"])  # no district after the reform
    assert after.communes == [] and after.total.cells["dan-so-tre-em"].value is None


def test_trend_across_the_reform_through_the_lineage(world: dict[str, Any]) -> None:
    db = world["db"]
    report = statistics.round_statistics(db, world["new"], world["n"])  # the new commune N: its own past
    assert [(p.year, p.reform, p.two_tier) for p in report.trend] == [(2024, False, False), (2026, True, True)]
    before, now = report.trend
    formed_from = len(lineage.predecessors(db, world["n"]))
    assert _cell(before.total, "dan-so-tre-em") == (300, None, 300, 2, formed_from)  # P1 (verified) + P2
    assert _cell(before.total, "khai-sinh-dung-han")[:3] == (29, 30, Fraction(290, 3))
    assert [d.name for d in before.districts] == [_name(db, world["d1"])]
    assert _cell(now.total, "dan-so-tre-em") == (250, None, 250, 1, 1)
    assert now.districts == []
    province = statistics.round_statistics(db, world["new"], world["province_2025"])
    assert _cell(province.total, "dan-so-tre-em") == (530, None, 530, 2, 56)
    assert _cell(province.total, "khai-sinh-dung-han")[:3] == (18, 20, 90)
    assert _cell(province.total, "xa-co-diem-vui-choi")[:4] == (1, 1, 100, 1)  # M did not answer
    assert province.two_tier and province.districts == []
    earlier = province.trend[0]
    assert earlier.total.cells["dan-so-tre-em"].numerator == 600  # every 2024 commune formed a 2025 unit
    assert earlier.total.cells["dan-so-tre-em"].communes == 161


# ---- the page and its downloads ---------------------------------------------------------------------------

@pytest.fixture(scope="module")
def app(world: dict[str, Any], make_app: MakeApp) -> Iterator[Flask]:
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("CFC_RENDER_WORKERS", "1")
        yield make_app(world["path"], API_TOKEN=TOKEN)
        pool.shutdown_pools()


def test_page_shows_values_not_reporting_and_what_is_not_covered(app: Flask, world: dict[str, Any]) -> None:
    html = logged_in(app, "quantri.tk").get(f"/rounds/{world['old']}/statistics").get_data(as_text=True)
    assert 'id="stats-total"' in html and 'id="stats-districts"' in html
    assert "96,67%" not in html and "96,7%" in html and "66,7%" in html
    assert "1 đơn vị đã được thẩm định" in html and "158 đơn vị chưa nộp hồ sơ" in html
    assert "2/161 xã" in html and "0/161 xã" in html
    assert "TT13-TE-0101" in html and "(chưa xác minh)" in html and 'id="stats-provisional"' in html
    assert "TT13-XH-0101" in html and "Tỷ suất sinh thô" in html and "không thu thập tổng dân số" in html
    assert "«Số trẻ em được đăng ký khai sinh đúng hạn» ÷ «Số trẻ em sinh ra trong năm» × 100" in html
    for internal in ("births_registered_on_time", "khai-sinh-dung-han\"", "answered_yes", "play_area"):
        assert internal not in html


def test_page_after_the_reform_has_no_districts_and_marks_the_reform(app: Flask, world: dict[str, Any]) -> None:
    html = logged_in(app, "xem.tinh").get(f"/rounds/{world['new']}/statistics").get_data(as_text=True)
    assert 'id="stats-no-districts"' in html and "2026 *" in html and 'id="stats-district-trend"' in html
    assert "56 đơn vị trong phạm vi" in html


def test_page_is_scoped_to_the_district(app: Flask, world: dict[str, Any]) -> None:
    db = world["db"]
    html = logged_in(app, "thamdinh.d1").get(f"/rounds/{world['old']}/statistics").get_data(as_text=True)
    assert _name(db, world["p1"]) in html and _name(db, world["q"]) not in html
    assert logged_in(app, "canbo.n").get(f"/rounds/{world['old']}/statistics").status_code == 403
    assert logged_in(app, "quantri.tk").get("/rounds/999/statistics").status_code == 404
    assert "/rounds/" in logged_in(app, "quantri.tk").get("/dashboard").get_data(as_text=True)


def test_xlsx_read_back(app: Flask, world: dict[str, Any]) -> None:
    response = logged_in(app, "quantri.tk").get(f"/rounds/{world['old']}/statistics.xlsx")
    assert response.status_code == 200
    wb = openpyxl.load_workbook(io.BytesIO(response.data))
    assert wb.sheetnames == ["Thông tin chung", "Danh mục chỉ tiêu", "Toàn phạm vi", "Theo huyện", "Theo xã",
                             "Xu hướng", "Xu hướng theo huyện", "Chưa tính được"]
    catalogue = {row[1]: row for row in wb["Danh mục chỉ tiêu"].iter_rows(min_row=2, values_only=True)}
    play = next(v for k, v in catalogue.items() if k.startswith("Tỷ lệ xã, phường, thị trấn có điểm vui chơi"))
    assert play[0] == "TT13-TE-0502 (chưa xác minh)"
    assert play[3:7] == ("Số xã trả lời «Có»: «Có điểm vui chơi an toàn cho trẻ em»", "Số xã có số liệu", "% (× 100)",
                         "Huyện, thành phố (trước 01/7/2025); Tỉnh")
    assert catalogue["Số trẻ em bị xâm hại"][::9] == ("TT13-XH-0101", "Phụ lục II (tình hình xâm hại trẻ em)")
    total = {row[2]: row for row in wb["Toàn phạm vi"].iter_rows(min_row=2, values_only=True)}
    births = next(v for k, v in total.items() if k.startswith("Tỷ lệ trẻ em sinh ra trong năm"))
    assert births[4:9] == (29, 30, 96.67, 2, 161)
    assert wb["Toàn phạm vi"]["G1"].value == "Giá trị" and wb["Toàn phạm vi"].freeze_panes == "A2"
    communes = list(wb["Theo xã"].iter_rows(min_row=2, values_only=True))
    q = [row for row in communes if row[1] == _name(world["db"], world["q"])]
    q_births = next(row for row in q if row[5].startswith("Tỷ lệ trẻ em sinh ra trong năm"))
    assert q_births[3] == "Số liệu tự đánh giá" and q_births[7:] == (None, None, None, "Không")
    q_play = next(row for row in q if row[5].startswith("Tỷ lệ xã, phường, thị trấn có điểm vui chơi"))
    assert q_play[9] == "Có"
    d1 = [row for row in wb["Xu hướng theo huyện"].iter_rows(min_row=2, values_only=True)
          if row[:2] == (2024, _name(world["db"], world["d1"])) and row[3].startswith("Dân số trẻ em")]
    assert [row[5:] for row in d1] == [(300, None, 300, 2, d1[0][9])]
    reasons = [row[2] for row in wb["Chưa tính được"].iter_rows(min_row=2, values_only=True)]
    assert any("tổng dân số" in r for r in reasons)
    headers = [c.value for s in wb for c in s[1]]
    assert not any("_" in str(h) for h in headers)


@needs_tools("pdftotext")
def test_pdf_is_a_report_in_administrative_form(app: Flask, world: dict[str, Any], tmp_path: Path) -> None:
    response = logged_in(app, "quantri.tk").get(f"/rounds/{world['old']}/statistics.pdf")
    assert response.status_code == 200 and response.data.startswith(b"%PDF")
    path = tmp_path / "s.pdf"
    path.write_bytes(response.data)
    text = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, check=True).stdout.decode()
    flat = " ".join(text.split())
    for expected in ("ỦY BAN NHÂN DÂN", "TỈNH CAO BẰNG", "/BC-UBND", "BÁO CÁO", "Kính gửi:",
                     "Số liệu thống kê về tình hình trẻ em theo Thông tư số 13/2021/TT-BLĐTBXH", "năm 2024",
                     "BẢN MẪU", "Nơi nhận:", "TM. ỦY BAN NHÂN DÂN", "PHỤ LỤC", "V. Chỉ tiêu của Thông tư chưa tính được",
                     "(chưa xác minh)", "96,7%", "66,7%", "2/161", "1 đơn vị đã được thẩm định"):
        assert expected in flat, expected
    assert "khai-sinh" not in flat and "births" not in flat
    assert flat.index("Nơi nhận:") < flat.index("PHỤ LỤC") < flat.index(_name(world["db"], world["q"]))
    pdflayout.check_administrative_layout(response.data)


def test_json_shape_and_errors(app: Flask, world: dict[str, Any]) -> None:
    client = app.test_client()
    refused = client.get(f"/api/rounds/{world['old']}/statistics")
    assert refused.status_code == 401 and refused.get_json()["error"]["status"] == 401
    auth = {"Authorization": f"Bearer {TOKEN}"}
    missing = client.get("/api/rounds/999/statistics", headers=auth)
    assert missing.status_code == 404 and missing.get_json()["error"]["title"] == "Not Found"
    body = client.get(f"/api/rounds/{world['old']}/statistics", headers=auth).get_json()
    assert set(body) == {"round", "statistics_set", "scope", "values_from", "indicators", "not_covered"}
    assert body["values_from"] == {"verified": 1, "declared": 2, "draft": 158}
    ind = next(i for i in body["indicators"] if i["id"] == "khai-sinh-dung-han")
    assert ind["total"] == {"numerator": 29, "denominator": 30, "value": 96.6667, "communes_reporting": 2,
                            "communes": 161}
    assert ind["formula"] == {"numerator": {"kind": "sum", "input": "births_registered_on_time"},
                              "denominator": {"kind": "sum", "input": "births"}, "per": 100}
    assert len(ind["districts"]) == 10 and len(ind["communes"]) == 161
    q = next(c for c in ind["communes"] if c["name"] == _name(world["db"], world["q"]))
    assert (q["reporting"], q["numerator"], q["values_from"]) == (False, None, "declared")
    assert [t["year"] for t in ind["trend"]] == [2024]
    abuse = next(i for i in body["indicators"] if i["id"] == "tre-em-bi-xam-hai")
    assert (abuse["full_code"], abuse["code_verified"], abuse["unit"]) == ("TT13-XH-0101", True, "số")
    assert any(n["code"] == "0605" and n["code_verified"] for n in body["not_covered"])
