"""Province tools on real SQLite files: the unit list's district / former-district filter and search, its
Excel file (exactly the rows on screen), the impact page's two counts reconciled with the dashboard's,
two different criteria sets compared, and the province NTM page's counts against each commune's own page.

Two rounds: the demo's 2024 round on the 161 communes of 2022 (three tiers, districts), and a 2027
round on the 56 units since 1 July 2025 (two tiers, no districts) with declarations made here.
"""
from __future__ import annotations

import io
import json
import random
import re
from collections import Counter
from collections.abc import Iterator
from typing import Any

import openpyxl
import pytest
from flask import Flask
from test_impact import variant_text
from test_web_dashboard import tables, unit_rows

import criteria
import criteria.ntm
import scoring
from webapp.store import accounts, demo, rounds, units, vietnamese, workflow
from webapp.store import db as webdb
from webapp.store.ntm import ntm_status
from webapp.store.workflow import STATUS_NAMES

from webhelpers import MakeApp, opened

HA_QUANG = "cao-bang-2022:huyen-ha-quang"
PROVINCE_2025 = f"{units.CAO_BANG_2025}:{units.PROVINCE_CODE}"


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """The demo's 2022 and 2024 rounds, plus a 2027 round on the 2025 units: most communes declared in
    full, a few in part (so data are missing), some submitted, verified, recognised or refused."""
    path = tmp_path_factory.mktemp("province") / "cfc.db"
    with opened(path) as db:
        _old, new = demo.build_demo_years(db, years=(2022, 2024))
        two_tier = rounds.create_round(db, name="Đánh giá năm 2027", year=2027, cset=criteria.get("qd06-2019"),
                                       unit_set=units.CAO_BANG_2025, actor="test")
        rng = random.Random(2027)
        ids = [r["id"] for r in db.query("select id from assessments where round_id = ? order by id", [two_tier])]
        statuses = ("draft", "submitted", "verified", "recognised", "recognised", "not_recognised")
        for n, aid in enumerate(ids):
            values = demo.declared_values(rng, ("good", "zero-criterion", "weak")[n % 3])
            if n % 7 == 0:  # declared in part: the NTM data are missing
                values = {k: v for k, v in values.items() if k in ("children", "births", "play_area")}
            if n % 11 != 5:
                workflow.save_declared(db, aid, values, "test")
            db.execute("update assessments set status = ? where id = ?", [statuses[n % len(statuses)], aid])
        accounts.create_user(db, "tinh.moi", demo.DEMO_PASSWORD, "viewer", "Sở Y tế (từ 2025)", PROVINCE_2025, "test")
        accounts.create_user(db, "thamdinh.tinh.moi", demo.DEMO_PASSWORD, "reviewer", "Thẩm định tỉnh",
                             PROVINCE_2025, "test")
        variant = criteria.load_text(variant_text(), "variant.yaml")
        variant_key = rounds.install_criteria(db, variant)  # installed, not shipped: the page must offer it
    return {"path": path, "new": new, "two_tier": two_tier, "variant": variant, "variant_key": variant_key}


@pytest.fixture(scope="module")
def app(make_app: MakeApp, site: dict[str, Any]) -> Flask:
    return make_app(site["path"])


@pytest.fixture
def sql(site: dict[str, Any]) -> Iterator[Any]:
    db = webdb.connect(site["path"], migrate=False)
    yield db
    db.conn.close()


def names_of(sql: Any, where: str, params: list[Any]) -> set[str]:
    """«Xã X» names of the assessments' units chosen by ``where`` (``a`` assessment, ``u`` unit)."""
    return {f"{units.TYPE_NAMES[r['type']]} {r['name']}" for r in sql.query(
        f"select u.type, u.name from assessments a join units u on u.id = a.unit_id where {where}", params)}


def listed(html: str) -> set[str]:
    """The unit names of the list on screen (the first cell holds the name, then the code)."""
    return {re.sub(r"\s+\d{5}$", "", row[0]) for row in unit_rows(html)}


# --- the unit list: district and former-district filter, search --------------------------------


