"""The NTM indicator sets in the workbench's store: a draft, an indicator verified or corrected with a citation and
checked by the NTM loader, four eyes, the published version used by the NTM reads, its export. Real SQLite."""
from __future__ import annotations

import io
import json
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest

import criteria
import criteria.ntm
from criteria.export import dump_yaml
from scoring.ntm import evaluate_ntm
from webapp.store import db as database
from webapp.store import ntm_drafts, ntm_impact, ntm_sheet, ntm_values
from webapp.store.criteria_drafts import SCAN_DIR, Citation, DraftRefused, scan_of
from webapp.store.criteria_values import differences
from webapp.store.errors import ImportRejected

SET = "ntm-qd318-2022"
STUNTING = "indicators[2]"  # c15c: stunting under 5, rate at most a level per region, mapping unverified
VERIFIED = {"verified": "1", "mapping.verified": "1", "mapping.levels_verified": "1"}  # an indicator's three flags
CITE = Citation("Quyết định 318/QĐ-TTg", "Phụ lục I, chỉ tiêu 15.3", "12")


@pytest.fixture()
def db(tmp_path: Path):
    return database.connect(tmp_path / "cfc.db")


def _form(db, draft_id: int, **changes: str) -> dict[str, str]:
    nset = ntm_drafts.draft_set(ntm_drafts.get(db, draft_id))
    part = ntm_values.find(nset, STUNTING)
    assert part is not None
    return ntm_values.form_values(nset, part) | VERIFIED | changes


def test_a_draft_copies_the_set_under_a_new_version_and_the_shipped_file_still_applies(db) -> None:
    draft_id = ntm_drafts.create(db, SET, "2022.2", "phapche.tinh")
    nset = ntm_drafts.draft_set(ntm_drafts.get(db, draft_id))
    assert (nset.version, nset.indicators) == ("2022.2", criteria.ntm.get(SET).indicators)
    assert ntm_drafts.current(db, SET) == criteria.ntm.get(SET)
    for taken in ("2022.1", "2022.2", ""):
        with pytest.raises(DraftRefused) as refused:
            ntm_drafts.create(db, SET, taken, "phapche.tinh")
        assert "version" in refused.value.fields


def test_an_indicator_is_verified_with_its_citation_and_a_level_corrected(db) -> None:
    draft_id = ntm_drafts.create(db, SET, "2022.2", "phapche.tinh")
    part = ntm_drafts.edit_part(db, draft_id, STUNTING, _form(db, draft_id, **{"mapping.levels.tdmnpb": "23,5"}),
                                     CITE, "phapche.tinh")
    ind = ntm_drafts.draft_set(ntm_drafts.get(db, draft_id)).indicators[2]
    assert ind.mapping is not None and ind.mapping.levels["tdmnpb"] == Decimal("23.5")
    assert (ind.verified, ind.mapping.verified, ind.mapping.levels_verified) == (True, True, True)
    assert ind.source == "Quyết định 318/QĐ-TTg, Phụ lục I, chỉ tiêu 15.3, trang 12"
    edit = next(db.query("select * from audit_log where entity = 'ntm_draft' and action = 'edit'"))
    assert edit["field"] == part.key and edit["actor"] == "phapche.tinh" and edit["reason"] == CITE.text()
    assert json.loads(edit["new"])["mapping"]["levels"]["tdmnpb"] == "23.5"


def test_bad_values_are_refused_at_the_field_in_vietnamese_and_nothing_is_written(db) -> None:
    draft_id = ntm_drafts.create(db, SET, "2022.2", "phapche.tinh")
    before = ntm_drafts.get(db, draft_id)["content"]
    with pytest.raises(DraftRefused) as refused:  # the loader: a percentage above 100
        ntm_drafts.edit_part(db, draft_id, STUNTING, _form(db, draft_id, **{"mapping.levels.dbsh": "150"}),
                                  CITE, "phapche.tinh")
    assert str(refused.value.fields["mapping.levels.dbsh"]) == "Giá trị không được lớn hơn 100."
    with pytest.raises(DraftRefused) as refused:  # the form: not a number, and no citation
        ntm_drafts.edit_part(db, draft_id, STUNTING, _form(db, draft_id, **{"mapping.levels.tn": "hai"}),
                                  Citation("", ""), "phapche.tinh")
    assert str(refused.value.fields["mapping.levels.tn"]) == "«hai» không phải số không âm."
    assert set(refused.value.fields) == {"mapping.levels.tn", "document", "clause"}
    assert ntm_drafts.get(db, draft_id)["content"] == before


