"""Impact of a criteria revision on a demo round: the report, the page and ``cfc impact``.

The variant set is the shipped QĐ 06 text with another version, the mountain-island
threshold raised 800 → 850 and the lowest band of item 2.1 narrowed (95% → 97%); every
figure is recomputed here from the assessments table, scoring each unit under both sets.
"""
from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from flask import Flask

import criteria
import scoring
from scoring.impact import compare
from webapp.cli import impact as impact_cli  # noqa: F401  (registers `cfc impact`) )
from webapp.cli.main import cfc
from webapp.store import accounts, demo  # noqa: F401  (registers `cfc impact`) )
from webapp.store import db as webdb
from webapp.store.impact import round_impact

from webhelpers import MakeApp

PASSWORD = demo.DEMO_PASSWORD
VARIANT_VERSION = "2026.1-draft"


def variant_text() -> str:
    text = (criteria.SHIPPED_DIR / "qd06-2019.yaml").read_text(encoding="utf-8")
    assert text.count('version: "2019.1"') == 1
    text = text.replace('version: "2019.1"', f'version: "{VARIANT_VERSION}"')
    start = text.index("id: mountain-island")
    at = text.index("threshold: 800", start)
    text = text[:at] + "threshold: 850" + text[at + len("threshold: 800"):]
    old_band = "{at_least: 95, below: 98, points: 20}"
    assert text.count(old_band) == 1
    return text.replace(old_band, "{at_least: 97, below: 98, points: 20}")


@pytest.fixture(scope="module")
def variant() -> criteria.CriteriaSet:
    cset = criteria.load_text(variant_text(), "variant.yaml")
    assert cset.version == VARIANT_VERSION
    assert {c.id: c.threshold for c in cset.categories}["mountain-island"] == 850
    return cset


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory, variant: criteria.CriteriaSet,
         demo_copy: Callable[[Path], int]) -> Iterator[dict[str, Any]]:
    path = tmp_path_factory.mktemp("impact") / "cfc.db"
    round_id = demo_copy(path)
    with pytest.MonkeyPatch.context() as mp:
        shipped = criteria.shipped
        mp.setattr(criteria, "shipped", lambda: (*shipped(), variant))  # the variant as if shipped
        yield {"path": path, "round": round_id}


@pytest.fixture(scope="module")
def app(make_app: MakeApp, site: dict[str, Any]) -> Flask:
    return make_app(site["path"])


@pytest.fixture
def sql(site: dict[str, Any]) -> Iterator[Any]:
    db = webdb.connect(site["path"], migrate=False)
    yield db
    db.conn.close()




def _recognised(cset: criteria.CriteriaSet, values: dict[str, Any], category: str) -> tuple[bool, Any]:
    """Recognition recomputed from the points: complete, no criterion at 0, total ≥ threshold."""
    result = scoring.score(values, cset, category, partial=True)
    threshold = {c.id: c.threshold for c in cset.categories}[category]
    ok = result.complete and all(p > 0 for p in result.criterion_points) and result.total >= threshold
    return ok, result


def expected(db: Any, round_id: int, variant: criteria.CriteriaSet, scope: str | None = None) -> dict[str, Any]:
    base = criteria.get("qd06-2019", "2019.1")
    out: dict[str, Any] = {"units": 0, "recognised_base": 0, "recognised_other": 0, "gained": set(),
                           "lost": set(), "reasons": {}}
    for r in db.query("select a.unit_id, a.declared, a.verified, u.category from assessments a "
                      "join units u on u.id = a.unit_id where a.round_id = ?", [round_id]):
        if scope is not None and not accounts.within(db, r["unit_id"], scope):
            continue
        verified = json.loads(r["verified"])
        values = verified or json.loads(r["declared"])
        ok_b, rb = _recognised(base, values, r["category"])
        ok_o, ro = _recognised(variant, values, r["category"])
        out["units"] += 1
        out["recognised_base"] += ok_b
        out["recognised_other"] += ok_o
        if ok_b != ok_o:
            out["gained" if ok_o else "lost"].add(r["unit_id"])
            reasons = [f"criterion {c.number} now 0" for c, pb, po in
                       zip(base.criteria, rb.criterion_points, ro.criterion_points) if pb > 0 and po == 0]
            new_threshold = {c.id: c.threshold for c in variant.categories}[r["category"]]
            old_threshold = {c.id: c.threshold for c in base.categories}[r["category"]]
            if rb.total >= old_threshold and ro.total < new_threshold:
                word = "new threshold" if new_threshold != old_threshold else "threshold"
                reasons.append(f"total {ro.total} < {word} {new_threshold}")
            out["reasons"][r["unit_id"]] = reasons
    return out