def test_ha_quang_finds_the_communes_of_its_district_with_or_without_diacritics(site, sql, client_as) -> None:
    client = client_as("theodoi.tinh")
    want = names_of(sql, "a.round_id = ? and u.parent_id = ?", [site["new"], HA_QUANG])
    assert len(want) > 5
    for query in ("Hà Quảng", "ha quang", "HÀ QUẢNG", "Huyện Hà Quảng"):
        html = client.get("/dashboard", query_string={"round": site["new"], "q": query}).get_data(as_text=True)
        assert listed(html) == want, query
    by_group = client.get(f"/dashboard?round={site['new']}&group={HA_QUANG}").get_data(as_text=True)
    assert listed(by_group) == want
    assert f'<option value="{HA_QUANG}" selected>Huyện Hà Quảng</option>' in by_group
    assert {row[1] for row in unit_rows(by_group)} == {"Huyện Hà Quảng"}


def test_district_filter_combines_with_status_and_sort(site, sql, client_as) -> None:
    client = client_as("theodoi.tinh")
    status = next(sql.query("select a.status from assessments a join units u on u.id = a.unit_id where a.round_id = ? "
                            "and u.parent_id = ? group by a.status order by count(*) desc", [site["new"], HA_QUANG]))["status"]
    want = names_of(sql, "a.round_id = ? and u.parent_id = ? and a.status = ?", [site["new"], HA_QUANG, status])
    html = client.get(f"/dashboard?round={site['new']}&group={HA_QUANG}&status={status}&sort=total&dir=desc"
                      ).get_data(as_text=True)
    rows = unit_rows(html)
    assert listed(html) == want and {r[2] for r in rows} == {STATUS_NAMES[status]}
    totals = [int(r[3].replace(".", "")) for r in rows if r[3] != "—"]
    assert totals == sorted(totals, reverse=True)
    # the sort links keep the filters
    assert f"sort=name&amp;dir=asc&amp;status={status}&amp;group={HA_QUANG}#units" in html


def test_two_tier_units_are_grouped_by_their_former_districts(site, sql, client_as) -> None:
    client = client_as("tinh.moi")
    want = names_of(sql, "a.round_id = ? and a.unit_id in (select l.to_id from unit_lineage l join units f "
                         "on f.id = l.from_id where f.parent_id = ?)", [site["two_tier"], HA_QUANG])
    assert 0 < len(want) < 56
    for query in ("Hà Quảng", "ha quang"):
        html = client.get("/dashboard", query_string={"round": site["two_tier"], "q": query}).get_data(as_text=True)
        assert listed(html) == want, query
    html = client.get(f"/dashboard?round={site['two_tier']}&group={HA_QUANG}").get_data(as_text=True)
    assert listed(html) == want
    assert 'id="groups-note"' in html and "Huyện cũ (trước 01/7/2025)" in html
    assert all("Huyện Hà Quảng" in row[1] for row in unit_rows(html))
    # a unit formed from communes of two former districts is in both groups
    cross = next(sql.query(
        "select l.to_id, count(distinct f.parent_id) n from unit_lineage l join units f on f.id = l.from_id "
        "group by l.to_id having n > 1 limit 1"))
    unit = units.get_unit(sql, cross["to_id"])
    districts = [r["parent_id"] for r in sql.query(
        "select distinct f.parent_id from unit_lineage l join units f on f.id = l.from_id where l.to_id = ?",
        [cross["to_id"]])]
    for district in districts:
        shown = client.get(f"/dashboard?round={site['two_tier']}&group={district}").get_data(as_text=True)
        assert f"{units.TYPE_NAMES[unit['type']]} {unit['name']}" in listed(shown)


def test_an_unknown_or_foreign_group_is_ignored(site, sql, client_as) -> None:
    client = client_as("chutich.huyen")  # a district's authority
    scope = next(sql.query("select scope_unit_id from users where username = 'chutich.huyen'"))["scope_unit_id"]
    own = names_of(sql, "a.round_id = ? and u.parent_id = ?", [site["new"], scope])
    other = next(sql.query("select id from units where unit_set = 'cao-bang-2022' and type in ('huyen', 'thanh_pho') "
                           "and id != ? limit 1", [scope]))["id"]
    for group in (other, "<script>", "x" * 500):
        html = client.get("/dashboard", query_string={"round": site["new"], "group": group}).get_data(as_text=True)
        assert listed(html) == own


# --- the Excel file of the list ------------------------------------------------------------------


def sheet_rows(data: bytes) -> tuple[list[str], list[list[Any]]]:
    ws = openpyxl.load_workbook(io.BytesIO(data)).active
    rows = [[c.value for c in row] for row in ws.iter_rows()]
    return rows[0], rows[1:]


