"""History across the 2025 reform on a small built database: a 2024 round on the 2022 units with chosen
results (worked through the real workflow) and a 2027 round on the 2025 units. The lineage queries, the
classification of each new unit by its predecessors, the periodic report's sentence (read back from the PDF),
its due date, the pages that show the history, and ``cfc db init`` refusing broken lineage data."""
from __future__ import annotations

import datetime as dt
import re
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from flask import Flask
from test_periodic import pdf_text

import criteria
from certificates import pool, render
from webapp.cli.main import cfc
from webapp.store import accounts, lineage, periodic, rounds, units, workflow
from webapp.store import db as webdb
from webapp.store.demo import DEMO_PASSWORD
from webapp.store.vietnamese import today

from webhelpers import MakeApp, logged_in, needs_tools

OFFICER, REVIEWER = "canbo.moi", "thamdinh.tinh.moi"


def _decided(db: Any, aid: int, inputs: dict[str, Any], recognised: bool) -> None:
    """Work an assessment through the workflow to a decision (recognised or not)."""
    workflow.save_declared(db, aid, inputs, "officer")
    workflow.submit(db, aid, "officer")
    for number in range(1, 14):
        workflow.review_criterion(db, aid, number, "accepted", "reviewer")
    workflow.verify(db, aid, "reviewer")
    workflow.decide(db, aid, "authority", recognised, None if recognised else "Chưa đạt theo kết quả thẩm định.")


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory, perfect_inputs: dict[str, Any]) -> Iterator[dict[str, Any]]:
    """Four new communes formed from two or more old ones: A from recognised communes only, B from one
    recognised and the others not, C from communes none recognised, D from one recognised and the others
    never submitted; every other old commune is left a draft (not evaluated)."""
    tmp = tmp_path_factory.mktemp("lineage")
    path = tmp / "cfc.db"
    db = webdb.connect(path)
    units.load_cao_bang(db)
    qd06 = criteria.get("qd06-2019")
    old = rounds.create_round(db, name="Đánh giá năm 2024", year=2024, cset=qd06, unit_set=units.CAO_BANG_2022,
                              actor="test")
    merged = [r["to_id"] for r in db.query("select to_id from unit_lineage group by to_id having count(*) >= 2 "
                                           "order by to_id limit 4")]
    aid = {r["unit_id"]: r["id"] for r in db.query("select id, unit_id from assessments where round_id = ?", [old])}
    chosen: dict[str, list[bool | None]] = {}
    for key, new_id in zip("ABCD", merged, strict=True):
        before = [u["id"] for u in lineage.predecessors(db, new_id)]
        plan = {"A": [True] * len(before), "B": [True] + [False] * (len(before) - 1),
                "C": [False] * len(before), "D": [True] + [None] * (len(before) - 1)}[key]
        for unit_id, outcome in zip(before, plan, strict=True):
            if outcome is not None:
                _decided(db, aid[unit_id], perfect_inputs, outcome)
        chosen[key] = plan
    new = rounds.create_round(db, name="Đánh giá năm 2027", year=2027, cset=qd06, unit_set=units.CAO_BANG_2025,
                              actor="test")
    province = next(db.query("select id from units where unit_set = ? and type = 'tinh'", [units.CAO_BANG_2025]))["id"]
    accounts.create_user(db, OFFICER, DEMO_PASSWORD, "officer", "Cán bộ xã A", merged[0], "test")
    accounts.create_user(db, REVIEWER, DEMO_PASSWORD, "reviewer", "Thẩm định tỉnh", province, "test")
    try:
        yield {"db": db, "path": path, "old": old, "new": new, "units": dict(zip("ABCD", merged, strict=True)),
               "plan": chosen, "aid": aid, "tmp": tmp}
    finally:
        db.conn.close()
        pool.shutdown_pools()