# --- the pure report --------------------------------------------------------------------


def test_counts_equal_an_independent_recomputation(site, sql, variant):
    report = round_impact(sql, site["round"], variant)
    want = expected(sql, site["round"], variant)
    assert report.counts["units"] == want["units"] == 161
    assert report.counts["recognised_base"] == want["recognised_base"]
    assert report.counts["recognised_other"] == want["recognised_other"]
    assert report.counts["gained"] == len(want["gained"]) == 0  # a stricter set gains nobody
    assert report.counts["lost"] == len(want["lost"]) > 0
    assert report.counts["recognised_base"] - report.counts["lost"] == report.counts["recognised_other"]
    # the base count is what the workflow itself stored for the round
    stored = sql.execute("select count(*) from assessments a where round_id = ? and recognised = 1 and "
                         "(verified != '{}' or status in ('draft', 'returned'))", [site["round"]]).fetchone()[0]
    assert report.counts["recognised_base"] == stored


def test_changed_units_and_reasons(site, sql, variant):
    report = round_impact(sql, site["round"], variant)
    want = expected(sql, site["round"], variant)
    assert {u.unit_id for u in report.changed} == want["lost"]
    for unit in report.changed:
        assert unit.lost and not unit.gained
        assert [r.text_en for r in unit.reasons] == want["reasons"][unit.unit_id], unit.unit_id
        assert unit.reasons  # every changed verdict is explained
    texts = [t for u in report.changed for r in u.reasons for t in [r.text_en]]
    assert "criterion 2 now 0" in texts


def test_unknown_category_and_determinism(sql, site, variant):
    """A unit of an unknown category is reported as an error, never recognised; results repeat exactly."""
    base = criteria.get("qd06-2019", "2019.1")
    rows = list(sql.query("select a.unit_id, a.declared, a.verified, u.name, u.category from assessments a "
                          "join units u on u.id = a.unit_id where a.round_id = ? and a.verified != '{}' "
                          "order by u.sort_key", [site["round"]]))
    picked = None
    for r in rows:
        values = json.loads(r["verified"])
        ok, result = _recognised(base, values, "mountain-island")
        if ok and result.criteria[2].points > 0 and 850 <= result.total:
            picked = (r, values, result)
            break
    assert picked is not None
    r, values, result = picked
    # the same values, tallied as another category whose threshold does not change
    report = compare([(r["unit_id"], r["name"], "other", values),
                      ("x:unknown", "Nowhere", "no-such-category", values)], base, variant)
    assert report.counts["errors"] == 1
    assert report.units[1].base.error and not report.units[1].base.recognised
    same = compare([("a", "A", "mountain-island", values)] * 2, base, base)
    assert same.counts["gained"] == same.counts["lost"] == 0 and not same.changed
    # deterministic: the same inputs give the same dictionary
    again = compare([(r["unit_id"], r["name"], "other", values)], base, variant).to_dict()
    assert again["units"][0] == report.to_dict()["units"][0]


