"""The criteria workbench's store: drafts of a set, edits checked by the loader, four eyes, pinning, export."""
from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

import criteria
from criteria.export import dump_yaml, plain_data
from scoring.cli import criteria_group
from webapp.store import audit, criteria_drafts, criteria_values, rounds
from webapp.store import db as database
from webapp.store.criteria_drafts import Citation, DraftRefused

QD06 = criteria.get("qd06-2019")
C2 = "criteria[1].items[0]"  # item 2.1: birth registration rate, three placeholder bands
CITE = Citation("Quyết định 06/QĐ-TTg", "Quy định kèm theo, Điều 2 khoản 2", "5")


@pytest.fixture()
def db(tmp_path: Path):
    return database.connect(tmp_path / "cfc.db")


def _draft(db, version: str = "2019.2") -> int:
    return criteria_drafts.create(db, criteria.content_hash(QD06), version, "2019-01-03", "phapche.tinh")


def _c2_form(db, draft_id: int) -> dict[str, str]:
    cset = criteria_drafts.draft_set(criteria_drafts.get(db, draft_id))
    return criteria_values.form_values(plain_data(cset), criteria_values.find(cset, C2))


def test_a_draft_is_the_base_set_under_a_new_version_and_the_installed_set_is_untouched(db) -> None:
    draft_id = _draft(db)
    cset = criteria_drafts.draft_set(criteria_drafts.get(db, draft_id))
    assert (cset.version, cset.criteria) == ("2019.2", QD06.criteria)
    assert criteria.get("qd06-2019") == QD06
    with pytest.raises(DraftRefused) as refused:
        _draft(db, "2019.1")
    assert str(refused.value.fields["version"]) == "Phiên bản «2019.1» đã có; hãy đặt tên phiên bản mới."


def test_an_edit_verifies_the_part_with_its_citation(db) -> None:
    draft_id = _draft(db)
    form = _c2_form(db, draft_id) | {"band1.lo": "97", "band2.hi": "97", "band2.lo": "90"}
    criteria_drafts.edit_part(db, draft_id, C2, form, CITE, "phapche.tinh")
    item = criteria_drafts.draft_set(criteria_drafts.get(db, draft_id)).criteria[1].items[0]
    assert item.verified and item.rule.zero_denominator.verified
    assert item.source == "Quyết định 06/QĐ-TTg, Quy định kèm theo, Điều 2 khoản 2, trang 5"
    assert [(b.at_least, b.below, b.points) for b in item.rule.bands] == [(100, None, 50), (97, 100, 35), (90, 97, 20)]
    edit = criteria_drafts.edits(db, draft_id)[0]
    assert (edit["part"], edit["document"], edit["page"]) == (C2, "Quyết định 06/QĐ-TTg", "5")
    entry = audit.entries(db, "criteria_draft", draft_id)[-1]
    assert (entry["action"], entry["field"], entry["reason"]) == ("edit", C2, CITE.text())


@pytest.mark.parametrize("change, field, message", [
    ({"band1.lo": "97"}, "band2", "Chồng lấn với mức trước: khoảng từ 97 đến 98 thuộc cả hai mức."),
    ({"band1.lo": "99"}, "band2", "Bỏ trống: không có mức nào cho các giá trị giữa 98 và 99."),
    ({"band1.points": "60"}, "band1.points", "Mức kém hơn lại được nhiều điểm hơn (60) so với mức trước nó (50)."),
    ({"band1.points": "ba mươi"}, "band1.points", "«ba mươi» không phải số nguyên không âm."),
    ({"band1.lo": "0,5x"}, "band1.lo", "«0,5x» không phải số không âm."),
])
def test_a_value_that_breaks_the_set_is_refused_at_its_field(db, change, field, message) -> None:
    draft_id = _draft(db)
    before = criteria_drafts.get(db, draft_id)["content"]
    with pytest.raises(DraftRefused) as refused:
        criteria_drafts.edit_part(db, draft_id, C2, _c2_form(db, draft_id) | change, CITE, "phapche.tinh")
    assert str(refused.value.fields[field]) == message
    assert criteria_drafts.get(db, draft_id)["content"] == before
    assert criteria_drafts.edits(db, draft_id) == []