def test_four_eyes_publish_and_the_ntm_reads_then_use_the_published_version(db) -> None:
    draft_id = ntm_drafts.create(db, SET, "2022.2", "phapche.tinh")
    ntm_drafts.edit_part(db, draft_id, STUNTING, _form(db, draft_id, **{"mapping.levels.tdmnpb": "23"}),
                              CITE, "phapche.tinh")
    with pytest.raises(DraftRefused):  # not prepared yet
        ntm_drafts.confirm(db, draft_id, "phapche2.tinh")
    ntm_drafts.prepare(db, draft_id, "phapche.tinh")
    with pytest.raises(DraftRefused) as refused:
        ntm_drafts.confirm(db, draft_id, "phapche.tinh")
    assert "Người trình không thể tự xác nhận" in str(refused.value.vi)
    assert ntm_drafts.current(db, SET) == criteria.ntm.get(SET)
    digest = ntm_drafts.confirm(db, draft_id, "admin")
    published = ntm_drafts.current(db, SET)
    assert published.version == "2022.2" and published.indicators[2].mapping.levels["tdmnpb"] == Decimal("23")
    row = ntm_drafts.published(db, SET)[0]
    assert (row["hash"], row["prepared_by"], row["confirmed_by"]) == (digest, "phapche.tinh", "admin")
    assert digest == criteria.content_hash(published) and row["content"] == dump_yaml(published)
    log = next(db.query("select * from audit_log where entity = 'ntm_set' and action = 'publish'"))
    assert log["entity_id"] == digest and json.loads(log["new"])["confirmed_by"] == "admin"
    with pytest.raises(DraftRefused):  # published: no more edits
        ntm_drafts.edit_part(db, draft_id, STUNTING, _form(db, draft_id), CITE, "phapche.tinh")
    assert criteria.ntm.get(SET).version == "2022.1"  # the shipped file is untouched
    again = ntm_drafts.create(db, SET, "2022.3", "phapche.tinh")  # the next draft starts from the published one
    assert ntm_drafts.draft_set(ntm_drafts.get(db, again)).indicators[2].mapping.levels["tdmnpb"] == Decimal("23")


def test_a_changed_prepared_draft_needs_preparing_again(db) -> None:
    draft_id = ntm_drafts.create(db, SET, "2022.2", "phapche.tinh")
    ntm_drafts.prepare(db, draft_id, "phapche.tinh")
    ntm_drafts.edit_part(db, draft_id, STUNTING, _form(db, draft_id), CITE, "phapche2.tinh")
    assert ntm_drafts.get(db, draft_id)["state"] == "draft"
    with pytest.raises(DraftRefused):
        ntm_drafts.confirm(db, draft_id, "admin")


def test_the_published_export_round_trips_byte_for_byte_through_the_loader(db) -> None:
    draft_id = ntm_drafts.create(db, SET, "2022.2", "phapche.tinh")
    ntm_drafts.edit_part(db, draft_id, STUNTING, _form(db, draft_id), CITE, "phapche.tinh")
    ntm_drafts.prepare(db, draft_id, "phapche.tinh")
    ntm_drafts.confirm(db, draft_id, "admin")
    text = dump_yaml(ntm_drafts.current(db, SET))
    again = criteria.ntm.load_text(text, cf_set=criteria.get(criteria.ntm.CF_SET_ID))
    assert dump_yaml(again) == text and again == ntm_drafts.current(db, SET)


# --------------------------------------------------------------------------- every part, scans, comparison, impact, sheet

QD51 = "ntm-qd51-2025"
KINDS = ntm_values.MAPPING_NAMES  # a mapping's kind is chosen by its name
PLAY = "indicators[0]"  # QĐ 51: play areas, all yes of two yes/no inputs


