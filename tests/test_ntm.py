"""NTM (nông thôn mới) sets: loading with file:line errors, exact evaluation, Cao Bằng areas."""
from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import pytest

import criteria
import criteria.ntm as ntm
from criteria import CriteriaInvalid, CriteriaSyntaxError
from scoring.ntm import MET, MISSING, NOT_MET, cao_bang_ntm_area, evaluate_ntm, labels_of

QD318 = ntm.NTM_DIR / "ntm-qd318-2022.yaml"
STUNTING = "c15c-suy-dinh-duong-thap-coi"
PLAY = "c6-diem-vui-choi-tre-em"


@pytest.fixture(scope="module")
def qd318():
    return ntm.get("ntm-qd318-2022")


@pytest.fixture(scope="module")
def qd51():
    return ntm.get("ntm-qd51-2025")


LABELS = labels_of(criteria.get("qd06-2019"))


def status_of(nset, values, area, indicator_id):
    return next(s for s in evaluate_ntm(nset, values, area, LABELS) if s.indicator_id == indicator_id)


# --- loading -------------------------------------------------------------------------------


def test_both_shipped_sets_load_with_their_structure(qd318, qd51):
    assert [c.number for c in qd318.criteria] == list(range(1, 20))
    assert [a.id for a in qd318.regions] == ["tdmnpb", "dbsh", "btb", "dhntb", "tn", "dnb", "dbscl"]
    assert qd318.groups is None and qd318.area_kind == "regions"
    assert [c.number for c in qd51.criteria] == list(range(1, 11))
    assert [a.id for a in qd51.groups] == ["nhom-1", "nhom-2", "nhom-3"]
    assert qd51.regions is None and qd51.area_kind == "groups"
    levels = {k: str(v) for k, v in qd318.indicator(STUNTING).mapping.levels.items()}
    assert levels == {"tdmnpb": "24", "dbsh": "16.5", "btb": "25", "dhntb": "22", "tn": "26.5", "dnb": "14.5", "dbscl": "19"}


def test_qd51_child_indicators_are_never_presented_as_law(qd51):
    for ind in qd51.indicators:
        assert ind.verified is False
        assert ind.mapping is None or ind.mapping.verified is False


def test_ntm_folder_does_not_change_child_friendly_discovery():
    assert [p.name for p in criteria.shipped_files()] == ["qd06-2019.yaml"]
    assert [s.id for s in criteria.shipped()] == ["qd06-2019"]


def test_unknown_set_id():
    with pytest.raises(criteria.CriteriaNotFound, match="ntm-qd318-2022"):
        ntm.get("ntm-nope")


def _broken(tmp_path: Path, old: str, new: str) -> Path:
    text = QD318.read_text(encoding="utf-8")
    assert text.count(old) == 1, old
    path = tmp_path / "broken.yaml"
    path.write_text(text.replace(old, new), encoding="utf-8")
    return path


def _line_of(path: Path, fragment: str) -> int:
    return next(i for i, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1) if fragment in line)


def test_unknown_region_in_levels_names_file_and_line(tmp_path):
    path = _broken(tmp_path, "levels: {tdmnpb: 24,", "levels: {tdmnbp: 24,")
    with pytest.raises(CriteriaInvalid) as info:
        ntm.load_file(path, display_name="broken.yaml")
    assert [str(p) for p in info.value.problems] == [
        f"broken.yaml:{_line_of(path, 'tdmnbp: 24')} indicators[2].mapping.levels.tdmnbp: unknown region 'tdmnbp'; "
        "expected one of: tdmnpb, dbsh, btb, dhntb, tn, dnb, dbscl"]


def test_unknown_input_and_unknown_mapping_kind_name_file_and_line(tmp_path):
    path = _broken(tmp_path, "input: abused_children", "input: abused_kids")
    with pytest.raises(CriteriaInvalid) as info:
        ntm.load_file(path, cf_set=criteria.get("qd06-2019"), display_name="broken.yaml")
    line = _line_of(path, "input: abused_kids")
    assert [str(p) for p in info.value.problems] == [
        f"broken.yaml:{line} indicators[3].mapping.input: unknown input 'abused_kids': "
        "not an input of criteria set qd06-2019 2019.1"]
    ntm.load_file(path)  # without a child-friendly set the inputs are not checked

    path = _broken(tmp_path, "kind: count_zero", "kind: count_is_zero")
    with pytest.raises(CriteriaInvalid) as info:
        ntm.load_file(path, display_name="broken.yaml")
    line = _line_of(path, "kind: count_is_zero")
    assert [str(p) for p in info.value.problems] == [
        f"broken.yaml:{line} indicators[3].mapping.kind: unknown mapping kind 'count_is_zero'; "
        "expected one of: rate_at_most, rate_at_least, all_yes, count_zero"]