def test_successors_predecessors_and_later_units(world: dict[str, Any]) -> None:
    db, a = world["db"], world["units"]["A"]
    before = lineage.predecessors(db, a)
    assert len(before) >= 2 and all(u["unit_set"] == units.CAO_BANG_2022 for u in before)
    for unit in before:
        assert [u["id"] for u in lineage.successors(db, unit["id"])] == [a]
        assert [u["id"] for u in lineage.later_units(db, unit["id"])] == [a]
    assert lineage.later_units(db, a) == [] and lineage.predecessors(db, before[0]["id"]) == []


def test_earlier_results_of_a_new_unit(world: dict[str, Any]) -> None:
    db = world["db"]
    history = lineage.earlier_results(db, world["units"]["B"])
    assert [p["unit"]["id"] for p in history] == [u["id"] for u in lineage.predecessors(db, world["units"]["B"])]
    first, *rest = history
    assert [(r["round_name"], r["year"], r["status"], r["total"], r["recognised"]) for r in first["results"]] == [
        ("Đánh giá năm 2024", 2024, "recognised", 1000, True)]
    assert first["results"][0]["decided_on"] == today()
    assert first["results"][0]["assessment_id"] == world["aid"][first["unit"]["id"]]
    for p in rest:
        assert [(r["status"], r["recognised"]) for r in p["results"]] == [("not_recognised", False)]
    assert first["name"] == f"{units.TYPE_NAMES[first['unit']['type']]} {first['unit']['name']}"
    drafts = lineage.earlier_results(db, world["units"]["D"])[1:]
    assert all(r["status"] == "draft" and r["total"] is None and r["decided_on"] is None
               for p in drafts for r in p["results"])


def test_cross_reform_classification(world: dict[str, Any]) -> None:
    db = world["db"]
    rnd = rounds.get_round(db, world["new"])
    ids = [r["unit_id"] for r in db.query("select unit_id from assessments where round_id = ?", [world["new"]])]
    cross = lineage.cross_reform(db, rnd, ids)
    named = world["units"]
    assert cross.earlier["id"] == world["old"] and cross.units == 56
    assert [g["unit"]["id"] for g in cross.groups[lineage.ALL]] == [named["A"]]
    assert sorted(g["unit"]["id"] for g in cross.groups[lineage.MIXED]) == sorted([named["B"], named["D"]])
    assert len(cross.groups[lineage.NONE]) == 53 and named["C"] in {g["unit"]["id"] for g in cross.groups[lineage.NONE]}
    unevaluated = {g["unit"]["id"] for g in cross.not_evaluated}
    assert len(unevaluated) == 53 and named["D"] in unevaluated and not unevaluated & {named[k] for k in "ABC"}
    recognised = sum(p.count(True) for p in world["plan"].values())
    assert cross.earlier_units == 161 and cross.earlier_recognised == recognised
    assert cross.sentence() == ("Của 56 xã, phường mới: 1 hình thành chỉ từ các xã đã được công nhận năm 2024, "
                                "2 từ các xã có cả hai (có xã được công nhận, có xã chưa), 53 chưa có xã nào được "
                                "công nhận; 53 có xã chưa được đánh giá năm 2024.")
    only_a = lineage.cross_reform(db, rnd, [named["A"], named["C"]])
    assert only_a.sentence() == ("Của 2 xã, phường mới: 1 hình thành chỉ từ các xã đã được công nhận năm 2024, "
                                 "0 từ các xã có cả hai (có xã được công nhận, có xã chưa), 1 chưa có xã nào được "
                                 "công nhận.")
    assert lineage.cross_reform(db, rounds.get_round(db, world["old"]), [named["A"]]) is None  # nothing before 2024