def _fields(db, draft_id: int, key: str, **changes: str) -> dict[str, str]:
    nset = ntm_drafts.draft_set(ntm_drafts.get(db, draft_id))
    part = ntm_values.find(nset, key)
    assert part is not None
    return ntm_values.form_values(nset, part) | changes


def test_an_indicator_s_number_wording_mapping_and_inputs_are_edited_by_their_labels(db) -> None:
    draft_id = ntm_drafts.create(db, QD51, "2025.2", "phapche.tinh")
    labels = ntm_values.input_labels()
    abused = labels["abused_children"]
    ntm_drafts.edit_part(db, draft_id, PLAY, _fields(db, draft_id, PLAY, **{
        "number": "5.4", "wording_vi": "Tỷ lệ trẻ em bị xâm hại", "mapping.kind": KINDS["count_zero"], "mapping.input": abused,
        "mapping.note": "Theo văn bản", **VERIFIED}), CITE, "phapche.tinh")
    ind = ntm_drafts.draft_set(ntm_drafts.get(db, draft_id)).indicators[0]
    assert (ind.number, ind.wording_vi, ind.mapping.kind, ind.mapping.input) == (
        "5.4", "Tỷ lệ trẻ em bị xâm hại", "count_zero", "abused_children")
    assert ind.mapping.note == "Theo văn bản" and ind.verified and ind.mapping.verified
    play, swim = labels["play_area"], labels["swimming_activities"]
    ntm_drafts.edit_part(db, draft_id, PLAY, _fields(db, draft_id, PLAY, **{
        "mapping.kind": KINDS["all_yes"], "mapping.inputs": f"{play}; {swim}"}), CITE, "phapche.tinh")
    assert ntm_drafts.draft_set(ntm_drafts.get(db, draft_id)).indicators[0].mapping.inputs == [
        "play_area", "swimming_activities"]
    ntm_drafts.edit_part(db, draft_id, PLAY, _fields(db, draft_id, PLAY, **{
        "mapping.kind": "", "mapping_note": "Không có số liệu trẻ em tương ứng."}), CITE, "phapche.tinh")
    ind = ntm_drafts.draft_set(ntm_drafts.get(db, draft_id)).indicators[0]
    assert ind.mapping is None and ind.mapping_note == "Không có số liệu trẻ em tương ứng."
    recorded = ntm_drafts.edits(db, draft_id)
    assert [e["part"] for e in recorded] == [PLAY] * 3 and recorded[0]["document"] == CITE.document
    assert json.loads(recorded[0]["new"])["mapping"]["input"] == "abused_children"


def test_mapping_refusals_are_named_at_their_fields(db) -> None:
    draft_id = ntm_drafts.create(db, QD51, "2025.2", "phapche.tinh")
    before = ntm_drafts.get(db, draft_id)["content"]
    count = ntm_values.input_labels()["under5_measured"]
    cases = [({"mapping.kind": KINDS["count_zero"], "mapping.input": ""}, "mapping.input",
              "Hãy chọn ô số liệu cho cách tính này."),
             ({"mapping.kind": KINDS["all_yes"], "mapping.inputs": count}, "mapping.inputs",
              f"«{count}» không phải một ô số liệu của loại cần chọn."),
             ({"mapping.kind": KINDS["rate_at_most"], "mapping.numerator": count, "mapping.denominator": count},
              "mapping.denominator", "Tử số và mẫu số là cùng một ô số liệu."),
             ({"mapping.kind": "", "mapping_note": ""}, "mapping_note", "Chỉ tiêu không có cách tính cần ghi lý do."),
             ({"wording_vi": "  "}, "wording_vi", "Hãy ghi lời văn của chỉ tiêu."),
             ({"number": "x" * 41}, "number", "Dài quá 40 ký tự.")]
    for changes, field, said in cases:
        with pytest.raises(DraftRefused) as refused:
            ntm_drafts.edit_part(db, draft_id, PLAY, _fields(db, draft_id, PLAY, **changes), CITE, "phapche.tinh")
        assert str(refused.value.fields[field]) == said, changes
    assert ntm_drafts.get(db, draft_id)["content"] == before and not ntm_drafts.edits(db, draft_id)