def test_duplicate_indicator_id_wrong_input_type_and_duplicate_key(tmp_path):
    path = _broken(tmp_path, "id: c18-ho-tro-tre-em-hcdb", f"id: {STUNTING}")
    path.write_text(path.read_text(encoding="utf-8").replace(
        "inputs: [play_area, swimming_activities]", "inputs: [play_area, children]"), encoding="utf-8")
    with pytest.raises(CriteriaInvalid) as info:
        ntm.load_file(path, cf_set=criteria.get("qd06-2019"), display_name="broken.yaml")
    dup_line = [i for i, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
                if line == f"  - id: {STUNTING}"][1]
    assert [str(p) for p in info.value.problems] == [
        f"broken.yaml:{_line_of(path, 'inputs: [play_area, children]')} indicators[0].mapping.inputs[1]: "
        "input 'children' is a count; all_yes needs a boolean",
        f"broken.yaml:{dup_line} indicators[4].id: duplicate indicator id '{STUNTING}' (first at index 2)",
    ]

    path = _broken(tmp_path, "    levels_verified: true\n", "    levels_verified: true\n      verified: true\n")
    with pytest.raises(CriteriaSyntaxError) as syn:
        ntm.load_file(path, display_name="broken.yaml")
    line = _line_of(path, "levels_verified: true") + 1
    assert str(syn.value) == (f"broken.yaml:{line + 1} indicators[2].mapping.verified: "
                              f"duplicate key 'verified' (first given on line {line})")


# --- evaluation ----------------------------------------------------------------------------


def test_stunting_flips_exactly_at_the_region_level(qd318):
    met = status_of(qd318, {"under5_stunted": 24, "under5_measured": 100}, "tdmnpb", STUNTING)
    assert met.status == MET and met.value == Fraction(24, 100)
    assert met.explanation.startswith("Tỷ lệ «Số trẻ em dưới 5 tuổi suy dinh dưỡng thể thấp còi» trên «Số trẻ em dưới 5 tuổi "
                                      "được đo chiều cao» là 24/100, tức 24%; mức tối đa 24%")
    third = status_of(qd318, {"under5_stunted": 1, "under5_measured": 3}, "tdmnpb", STUNTING)
    assert "1/3, tức khoảng 33,33%" in third.explanation and "≈" not in third.explanation
    over = status_of(qd318, {"under5_stunted": 2401, "under5_measured": 10000}, "tdmnpb", STUNTING)
    assert over.status == NOT_MET and "24,01%" in over.explanation
    southeast = status_of(qd318, {"under5_stunted": 20, "under5_measured": 100}, "dnb", STUNTING)
    assert southeast.status == NOT_MET and "14,5%" in southeast.explanation
    assert status_of(qd318, {"under5_stunted": 20, "under5_measured": 100}, "tdmnpb", STUNTING).status == MET


def test_rate_zero_denominator_and_missing_values(qd318):
    zero = status_of(qd318, {"under5_stunted": 0, "under5_measured": 0}, "tdmnpb", STUNTING)
    assert zero.status == MISSING
    assert zero.explanation.startswith("«Số trẻ em dưới 5 tuổi được đo chiều cao» bằng 0: không tính được tỷ lệ")
    blank = status_of(qd318, {"under5_stunted": 3}, "tdmnpb", STUNTING)
    assert blank.status == MISSING
    assert blank.explanation.startswith("Chưa có số liệu «Số trẻ em dưới 5 tuổi được đo chiều cao»")
    assert blank.lacking == ("thiếu «Số trẻ em dưới 5 tuổi được đo chiều cao»",)
    assert zero.lacking == ("«Số trẻ em dưới 5 tuổi được đo chiều cao» bằng 0: không tính được tỷ lệ",)
    hcdb = status_of(qd318, {"special_children": 0, "special_children_supported": 0}, "tdmnpb", "c18-ho-tro-tre-em-hcdb")
    assert hcdb.status == MISSING