def test_points_that_no_longer_add_up_are_named_beside_the_form(db) -> None:
    draft_id = _draft(db)
    with pytest.raises(DraftRefused) as refused:
        criteria_drafts.edit_part(db, draft_id, C2, _c2_form(db, draft_id) | {"band0.points": "45"}, CITE, "a")
    assert [str(s) for s in refused.value.general] == [
        "Các mục của tiêu chí 2 cộng lại được 45 điểm, không bằng điểm tối đa 50 của tiêu chí."]


def test_a_citation_is_required_and_a_scan_must_be_a_pdf_or_image(db, tmp_path: Path) -> None:
    draft_id = _draft(db)
    with pytest.raises(DraftRefused) as refused:
        criteria_drafts.edit_part(db, draft_id, C2, _c2_form(db, draft_id), Citation(" ", "Điều 2"), "a",
                                  scan=("trang5.exe", b"MZ\x90\x00"), store=tmp_path)
    assert set(refused.value.fields) == {"document", "scan"}
    criteria_drafts.edit_part(db, draft_id, C2, _c2_form(db, draft_id), CITE, "a",
                              scan=("trang 5.pdf", b"%PDF-1.4\n%%EOF\n"), store=tmp_path)
    edit = criteria_drafts.edits(db, draft_id)[0]
    assert (edit["scan_name"], edit["scan_type"]) == ("trang 5.pdf", "application/pdf")
    assert (tmp_path / criteria_drafts.SCAN_DIR / edit["scan_stored"]).read_bytes() == b"%PDF-1.4\n%%EOF\n"


def test_four_eyes_publish_and_new_rounds_use_the_new_version(db) -> None:
    draft_id = _draft(db)
    criteria_drafts.edit_part(db, draft_id, C2, _c2_form(db, draft_id), CITE, "phapche.tinh")
    with pytest.raises(DraftRefused):
        criteria_drafts.confirm(db, draft_id, "phapche2.tinh")  # not prepared yet
    criteria_drafts.prepare(db, draft_id, "phapche.tinh")
    with pytest.raises(DraftRefused) as refused:
        criteria_drafts.confirm(db, draft_id, "phapche.tinh")
    assert "Người trình không thể tự xác nhận" in refused.value.vi
    digest = criteria_drafts.confirm(db, draft_id, "phapche2.tinh")
    published = criteria_drafts.default_set(db, "qd06-2019")
    assert (published.version, criteria.content_hash(published), digest) == ("2019.2", digest, digest)
    assert rounds.criteria_for(db, digest) == published
    entry = audit.entries(db, "criteria_set", digest)[-1]
    assert ('"prepared_by": "phapche.tinh"' in entry["new"] and '"confirmed_by": "phapche2.tinh"' in entry["new"])
    with pytest.raises(DraftRefused):
        criteria_drafts.edit_part(db, draft_id, C2, _c2_form(db, draft_id), CITE, "phapche.tinh")


def test_an_edit_after_preparing_needs_preparing_again(db) -> None:
    draft_id = _draft(db)
    criteria_drafts.prepare(db, draft_id, "phapche.tinh")
    criteria_drafts.edit_part(db, draft_id, C2, _c2_form(db, draft_id), CITE, "phapche2.tinh")
    assert criteria_drafts.get(db, draft_id)["state"] == "draft"
    with pytest.raises(DraftRefused):
        criteria_drafts.confirm(db, draft_id, "phapche2.tinh")


def test_export_passes_the_check_and_round_trips_byte_for_byte(db, tmp_path: Path) -> None:
    text = dump_yaml(QD06)
    path = tmp_path / "qd06.yaml"
    path.write_text(text, encoding="utf-8")
    checked = CliRunner().invoke(criteria_group, ["check", str(path)])
    assert checked.exit_code == 0, checked.output
    assert checked.output.startswith(f"OK {path}: qd06-2019 2019.1")
    uploaded = criteria_drafts.from_yaml(db, text.replace("version: '2019.1'", "version: '2019.9'"), "a", "qd06-2019")
    again = dump_yaml(criteria_drafts.draft_set(criteria_drafts.get(db, uploaded)))
    assert again == text.replace("version: '2019.1'", "version: '2019.9'")