def test_a_group_and_the_validity_are_edited_and_checked(db) -> None:
    draft_id = ntm_drafts.create(db, QD51, "2025.2", "phapche.tinh")
    ntm_drafts.edit_part(db, draft_id, "groups[0]", {"name": "Nhóm 1", "note": "Các xã khu vực I", "verified": "1"},
                         Citation("QĐ 51/2025/QĐ-TTg", "Điều 2"), "phapche.tinh")
    group = ntm_drafts.draft_set(ntm_drafts.get(db, draft_id)).groups[0]
    assert (group.note, group.verified, group.source) == ("Các xã khu vực I", True, "QĐ 51/2025/QĐ-TTg, Điều 2")
    with pytest.raises(DraftRefused) as refused:
        ntm_drafts.edit_part(db, draft_id, "groups[1]", {"name": "", "note": "", "verified": "1"}, CITE, "phapche.tinh")
    assert str(refused.value.fields["name"]) == "Hãy ghi tên vùng, nhóm."
    with pytest.raises(DraftRefused) as refused:
        ntm_drafts.edit_part(db, draft_id, "validity", {"valid_from": "15/02/2026", "valid_until": "31/12/2025"},
                             CITE, "phapche.tinh")
    assert str(refused.value.fields["valid_until"]) == "Ngày hết hiệu lực trước ngày bắt đầu áp dụng."
    with pytest.raises(DraftRefused) as refused:
        ntm_drafts.edit_part(db, draft_id, "validity", {"valid_from": "30/02/2026", "valid_until": ""}, CITE, "phapche.tinh")
    assert str(refused.value.fields["valid_from"]).startswith("«30/02/2026» không phải ngày")
    ntm_drafts.edit_part(db, draft_id, "validity", {"valid_from": "15/02/2026", "valid_until": "31/12/2030",
                                                    "verified": "1"}, CITE, "phapche.tinh")
    nset = ntm_drafts.draft_set(ntm_drafts.get(db, draft_id))
    assert (nset.valid_from.isoformat(), nset.valid_until.isoformat(), nset.validity_verified) == (
        "2026-02-15", "2030-12-31", True)


def test_a_scan_is_stored_with_its_edit_and_a_bad_one_refused(db, tmp_path: Path) -> None:
    draft_id = ntm_drafts.create(db, QD51, "2025.2", "phapche.tinh")
    with pytest.raises(DraftRefused) as refused:
        ntm_drafts.edit_part(db, draft_id, PLAY, _fields(db, draft_id, PLAY), CITE, "phapche.tinh",
                             scan=("trang.exe", b"MZ\x90\x00"), store=tmp_path)
    assert "scan" in refused.value.fields
    ntm_drafts.edit_part(db, draft_id, PLAY, _fields(db, draft_id, PLAY), CITE, "phapche.tinh",
                         scan=("trang 12.pdf", b"%PDF-1.4\n%%EOF\n"), store=tmp_path)
    edit = ntm_drafts.edits(db, draft_id)[0]
    assert edit["scan_type"] == "application/pdf" and edit["scan_name"] == "trang 12.pdf"
    assert (tmp_path / SCAN_DIR / edit["scan_stored"]).read_bytes() == b"%PDF-1.4\n%%EOF\n"
    assert scan_of(db, edit["id"], ntm_drafts.NTM)["id"] == edit["id"]


def test_the_comparison_lists_each_changed_value_of_the_version_the_draft_came_from(db) -> None:
    draft_id = ntm_drafts.create(db, QD51, "2025.2", "phapche.tinh")
    stunting = "indicators[1]"
    ntm_drafts.edit_part(db, draft_id, stunting, _fields(db, draft_id, stunting, **{
        "mapping.levels.nhom-3": "25", **VERIFIED}), CITE, "phapche.tinh")
    row = ntm_drafts.get(db, draft_id)
    changes = differences(ntm_values.parts(ntm_drafts.base_set(row)), ntm_values.parts(ntm_drafts.draft_set(row)))
    assert [c.part.key for c in changes] == [stunting]
    assert [(str(label), old, new) for label, old, new in changes[0].values] == [("Mức của Nhóm 3", "—", "25%")]
    assert (changes[0].before.verified, changes[0].part.verified) == (False, True)
    assert changes[0].part.source == CITE.text()