def test_threshold_only_reason(variant):
    """Units whose total falls between the old and new threshold lose on the total alone."""
    base = criteria.get("qd06-2019", "2019.1")
    scorer = scoring.scorer_for(base)
    # find a full, recognised set of values with total in [800, 850): drop yes/no items
    values = _all_top_values(base)
    top = scorer.score(values, "mountain-island")
    assert top.recognised
    trial = dict(values)
    yes_no = [(i.rule.input, i.rule.points) for c in base.criteria for i in c.items
              if i.rule.kind == "yes_no" and len(c.items) > 1]
    for name, _points in sorted(yes_no, key=lambda x: (-x[1], x[0])):
        attempt = scorer.score({**trial, name: False}, "mountain-island")
        if attempt.recognised:  # stays above 800 with no criterion at 0
            trial[name], top = False, attempt
        if top.total < 850:
            break
    assert 800 <= top.total < 850 and top.recognised
    report = compare([("u", "U", "mountain-island", trial)], base, variant)
    unit = report.units[0]
    assert unit.lost
    assert [r.text_en for r in unit.reasons] == [f"total {top.total} < new threshold 850"]
    assert [r.text_vi for r in unit.reasons] == [f"tổng điểm {top.total} < ngưỡng mới 850"]
    assert report.counts == {"units": 1, "recognised_base": 1, "recognised_other": 0, "gained": 0,
                             "lost": 1, "errors": 0}
    back = compare([("u", "U", "mountain-island", trial)], variant, base)
    assert back.units[0].gained
    assert [r.text_en for r in back.units[0].reasons] == [f"total {top.total} ≥ new threshold 800"]


def _all_top_values(cset: criteria.CriteriaSet) -> dict[str, Any]:
    """Inputs that reach the best band of every item (built from the rules)."""
    values: dict[str, Any] = {}
    for crit in cset.criteria:
        for item in crit.items:
            rule = item.rule
            if rule.kind == "yes_no":
                values[rule.input] = True
            elif rule.kind == "checklist":
                values.update({e.input: True for e in rule.elements})
            elif rule.kind == "manual_score":
                values[rule.input] = rule.max_points
            elif rule.kind == "rate_bands":
                higher = getattr(rule, "better", "higher") == "higher"
                values[rule.denominator] = 100
                values[rule.numerator] = 100 if higher else 0
            elif rule.kind == "incidence_bands":
                values[rule.population] = 1000
                values[rule.count] = 0
            else:
                values[rule.input] = 0
    for name, spec in cset.inputs.items():
        values.setdefault(name, 0 if getattr(spec, "kind", "") != "yes_no" else True)
    scorer = scoring.scorer_for(cset)
    result = scorer.score(values, "mountain-island", partial=True)
    for item_id, r in result.items.items():  # count bands may prefer a positive count: take the best
        if r.points < r.item.max_points and r.item.rule.kind == "count_bands":
            for n in range(50):
                if scorer.score({**values, r.item.rule.input: n}, "mountain-island",
                                partial=True).items[item_id].points == r.item.max_points:
                    values[r.item.rule.input] = n
                    break
    return values


# --- the page ---------------------------------------------------------------------------


def _url(site: dict[str, Any], other: str | None = None) -> str:
    """The page comparing the round's own set (the default base) with the variant (or ``other``)."""
    variant = criteria.load_text(variant_text(), "variant.yaml")
    return f"/rounds/{site['round']}/impact?other={other or criteria.content_hash(variant)}"


def test_page_for_admin_shows_counts_table_and_chart(site, sql, variant, client_as):
    client = client_as("admin")
    response = client.get(_url(site))
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    want = expected(sql, site["round"], variant)
    for key in ("units", "recognised_base", "recognised_other"):
        dd = re.search(rf'id="impact-{key.replace("_", "-")}">(\d+)<', html)
        assert dd and int(dd.group(1)) == want[key], key
    assert int(re.search(r'id="impact-lost">(\d+)<', html).group(1)) == len(want["lost"])
    shown = set(re.findall(r'<tr class="impact-lost" data-unit="([^"]+)"', html))
    assert shown == want["lost"]
    assert "tiêu chí 2 nay 0 điểm" in html
    svg = re.search(r"<svg.*?</svg>", html, re.DOTALL).group(0)
    root = ET.fromstring(svg)
    labels = [t.text for t in root.iter("{http://www.w3.org/2000/svg}text")]
    assert str(want["recognised_base"]) in labels and str(want["recognised_other"]) in labels
    assert f"Tiêu chuẩn xã, phường, thị trấn phù hợp với trẻ em — phiên bản {VARIANT_VERSION}" in labels
    shown = re.sub(r"<[^>]*>", "", html)  # the text a person reads, without tags and their attributes
    assert "qd06-2019" not in shown and "sha256" not in shown, re.findall(r".{80}(?:qd06-2019|sha256).{40}", shown)
    assert "style=" not in html and "<script>" not in html  # CSP: no inline styles or scripts