@needs_tools("pdftotext")
def test_period_report_across_the_reform(world: dict[str, Any], tmp_path: Path) -> None:
    """The annual report of 2027 states the classification, never a change in counts of different units."""
    report = periodic.period_report(world["db"], world["new"], today=dt.date(2027, 12, 1))
    assert not report.previous["same_units"] and "recognised_change" not in report.previous
    text = " ".join(pdf_text(render.render_pdf("period", periodic.period_context(report)), tmp_path).split())
    assert report.previous["sentence"] in text
    assert "Của 56 xã, phường mới: 1 hình thành chỉ từ các xã đã được công nhận năm 2024" in text
    assert "−52" not in text and "-52" not in text and "thay đổi" not in text
    assert "Hạn báo cáo 20/11/2027 (đã quá hạn; kỳ tiếp theo: 20/11/2028)" in text
    assert "161 xã, phường, thị trấn trước khi sắp xếp" in text


@pytest.mark.parametrize(("kind", "on", "said"), [
    ("annual", dt.date(2027, 10, 1), "20/11/2027"),
    ("annual", dt.date(2027, 11, 20), "20/11/2027"),
    ("annual", dt.date(2027, 11, 21), "20/11/2027 (đã quá hạn; kỳ tiếp theo: 20/11/2028)"),
    ("six-month", dt.date(2028, 1, 5), "25/05/2027 (đã quá hạn; kỳ tiếp theo: 25/05/2028)"),
    ("annual", dt.date(2026, 12, 3), "20/11/2027"),
])
def test_due_date_said_once(world: dict[str, Any], kind: str, on: dt.date, said: str) -> None:
    report = periodic.period_report(world["db"], world["new"], kind=kind, today=on)
    assert periodic.due_text(report) == said


# ---- pages ----------------------------------------------------------------------------------------

@pytest.fixture()
def app(world: dict[str, Any], make_app: MakeApp, tmp_path: Path) -> Flask:
    path = tmp_path / "cfc.db"
    webdb.backup(world["path"], path)
    return make_app(path)


def test_new_commune_page_shows_its_predecessors(app: Flask, world: dict[str, Any]) -> None:
    """The officer of A (one assessment: the page opens on it) sees each predecessor's 2024 result with links."""
    client = logged_in(app, OFFICER)
    mine = client.get("/mine")
    assert mine.status_code == 302
    html = client.get(mine.headers["Location"]).get_data(as_text=True)
    assert "Kết quả của các xã trước sắp xếp" in html and 'id="history-table"' in html
    for p in lineage.earlier_results(world["db"], world["units"]["A"]):
        assessment = p["results"][0]["assessment_id"]
        assert p["name"] in html and f'href="/assessments/{assessment}"' in html
        assert f'href="/assessments/{assessment}/report.pdf"' in html
        page = client.get(f"/assessments/{assessment}")
        assert page.status_code == 200 and 'id="read-only-past"' in page.get_data(as_text=True)
    assert "Được công nhận" in html and "1.000" in html


def test_dashboard_compares_through_the_lineage(app: Flask) -> None:
    html = logged_in(app, REVIEWER).get("/dashboard").get_data(as_text=True)
    assert 'id="lineage"' in html
    assert ("Của 56 xã, phường mới: 1 hình thành chỉ từ các xã đã được công nhận năm 2024, 2 từ các xã có cả hai "
            "(có xã được công nhận, có xã chưa), 53 chưa có xã nào được công nhận.") in html
    assert "53 đơn vị có xã chưa được đánh giá năm 2024." in html
    assert 'id="trend-reform"' in html and "Từ năm 2027, các đơn vị là 56 xã, phường mới" in html
    assert re.search(r'<tr><th scope="row"><a href="[^"]*round=1">2024</a></th><td class="num">161</td>', html)
    old = logged_in(app, REVIEWER).get("/dashboard?round=1").get_data(as_text=True)
    assert 'id="lineage"' not in old  # a round on the old units has nothing before the reform to compare
    assert 'id="stat-units">161<' in old  # the new province's reviewer sees the communes it was formed from


