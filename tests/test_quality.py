"""Data quality: the validation rules (each shipped rule trips and passes), their loader, the outliers against
the previous round (also through the lineage of the 2025 reform), a blocking rule refusing submission, the
reviewer's explanation of a flag (stored, audited, bounded) and the province's quality page."""
from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import pytest

import criteria
import criteria.validation as validation
from criteria import CriteriaInvalid
from scoring import plausibility
from scoring.plausibility import Previous
from webapp.store import audit, lineage, quality, rounds, units, workflow
from webapp.store import db as database
from webapp.store.errors import NotFound, TransitionRefused
from webapp.store.limits import COMMENT, TextTooLong

QD06 = criteria.get("qd06-2019")
RULES = validation.for_set(QD06)


def keys(found: list[plausibility.Flag]) -> list[str]:
    return [f.key for f in found]


# ---------------------------------------------------------------- each shipped rule


@pytest.mark.parametrize("rule", RULES.rules, ids=lambda r: r.id)
def test_each_rule_passes_on_a_plausible_commune(rule, perfect_inputs) -> None:
    assert plausibility.relation_flag(rule, QD06, perfect_inputs) is None


@pytest.mark.parametrize("rule", RULES.rules, ids=lambda r: r.id)
def test_each_rule_trips_when_its_relation_breaks(rule, perfect_inputs) -> None:
    values = dict(perfect_inputs)
    right = sum(values[n] for n in rule.right)
    left = sum(values[n] for n in rule.left)
    if rule.relation == "at_most":
        values[rule.left[0]] += math.floor(rule.factor * right) + 1 - left
    else:
        values[rule.right[0]] += right  # not shipped today; kept honest if one is added
    flag = plausibility.relation_flag(rule, QD06, values)
    assert flag is not None and flag.key == rule.id and flag.severity == rule.severity
    assert flag.vi.startswith(rule.message.vi) and set(flag.fields) == set(rule.left) | set(rule.right)


def test_infants_above_children_names_both_figures(perfect_inputs) -> None:
    flag = plausibility.relation_flag(next(r for r in RULES.rules if r.id == "infants-within-children"), QD06,
                                      {**perfect_inputs, "infants": 1300})
    assert flag.vi == ("Số trẻ em dưới 1 tuổi không thể lớn hơn tổng số trẻ em (1.300 > 1.200: «Số trẻ em dưới 1 "
                       "tuổi»: 1.300; «Tổng số trẻ em (dưới 16 tuổi) trên địa bàn»: 1.200)")


def test_a_rule_with_a_missing_input_is_not_checked(perfect_inputs) -> None:
    values = {k: v for k, v in perfect_inputs.items() if k != "children"} | {"infants": 5000}
    assert "infants-within-children" not in keys(plausibility.relation_flags(RULES, QD06, values))


def test_small_numbers_skip_a_rule_with_a_minimum(perfect_inputs) -> None:
    values = {**perfect_inputs, "births": 4, "infants": 9}  # 9 > 1.5 × 4, but both under 20
    assert "infants-near-births" not in keys(plausibility.relation_flags(RULES, QD06, values))


# ---------------------------------------------------------------- the loader

GOOD = (validation.VALIDATION_DIR / "qd06-2019.yaml").read_text(encoding="utf-8")


@pytest.mark.parametrize(("old", "new", "message"), [
    ("left: [infants]\n", "left: [infantz]\n", "rules[0].left[0]: 'infantz' is not an input of qd06-2019"),
    ("left: [infants]\n", "left: [play_area]\n", "rules[0].left[0]: 'play_area' is a boolean, not a count"),
    ("left: [births]\n    relation: at_most\n    right: [children]",
     "left: [births_registered_on_time]\n    relation: at_most\n    right: [births]",
     "rules[1]: item 2.1 already refuses births_registered_on_time above births when it is typed"),
    ("severity: block\n", "severity: stop\n", "rules[0].severity"),
    ("criteria_set: qd06-2019", "criteria_set: qd99", "criteria_set: these rules are for 'qd99'"),
    ("  - id: births-within-children", "  - id: infants-within-children", "duplicate rule id 'infants-within-children'"),
])
def test_a_broken_file_names_file_line_and_key_path(old: str, new: str, message: str) -> None:
    assert old in GOOD
    with pytest.raises(CriteriaInvalid) as caught:
        validation.load_text(GOOD.replace(old, new, 1), QD06, name="rules.yaml")
    text = str(caught.value)
    assert message in text
    assert text.startswith("rules.yaml:")


