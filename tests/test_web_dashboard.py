"""The dashboard on a real SQLite demo (two years): every figure on the page is recomputed
here from the assessments table with SQL, the jurisdiction limits what a user sees, the
table's sort and filter parameters are whitelisted, and the SVG charts are well-formed."""
from __future__ import annotations

import datetime as dt
import json
import re
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from decimal import ROUND_HALF_UP, Decimal
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from flask import Flask

from webapp.store import accounts, demo, units, vietnamese
from webapp.store import db as webdb
from webapp.store.workflow import STATUS_NAMES
from webapp.web import charts

from webhelpers import ClientAs, MakeApp, logged_in, opened

SVG = "{http://www.w3.org/2000/svg}"
PASSWORD = demo.DEMO_PASSWORD


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """A demo database with a closed 2022 round and an open 2024 round (built once)."""
    path = tmp_path_factory.mktemp("dashboard") / "cfc.db"
    with opened(path) as db:
        old, new = demo.build_demo_years(db, years=(2022, 2024))
    return {"path": path, "old": old, "new": new}


@pytest.fixture(scope="module")
def app(make_app: MakeApp, site: dict[str, Any]) -> Flask:
    return make_app(site["path"])


@pytest.fixture
def sql(site: dict[str, Any]) -> Iterator[Any]:
    db = webdb.connect(site["path"], migrate=False)
    yield db
    db.conn.close()




