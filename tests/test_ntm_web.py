"""The NTM (nông thôn mới) page of a unit: statuses from the assessment's values, the
region/group from the unit set, the stunting indicator flipping exactly at 24% (QĐ 318,
TDMNPB) for a 2022 unit, and unverified parts flagged."""
from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask

import criteria
from webapp.store import db as webdb
from webapp.store import demo, ntm, rounds, units, workflow

from webhelpers import MakeApp, opened

PASSWORD = demo.DEMO_PASSWORD
STUNTING = "c15c-suy-dinh-duong-thap-coi"


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory, demo_copy: Callable[[Path], int]) -> dict[str, Any]:
    path = tmp_path_factory.mktemp("ntm") / "cfc.db"
    round_id = demo_copy(path)
    with opened(path) as db:
        round_2025 = rounds.create_round(db, name="Đợt 2026", year=2026, cset=criteria.get("qd06-2019"),
                                         unit_set=units.CAO_BANG_2025, actor="test")
    return {"path": path, "round": round_id, "round_2025": round_2025}


@pytest.fixture(scope="module")
def app(make_app: MakeApp, site: dict[str, Any]) -> Flask:
    return make_app(site["path"])


@pytest.fixture
def sql(site: dict[str, Any]) -> Iterator[Any]:
    db = webdb.connect(site["path"], migrate=False)
    yield db
    db.conn.close()




def officer_draft(db: Any, round_id: int) -> dict[str, Any]:
    """The draft assessment of the demo officer's commune (a 2022 unit)."""
    scope = next(db.query("select scope_unit_id from users where username = 'canbo.xa'"))["scope_unit_id"]
    row = workflow.find(db, round_id, scope)
    assert row["status"] == "draft" and row["unit_id"].startswith(units.CAO_BANG_2022 + ":")
    return row


def row_of(html: str, indicator: str) -> str:
    match = re.search(rf'<tr class="([^"]*)" data-indicator="{re.escape(indicator)}">(.*?)</tr>', html, re.DOTALL)
    assert match, indicator
    return match.group(1) + " " + match.group(2)


def status_of(html: str, indicator: str) -> str:
    cell = re.search(r'<td class="ntm-status"><strong>([^<]+)</strong>', row_of(html, indicator))
    assert cell
    return cell.group(1)


def test_stunting_flips_at_24_percent_for_a_2022_unit(site, sql, client_as):
    row = officer_draft(sql, site["round"])
    client = client_as("canbo.xa")
    url = f"/assessments/{row['id']}/ntm"
    for stunted, measured, want in [(24, 100, "đạt"), (25, 100, "không đạt"),
                                    (2400, 10000, "đạt"), (2401, 10000, "không đạt"), (0, 50, "đạt")]:
        saved = workflow.save_declared(sql, row["id"], {"under5_stunted": stunted, "under5_measured": measured},
                                       "test-officer")
        statuses = {s.indicator_id: s for s in ntm.ntm_status(sql, saved)}
        assert statuses[STUNTING].status == want, (stunted, measured)
        assert statuses[STUNTING].area == "tdmnpb"
        response = client.get(url)
        assert response.status_code == 200
        html = response.get_data(as_text=True)
        assert status_of(html, STUNTING) == want, (stunted, measured)
        assert "24%" in row_of(html, STUNTING)  # the level shown
    assert "ntm-met" in row_of(html, STUNTING)
    assert "Trung du và miền núi phía Bắc" in html or "tdmnpb" in html


def test_page_shows_every_status_and_unverified_flags(site, sql, client_as):
    row = officer_draft(sql, site["round"])
    html = client_as("admin").get(f"/assessments/{row['id']}/ntm").get_data(as_text=True)
    statuses = ntm.ntm_status(sql, workflow.load(sql, row["id"]))
    assert len(statuses) == len(criteria.ntm.get("ntm-qd318-2022").indicators)
    for s in statuses:
        assert status_of(html, s.indicator_id) == s.status
        if s.unverified:
            assert "CHƯA XÁC NHẬN" in row_of(html, s.indicator_id)
            assert "ntm-unverified" in row_of(html, s.indicator_id)
    assert any(s.unverified for s in statuses)  # the shipped set has unverified parts: they show
    assert "style=" not in html and "<script>" not in html