def test_the_shipped_rules_load() -> None:
    assert len(RULES.rules) >= 10 and RULES.outliers.jump_ratio == 3


# ---------------------------------------------------------------- outliers against the previous round


def test_a_jump_names_the_previous_figure(perfect_inputs) -> None:
    found = plausibility.outlier_flags(RULES, QD06, {**perfect_inputs, "special_children": 130,
                                                     "special_children_supported": 120},
                                       Previous(perfect_inputs, 2022))
    jump = next(f for f in found if f.key == "jump:special_children")
    assert jump.previous == {"special_children": 30} and jump.figures == {"special_children": 130}
    assert "tăng từ 30 (năm 2022) lên 130, gấp 4,33 lần" in jump.vi


def test_a_fall_below_a_third_is_flagged_and_small_numbers_are_not(perfect_inputs) -> None:
    now = {**perfect_inputs, "under5_weighed": 60, "injured_children": 9}
    found = keys(plausibility.outlier_flags(RULES, QD06, now, Previous(perfect_inputs, 2022)))
    assert "jump:under5_weighed" in found  # 200 → 60
    assert "jump:injured_children" not in found  # 2 → 9: both under 20


def test_the_population_has_its_own_limit(perfect_inputs) -> None:
    found = plausibility.outlier_flags(RULES, QD06, {**perfect_inputs, "children": 1500},
                                       Previous(perfect_inputs, 2022))
    assert [f.vi for f in found if f.key == "population:children"] == [
        "«Tổng số trẻ em (dưới 16 tuổi) trên địa bàn» tăng 25% so với năm 2022 (1.200 → 1.500), quá mức 20% thường "
        "gặp: hãy kiểm tra lại"]
    assert "population:children" not in keys(plausibility.outlier_flags(
        RULES, QD06, {**perfect_inputs, "children": 1400}, Previous(perfect_inputs, 2022)))


def test_a_full_rate_on_a_large_denominator(perfect_inputs) -> None:
    found = keys(plausibility.outlier_flags(RULES, QD06, perfect_inputs, None))
    assert "full-rate:primary_attending" in found  # 300 of 300
    assert "full-rate:births_registered_on_time" not in found  # 40 of 40: a small denominator
    assert "full-rate:special_children_supported" not in found  # 30 of 30


def test_every_figure_copied_is_flagged_but_not_against_a_sum(perfect_inputs) -> None:
    assert "copy" in keys(plausibility.outlier_flags(RULES, QD06, perfect_inputs, Previous(perfect_inputs, 2022)))
    assert "copy" not in keys(plausibility.outlier_flags(RULES, QD06, perfect_inputs,
                                                         Previous(perfect_inputs, 2022, merged=True)))
    changed = {**perfect_inputs, "births": 41}
    assert "copy" not in keys(plausibility.outlier_flags(RULES, QD06, changed, Previous(perfect_inputs, 2022)))


@pytest.fixture()
def reform(db_path: Path) -> dict[str, Any]:
    """The demo (a 2024 round on the units before the reform) plus a 2027 round on the units since, and a new
    commune formed from several former ones, each decided in 2024 and none split."""
    db = database.connect(db_path)
    rid = rounds.create_round(db, name="Vòng 2027", year=2027, cset=QD06, unit_set=units.CAO_BANG_2025, actor="test")
    for row in db.query("select id, unit_id from assessments where round_id = ?", [rid]):
        before = lineage.predecessors(db, row["unit_id"])
        statuses = [next(db.query("select status from assessments where round_id = 1 and unit_id = ?", [u["id"]]),
                         {}).get("status") for u in before]
        if (len(before) > 1 and all(s not in (None, "draft") for s in statuses)
                and all(len(lineage.successors(db, u["id"])) == 1 for u in before)):
            yield {"db": db, "round": rid, "assessment": row["id"], "unit": row["unit_id"], "before": before}
            db.conn.close()
            return
    pytest.fail("the demo has no merged commune to test with")