def test_an_upload_of_another_set_or_a_broken_file_is_refused(db) -> None:
    text = dump_yaml(QD06).replace("version: '2019.1'", "version: '2019.9'")
    with pytest.raises(DraftRefused) as refused:
        criteria_drafts.from_yaml(db, text.replace("id: qd06-2019", "id: qd06-khac"), "a", "qd06-2019")
    assert refused.value.params == {"found": "qd06-khac", "wanted": "qd06-2019"}
    with pytest.raises(DraftRefused) as refused:
        criteria_drafts.from_yaml(db, text.replace("max_points: 50\n", "max_points: 55\n", 1), "a", "qd06-2019")
    assert [str(s) for s in refused.value.general][0].startswith("Dòng ")
    assert criteria_drafts.drafts(db) == []


def _published(db) -> str:
    draft_id = _draft(db)
    criteria_drafts.edit_part(db, draft_id, C2, _c2_form(db, draft_id), CITE, "phapche.tinh")
    criteria_drafts.prepare(db, draft_id, "phapche.tinh")
    return criteria_drafts.confirm(db, draft_id, "admin")


def test_pinned_rounds_keep_their_version_and_one_not_started_can_be_re_pinned_with_a_reason(fresh_round) -> None:
    db, _store, assessment_id = fresh_round
    digest = _published(db)
    round_row = rounds.get_round(db, 1)
    assert round_row["criteria_version"] == "2019.1"
    with pytest.raises(DraftRefused) as refused:
        criteria_drafts.repin(db, 1, rounds.criteria_for(db, digest), "  ", "admin")
    assert "reason" in refused.value.fields
    criteria_drafts.repin(db, 1, rounds.criteria_for(db, digest), "Áp dụng bảng điểm đã đối chiếu", "admin")
    assert rounds.get_round(db, 1)["criteria_hash"] == digest
    assert {r[0] for r in db.execute("select criteria_hash from assessments where round_id = 1")} == {digest}
    entry = audit.entries(db, "round", 1)[-1]
    assert (entry["action"], entry["old"], entry["new"], entry["reason"]) == (
        "repin", "qd06-2019 2019.1", "qd06-2019 2019.2", "Áp dụng bảng điểm đã đối chiếu")
    db.execute("update assessments set declared = '{\"births\": 3}' where id = ?", [assessment_id])
    with pytest.raises(DraftRefused) as refused:
        criteria_drafts.repin(db, 1, QD06, "quay lại", "admin")
    assert "đã bắt đầu" in refused.value.vi


def test_a_threshold_a_condition_and_a_criterion_maximum_are_parts_too(db) -> None:
    draft_id = _draft(db)
    cset = criteria_drafts.draft_set(criteria_drafts.get(db, draft_id))
    assert [p.kind for p in criteria_values.parts(cset)][:6] == ["category"] * 3 + ["recognition"] * 2 + ["criterion"]
    criteria_drafts.edit_part(db, draft_id, "categories[0]", {"threshold": "900"}, CITE, "a")
    criteria_drafts.edit_part(db, draft_id, "recognition[0]", {}, CITE, "a")
    with pytest.raises(DraftRefused) as refused:
        criteria_drafts.edit_part(db, draft_id, "categories[0]", {"threshold": "1200"}, CITE, "a")
    assert str(refused.value.fields["threshold"]) == "Số điểm tối thiểu 1200 vượt tổng 1000 điểm của bộ tiêu chí."
    with pytest.raises(DraftRefused) as refused:
        criteria_drafts.edit_part(db, draft_id, "criteria[1]", {"max_points": "60"}, CITE, "a")
    assert str(refused.value.fields["max_points"]) == \
        "Các mục của tiêu chí 2 cộng lại được 50 điểm, không bằng điểm tối đa 60 của tiêu chí."
    cset = criteria_drafts.draft_set(criteria_drafts.get(db, draft_id))
    assert (cset.categories[0].source, cset.recognition[0].source) == (CITE.text(), CITE.text())