def test_period_report_of_a_new_scope_reaches_back(world: dict[str, Any]) -> None:
    """A report on the 2024 round for the new province (or a new commune) covers the communes merged into it."""
    db, a = world["db"], world["units"]["A"]
    province = lineage.successors(db, lineage.predecessors(db, a)[0]["id"])[0]["parent_id"]
    assert periodic.period_report(db, world["old"], province).units == 161
    report = periodic.period_report(db, world["old"], a)
    assert report.units == len(lineage.predecessors(db, a)) == report.recognised


# ---- bad lineage data -----------------------------------------------------------------------------

def _rows() -> tuple[list[dict[str, Any]], list[dict[str, str]]]:
    data = units.cao_bang_data()
    return [dict(u) for u in data.units], [dict(link) for link in data.lineage]


def test_shipped_lineage_is_sound() -> None:
    rows, links = _rows()
    units.check_lineage(rows, links, units.CAO_BANG_2022, units.CAO_BANG_2025)
    assert len(links) == 161


def _refused(rows: list[dict[str, Any]], links: list[dict[str, str]]) -> list[str]:
    with pytest.raises(units.BrokenLineage) as info:
        units.check_lineage(rows, links, units.CAO_BANG_2022, units.CAO_BANG_2025)
    return info.value.problems


def test_a_cycle_is_refused() -> None:
    rows, links = _rows()
    back = links[0]
    links.append({"from_id": back["to_id"], "to_id": back["from_id"]})
    problems = _refused(rows, links)
    new = next(u for u in rows if u["id"] == back["to_id"])
    assert any(p.startswith(f"{units.TYPE_NAMES[new['type']]} {new['name']} (mã {new['code']}): dữ liệu sắp xếp "
                            "bị lặp") for p in problems)


def test_an_old_commune_missing_from_the_lineage_is_refused() -> None:
    rows, links = _rows()
    gone = links.pop(5)
    old = next(u for u in rows if u["id"] == gone["from_id"])
    problems = _refused(rows, links)
    assert f"{units.TYPE_NAMES[old['type']]} {old['name']} (mã {old['code']}): không thuộc đơn vị mới nào" in problems[0]


def test_a_target_that_is_not_a_new_unit_and_a_new_unit_formed_from_none_are_refused() -> None:
    rows, links = _rows()
    lonely = next(u for u in rows if u["unit_set"] == units.CAO_BANG_2025 and u["type"] == "xa")
    for link in links:
        if link["to_id"] == lonely["id"]:
            link["to_id"] = "cao-bang-2025:99999"
    problems = _refused(rows, links)
    assert any("sáp nhập vào đơn vị không có trong dữ liệu «cao-bang-2025:99999»" in p for p in problems)
    assert f"Xã {lonely['name']} (mã {lonely['code']}): không được hình thành từ xã, phường, thị trấn nào" \
        in "\n".join(problems)


def test_db_init_refuses_broken_lineage_and_writes_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    data = tmp_path / "data"
    shutil.copytree(units.DATA, data)
    csv22 = data / "cao-bang-2022.csv"
    lines = csv22.read_text(encoding="utf-8").splitlines(keepends=True)
    fields = lines[1].split(",")
    lines[1] = ",".join(fields[:5] + ["", ""]) + "\n"  # the first old commune merged into nothing
    csv22.write_text("".join(lines), encoding="utf-8")
    monkeypatch.setattr(units, "DATA", data)
    target = tmp_path / "cfc.db"
    result = CliRunner().invoke(cfc, ["db", "init", "--db", str(target)])
    assert result.exit_code == 5, result.output
    assert f"Phường {fields[1]} (mã {fields[0]}): không thuộc đơn vị mới nào" in result.output
    assert "không ghi dữ liệu nào" in result.output and not target.exists()
    monkeypatch.undo()
    fine = CliRunner().invoke(cfc, ["db", "init", "--db", str(target)])
    assert fine.exit_code == 0 and "units" in fine.output