def test_a_merged_commune_is_compared_with_the_sum_of_its_predecessors(reform) -> None:
    db = reform["db"]
    previous = quality.previous_figures(db, reform["unit"], rounds.get_round(db, reform["round"]))
    figures = [quality._values(workflow.find(db, 1, u["id"])) for u in reform["before"]]
    assert previous.merged and previous.year == 2024
    assert previous.values["children"] == sum(f["children"] for f in figures)
    assert previous.values["births"] == sum(f["births"] for f in figures)
    view = workflow.load(db, reform["assessment"])
    values = {**previous.values, "births": previous.values["births"] * 4}
    jump = next(c.flag for c in quality.check(db, view, values) if c.flag.key == "jump:births")
    assert jump.previous == {"births": previous.values["births"]}
    assert "năm 2024, tổng các xã trước sắp xếp" in jump.vi
    assert "copy" not in [c.flag.key for c in quality.check(db, view, dict(previous.values))]


def test_a_split_or_unevaluated_predecessor_gives_no_comparison(reform) -> None:
    db = reform["db"]
    first = reform["before"][0]["id"]
    db.execute("update assessments set status = 'draft' where round_id = 1 and unit_id = ?", [first])
    assert quality.previous_figures(db, reform["unit"], rounds.get_round(db, reform["round"])) is None


# ---------------------------------------------------------------- blocking a submission, explaining a flag


def _officer_draft(db) -> int:
    return next(db.query("select a.id from assessments a join users u on u.scope_unit_id = a.unit_id "
                         "where u.username = 'canbo.xa' and a.round_id = 1"))["id"]


def test_a_blocking_rule_refuses_submission_naming_the_figures(client_as, db_path: Path, perfect_inputs) -> None:
    db = database.connect(db_path)
    aid = _officer_draft(db)
    workflow.save_declared(db, aid, {**perfect_inputs, "infants": 1300, "infants_fully_immunised": 1300}, "canbo.xa")
    with pytest.raises(TransitionRefused) as caught:
        workflow.submit(db, aid, "canbo.xa")
    assert "Số trẻ em dưới 1 tuổi không thể lớn hơn tổng số trẻ em" in caught.value.params["problems"]
    officer = client_as("officer")
    page = officer.get(f"/assessments/{aid}/submit").get_data(as_text=True)
    assert "Kiểm tra số liệu trước khi nộp" in page and "Chặn nộp" in page
    assert "infants-within-children" not in page  # no internal names on screen
    answer = officer.post(f"/assessments/{aid}/submit", follow_redirects=True).get_data(as_text=True)
    assert "Chưa nộp được vì số liệu chưa hợp lý" in answer
    assert workflow.get(db, aid)["status"] == "draft"
    db.conn.close()


def _submitted_with_flag(db) -> tuple[int, str]:
    """A submitted file in the demo reviewer's district whose under-1s are three times its births (a flag to
    the reviewer), and that flag."""
    row = next(db.query("select a.id from assessments a join units u on u.id = a.unit_id where a.round_id = 1 "
                        "and a.status in ('submitted', 'resubmitted') and u.parent_id = "
                        "(select scope_unit_id from users where username = 'thamdinh.huyen') order by a.id"))
    db.execute("update assessments set declared = json_set(declared, '$.births', 30, '$.births_registered_on_time', "
               "30, '$.infants', 90, '$.infants_fully_immunised', 88) where id = ?", [row["id"]])
    assert "infants-near-births" in [c.flag.key for c in quality.check(db, workflow.load(db, row["id"]))]
    return row["id"], "infants-near-births"