@pytest.mark.parametrize("who, query", [
    ("theodoi.tinh", "q=ha+quang&sort=total&dir=desc"),
    ("theodoi.tinh", f"group={HA_QUANG}&status=recognised&sort=name&dir=desc"),
    ("theodoi.tinh", "status=verified&sort=status"),
    ("tinh.moi", f"group={HA_QUANG}&sort=total"),
    ("chutich.huyen", "sort=total&dir=desc"),
])
def test_the_excel_file_holds_exactly_the_rows_on_screen(site, client_as, who: str, query: str) -> None:
    client = client_as(who)
    round_id = site["two_tier"] if who == "tinh.moi" else site["new"]
    html = client.get(f"/dashboard?round={round_id}&{query}").get_data(as_text=True)
    link = re.search(r'id="units-xlsx" href="([^"]+)"', html).group(1).replace("&amp;", "&")
    response = client.get(link)
    assert response.status_code == 200 and response.mimetype.endswith("spreadsheetml.sheet")
    headers, rows = sheet_rows(response.data)
    screen = unit_rows(html)
    assert screen and "Không có đơn vị nào phù hợp." not in html
    assert headers[:2] == ["STT", "Đơn vị"] and headers[-4:] == ["Trạng thái", "Tổng điểm", "Mức tối thiểu",
                                                                   "Tiêu chí 0 điểm"]
    assert headers[2] == ("Huyện cũ (trước 01/7/2025)" if who == "tinh.moi" else "Huyện, thành phố")
    assert [r[0] for r in rows] == list(range(1, len(screen) + 1))
    for line, cells in zip(rows, screen, strict=True):
        name, group, status, total, threshold, zero = line[1:]
        assert re.sub(r"\s+\d{5}$", "", cells[0]) == name and cells[1] == group and cells[2] == status
        assert (total is None and cells[3] == "—") or (isinstance(total, int) and cells[3] == f"{total:,}".replace(",", "."))
        assert (threshold is None and cells[4] == "") or cells[4] == f"{threshold:,}".replace(",", ".")
        assert (zero or "") == cells[5]
    text = json.dumps(rows, ensure_ascii=False)
    assert "cao-bang-" not in text and "recognised" not in text  # names, not ids or codes


def test_the_excel_file_keeps_to_the_jurisdiction(site, sql, client_as) -> None:
    scope = next(sql.query("select scope_unit_id from users where username = 'thamdinh.huyen'"))["scope_unit_id"]
    own = names_of(sql, "a.round_id = ? and u.parent_id = ?", [site["new"], scope])
    _headers, rows = sheet_rows(client_as("thamdinh.huyen").get(
        f"/dashboard/units.xlsx?round={site['new']}&group={HA_QUANG}").data)
    assert {r[1] for r in rows} == own  # another district's group is ignored, never shown
    _headers, rows = sheet_rows(client_as("thamdinh.huyen").get(f"/dashboard/units.xlsx?round={site['two_tier']}").data)
    assert rows == []  # a 2022 district has no unit in a 2025 round
    assert client_as("canbo.xa").get(f"/dashboard/units.xlsx?round={site['new']}").status_code == 403
    assert client_as("admin").get("/dashboard/units.xlsx?round=999").status_code == 404


# --- the impact page: its basis against the dashboard's ------------------------------------------


def eligible(sql: Any, round_id: int, cset: criteria.CriteriaSet, scope: str | None) -> dict[str, bool]:
    """unit id → eligible by its score under ``cset`` (verified values if any, else declared), in scope."""
    out = {}
    for r in sql.query("select a.unit_id, a.declared, a.verified, u.category from assessments a "
                       "join units u on u.id = a.unit_id where a.round_id = ?", [round_id]):
        if scope is not None and not accounts.within(sql, r["unit_id"], scope):
            continue
        values = json.loads(r["verified"] or "{}") or json.loads(r["declared"] or "{}")
        out[r["unit_id"]] = bool(scoring.score(values, cset, r["category"], partial=True).recognised)
    return out


def number_of(html: str, dom_id: str) -> int:
    return int(re.search(rf'id="{dom_id}">([\d.]+)<', html).group(1).replace(".", ""))