def vi_percent(part: int, whole: int) -> str:
    """62,7% — one decimal, half up, trailing ",0" dropped, comma as the decimal mark."""
    value = (Decimal(part * 100) / Decimal(whole)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
    text = str(value).removesuffix(".0").replace(".", ",")
    return f"{text}%"


class Tables(HTMLParser):
    """Rows of cell texts of every ``<table id=...>`` on a page."""

    def __init__(self) -> None:
        super().__init__()
        self.tables: dict[str, list[list[str]]] = {}
        self.current: str | None = None
        self.row: list[str] | None = None
        self.cell: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "table":
            self.current = dict(attrs).get("id") or ""
            self.tables[self.current] = []
        elif tag == "tr" and self.current is not None:
            self.row = []
        elif tag in ("td", "th") and self.row is not None:
            self.cell = []

    def handle_endtag(self, tag: str) -> None:
        if tag in ("td", "th") and self.cell is not None and self.row is not None:
            self.row.append(" ".join("".join(self.cell).split()))
            self.cell = None
        elif tag == "tr" and self.row is not None and self.current is not None:
            self.tables[self.current].append(self.row)
            self.row = None
        elif tag == "table":
            self.current = None

    def handle_data(self, data: str) -> None:
        if self.cell is not None:
            self.cell.append(data)


def tables(html: str) -> dict[str, list[list[str]]]:
    parser = Tables()
    parser.feed(html)
    return {k: rows[1:] for k, rows in parser.tables.items()}  # without the header row


def stat(html: str, name: str) -> str:
    match = re.search(rf'id="stat-{name}">([^<]*)<', html)
    assert match, name
    return match.group(1)


def svgs(html: str) -> list[ET.Element]:
    found = re.findall(r"<svg\b.*?</svg>", html, flags=re.DOTALL)
    return [ET.fromstring(s) for s in found]


def unit_names(html: str) -> list[str]:
    return [row[0] for row in tables(html)["units-table"] if len(row) > 1]


def unit_rows(html: str) -> list[list[str]]:
    return [row for row in tables(html)["units-table"] if len(row) > 1]


# --- the headline figures -------------------------------------------------------------------

def test_province_viewer_sees_the_figures_computed_from_the_assessments(site, sql, client_as) -> None:
    n, evaluated, recognised = sql.execute(
        "select count(*), sum(status != 'draft'), sum(status = 'recognised') from assessments "
        "where round_id = ?", [site["new"]]).fetchone()
    html = client_as("theodoi.tinh").get("/dashboard").get_data(as_text=True)
    assert stat(html, "units") == str(n) == "161"
    assert stat(html, "evaluated") == str(evaluated)
    assert stat(html, "recognised") == str(recognised)
    assert stat(html, "share") == vi_percent(recognised, n) == "62,7%"
    assert "Mục tiêu 2025: 65%" in html and "Mục tiêu 2030: 75%" in html
    assert "Quyết định 23/QĐ-TTg" in html
    assert 'class="notice provisional"' in html  # the demo's criteria set has provisional values


def test_per_district_breakdown_matches_sql(site, sql, client_as) -> None:
    expected = {
        f"{units.TYPE_NAMES[r['type']]} {r['name']}": [str(r["n"]), str(r["ev"]), str(r["rec"]),
                                                       vi_percent(r["rec"], r["n"])]
        for r in sql.query(
            "select p.name, p.type, count(*) n, sum(a.status != 'draft') ev, sum(a.status = 'recognised') rec "
            "from assessments a join units u on u.id = a.unit_id join units p on p.id = u.parent_id "
            "where a.round_id = ? group by p.id", [site["new"]])}
    html = client_as("theodoi.tinh").get("/dashboard").get_data(as_text=True)
    shown = {row[0]: row[1:] for row in tables(html)["districts"]}
    assert shown == expected
    assert len(shown) == 10
    # Vietnamese order: Bảo Lạc before Bảo Lâm (tone order), Thạch An before Trùng Khánh
    names = list(shown)
    assert names.index("Huyện Bảo Lạc") < names.index("Huyện Bảo Lâm") < names.index("Huyện Thạch An")


def test_most_failing_criteria_match_the_summaries(site, sql, client_as) -> None:
    expected = {}
    for number in range(1, 14):
        count = sql.execute(
            f"select count(*) from assessments where round_id = ? and status != 'draft' "
            f"and json_extract(result, '$.criteria.\"{number}\"') = 0", [site["new"]]).fetchone()[0]
        if count:
            expected[number] = str(count)
    below = sql.execute("select count(*) from assessments a, json_each(a.result, '$.failed_conditions') f "
                        "where a.round_id = ? and a.status != 'draft' and f.value = 'total-at-least-threshold'",
                        [site["new"]]).fetchone()[0]
    html = client_as("admin").get("/dashboard").get_data(as_text=True)
    rows = tables(html)["failing"]
    shown = {int(row[0].split(".")[0]): row[1] for row in rows}
    assert shown == expected and expected
    counts = [int(row[1]) for row in rows]
    assert counts == sorted(counts, reverse=True)  # most first
    assert f"Chưa đạt tổng điểm tối thiểu: {below} đơn vị." in html


def test_histogram_bins_totals_by_fifty_points_with_the_thresholds(site, sql, client_as) -> None:
    bins = {r["b"]: r["n"] for r in sql.query(
        "select min(json_extract(result, '$.total') / 50 * 50, 950) b, count(*) n from assessments "
        "where round_id = ? and status != 'draft' group by b", [site["new"]])}
    html = client_as("theodoi.tinh").get("/dashboard").get_data(as_text=True)
    chart = next(s for s in svgs(html) if "histogram" in s.get("class", ""))
    drawn = {}
    for rect in chart.iter(f"{SVG}rect"):
        label, count = rect.find(f"{SVG}title").text.rsplit(": ", 1)
        drawn[int(label.split("–")[0].replace(".", ""))] = int(count)
    assert {k: v for k, v in drawn.items() if v} == bins
    assert all(b % 50 == 0 for b in drawn) and max(drawn) == 950
    labels = [t.text for t in chart.iter(f"{SVG}text") if "reference-label" in t.get("class", "")]
    assert labels == ["800", "850", "900"]


def test_trend_shows_the_share_recognised_per_year(sql, client_as) -> None:
    expected = [[str(r["year"]), str(r["n"]), str(r["rec"]), vi_percent(r["rec"], r["n"])] for r in sql.query(
        "select r.year, count(*) n, sum(a.status = 'recognised') rec from assessments a "
        "join rounds r on r.id = a.round_id group by r.id order by r.year")]
    html = client_as("theodoi.tinh").get("/dashboard").get_data(as_text=True)
    assert tables(html)["trend"] == expected
    assert [row[0] for row in expected] == ["2022", "2024"]
    assert float(expected[0][3][:-1].replace(",", ".")) < float(expected[1][3][:-1].replace(",", "."))
    line = next(s for s in svgs(html) if "line-chart" in s.get("class", ""))
    values = [t.text for t in line.iter(f"{SVG}text") if t.get("class") == "value"]
    assert values == [row[3] for row in expected]


def test_an_older_round_is_chosen_with_the_round_parameter(site, sql, client_as) -> None:
    n, recognised = sql.execute("select count(*), sum(status = 'recognised') from assessments where round_id = ?",
                                [site["old"]]).fetchone()
    client = client_as("theodoi.tinh")
    html = client.get(f"/dashboard?round={site['old']}").get_data(as_text=True)
    assert stat(html, "share") == vi_percent(recognised, n)
    assert stat(html, "evaluated") == str(n)  # a closed round: everything decided
    assert client.get("/dashboard?round=9999").status_code == 404


def test_english_uses_english_number_format(site, sql, client_as) -> None:
    n, recognised = sql.execute("select count(*), sum(status = 'recognised') from assessments where round_id = ?",
                                [site["new"]]).fetchone()
    html = client_as("admin").get("/dashboard?lang=en").get_data(as_text=True)
    assert stat(html, "share") == vi_percent(recognised, n).replace(",", ".")


# --- jurisdiction and access -----------------------------------------------------------------

@pytest.mark.parametrize("username", ["thamdinh.huyen", "chutich.huyen"])
def test_a_district_user_sees_only_its_district(site, sql, username: str, client_as: ClientAs) -> None:
    scope = sql.execute("select scope_unit_id from users where username = ?", [username]).fetchone()[0]
    expected = sorted(
        f"{units.TYPE_NAMES[r['type']]} {r['name']} {r['code']}" for r in sql.query(
            "select u.name, u.type, u.code from assessments a join units u on u.id = a.unit_id "
            "where a.round_id = ? and u.parent_id = ?", [site["new"], scope]))
    n, recognised = sql.execute(
        "select count(*), sum(a.status = 'recognised') from assessments a join units u on u.id = a.unit_id "
        "where a.round_id = ? and u.parent_id = ?", [site["new"], scope]).fetchone()
    html = client_as(username).get("/dashboard").get_data(as_text=True)
    assert sorted(unit_names(html)) == expected and 0 < n < 161
    assert len(unit_rows(html)) == n
    assert stat(html, "units") == str(n)
    assert stat(html, "share") == vi_percent(recognised, n)
    assert "districts" not in tables(html)  # no per-district breakdown below the province
    trend = tables(html)["trend"]
    assert all(row[1] == str(n) for row in trend)  # the trend too is the district's


def test_the_province_since_the_reform_reads_the_rounds_before_it_as_history(site, sql, client_as) -> None:
    """A viewer of the 2025 province sees the round held on the 161 units of 2022: they are the units
    its 56 communes were formed from (``unit_lineage``)."""
    accounts.create_user(sql, "theodoi.2025", PASSWORD, "viewer", "Theo dõi 2025", "cao-bang-2025:04", "test")
    recognised = sql.execute("select count(*) from assessments where round_id = ? and status = 'recognised'",
                             [site["new"]]).fetchone()[0]
    html = client_as("theodoi.2025").get("/dashboard").get_data(as_text=True)
    assert stat(html, "units") == "161" and stat(html, "recognised") == str(recognised)
    assert len(unit_rows(html)) == 161 and "Không có đơn vị nào thuộc phạm vi của bạn" not in html


def test_a_new_communes_scope_reads_only_its_own_predecessors(sql, client_as) -> None:
    """A viewer of one 2025 ward (Thục Phán, formed from five old units) reads those five in the 2024
    round, and nothing else."""
    accounts.create_user(sql, "thucphan", PASSWORD, "viewer", "Theo dõi", "cao-bang-2025:01273", "test")
    html = client_as("thucphan").get("/dashboard").get_data(as_text=True)
    assert stat(html, "units") == "5"
    names = " | ".join(r[0] for r in unit_rows(html))
    for name in ("Phường Hợp Giang", "Phường Sông Hiến", "Phường Đề Thám", "Xã Hoàng Tung", "Xã Hưng Đạo"):
        assert name in names


def test_an_empty_database_says_there_is_no_round(make_app: MakeApp, tmp_path: Path) -> None:
    db = webdb.connect(tmp_path / "empty.db")
    units.load_cao_bang(db)
    accounts.create_user(db, "admin", PASSWORD, "admin", "Quản trị", None, "test")
    db.conn.close()
    response = logged_in(make_app(tmp_path / "empty.db"), "admin").get("/dashboard")
    assert response.status_code == 200
    assert "Chưa có đợt đánh giá nào." in response.get_data(as_text=True)


def test_officers_and_strangers_are_kept_out(app, client_as) -> None:
    anonymous = app.test_client().get("/dashboard")
    assert anonymous.status_code == 302 and "/login" in anonymous.headers["Location"]
    assert client_as("canbo.xa").get("/dashboard").status_code == 403


# --- the table: sort and filter --------------------------------------------------------------

def test_names_sort_in_vietnamese_order_both_ways(site, sql, client_as) -> None:
    keys = [r["sort_key"] for r in sql.query(
        "select u.sort_key from assessments a join units u on u.id = a.unit_id where a.round_id = ?",
        [site["new"]])]
    client = client_as("theodoi.tinh")
    html = client.get("/dashboard?sort=name&dir=asc").get_data(as_text=True)
    bare = [re.sub(r"^(Xã|Phường|Thị trấn) ", "", re.sub(r" \d+$", "", n)) for n in unit_names(html)]
    assert len(bare) == 161
    assert [units.sort_key(n) for n in bare] == sorted(keys)
    desc = unit_names(client.get("/dashboard?sort=name&dir=desc").get_data(as_text=True))
    assert desc == unit_names(html)[::-1]
    assert 'aria-sort="ascending"' in html


def test_sort_by_total_descending_puts_missing_totals_last(client_as) -> None:
    html = client_as("theodoi.tinh").get("/dashboard?sort=total&dir=desc").get_data(as_text=True)
    totals = [row[3] for row in unit_rows(html)]
    numbers = [int(t.replace(".", "")) for t in totals if t != "—"]
    assert numbers == sorted(numbers, reverse=True)
    assert totals[len(numbers):] == ["—"] * (len(totals) - len(numbers))
    assert 'aria-sort="descending"' in html


def test_sort_by_status_follows_the_workflow_order(client_as) -> None:
    html = client_as("theodoi.tinh").get("/dashboard?sort=status").get_data(as_text=True)
    order = list(STATUS_NAMES.values())
    shown = [order.index(row[2]) for row in unit_rows(html)]
    assert shown == sorted(shown)


def test_status_and_text_filters(site, sql, client_as) -> None:
    client = client_as("theodoi.tinh")
    n = sql.execute("select count(*) from assessments where round_id = ? and status = 'not_recognised'",
                    [site["new"]]).fetchone()[0]
    html = client.get("/dashboard?status=not_recognised").get_data(as_text=True)
    rows = unit_rows(html)
    assert len(rows) == n > 0 and {row[2] for row in rows} == {STATUS_NAMES["not_recognised"]}
    assert f"Hiển thị {n} / 161 đơn vị." in html
    # without diacritics the query ignores them; with them it does not
    plain = unit_names(client.get("/dashboard?q=BAO+LAC").get_data(as_text=True))
    assert any(name.startswith("Thị trấn Bảo Lạc") for name in plain)
    exact = unit_rows(client.get("/dashboard?q=Bảo+Lạc").get_data(as_text=True))  # the unit's or its district's name
    assert exact and all("Bảo Lạc" in row[0] or "Bảo Lạc" in row[1] for row in exact)
    assert unit_names(client.get("/dashboard?q=Bảo+Lắc").get_data(as_text=True)) == []
    code = sql.execute("select u.code from assessments a join units u on u.id = a.unit_id where a.round_id = ? "
                       "limit 1", [site["new"]]).fetchone()[0]
    assert len(unit_names(client.get(f"/dashboard?q={code}").get_data(as_text=True))) == 1


def test_hostile_sort_and_filter_values_are_ignored(sql, client_as) -> None:
    client = client_as("theodoi.tinh")
    default = unit_names(client.get("/dashboard").get_data(as_text=True))
    before = sql.execute("select count(*) from units").fetchone()[0]
    for query in ("sort=total;%20drop%20table%20units", "sort=total%20desc--&dir=1;delete",
                  "sort=__class__&dir=asc", "status=x'%20or%201=1--"):
        response = client.get(f"/dashboard?{query}")
        assert response.status_code == 200
        assert unit_names(response.get_data(as_text=True)) == default
    assert sql.execute("select count(*) from units").fetchone()[0] == before
    long = client.get("/dashboard?q=" + "a" * 5000)
    assert long.status_code == 200
    html = client.get("/dashboard?q=%3Cscript%3Ealert(1)%3C/script%3E").get_data(as_text=True)
    assert "<script>alert(1)" not in html and "&lt;script&gt;" in html


# --- the charts ------------------------------------------------------------------------------

def test_every_chart_is_well_formed_accessible_svg(client_as) -> None:
    html = client_as("theodoi.tinh").get("/dashboard").get_data(as_text=True)
    charts_ = svgs(html)
    kinds = {s.get("class").split()[1] for s in charts_}
    assert kinds == {"bar-chart", "histogram", "line-chart"}
    assert len(charts_) == 5  # target, districts, failing criteria, histogram, trend
    for svg in charts_:
        assert svg.get("role") == "img" and svg.get("aria-label")
        assert svg.find(f"{SVG}title").text == svg.get("aria-label")
        assert svg.find(f"{SVG}desc").text
        assert any(re.search(r"\d", t.text or "") for t in svg.iter(f"{SVG}text"))
    assert ' style="' not in html and "<style" not in html  # the CSP allows no inline styles


def test_chart_functions_escape_text_and_stay_well_formed() -> None:
    evil = '<script>alert("x")</script> & "quotes"'
    refs = [charts.Reference(50, evil)]
    for markup in (charts.bar_chart([(evil, 12.5), ("b", 0)], title=evil, references=refs, unit="%"),
                   charts.histogram([0, 49, 50, 1000, 999, 1200, -5], title=evil, thresholds=refs),
                   charts.line_chart([("2020", 40), ("2021", None), ("2022", 60), ("2023", 70)], title=evil,
                                     references=refs),
                   charts.bar_chart([], title="empty"), charts.histogram([], title="empty"),
                   charts.line_chart([("2024", 50)], title="one")):
        svg = ET.fromstring(str(markup))
        assert "<script>" not in markup
        assert svg.get("role") == "img"
    hist = ET.fromstring(str(charts.histogram([0, 49, 50, 1000, 999, 1200, -5], title="t")))
    counts = {r.find(f"{SVG}title").text for r in hist.iter(f"{SVG}rect")}
    assert {"0–49: 3", "50–99: 1", "950–1.000: 3"} <= counts  # out-of-range values go to the ends
    line = ET.fromstring(str(charts.line_chart([("a", 40), ("b", None), ("c", 60), ("d", 70)], title="t")))
    assert len(list(line.iter(f"{SVG}polyline"))) == 1  # the gap splits the line; a lone point has none
    assert len(list(line.iter(f"{SVG}circle"))) == 3


def test_result_summaries_are_json_the_dashboard_reads(site, sql) -> None:
    """A guard on the stored shape the dashboard depends on."""
    row = sql.execute("select result from assessments where round_id = ? and status = 'recognised' limit 1",
                      [site["new"]]).fetchone()[0]
    summary = json.loads(row)
    assert {"total", "recognised", "failed_conditions", "criteria", "provisional", "category"} <= set(summary)
    assert set(summary["criteria"]) == {str(n) for n in range(1, 14)}


def test_dashboard_shows_period_reports_and_units_not_submitted(make_app: MakeApp, db_path: Path) -> None:
    """Checked with the province viewer on a fresh demo: next due dates, download links and
    the units still in draft, counted independently."""
    with opened(db_path) as db:
        drafts = db.execute("select count(*) from assessments where status = 'draft'").fetchone()[0]
    html = logged_in(make_app(db_path), "theodoi.tinh").get("/dashboard").get_data(as_text=True)
    today = vietnamese.today()  # the due dates are counted from today in Vietnam
    annual = dt.date(today.year, 11, 20)
    annual = annual if today <= annual else dt.date(today.year + 1, 11, 20)
    assert f"Báo cáo năm — hạn tiếp theo: {annual:%d/%m/%Y}" in html
    assert 'href="/rounds/1/period.xlsx?kind=annual"' in html
    assert f"Đơn vị chưa nộp hồ sơ tự đánh giá: {drafts} —" in html