def test_the_impact_lists_each_commune_whose_result_changes(db_path: Path) -> None:
    db = database.connect(db_path)
    rnd = ntm_impact.latest_round(db, SET)
    draft_id = ntm_drafts.create(db, SET, "2022.2", "phapche.tinh")
    ntm_drafts.edit_part(db, draft_id, STUNTING, _form(db, draft_id, **{"mapping.levels.tdmnpb": "5"}), CITE,
                         "phapche.tinh")
    report = ntm_impact.draft_impact(db, rnd["id"], ntm_drafts.draft_set(ntm_drafts.get(db, draft_id)))
    expected = 0
    for r in db.query("select declared, verified from assessments where round_id = ?", [rnd["id"]]):
        values = json.loads(r["verified"] or "{}") or json.loads(r["declared"] or "{}")
        stunted, measured = values.get("under5_stunted"), values.get("under5_measured")
        if stunted is not None and measured:
            expected += Decimal("0.05") < Decimal(stunted) / Decimal(measured) <= Decimal("0.24")
    assert expected > 0 and len(report.moved) == expected
    assert report.counts == [("đạt", "không đạt", expected)]
    wording = "Tỷ lệ trẻ em dưới 5 tuổi bị suy dinh dưỡng thể thấp còi (chiều cao theo tuổi)"
    assert {m.indicator for m in report.moved} == {wording}


def test_the_sheet_round_trips_all_or_nothing_and_refuses_another_set(db) -> None:
    draft_id = ntm_drafts.create(db, QD51, "2025.2", "phapche.tinh")
    before = ntm_drafts.get(db, draft_id)["content"]
    data = ntm_sheet.to_xlsx(ntm_drafts.draft_set(ntm_drafts.get(db, draft_id)))
    assert ntm_sheet.import_xlsx(db, draft_id, data, "bang.xlsx", "phapche.tinh") == 0
    assert ntm_drafts.get(db, draft_id)["content"] == before
    wb = openpyxl.load_workbook(io.BytesIO(data))
    ws = wb.active
    rows = {ws.cell(r, 1).value: r for r in range(2, ws.max_row + 1)}
    assert ws.column_dimensions["A"].hidden
    assert ws.cell(rows["indicators[1]:mapping.numerator"], 5).value == ntm_values.input_labels()["under5_stunted"]
    ws.cell(rows["indicators[1]:mapping.levels.nhom-3"], 5).value = "hai mươi"
    ws.cell(rows["indicators[1]:mapping.levels.nhom-2"], 5).value = "120"
    ws.cell(rows["validity:valid_until"], 5).value = "31/13/2030"
    with pytest.raises(ImportRejected) as rejected:
        ntm_sheet.import_xlsx(db, draft_id, _saved(wb), "bang.xlsx", "phapche.tinh")
    named = {(p["row"], p["column"], p["reason"]) for p in rejected.value.problems}
    assert (rows["indicators[1]:mapping.levels.nhom-3"], "E", "«hai mươi» không phải số không âm.") in named
    assert (rows["validity:valid_until"], "E",
            "«31/13/2030» không phải ngày (ghi ngày/tháng/năm, ví dụ 15/02/2026).") in named
    assert ntm_drafts.get(db, draft_id)["content"] == before
    ws.cell(rows["indicators[1]:mapping.levels.nhom-3"], 5).value = "20,5"
    with pytest.raises(ImportRejected) as rejected:  # the loader: a level above 100%
        ntm_sheet.import_xlsx(db, draft_id, _saved(wb), "bang.xlsx", "phapche.tinh")
    assert [(p["row"], p["reason"]) for p in rejected.value.problems if p["row"] is not None] == [
        (rows["validity:valid_until"], "«31/13/2030» không phải ngày (ghi ngày/tháng/năm, ví dụ 15/02/2026).")]
    ws.cell(rows["validity:valid_until"], 5).value = ""
    with pytest.raises(ImportRejected) as rejected:
        ntm_sheet.import_xlsx(db, draft_id, _saved(wb), "bang.xlsx", "phapche.tinh")
    assert [(p["row"], p["reason"]) for p in rejected.value.problems] == [
        (rows["indicators[1]:mapping.levels.nhom-2"], "Giá trị không được lớn hơn 100.")]
    ws.cell(rows["indicators[1]:mapping.levels.nhom-2"], 5).value = ""
    for r in range(2, ws.max_row + 1):
        if str(ws.cell(r, 1).value).startswith("indicators[1]:"):
            ws.cell(r, 6).value, ws.cell(r, 7).value = "có", "QĐ 51/2025/QĐ-TTg, Phụ lục, chỉ tiêu 5.3"
    assert ntm_sheet.import_xlsx(db, draft_id, _saved(wb), "bang.xlsx", "phapche.tinh") == 1
    ind = ntm_drafts.draft_set(ntm_drafts.get(db, draft_id)).indicators[1]
    assert ind.mapping.levels == {"nhom-3": Decimal("20.5")} and ind.verified and ind.mapping.levels_verified
    assert ind.source == "QĐ 51/2025/QĐ-TTg, Phụ lục, chỉ tiêu 5.3"
    assert ntm_drafts.edits(db, draft_id)[-1]["part"] == "indicators[1]"
    ws.cell(rows[f"id:{QD51}"], 1).value = "id:ntm-qd318-2022"
    with pytest.raises(ImportRejected) as rejected:
        ntm_sheet.import_xlsx(db, draft_id, _saved(wb), "bang.xlsx", "phapche.tinh")
    assert "tệp là của bộ tiêu chí khác" in rejected.value.problems[0]["reason"]