@pytest.mark.parametrize("who", ["theodoi.tinh", "chutich.huyen", "admin"])
def test_impact_counts_reconcile_with_the_dashboard(site, sql, client_as, who: str) -> None:
    client = client_as(who)
    round_id = site["new"]
    dashboard = client.get(f"/dashboard?round={round_id}").get_data(as_text=True)
    page = client.get(f"/rounds/{round_id}/impact").get_data(as_text=True)
    scope = None if who == "admin" else next(sql.query("select scope_unit_id from users where username = ?",
                                                       [who]))["scope_unit_id"]
    ok = eligible(sql, round_id, criteria.get("qd06-2019"), scope)
    status = {r["unit_id"]: r["status"] for r in sql.query(
        "select unit_id, status from assessments where round_id = ?", [round_id]) if r["unit_id"] in ok}
    decided = sum(1 for s in status.values() if s == "recognised")
    undecided = sum(1 for u, yes in ok.items() if yes and status[u] != "recognised")
    assert number_of(dashboard, "stat-recognised") == decided
    assert number_of(page, "impact-units") == number_of(dashboard, "stat-units") == len(ok)
    assert number_of(page, "impact-recognised-base") == sum(ok.values())
    assert (f"{decided} đơn vị đã có quyết định công nhận; {sum(ok.values())} đơn vị đủ điều kiện theo điểm "
            f"(Tiêu chuẩn xã, phường, thị trấn phù hợp với trẻ em — phiên bản 2019.1): {undecided} đơn vị trong số "
            f"đó chưa có quyết định công nhận") in page
    by_status = tables(page)["impact-by-status"]
    body = {row[0]: row[1:] for row in by_status[:-1]}  # tables() leaves out the header row
    assert {name: int(v[0]) for name, v in body.items()} == {
        STATUS_NAMES[s]: n for s, n in Counter(status.values()).items()}
    assert {name: int(v[1]) for name, v in body.items()} == {
        STATUS_NAMES[s]: sum(1 for u, yes in ok.items() if yes and status[u] == s) for s in set(status.values())}
    assert by_status[-1][1:3] == [str(len(ok)), str(sum(ok.values()))]
    # decided and eligible: the recognised row's eligible count is the decided units that are eligible
    recognised_row = body.get(STATUS_NAMES["recognised"])
    if recognised_row:
        assert int(recognised_row[1]) == sum(ok.values()) - undecided


def test_impact_compares_two_different_sets_both_ways(site, sql, client_as) -> None:
    client = client_as("theodoi.tinh")
    own = criteria.get("qd06-2019")
    base_ok = eligible(sql, site["new"], own, None)
    other_ok = eligible(sql, site["new"], site["variant"], None)
    assert sum(base_ok.values()) != sum(other_ok.values())
    page = client.get(f"/rounds/{site['new']}/impact?other={site['variant_key']}").get_data(as_text=True)
    assert number_of(page, "impact-recognised-base") == sum(base_ok.values())
    assert number_of(page, "impact-recognised-other") == sum(other_ok.values())
    assert number_of(page, "impact-lost") == sum(1 for u in base_ok if base_ok[u] and not other_ok[u])
    assert "phiên bản 2026.1-draft" in page and "phiên bản 2019.1" in page
    swapped = client.get(f"/rounds/{site['new']}/impact?base={site['variant_key']}&other="
                         f"{criteria.content_hash(own)}").get_data(as_text=True)
    assert number_of(swapped, "impact-recognised-base") == sum(other_ok.values())
    assert number_of(swapped, "impact-gained") == number_of(page, "impact-lost")
    # the installed variant is offered by its name and version, by default as the set to compare with
    default = client.get(f"/rounds/{site['new']}/impact").get_data(as_text=True)
    assert re.search(r'<select id="impact-other" name="other">.*?<option value="[^"]+" selected>'
                     r"Tiêu chuẩn xã, phường, thị trấn phù hợp với trẻ em — phiên bản 2026.1-draft<", default, re.S)
    text = re.sub(r"<[^>]*>", "", page)
    assert "sha256" not in text and "qd06-2019" not in text and "mountain-island" not in text


def test_impact_is_linked_from_the_dashboard_for_the_roles_that_may_see_it(site, client_as) -> None:
    for who, linked in (("theodoi.tinh", True), ("chutich.huyen", True), ("admin", True), ("thamdinh.huyen", False)):
        html = client_as(who).get(f"/dashboard?round={site['new']}").get_data(as_text=True)
        assert (f'href="/rounds/{site["new"]}/impact"' in html) is linked, who
        assert f'href="/rounds/{site["new"]}/ntm"' in html


# --- the province NTM page -----------------------------------------------------------------------


def ntm_table(html: str) -> list[tuple[int, int, int]]:
    return [(int(r[1]), int(r[2]), int(r[3])) for r in tables(html)["ntm-province"]]


@pytest.mark.parametrize("who, which", [("tinh.moi", "two_tier"), ("thamdinh.tinh.moi", "two_tier"),
                                        ("theodoi.tinh", "new"), ("thamdinh.huyen", "new"), ("admin", "two_tier")])