def test_page_is_limited_to_the_users_scope(site, sql, variant, client_as):
    district = accounts.get_user(sql, next(sql.query("select id from users where username = 'chutich.huyen'"))["id"])
    client = client_as("chutich.huyen")
    html = client.get(_url(site)).get_data(as_text=True)
    want = expected(sql, site["round"], variant, district.scope_unit_id)
    assert 0 < want["units"] < 161
    assert int(re.search(r'id="impact-units">(\d+)<', html).group(1)) == want["units"]
    assert int(re.search(r'id="impact-recognised-base">(\d+)<', html).group(1)) == want["recognised_base"]
    assert set(re.findall(r'data-unit="([^"]+)"', html)) == want["lost"]
    viewer = client_as("theodoi.tinh")
    assert int(re.search(r'id="impact-units">(\d+)<', viewer.get(_url(site)).get_data(as_text=True)).group(1)) == 161


def test_page_access_and_errors(app, site, client_as):
    assert app.test_client().get(_url(site)).status_code == 302  # not logged in: to the login page
    assert client_as("canbo.xa").get(_url(site)).status_code == 403
    assert client_as("thamdinh.huyen").get(_url(site)).status_code == 403
    admin = client_as("admin")
    assert admin.get(f"/rounds/{site['round']}/impact?other=no-such-set").status_code == 404
    assert admin.get(f"/rounds/{site['round']}/impact?base=0123abcd").status_code == 404
    assert admin.get("/rounds/999/impact").status_code == 404
    form = admin.get(f"/rounds/{site['round']}/impact")
    assert form.status_code == 200 and 'name="other"' in form.get_data(as_text=True)
    same = admin.get(_url(site, criteria.content_hash(criteria.get("qd06-2019")))).get_data(as_text=True)
    assert 'id="impact-none"' in same and 'id="impact-lost">0<' in same and 'id="impact-same"' in same


# --- the command line -------------------------------------------------------------------


def test_cli_json_with_criteria_file(site, sql, variant, tmp_path):
    file = tmp_path / "variant.yaml"
    file.write_text(variant_text(), encoding="utf-8")
    result = CliRunner().invoke(cfc, ["impact", str(site["round"]), "--criteria-file", str(file), "--json",
                                      "--db", str(site["path"])])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    want = expected(sql, site["round"], variant)
    assert data["counts"]["recognised_base"] == want["recognised_base"]
    assert data["counts"]["recognised_other"] == want["recognised_other"]
    assert {u["unit_id"] for u in data["changed"]} == want["lost"]
    assert data["other_set"]["version"] == VARIANT_VERSION
    assert data["other_set"]["hash"] == criteria.content_hash(variant)
    for unit in data["changed"]:
        assert [r["text_en"] for r in unit["reasons"]] == want["reasons"][unit["unit_id"]]


def test_cli_text_and_usage(site, variant):
    runner = CliRunner()
    result = runner.invoke(cfc, ["impact", str(site["round"]), "--set", "qd06-2019", "--version", VARIANT_VERSION,
                                 "--db", str(site["path"])])
    assert result.exit_code == 0, result.output
    assert "recognised:" in result.output and "criterion 2 now 0" in result.output
    assert runner.invoke(cfc, ["impact", str(site["round"]), "--db", str(site["path"])]).exit_code == 2
    assert runner.invoke(cfc, ["impact", str(site["round"]), "--set", "nope", "--db", str(site["path"])]).exit_code == 3
    assert runner.invoke(cfc, ["impact", "999", "--set", "qd06-2019", "--db", str(site["path"])]).exit_code == 2
