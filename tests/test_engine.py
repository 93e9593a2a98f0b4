"""Example-based tests of the scoring engine, its explanations, the what-if advice and ``cfc score``."""
from __future__ import annotations

import csv
import json
import subprocess
import sys
import unicodedata
from fractions import Fraction
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner

import criteria
import scoring
from scoring.inputs import validate_inputs
from scoring.numbers import format_number
from scoring.whatif import gap_analysis
from webapp.cli.main import cfc

CATEGORIES = ("urban-ward", "mountain-island", "other")


def with_(base: dict[str, Any], **changes: Any) -> dict[str, Any]:
    """A copy of ``base`` with ``changes`` (the session fixture is never mutated)."""
    return {**base, **changes}


def problem_set(problems: list[scoring.InputProblem]) -> set[tuple[str, str]]:
    return {(p.field, p.code) for p in problems}


# ---------------------------------------------------------------- the perfect commune

def test_perfect_commune_scores_1000_everywhere(qd06, perfect_inputs):
    assert [c.id for c in qd06.categories] == list(CATEGORIES)
    for category in CATEGORIES:
        result = scoring.score(perfect_inputs, qd06, category)
        assert result.total == 1000
        assert result.complete is True
        assert result.recognised is True
        assert result.failed_conditions == []
        assert result.provisional is True  # most bands of QĐ 06 are placeholders
        assert result.criteria_hash.startswith("sha256:")
        assert result.criteria_hash == criteria.content_hash(qd06)
        assert len(result.criteria_hash) == len("sha256:") + 64
        assert {n: c.points for n, c in result.criteria.items()} == {
            1: 100, 2: 50, 3: 100, 4: 75, 5: 75, 6: 125, 7: 50, 8: 100, 9: 50, 10: 100,
            11: 50, 12: 75, 13: 50}


# ---------------------------------------------------------------- validation

def test_every_problem_is_reported_at_once(qd06, perfect_inputs):
    raw = with_(perfect_inputs, births=-3, children="abc", infants=2.5, play_area="maybe",
                under5_underweight=300, bogus_field=1)
    del raw["accident_deaths"], raw["child_budget"]
    values, problems = validate_inputs(raw, qd06)
    assert problem_set(problems) == {
        ("births", "negative"),
        ("children", "not_a_number"),
        ("infants", "not_integer"),
        ("play_area", "not_boolean"),
        ("under5_underweight", "numerator_above_denominator"),
        ("accident_deaths", "missing"),
        ("child_budget", "missing"),
        ("bogus_field", "unknown_input"),
    }
    assert len(problems) == 8
    for bad in ("births", "children", "infants", "play_area", "bogus_field"):
        assert bad not in values
    assert values["under5_underweight"] == 300 and values["under5_weighed"] == 200

    by_field = {p.field: p for p in problems}
    assert by_field["under5_underweight"].message("en") == "is larger than «Under-5s weighed» (200)"
    assert by_field["under5_underweight"].message("vi") == "lớn hơn «Số trẻ em dưới 5 tuổi được cân» (200)"
    assert by_field["births"].message("vi") == "không được là số âm"
    assert by_field["children"].to_dict("en") == {
        "field": "children", "code": "not_a_number", "value": "abc", "message": "must be a number"}

    with pytest.raises(scoring.InvalidInputs) as info:
        scoring.score(raw, qd06, "other")
    assert problem_set(info.value.problems) == problem_set(problems)
    assert "births: must not be negative" in str(info.value)


def test_partial_accepts_missing_values_but_is_never_recognised(qd06, perfect_inputs):
    draft = {k: v for k, v in perfect_inputs.items() if k not in ("infants", "infants_fully_immunised", "play_area")}
    values, problems = validate_inputs(draft, qd06, partial=True)
    assert problems == []
    assert "infants" not in values and "play_area" not in values

    _, strict_problems = validate_inputs(draft, qd06)
    assert problem_set(strict_problems) == {
        ("infants", "missing"), ("infants_fully_immunised", "missing"), ("play_area", "missing")}

    result = scoring.score(draft, qd06, "mountain-island", partial=True)
    assert result.complete is False
    assert result.recognised is False
    assert result.items["7.1"].status == "missing" and result.items["7.1"].points == 0
    assert result.items["12.1"].status == "missing" and result.items["12.1"].points == 0
    assert result.total == 1000 - 50 - 35
    assert result.to_dict()["complete"] is False and result.to_dict()["recognised"] is False
    assert [c.id for c in result.failed_conditions] == ["criterion-7-above-zero"]  # 7.1 is its only item

    # partial relaxes only the missing values: other problems are still reported
    with pytest.raises(scoring.InvalidInputs) as info:
        scoring.score(with_(draft, births="abc"), qd06, "other", partial=True)
    assert problem_set(info.value.problems) == {("births", "not_a_number")}