def test_missing_data_is_thieu_du_lieu(site, sql, client_as):
    row = officer_draft(sql, site["round"])
    saved = workflow.save_declared(sql, row["id"], {"under5_stunted": None, "under5_measured": None}, "test-officer")
    statuses = {s.indicator_id: s for s in ntm.ntm_status(sql, saved)}
    assert statuses[STUNTING].status == "thiếu dữ liệu"
    html = client_as("canbo.xa").get(f"/assessments/{row['id']}/ntm").get_data(as_text=True)
    assert status_of(html, STUNTING) == "thiếu dữ liệu"


def test_verified_values_win_over_declared(site, sql):
    row = next(sql.query("select id from assessments where round_id = ? and status = 'verified' limit 1",
                         [site["round"]]))
    view = workflow.load(sql, row["id"])
    ctx = ntm.ntm_context(view)
    assert ctx.values_from == "verified" and ctx.ntm_set_id == "ntm-qd318-2022"
    doctored = dataclasses.replace(view, row={**view.row, "declared": {**view.row["declared"], "under5_stunted": 0}})
    assert ntm.ntm_status(sql, doctored) == ntm.ntm_status(sql, view)


def test_2025_units_use_qd51_by_khu_vuc(site, sql, client_as):
    rows = list(sql.query("select a.id, u.khu_vuc, u.name from assessments a join units u on u.id = a.unit_id "
                          "where a.round_id = ?", [site["round_2025"]]))
    by_zone = {r["khu_vuc"]: r for r in rows}
    assert {"I", "III"} <= set(by_zone)
    for zone, area, verified in [("III", "nhom-3", True), ("I", "nhom-2", False)]:
        view = workflow.load(sql, by_zone[zone]["id"])
        ctx = ntm.ntm_context(view)
        assert (ctx.ntm_set_id, ctx.area.area, ctx.area.verified) == ("ntm-qd51-2025", area, verified)
        assert {s.area for s in ntm.ntm_status(sql, view)} == {area}
    html = client_as("admin").get(f"/assessments/{by_zone['I']['id']}/ntm").get_data(as_text=True)
    assert "51/2025/QĐ-TTg" in html and "CHƯA XÁC NHẬN" in html
    assert "ntm-qd51-2025" not in html and "nhom-2" not in html  # names, not ids


def test_access_follows_the_assessment(app, site, sql, client_as):
    own = officer_draft(sql, site["round"])
    other = next(sql.query("select id from assessments where round_id = ? and unit_id != ? limit 1",
                           [site["round"], own["unit_id"]]))["id"]
    officer = client_as("canbo.xa")
    assert officer.get(f"/assessments/{own['id']}/ntm").status_code == 200
    assert officer.get(f"/assessments/{other}/ntm").status_code == 403
    assert officer.get("/assessments/999999/ntm").status_code == 404
    assert app.test_client().get(f"/assessments/{own['id']}/ntm").status_code == 302
    assert client_as("theodoi.tinh").get(f"/assessments/{own['id']}/ntm").status_code == 200


def test_english_interface(site, sql, client_as):
    row = next(sql.query("select a.id from assessments a join units u on u.id = a.unit_id "
                         "where a.round_id = ? and u.khu_vuc = 'I'", [site["round_2025"]]))
    client = client_as("admin")
    html = client.get(f"/assessments/{row['id']}/ntm?lang=en").get_data(as_text=True)
    assert "UNCONFIRMED" in html and "Result of each indicator" in html
    impact = client.get(f"/rounds/{site['round']}/impact").get_data(as_text=True)
    assert "Units whose verdict changes" in impact and 'id="impact-none"' in impact
    client.get("/?lang=vi")
