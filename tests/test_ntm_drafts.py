"""The NTM indicator sets in the workbench's store: a draft, an indicator verified or corrected with a citation and
checked by the NTM loader, four eyes, the published version used by the NTM reads, its export. Real SQLite."""
from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest

import criteria
import criteria.ntm
from criteria.export import dump_yaml
from webapp.store import db as database
from webapp.store import ntm_drafts, ntm_values
from webapp.store.criteria_drafts import Citation, DraftRefused

SET = "ntm-qd318-2022"
STUNTING = "indicators[2]"  # c15c: stunting under 5, rate at most a level per region, mapping unverified
CITE = Citation("Quyết định 318/QĐ-TTg", "Phụ lục I, chỉ tiêu 15.3", "12")


@pytest.fixture()
def db(tmp_path: Path):
    return database.connect(tmp_path / "cfc.db")


def _form(db, draft_id: int, **changes: str) -> dict[str, str]:
    nset = ntm_drafts.draft_set(ntm_drafts.get(db, draft_id))
    part = ntm_values.find(nset, STUNTING)
    assert part is not None
    return ntm_values.form_values(nset, part) | {"verified": "1"} | changes


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