def test_vietnamese_formatted_values_parse(qd06):
    nfd = unicodedata.normalize("NFD", "có")
    assert nfd != "có" and len(nfd) == 3
    raw = {"children": "1.234", "births": "1 200", "infants": " 38 ", "cp_officer_assigned": "có",
           "cp_collaborators": "không", "cp_board_reviews": nfd, "child_budget": "Có",
           "play_area": unicodedata.normalize("NFD", "Không"), "children_forum": "KHÔNG"}
    values, problems = validate_inputs(raw, qd06, partial=True)
    assert problems == []
    assert values == {"children": 1234, "births": 1200, "infants": 38, "cp_officer_assigned": True,
                      "cp_collaborators": False, "cp_board_reviews": True, "child_budget": True,
                      "play_area": False, "children_forum": False}
    assert type(values["children"]) is int

    _, problems = validate_inputs({"children": "1,5", "births": "2.5", "play_area": "có thể"}, qd06, partial=True)
    assert problem_set(problems) == {("children", "not_integer"), ("births", "not_integer"),
                                     ("play_area", "not_boolean")}


def test_huge_numbers_are_reported_not_crashed(qd06, perfect_inputs):
    raw = with_(perfect_inputs, births="1e5000", births_registered_on_time="1e5001", children=10**12)
    with pytest.raises(scoring.InvalidInputs) as info:
        scoring.score(raw, qd06, "other")
    assert problem_set(info.value.problems) == {
        ("births", "too_large"), ("births_registered_on_time", "too_large"), ("children", "too_large")}


def test_validation_of_a_huge_exponent_is_quick():
    code = ("import criteria, scoring.inputs as i; "
            "v, p = i.validate_inputs({'births': '1e9999999'}, criteria.get('qd06-2019'), partial=True); "
            "print(sorted((x.field, x.code) for x in p) or 'value', flush=True)")
    done = subprocess.run([sys.executable, "-c", code], check=False, capture_output=True, text=True, timeout=20)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[('births', 'too_large')]"


def test_counts_up_to_the_limit_can_be_explained(qd06, perfect_inputs):
    limit = scoring.inputs.MAX_VALUE
    result = scoring.score(with_(perfect_inputs, births=limit, births_registered_on_time=limit), qd06, "other")
    assert result.items["2.1"].points == 50
    data = result.to_dict()
    assert data["criteria"][1]["items"][0]["points"] == 50
    assert data["criteria"][1]["items"][0]["explanation"].startswith("1.000.000.000/1.000.000.000 = 100%")


# ---------------------------------------------------------------- explanations

def test_explanation_of_a_rate_band(qd06, perfect_inputs):
    result = scoring.score(with_(perfect_inputs, infants=100, infants_fully_immunised=97), qd06, "other")
    item = result.items["7.1"]
    assert item.points == 35 and item.value == 97
    assert item.explanation(result.inputs, "vi") == (
        "97/100 = 97% → ≥ 95% và < 98% → 35 điểm (giá trị tạm, chưa xác minh)")
    assert item.explanation(result.inputs, "en") == (
        "97/100 = 97% → ≥ 95% and < 98% → 35 points (provisional, not verified law)")


def test_explanation_of_a_zero_denominator(qd06, perfect_inputs):
    result = scoring.score(with_(perfect_inputs, births=0, births_registered_on_time=0), qd06, "other")
    item = result.items["2.1"]
    assert (item.status, item.points, item.verified) == ("zero_denominator", 50, False)
    assert item.explanation(result.inputs, "vi") == (
        "Không có trẻ em sinh ra trong năm → 50 điểm (giá trị tạm, chưa xác minh)")
    assert item.explanation(result.inputs, "en") == "No births in the year → 50 points (provisional, not verified law)"


def test_explanation_of_a_verified_band(qd06, perfect_inputs):
    result = scoring.score(with_(perfect_inputs, special_children=100, special_children_supported=96), qd06, "other")
    item = result.items["6.1"]
    assert item.verified is True
    assert item.explanation(result.inputs, "vi") == "96/100 = 96% → ≥ 95% → 50 điểm (đã xác minh)"
    assert item.explanation(result.inputs, "en") == "96/100 = 96% → ≥ 95% → 50 points (verified)"