def test_ntm_counts_equal_the_sum_of_each_communes_statuses(site, sql, client_as, who: str, which: str) -> None:
    round_id = site[which]
    html = client_as(who).get(f"/rounds/{round_id}/ntm").get_data(as_text=True)
    scope = None if who == "admin" else next(sql.query("select scope_unit_id from users where username = ?",
                                                       [who]))["scope_unit_id"]
    per_unit: dict[str, Counter[str]] = {}  # indicator id → status → communes, in the set's order
    in_scope = [r["id"] for r in sql.query("select id, unit_id from assessments where round_id = ?", [round_id])
                if scope is None or accounts.within(sql, r["unit_id"], scope)]
    for aid in in_scope:
        for st in ntm_status(sql, workflow.load(sql, aid)):
            per_unit.setdefault(st.indicator_id, Counter())[st.status] += 1
    want = [(c["đạt"], c["không đạt"], c["thiếu dữ liệu"]) for c in per_unit.values()]
    assert ntm_table(html) == want
    assert all(sum(row) == len(in_scope) for row in want)
    assert f"{len(in_scope)} đơn vị trong phạm vi của bạn" in html
    if which == "two_tier":
        assert any(row[2] for row in want)  # the communes declared in part lack data


def test_ntm_page_names_missing_data_by_label_and_says_provisional_once(site, sql, client_as) -> None:
    html = client_as("tinh.moi").get(f"/rounds/{site['two_tier']}/ntm").get_data(as_text=True)
    text = vietnamese.nfc(re.sub(r"<[^>]*>", " ", html))
    cset = criteria.get("qd06-2019")
    assert f"thiếu «{cset.inputs['under5_stunted'].label.vi}»" in text
    ids = [name for name in cset.inputs if re.search(rf"\b{name}\b", text)]
    assert ids == []
    nset = criteria.ntm.get("ntm-qd51-2025")
    assert not [i.id for i in nset.indicators if i.id in html]  # no indicator ids, not even in attributes
    assert "(chưa xác nhận)" not in text and "CHƯA XÁC NHẬN" not in text
    assert text.count("chưa được đối chiếu với văn bản chính thức") == 1
    assert html.count('id="ntm-provisional"') == 1
    # the communes of one indicator, linked to their own NTM page
    first = re.search(r'<section class="card" aria-labelledby="ind-1">(.*?)</section>', html, re.S).group(1)
    assert len(re.findall(r'href="/assessments/\d+/ntm"', first)) == 56


def test_ntm_page_keeps_to_the_jurisdiction(site, sql, client_as) -> None:
    scope = next(sql.query("select scope_unit_id from users where username = 'thamdinh.huyen'"))["scope_unit_id"]
    own = names_of(sql, "a.round_id = ? and u.parent_id = ?", [site["new"], scope])
    others = names_of(sql, "a.round_id = ? and u.parent_id != ?", [site["new"], scope]) - own
    html = client_as("thamdinh.huyen").get(f"/rounds/{site['new']}/ntm").get_data(as_text=True)
    first = re.search(r'<section class="card" aria-labelledby="ind-1">(.*?)</section>', html, re.S).group(1)
    links = re.findall(r'href="/assessments/\d+/ntm">([^<]+)</a>', first)
    district = units.get_unit(sql, scope)
    suffix = f" ({units.TYPE_NAMES[district['type']].lower()} {district['name']})"  # two districts may share a name
    assert links and all(n.endswith(suffix) for n in links)
    shown = {re.sub(r" \(.*\)$", "", n) for n in links}
    assert shown == own and not shown & others
    empty = client_as("thamdinh.huyen").get(f"/rounds/{site['two_tier']}/ntm").get_data(as_text=True)
    assert 'id="ntm-none"' in empty and "/ntm\">" not in empty
    assert client_as("canbo.xa").get(f"/rounds/{site['new']}/ntm").status_code == 403
    assert client_as("admin").get("/rounds/999/ntm").status_code == 404


def test_pages_in_english(site, client_as) -> None:
    client = client_as("tinh.moi")
    ntm = client.get(f"/rounds/{site['two_tier']}/ntm?lang=en").get_data(as_text=True)
    assert "Communes per indicator" in ntm and "Data missing" in ntm
    dashboard = client.get(f"/dashboard?round={site['two_tier']}").get_data(as_text=True)
    assert "Former district (before 1 July 2025)" in dashboard and "Download Excel" in dashboard
    client.get("/?lang=vi")