def test_all_yes(qd318):
    assert status_of(qd318, {"play_area": True, "swimming_activities": True}, "tdmnpb", PLAY).status == MET
    assert status_of(qd318, {"play_area": True, "swimming_activities": False}, "tdmnpb", PLAY).status == NOT_MET
    assert status_of(qd318, {"play_area": None, "swimming_activities": False}, "tdmnpb", PLAY).status == NOT_MET
    assert status_of(qd318, {"play_area": True, "swimming_activities": None}, "tdmnpb", PLAY).status == MISSING


def test_count_zero_and_unmapped(qd318):
    abuse = "c18-phong-chong-xam-hai-tre-em"
    assert status_of(qd318, {"abused_children": 0}, "tdmnpb", abuse).status == MET
    assert status_of(qd318, {"abused_children": 1}, "tdmnpb", abuse).status == NOT_MET
    unmapped = status_of(qd318, {}, "tdmnpb", "c14-pcgd-mam-non-5-tuoi")
    assert unmapped.status == MISSING and unmapped.mapping_verified is None and unmapped.unverified


def test_unverified_parts_are_flagged_in_the_result(qd318, qd51):
    stunting = status_of(qd318, {"under5_stunted": 1, "under5_measured": 10}, "tdmnpb", STUNTING)
    assert stunting.indicator_verified and stunting.levels_verified and not stunting.mapping_verified
    assert stunting.unverified
    assert stunting.warnings == ["Cách tính từ số liệu trẻ em là cách tính tạm thời, chưa được xác nhận."]
    assert "CẢNH BÁO" not in stunting.explanation  # the page says the cautions once, not in each explanation
    values = {"play_area": True, "swimming_activities": True, "abused_children": 0}
    for status in evaluate_ntm(qd51, values, "nhom-3", LABELS):
        assert status.unverified and status.warnings[0].startswith("Số hiệu hoặc lời văn của chỉ tiêu chưa được đối chiếu")
    qd51_stunting = status_of(qd51, {"under5_stunted": 1, "under5_measured": 10}, "nhom-3", "c5-suy-dinh-duong-thap-coi")
    assert qd51_stunting.status == MISSING and "chưa có mức" in qd51_stunting.explanation


def test_bad_region_and_bad_values_are_errors(qd318):
    with pytest.raises(ValueError, match="nhom-3"):
        evaluate_ntm(qd318, {}, "nhom-3", LABELS)
    with pytest.raises(ValueError, match="under5_stunted"):
        evaluate_ntm(qd318, {"under5_stunted": True, "under5_measured": 10}, "tdmnpb", LABELS)
    with pytest.raises(ValueError, match="play_area"):
        evaluate_ntm(qd318, {"play_area": 1}, "tdmnpb", LABELS)


# --- Cao Bằng units → region/group ---------------------------------------------------------


@pytest.mark.parametrize("khu_vuc", [None, "", "I", "III"])
def test_2022_units_are_all_tdmnpb(khu_vuc, qd318):
    choice = cao_bang_ntm_area("ntm-qd318-2022", khu_vuc)
    assert (choice.area, choice.verified) == ("tdmnpb", True)
    assert qd318.area(choice.area) is not None


@pytest.mark.parametrize(("khu_vuc", "area", "verified"), [
    ("III", "nhom-3", True), ("II", "nhom-3", True), (" ii ", "nhom-3", True), ("I", "nhom-2", False),
])
def test_2025_units_by_khu_vuc(khu_vuc, area, verified, qd51):
    choice = cao_bang_ntm_area("ntm-qd51-2025", khu_vuc)
    assert (choice.area, choice.verified) == (area, verified)
    assert qd51.area(choice.area) is not None
    if not verified:
        assert "CHƯA XÁC NHẬN" in choice.reason


@pytest.mark.parametrize("khu_vuc", [None, "", "IV"])
def test_2025_unit_without_known_khu_vuc_is_an_error(khu_vuc):
    with pytest.raises(ValueError, match="khu vực"):
        cao_bang_ntm_area("ntm-qd51-2025", khu_vuc)