def test_explanation_of_an_incidence_and_a_yes_no(qd06, perfect_inputs):
    result = scoring.score(with_(perfect_inputs, play_area=False), qd06, "other")
    assert result.items["5.2"].explanation(result.inputs, "vi") == (
        "2/1.200 = 1,67‰ → ≤ 5‰ → 25 điểm (giá trị tạm, chưa xác minh)")
    assert result.items["5.2"].explanation(result.inputs, "en") == (
        "2/1,200 = 1.67‰ → ≤ 5‰ → 25 points (provisional, not verified law)")
    assert result.items["12.1"].explanation(result.inputs, "vi") == "Không → 0 điểm (giá trị tạm, chưa xác minh)"
    assert result.items["1.1"].explanation(result.inputs, "en") == "Yes → 50 points (verified)"


# ---------------------------------------------------------------- to_dict

def test_to_dict_lists_every_condition(qd06, perfect_inputs):
    data = scoring.score(with_(perfect_inputs, abused_children=5), qd06, "other").to_dict()
    conditions = data["conditions"]
    assert len(conditions) == 14
    assert [c["id"] for c in conditions] == [f"criterion-{n}-above-zero" for n in range(1, 14)] + [
        "total-at-least-threshold"]
    for condition in conditions:
        assert {"id", "passed", "actual", "required"} <= set(condition)
    assert conditions[2] | {"text": None} == {
        "id": "criterion-3-above-zero", "kind": "every_criterion_above_zero", "text": None,
        "passed": False, "actual": 0, "required": "> 0", "verified": True}
    assert all(c["passed"] and c["required"] == "> 0" for i, c in enumerate(conditions[:13]) if i != 2)
    assert conditions[13]["passed"] is True and conditions[13]["actual"] == 900
    assert conditions[13]["required"] == "≥ 850"
    assert data["total"] == 900 and data["max_total"] == 1000 and data["recognised"] is False
    assert data["category"] == {"id": "other", "threshold": 850}
    assert data["criteria_set"] == {"id": "qd06-2019", "version": "2019.1", "hash": criteria.content_hash(qd06)}
    assert [c["number"] for c in data["criteria"]] == list(range(1, 14))
    item = data["criteria"][6]["items"][0]
    assert item["id"] == "7.1" and item["value"] == {"exact": "100/1", "display": "100%"}
    assert item["band"] == {"index": 0, "label": "≥ 98%", "points": 50}
    assert item["inputs"] == {"infants_fully_immunised": 38, "infants": 38}


# ---------------------------------------------------------------- what-if

@pytest.fixture
def commune_830(perfect_inputs) -> dict[str, Any]:
    """Total 830 with criterion 3 at 0: 3.1 −100, 7.1 −15 (96%), 12.1 −35, 12.2 −20."""
    return with_(perfect_inputs, abused_children=5, infants=100, infants_fully_immunised=96,
                 play_area=False, child_activities=False)


def test_gap_analysis_of_a_refused_commune(qd06, commune_830):
    result = scoring.score(commune_830, qd06, "other")
    assert result.total == 830 and result.criteria[3].points == 0
    gap = gap_analysis(result)
    assert gap.recognised is False
    assert [c.id for c in gap.failing] == ["criterion-3-above-zero", "total-at-least-threshold"]
    assert gap.points_needed == 20
    assert gap.available[3] == 100 and gap.available[12] == 55 and gap.available[7] == 15

    first = gap.suggestions[0]
    assert first.criterion == 3 and first.item.id == "3.1" and first.lifts_zero_criterion is True
    assert (first.current, first.required, first.target_points) == (5, 0, 100)

    rate = next(s for s in gap.suggestions if s.item.id == "7.1")
    assert (rate.current, rate.required, rate.required - rate.current) == (96, 98, 2)
    assert (rate.points, rate.target_points, rate.gain) == (35, 50, 15)
    assert "2 điểm phần trăm" in rate.message("vi")
    assert rate.message("vi") == (
        "Tiêu chí 7, mục 7.1: cần tăng 2 điểm phần trăm (hiện 96%, cần ≥ 98%; "
        "Số trẻ em dưới 1 tuổi được tiêm chủng đầy đủ: thêm 2) → 50 điểm (+15)")
    assert "2 more percentage points" in rate.message("en")

    others = [s for s in gap.suggestions if not s.lifts_zero_criterion]
    closing = [i for i, s in enumerate(others) if s.gain >= gap.points_needed]
    not_closing = [i for i, s in enumerate(others) if s.gain < gap.points_needed]
    assert closing and not_closing
    assert max(closing) < min(not_closing)
    assert [s.item.id for s in gap.suggestions] == ["3.1", "12.2", "12.1", "7.1"]  # smallest sufficient first

    data = gap.to_dict("vi")
    assert data["points_needed"] == 20 and data["suggestions"][3]["required"] == 98
    assert [c["id"] for c in data["failing_conditions"]] == ["criterion-3-above-zero", "total-at-least-threshold"]