def _saved(wb) -> bytes:
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def test_once_published_verified_an_indicator_is_no_longer_said_to_be_unconfirmed(db) -> None:
    draft_id = ntm_drafts.create(db, QD51, "2025.2", "phapche.tinh")
    ntm_drafts.edit_part(db, draft_id, "indicators[1]", _fields(db, draft_id, "indicators[1]", **{
        "mapping.levels.nhom-3": "25", **VERIFIED}), CITE, "phapche.tinh")
    ntm_drafts.prepare(db, draft_id, "phapche.tinh")
    ntm_drafts.confirm(db, draft_id, "phapche2.tinh")
    values = {"under5_stunted": 3, "under5_measured": 20}
    statuses = evaluate_ntm(ntm_drafts.current(db, QD51), values, "nhom-3", ntm_values.input_labels())
    stunting, play = statuses[1], statuses[0]
    assert stunting.wording_vi == "Tỷ lệ trẻ em dưới 5 tuổi bị suy dinh dưỡng thể thấp còi"
    assert not stunting.unverified and stunting.warnings == [] and stunting.status == "đạt" and stunting.level == 25
    assert play.wording_vi.startswith("(chưa xác nhận)") and play.unverified  # not verified: still said so


def test_an_indicator_s_wording_mapping_and_levels_are_verified_each_on_its_own(db) -> None:
    draft_id = ntm_drafts.create(db, QD51, "2025.2", "phapche.tinh")
    stunting = "indicators[1]"
    ntm_drafts.edit_part(db, draft_id, stunting, _fields(db, draft_id, stunting, **{
        "mapping.levels.nhom-3": "25", "verified": "1", "mapping.levels_verified": "1"}), CITE, "phapche.tinh")
    nset = ntm_drafts.draft_set(ntm_drafts.get(db, draft_id))
    ind = nset.indicators[1]
    assert (ind.verified, ind.mapping.verified, ind.mapping.levels_verified) == (True, False, True)
    part = ntm_values.find(nset, stunting)
    assert part.verified is False  # the project's way of computing it is not confirmed yet
    assert {k: v for k, v in ntm_values.form_values(nset, part).items() if k in ntm_values.FLAGS} == {
        "verified": "1", "mapping.verified": "", "mapping.levels_verified": "1"}
    assert nset.provisional_parts().count("mapping c5-suy-dinh-duong-thap-coi") == 1