def test_the_explained_flag_life_cycle_is_audited(db_path: Path) -> None:
    db = database.connect(db_path)
    aid, key = _submitted_with_flag(db)
    quality.explain(db, aid, key, "Số liệu lấy từ sổ tiêm chủng, đã đối chiếu.", "thamdinh.huyen")
    checked = next(c for c in quality.check(db, workflow.load(db, aid)) if c.flag.key == key)
    assert checked.explanation["note"] == "Số liệu lấy từ sổ tiêm chủng, đã đối chiếu."
    quality.explain(db, aid, key, "Đã đối chiếu lại.", "thamdinh.huyen")
    quality.explain(db, aid, key, "  ", "thamdinh.huyen")  # withdrawn
    assert quality.explanations(db, aid) == {}
    trail = [(e["old"], e["new"]) for e in audit.entries(db, "assessment", aid)
             if e["action"] == "explain_flag" and e["field"] == key]
    assert trail == [(None, "Số liệu lấy từ sổ tiêm chủng, đã đối chiếu."),
                     ("Số liệu lấy từ sổ tiêm chủng, đã đối chiếu.", "Đã đối chiếu lại."), ("Đã đối chiếu lại.", None)]
    with pytest.raises(TextTooLong):
        quality.explain(db, aid, key, "x" * (COMMENT + 1), "thamdinh.huyen")
    with pytest.raises(NotFound):
        quality.explain(db, aid, "no-such-flag", "note", "thamdinh.huyen")
    draft = _officer_draft(db)
    with pytest.raises(TransitionRefused):
        quality.explain(db, draft, key, "note", "thamdinh.huyen")
    db.conn.close()


def test_an_explanation_holds_only_for_the_figures_it_was_about(db_path: Path) -> None:
    db = database.connect(db_path)
    aid, key = _submitted_with_flag(db)
    quality.explain(db, aid, key, "Đúng.", "thamdinh.huyen")
    db.execute("update quality_explanations set figures = '{}' where assessment_id = ?", [aid])
    assert next(c for c in quality.check(db, workflow.load(db, aid)) if c.flag.key == key).explanation is None
    db.conn.close()


def test_the_reviewer_sees_the_flag_beside_the_value_and_explains_it(client_as, db_path: Path) -> None:
    db = database.connect(db_path)
    aid, key = _submitted_with_flag(db)
    db.conn.close()
    reviewer = client_as("reviewer")
    page = reviewer.get(f"/assessments/{aid}/review").get_data(as_text=True)
    assert "Cảnh báo về số liệu tự đánh giá" in page and 'class="quality-flag' in page
    answer = reviewer.post(f"/assessments/{aid}/quality", data={"flag": key, "note": "Đã kiểm tra <b>sổ</b>."},
                           follow_redirects=True)
    text = answer.get_data(as_text=True)
    assert "Đã lưu giải trình." in text and "&lt;b&gt;sổ&lt;/b&gt;" in text
    db = database.connect(db_path)
    assert quality.explanations(db, aid)[key]["explained_by"] == "thamdinh.huyen"
    db.conn.close()


def test_the_province_page_counts_flags_by_rule_and_commune(client_as, db_path: Path) -> None:
    db = database.connect(db_path)
    report = quality.round_quality(db, 1)
    db.conn.close()
    assert report.figures > 0 and 0 < report.flagged <= report.figures
    assert report.communes == sorted(report.communes, key=lambda c: (-c.flags, c.name))
    assert sum(e["flags"] for e in report.rules) == sum(c.flags for c in report.communes)
    page = client_as("viewer").get("/rounds/1/quality").get_data(as_text=True)
    assert "Cảnh báo theo quy tắc" in page and "Cảnh báo theo xã (nhiều nhất trước)" in page
    assert report.communes[0].name in page
    assert "Số trẻ em dưới 5 tuổi không được thu thập" in page  # what the rules cannot check, said on the page