def test_gap_analysis_of_a_recognised_commune(qd06, perfect_inputs):
    gap = gap_analysis(scoring.score(perfect_inputs, qd06, "urban-ward"))
    assert gap.recognised is True
    assert gap.failing == ()
    assert gap.points_needed == 0
    assert gap.suggestions == ()
    assert set(gap.available.values()) == {0}


# ---------------------------------------------------------------- numbers

def test_format_number():
    assert format_number(1234.5) == "1.234,5"
    assert format_number(1234.5, lang="en") == "1,234.5"
    assert format_number(Fraction(1, 3), 2) == "0,33"
    assert format_number(Fraction(1, 3), 2, "en") == "0.33"
    assert format_number(Fraction(2, 3), 2) == "0,67"
    assert format_number(1234567, 0) == "1.234.567"
    assert format_number(Fraction(9800, 100), 2) == "98"
    assert format_number(Fraction(1, 8), 2) == "0,13"  # half up


# ---------------------------------------------------------------- cfc score

@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


def write_yaml(path: Path, data: Any) -> Path:
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def test_cli_score_prints_the_breakdown(runner, tmp_path, perfect_inputs):
    commune = write_yaml(tmp_path / "xa.yaml", {"category": "other", "inputs": perfect_inputs})
    res = runner.invoke(cfc, ["score", str(commune)])
    assert res.exit_code == 0, res.output
    assert "Tổng điểm: 1000/1000" in res.stdout
    assert "Kết luận: ĐẠT — đủ điều kiện công nhận" in res.stdout
    assert "KHÔNG ĐẠT" not in res.stdout
    assert "38/38 = 100% → ≥ 98% → 50 điểm (đã xác minh)" in res.stdout
    assert res.stderr == ""


def test_cli_score_flat_mapping_with_category_option(runner, tmp_path, perfect_inputs):
    commune = write_yaml(tmp_path / "xa.yaml", with_(perfect_inputs, play_area=False, child_activities=False,
                                                      swimming_activities=False))
    res = runner.invoke(cfc, ["score", str(commune), "--category", "mountain-island"])
    assert res.exit_code == 0, res.output
    assert "Tổng điểm: 925/1000" in res.stdout
    assert "Kết luận: KHÔNG ĐẠT" in res.stdout
    assert "Gợi ý cải thiện (cần thêm: 0):" in res.stdout


def test_cli_score_json(runner, tmp_path, perfect_inputs, qd06):
    commune = write_yaml(tmp_path / "xa.yaml", {"category": "urban-ward", "inputs": perfect_inputs})
    res = runner.invoke(cfc, ["score", str(commune), "--json"])
    assert res.exit_code == 0, res.output
    data = json.loads(res.stdout)
    assert data["total"] == 1000 and data["recognised"] is True
    assert data["category"] == {"id": "urban-ward", "threshold": 900}
    assert data["criteria_set"]["hash"] == criteria.content_hash(qd06)
    assert data["gap_analysis"]["failing_conditions"] == [] and data["gap_analysis"]["points_needed"] == 0


def test_cli_score_in_english(runner, tmp_path, perfect_inputs):
    commune = write_yaml(tmp_path / "xa.yaml", {"category": "other", "inputs": perfect_inputs})
    res = runner.invoke(cfc, ["score", str(commune), "--lang", "en"])
    assert res.exit_code == 0, res.output
    assert "Total: 1000/1000" in res.stdout
    assert "Verdict: RECOGNISED" in res.stdout
    assert "Tổng điểm" not in res.stdout


def test_cli_invalid_inputs_exit_1_listing_every_field(runner, tmp_path, perfect_inputs):
    raw = with_(perfect_inputs, births=-1, children="abc", play_area="maybe")
    del raw["accident_deaths"]
    commune = write_yaml(tmp_path / "xa.yaml", {"category": "other", "inputs": raw})
    res = runner.invoke(cfc, ["score", str(commune)])
    assert res.exit_code == 1
    assert res.stdout == ""
    lines = res.stderr.splitlines()
    assert len(lines) == 4
    for field, code in [("births", "negative"), ("children", "not_a_number"), ("play_area", "not_boolean"),
                        ("accident_deaths", "missing")]:
        assert any(line.startswith(f"{commune}: {field}: ") and line.endswith(f"({code})") for line in lines), field


def test_cli_unknown_category_exits_2(runner, tmp_path, perfect_inputs):
    commune = write_yaml(tmp_path / "xa.yaml", {"category": "other", "inputs": perfect_inputs})
    res = runner.invoke(cfc, ["score", str(commune), "--category", "province"])
    assert res.exit_code == 2
    assert "unknown category 'province'" in res.stderr
    assert res.stdout == ""


def test_cli_missing_category_exits_2(runner, tmp_path, perfect_inputs):
    commune = write_yaml(tmp_path / "xa.yaml", perfect_inputs)
    res = runner.invoke(cfc, ["score", str(commune)])
    assert res.exit_code == 2
    assert "no category" in res.stderr


def test_cli_missing_file_exits_4(runner, tmp_path):
    res = runner.invoke(cfc, ["score", str(tmp_path / "absent.yaml")])
    assert res.exit_code == 4  # the path is not checked by click: the command reports it
    assert "cannot read" in res.stderr and "absent.yaml" in res.stderr


def test_cli_directory_is_rejected_by_click_with_2(runner, tmp_path):
    folder = tmp_path / "folder.yaml"
    folder.mkdir()
    res = runner.invoke(cfc, ["score", str(folder)])
    assert res.exit_code == 2
    assert "is a directory" in res.stderr


@pytest.mark.parametrize(("text", "message"), [
    ("a: [1, 2\nb: :", "is not valid YAML"),
    ("- just\n- a list\n", "must contain a mapping"),
])
def test_cli_malformed_yaml_exits_4(runner, tmp_path, text, message):
    commune = tmp_path / "xa.yaml"
    commune.write_text(text, encoding="utf-8")
    res = runner.invoke(cfc, ["score", str(commune)])
    assert res.exit_code == 4
    assert message in res.stderr


def write_batch(path: Path, perfect: dict[str, Any]) -> Path:
    def cells(values: dict[str, Any]) -> list[str]:
        return ["có" if v is True else "không" if v is False else str(v) for v in values.values()]
    rows = [
        ["X1", "Xã Một", "other", *cells(with_(perfect, children="1.200"))],
        ["X2", "Xã Hai", "mountain-island",
         *cells(with_(perfect, play_area=False, child_activities=False, swimming_activities=False))],
        ["X3", "Xã Ba", "other", *cells(with_(perfect, births="abc"))],
    ]
    with path.open("w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["code", "name", "category", *perfect])
        writer.writerows(rows)
    return path


def test_cli_batch_csv(runner, tmp_path, perfect_inputs, qd06):
    batch = write_batch(tmp_path / "xa.csv", perfect_inputs)
    out = tmp_path / "scores.csv"
    res = runner.invoke(cfc, ["score", str(batch), "-o", str(out)])
    assert res.exit_code == 1
    assert res.stdout == ""
    assert res.stderr.splitlines() == ["row 4 (X3): births: phải là một số"]
    rows = list(csv.DictReader(out.read_text(encoding="utf-8").splitlines()))
    assert [r["code"] for r in rows] == ["X1", "X2", "X3"]
    one, two, three = rows
    assert (one["total"], one["recognised"], one["errors"], one["c3"]) == ("1000", "True", "", "100")
    assert one["criteria_hash"] == criteria.content_hash(qd06)
    assert (two["total"], two["recognised"], two["c12"]) == ("925", "False", "0")
    assert two["failed_conditions"] == "criterion-12-above-zero"
    assert two["category"] == "mountain-island"
    assert three["errors"] == "births: phải là một số"
    assert three["total"] == "" and three["recognised"] == ""


def test_cli_batch_json(runner, tmp_path, perfect_inputs):
    batch = write_batch(tmp_path / "xa.csv", perfect_inputs)
    res = runner.invoke(cfc, ["score", str(batch), "--json", "--lang", "en"])
    assert res.exit_code == 1
    records = json.loads(res.stdout)
    assert [r["code"] for r in records] == ["X1", "X2", "X3"]
    assert records[0]["total"] == 1000 and records[0]["recognised"] is True and records[0]["errors"] == []
    assert records[1]["total"] == 925 and records[1]["criteria"]["12"] == 0
    assert records[2]["errors"] == [
        {"field": "births", "code": "not_a_number", "value": "abc", "message": "must be a number"}]
    assert "total" not in records[2]
    assert "row 4 (X3): births: must be a number" in res.stderr
