"""The stored data layer on real SQLite files: units, sort order, audit log, pragmas,
migrations, optimistic concurrency, workflow locks and criteria versions pinned to rounds."""
from __future__ import annotations

import csv
import sqlite3
import unicodedata
from collections import Counter
from contextlib import closing
from pathlib import Path
from typing import Any

import pytest
import sqlite_utils

import criteria
import scoring
from webapp.store import db as webdb
from webapp.store import lineage, rounds, units, workflow
from webapp.store.errors import Locked, StaleEdit, TransitionRefused
from webapp.store.vietnamese import sort_key

QD06 = criteria.get("qd06-2019")
CRITERIA = [c.number for c in QD06.criteria]
DUC_LONG_2025 = "cao-bang-2025:01822"  # xã, mountain-island (threshold 800)


def nfd(text: str) -> str:
    return unicodedata.normalize("NFD", text)


@pytest.fixture
def db(tmp_path: Path):
    database = webdb.connect(tmp_path / "cfc.db")
    units.load_cao_bang(database)
    yield database
    database.conn.close()


@pytest.fixture
def round_id(db) -> int:
    return rounds.create_round(db, name="Đánh giá 2025", year=2025, cset=QD06,
                               unit_set=units.CAO_BANG_2025, actor="admin")


@pytest.fixture
def assessment(db, round_id) -> int:
    return workflow.find(db, round_id, DUC_LONG_2025)["id"]


def audit_rows(db) -> list[dict[str, Any]]:
    return list(db["audit_log"].rows_where(order_by="id"))


def review_all(db, assessment_id: int, actor: str = "huyen.reviewer", skip: tuple[int, ...] = ()) -> None:
    for number in CRITERIA:
        if number not in skip:
            workflow.review_criterion(db, assessment_id, number, "accepted", actor)


def submitted(db, assessment_id: int, inputs: dict[str, Any]) -> dict[str, Any]:
    workflow.save_declared(db, assessment_id, inputs, "xa.can-bo")
    return workflow.submit(db, assessment_id, "xa.can-bo").row


def verified(db, assessment_id: int, inputs: dict[str, Any]) -> dict[str, Any]:
    submitted(db, assessment_id, inputs)
    review_all(db, assessment_id)
    return workflow.verify(db, assessment_id, "huyen.reviewer").row


def recognised(db, assessment_id: int, inputs: dict[str, Any]) -> dict[str, Any]:
    verified(db, assessment_id, inputs)
    return workflow.decide(db, assessment_id, "ubnd-tinh", True, "Đạt chuẩn").row


# ------------------------------------------------------------------ Cao Bằng units


def commune_rows(db, unit_set: str) -> list[dict[str, Any]]:
    return units.communes(db, unit_set)


def test_cao_bang_2022_has_161_communes_under_10_districts(db):
    communes = commune_rows(db, units.CAO_BANG_2022)
    assert len(communes) == 161
    assert Counter(c["type"] for c in communes) == {"xa": 139, "thi_tran": 14, "phuong": 8}
    districts = list(db["units"].rows_where("unit_set = ? and type in ('huyen', 'thanh_pho')",
                                            [units.CAO_BANG_2022]))
    assert len(districts) == 10
    assert Counter(d["type"] for d in districts) == {"huyen": 9, "thanh_pho": 1}
    assert {c["parent_id"] for c in communes} == {d["id"] for d in districts}
    province = units.get_unit(db, f"{units.CAO_BANG_2022}:{units.PROVINCE_CODE}")
    assert (province["type"], province["name"]) == ("tinh", "Cao Bằng")
    assert {d["parent_id"] for d in districts} == {province["id"]}
    assert {d["name"] for d in districts} == {
        "Cao Bằng", "Bảo Lâm", "Bảo Lạc", "Hà Quảng", "Trùng Khánh", "Hạ Lang", "Quảng Hòa", "Hoà An",
        "Nguyên Bình", "Thạch An"}
    assert sum(len(units.communes(db, units.CAO_BANG_2022, under=d["id"])) for d in districts) == 161


def test_cao_bang_2025_has_56_communes_directly_under_the_province(db):
    communes = commune_rows(db, units.CAO_BANG_2025)
    assert len(communes) == 56
    assert Counter(c["type"] for c in communes) == {"xa": 53, "phuong": 3}
    assert {c["parent_id"] for c in communes} == {f"{units.CAO_BANG_2025}:{units.PROVINCE_CODE}"}
    profiles = {r["id"]: r["profile"] for r in db["unit_sets"].rows}
    assert profiles == {units.CAO_BANG_2022: "three-tier", units.CAO_BANG_2025: "two-tier"}


def test_every_2022_commune_has_exactly_one_successor_in_2025(db):
    with (units.DATA / "cao-bang-2022.csv").open(encoding="utf-8", newline="") as f:
        csv_rows = {r["code"]: r for r in csv.DictReader(f)}
    new_ids = {c["id"] for c in commune_rows(db, units.CAO_BANG_2025)}
    reached = set()
    for commune in commune_rows(db, units.CAO_BANG_2022):
        after = lineage.successors(db, commune["id"])
        assert len(after) == 1, commune
        successor = after[0]
        assert successor["id"] in new_ids
        # the name the source data gives for the merged unit
        expected = unicodedata.normalize("NFC", csv_rows[commune["code"]]["merged_into_2025_name"])
        assert f"{units.TYPE_NAMES[successor['type']]} {successor['name']}" == expected
        assert commune in lineage.predecessors(db, successor["id"])
        reached.add(successor["id"])
    assert reached == new_ids  # every 2025 commune was formed from at least one 2022 commune


def test_the_two_duc_long_are_told_apart_by_their_district(db):
    duc_longs = [c for c in commune_rows(db, units.CAO_BANG_2022) if c["name"] == "Đức Long"]
    assert len(duc_longs) == 2
    by_district = {units.get_unit(db, c["parent_id"])["name"]: c for c in duc_longs}
    assert set(by_district) == {"Thạch An", "Hoà An"}
    thach_an = by_district["Thạch An"]
    assert units.full_name(db, thach_an) == "Xã Đức Long, huyện Thạch An, tỉnh Cao Bằng"
    assert units.full_name(db, by_district["Hoà An"]) == "Xã Đức Long, huyện Hoà An, tỉnh Cao Bằng"
    assert [u["name"] for u in lineage.successors(db, thach_an["id"])] == ["Đức Long"]
    assert [u["name"] for u in lineage.successors(db, by_district["Hoà An"]["id"])] == ["Nam Tuấn"]


@pytest.mark.parametrize("unit_id, expected", [
    ("cao-bang-2025:01708", "Xã Bạch Đằng, tỉnh Cao Bằng"),
    ("cao-bang-2025:01822", "Xã Đức Long, tỉnh Cao Bằng"),
    ("cao-bang-2025:01273", "Phường Thục Phán, tỉnh Cao Bằng"),
    ("cao-bang-2022:01267", "Phường Sông Hiến, thành phố Cao Bằng, tỉnh Cao Bằng"),
    ("cao-bang-2022:01290", "Thị trấn Pác Miầu, huyện Bảo Lâm, tỉnh Cao Bằng"),
    ("cao-bang-2022:01708", "Xã Bạch Đằng, huyện Hoà An, tỉnh Cao Bằng"),
])
def test_full_names(db, unit_id, expected):
    name = units.full_name(db, units.get_unit(db, unit_id))
    assert name == expected
    assert unicodedata.is_normalized("NFC", name)


def test_categories_follow_the_unit_type(db):
    communes = commune_rows(db, units.CAO_BANG_2022) + commune_rows(db, units.CAO_BANG_2025)
    by_type = {t: {c["category"] for c in communes if c["type"] == t} for t in ("xa", "thi_tran", "phuong")}
    assert by_type == {"xa": {"mountain-island"}, "thi_tran": {"mountain-island"}, "phuong": {"other"}}
    assert {c.id for c in QD06.categories} >= {"mountain-island", "other"}


def test_all_stored_names_are_nfc(db):
    names = [r["name"] for r in db["units"].rows]
    assert len(names) == 161 + 56 + 10 + 2
    assert [n for n in names if not unicodedata.is_normalized("NFC", n)] == []
    assert any(n != nfd(n) for n in names)  # (there are diacritics to normalise at all)


# ------------------------------------------------------------------ Vietnamese sort order


def test_vietnamese_sort_order():
    names = ["Đức Long", "Dân Chủ", "Ca Thành", "Cần Yên", "Canh Tân", "Bảo Lạc", "Bảo Lâm", "Bạch Đằng"]
    expected = ["Bạch Đằng", "Bảo Lạc", "Bảo Lâm", "Ca Thành", "Canh Tân", "Cần Yên", "Dân Chủ", "Đức Long"]
    assert sorted(names, key=sort_key) == expected
    assert sorted(reversed(names), key=sort_key) == expected
    assert sorted(names) != expected  # code-point order puts Đ after z and gets it wrong


@pytest.mark.parametrize("ordered", [
    ["a", "à", "ả", "ã", "á", "ạ"],
    ["e", "è", "ẻ", "ẽ", "é", "ẹ"],
    ["a", "ă", "â", "b", "c", "d", "đ", "e", "ê", "o", "ô", "ơ", "u", "ư", "y"],
    ["mác", "màn", "mạn", "máy"],
    ["Bách Đằng", "Bạch Đằng", "Bạch Đẳng"],  # letters first; tones only break ties
])
def test_vietnamese_letter_and_tone_order(ordered):
    assert sorted(reversed(ordered), key=sort_key) == ordered
    assert sorted(ordered[::2] + ordered[1::2], key=sort_key) == ordered


@pytest.mark.parametrize("ordered", [
    ["ma", "mà", "mả", "mã", "má", "mạ", "mác", "mạch", "man"],
    ["Bảo", "Bảo Lâm"],
    ["An", "An Lạc", "Anh"],
])
def test_a_name_sorts_before_the_longer_names_it_begins(ordered):
    assert sorted(reversed(ordered), key=sort_key) == ordered


def test_decomposed_input_sorts_like_composed():
    names = ["Đức Long", "Dân Chủ", "Ca Thành", "Cần Yên", "Canh Tân", "Bảo Lạc", "Bảo Lâm", "Bạch Đằng",
             "Quảng Hòa", "Hoà An", "Thụy Hùng", "Pác Miầu"]
    for name in names:
        assert nfd(name) != name or name.isascii()
        assert sort_key(nfd(name)) == sort_key(name)
    assert [unicodedata.normalize("NFC", n) for n in sorted(map(nfd, names), key=sort_key)] == sorted(
        names, key=sort_key)
    assert sort_key("ĐỨC LONG") == sort_key("Đức Long")


def test_communes_come_back_in_vietnamese_order(db):
    names_2025 = [c["name"] for c in units.communes(db, units.CAO_BANG_2025)]
    assert names_2025[:9] == ["Bạch Đằng", "Bảo Lạc", "Bảo Lâm", "Bế Văn Đàn", "Ca Thành", "Canh Tân",
                              "Cần Yên", "Cô Ba", "Cốc Pàng"]
    wanted = ["Bạch Đằng", "Bảo Lạc", "Bảo Lâm", "Ca Thành", "Canh Tân", "Cần Yên", "Đức Long"]
    assert [n for n in names_2025 if n in wanted] == wanted
    first_d_stroke = min(i for i, n in enumerate(names_2025) if n.startswith("Đ"))
    last_d_stroke = max(i for i, n in enumerate(names_2025) if n.startswith("Đ"))
    assert all(not n.startswith(("E", "G", "H")) for n in names_2025[:first_d_stroke])
    assert names_2025[last_d_stroke + 1].startswith("H")  # no "E" or "G" commune in 2025
    assert names_2025 == sorted(names_2025, key=sort_key)

    thach_an = f"{units.CAO_BANG_2022}:huyen-thach-an"
    assert [c["name"] for c in units.communes(db, units.CAO_BANG_2022, under=thach_an)] == [
        "Canh Tân", "Đông Khê", "Đức Long", "Đức Thông", "Đức Xuân", "Kim Đồng", "Lê Lai", "Lê Lợi",
        "Minh Khai", "Quang Trọng", "Thái Cường", "Thụy Hùng", "Trọng Con", "Vân Trình"]
    hoa_an = [c["name"] for c in units.communes(db, units.CAO_BANG_2022, under=f"{units.CAO_BANG_2022}:huyen-hoa-an")]
    assert hoa_an.index("Dân Chủ") < hoa_an.index("Đức Long")


# ------------------------------------------------------------------ audit log, pragmas


def test_audit_log_is_append_only_in_the_database(db, tmp_path, assessment):
    workflow.save_declared(db, assessment, {"children": 1200}, "xa.can-bo")
    before = audit_rows(db)
    assert len(before) == 2  # round created, one value declared
    for sql in ("update audit_log set actor = 'someone else'", "update audit_log set new = '1' where id = 2",
                "delete from audit_log", "delete from audit_log where id = 1"):
        with pytest.raises(sqlite3.IntegrityError, match="audit_log is append-only"):
            db.execute(sql)
    with pytest.raises(sqlite3.IntegrityError):
        db["audit_log"].delete_where()
    with pytest.raises(sqlite3.IntegrityError):
        db["audit_log"].update(1, {"reason": "sửa lại"})
    assert audit_rows(db) == before

    # a fresh raw connection, outside the application's code, is refused the same way
    with closing(sqlite3.connect(tmp_path / "cfc.db")) as raw:
        for sql in ("update audit_log set actor = 'x'", "delete from audit_log"):
            with pytest.raises(sqlite3.IntegrityError) as info:
                raw.execute(sql)
            assert str(info.value) == "audit_log is append-only"
        raw.rollback()
        # appending is still possible
        with raw:
            raw.execute("insert into audit_log (at, actor, action, entity, entity_id) values ('t', 'a', 'b', 'c', 'd')")
    after = audit_rows(db)
    assert after[:2] == before and len(after) == 3


def test_wal_and_foreign_keys_are_on(db, tmp_path):
    assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert db.execute("PRAGMA foreign_keys").fetchone()[0] == 1
    assert db.execute("PRAGMA busy_timeout").fetchone()[0] == 10000
    with closing(sqlite3.connect(tmp_path / "cfc.db")) as raw:
        assert raw.execute("PRAGMA journal_mode").fetchone()[0] == "wal"  # persistent in the file
    with pytest.raises(sqlite3.IntegrityError, match="FOREIGN KEY"):
        db.execute("insert into unit_lineage (from_id, to_id) values ('no:such', 'unit:either')")
    with pytest.raises(sqlite3.IntegrityError, match="FOREIGN KEY"):
        db["assessments"].insert({"round_id": 999, "unit_id": DUC_LONG_2025, "status": "draft",
                                  "criteria_hash": "x", "updated_at": "t", "updated_by": "a"})


# ------------------------------------------------------------------ migrations


def test_old_database_is_upgraded_in_place(tmp_path, perfect_inputs):
    path = tmp_path / "old.db"
    old = sqlite_utils.Database(path)
    old.conn.execute("PRAGMA journal_mode = WAL")
    old.conn.execute("PRAGMA foreign_keys = ON")
    webdb.migrations.apply(old, stop_before="m002_review_evidence_attachments")
    assert [m.name for m in webdb.migrations.applied(old)] == ["m001_initial"]
    assert "reviews" not in old.table_names() and "decisions" not in old.table_names()
    units.load_cao_bang(old)
    digest = rounds.install_criteria(old, QD06)
    round_id = rounds.create_round(old, name="Đánh giá 2025", year=2025, cset=QD06,
                                   unit_set=units.CAO_BANG_2025, actor="admin")
    aid = workflow.find(old, round_id, DUC_LONG_2025)["id"]
    workflow.save_declared(old, aid, perfect_inputs, "xa.can-bo")
    before = {t: list(old[t].rows) for t in ("unit_sets", "units", "unit_lineage", "criteria_sets", "rounds",
                                              "assessments", "audit_log")}
    old.conn.close()

    db = webdb.connect(path)
    try:
        applied = [m.name for m in webdb.migrations.applied(db)]
        assert applied[:2] == ["m001_initial", "m002_review_evidence_attachments"]
        assert webdb.migrations.pending(db) == []
        assert {"reviews", "evidence", "attachments", "decisions"} <= set(db.table_names())
        for table, rows in before.items():
            assert list(db[table].rows) == rows, table
        row = workflow.get(db, aid)
        assert (row["status"], row["declared"], row["declared_total"], row["criteria_hash"]) == (
            "draft", perfect_inputs, 1000, digest)

        # the whole workflow works on the old assessment, including the new tables
        workflow.set_evidence(db, aid, "1.1", "Quyết định phân công số 12/QĐ-UBND", "xa.can-bo")
        workflow.submit(db, aid, "xa.can-bo")
        review_all(db, aid)
        workflow.verify(db, aid, "huyen.reviewer")
        row = workflow.decide(db, aid, "ubnd-tinh", True, "Đạt chuẩn").row
        assert (row["status"], row["recognised"], row["verified_total"]) == ("recognised", 1, 1000)
        assert [d["outcome"] for d in db["decisions"].rows] == ["recognised"]
        assert len(audit_rows(db)) > len(before["audit_log"])
        assert audit_rows(db)[: len(before["audit_log"])] == before["audit_log"]
    finally:
        db.conn.close()

    again = webdb.connect(path)  # reopening applies nothing twice
    try:
        assert [m.name for m in webdb.migrations.applied(again)] == applied
    finally:
        again.conn.close()


# ------------------------------------------------------------------ optimistic concurrency


def test_second_save_on_the_same_version_is_refused(db, tmp_path, assessment):
    other = webdb.connect(tmp_path / "cfc.db")  # a second session
    try:
        workflow.save_declared(db, assessment, {"births": 40}, "xa.can-bo-a")
        seen = workflow.get(db, assessment)["version"]
        assert workflow.get(other, assessment)["version"] == seen
        audit_before = len(audit_rows(db))

        first = workflow.save_declared(db, assessment, {"children": 1300}, "xa.can-bo-a", base_version=seen).row
        assert first["version"] == seen + 1
        with pytest.raises(StaleEdit) as info:
            workflow.save_declared(other, assessment, {"children": 900, "infants": 30, "births": ""},
                                   "xa.can-bo-b", base_version=seen)
        message = str(info.value)
        assert f"version {seen + 1}" in message and f"based on version {seen}" in message
        assert info.value.current_version == seen + 1

        stored = workflow.get(db, assessment)
        assert stored["declared"] == {"births": 40, "children": 1300}
        assert (stored["version"], stored["updated_by"]) == (seen + 1, "xa.can-bo-a")
        # nothing of the second session's input was written, not even to the audit log
        rows = audit_rows(db)
        assert len(rows) == audit_before + 1
        assert [(r["actor"], r["field"], r["new"]) for r in rows[audit_before:]] == [
            ("xa.can-bo-a", "children", "1300")]
        assert not other.conn.in_transaction and not db.conn.in_transaction
    finally:
        other.conn.close()


def test_stale_review_writes_nothing(db, tmp_path, assessment, perfect_inputs):
    seen = submitted(db, assessment, perfect_inputs)["version"]
    other = webdb.connect(tmp_path / "cfc.db")
    try:
        workflow.review_criterion(db, assessment, 1, "accepted", "huyen.reviewer-a", base_version=seen)
        audit_before = len(audit_rows(db))
        with pytest.raises(StaleEdit):
            workflow.review_criterion(other, assessment, 2, "adjusted", "huyen.reviewer-b", "Sổ hộ tịch ghi 36",
                                      adjusted={"births_registered_on_time": 36}, base_version=seen)
        assert list(workflow.reviews(db, assessment)) == [1]
        assert workflow.get(db, assessment)["verified"] == perfect_inputs
        assert len(audit_rows(db)) == audit_before
    finally:
        other.conn.close()


# ------------------------------------------------------------------ locks and refusals


def test_submitted_declaration_is_locked_until_returned(db, assessment, perfect_inputs):
    row = submitted(db, assessment, perfect_inputs)
    with pytest.raises(Locked) as info:
        workflow.save_declared(db, assessment, {"children": 1}, "xa.can-bo")
    assert "submitted" in str(info.value) and "Đã nộp" in str(info.value)
    with pytest.raises(Locked, match="submitted"):
        workflow.set_evidence(db, assessment, "1.1", "ghi chú", "xa.can-bo")
    assert workflow.get(db, assessment) == row

    workflow.return_for_clarification(db, assessment, "huyen.reviewer", "Bổ sung số liệu trẻ em")
    row = workflow.save_declared(db, assessment, {"children": 1250}, "xa.can-bo").row
    assert row["declared"]["children"] == 1250
    assert workflow.submit(db, assessment, "xa.can-bo").row["status"] == "resubmitted"


def test_verify_lists_the_criteria_not_yet_reviewed(db, assessment, perfect_inputs):
    submitted(db, assessment, perfect_inputs)
    review_all(db, assessment, skip=(11, 12, 13))
    workflow.review_criterion(db, assessment, 12, "needs_clarification", "huyen.reviewer", "Thiếu ảnh sân chơi")
    with pytest.raises(TransitionRefused) as info:
        workflow.verify(db, assessment, "huyen.reviewer")
    assert type(info.value) is TransitionRefused
    assert "criteria 11, 12, 13 are not yet accepted or adjusted" in str(info.value)
    assert workflow.get(db, assessment)["status"] == "submitted"


def test_recognition_of_a_failing_result_is_refused_with_the_failing_conditions(db, assessment, perfect_inputs):
    submitted(db, assessment, perfect_inputs)
    review_all(db, assessment, skip=(2,))
    # the reviewer finds far fewer births registered on time: criterion 2 drops to 0 points
    workflow.review_criterion(db, assessment, 2, "adjusted", "huyen.reviewer", "Đối chiếu sổ hộ tịch",
                              adjusted={"births_registered_on_time": 30})
    row = workflow.verify(db, assessment, "huyen.reviewer").row
    assert (row["declared_total"], row["verified_total"], row["recognised"]) == (1000, 950, 0)
    expected = scoring.score(row["verified"], QD06, "mountain-island")
    assert [c.id for c in expected.failed_conditions] == ["criterion-2-above-zero"]

    with pytest.raises(TransitionRefused) as info:
        workflow.decide(db, assessment, "ubnd-tinh", True, "Đạt chuẩn")
    assert "criterion-2-above-zero" in str(info.value)
    assert "total-at-least-threshold" not in str(info.value)
    with pytest.raises(TransitionRefused, match="reasons"):
        workflow.decide(db, assessment, "ubnd-tinh", False, "  ")
    assert workflow.get(db, assessment)["status"] == "verified"
    assert db["decisions"].count == 0
    row = workflow.decide(db, assessment, "ubnd-tinh", False, "Tiêu chí 2 đạt 0 điểm").row
    assert row["status"] == "not_recognised"
    assert [(d["outcome"], d["reason"]) for d in db["decisions"].rows] == [("not_recognised", "Tiêu chí 2 đạt 0 điểm")]


def test_a_resubmission_does_not_silently_drop_the_reviewers_adjustment(db, assessment, perfect_inputs):
    submitted(db, assessment, perfect_inputs)
    review_all(db, assessment, skip=(2, 13))
    workflow.review_criterion(db, assessment, 2, "adjusted", "huyen.reviewer", "Sổ hộ tịch: 30 trẻ đúng hạn",
                              adjusted={"births_registered_on_time": 30})
    workflow.review_criterion(db, assessment, 13, "needs_clarification", "huyen.reviewer", "Thiếu phiếu khảo sát")
    workflow.return_for_clarification(db, assessment, "huyen.reviewer", "Bổ sung phiếu khảo sát")
    workflow.submit(db, assessment, "xa.can-bo")  # unchanged declaration: 40 of 40 on time
    workflow.review_criterion(db, assessment, 13, "accepted", "huyen.reviewer")
    try:
        row = workflow.verify(db, assessment, "huyen.reviewer").row
    except TransitionRefused as exc:  # acceptable: criterion 2 must be reviewed again
        assert "2" in str(exc)
    else:  # acceptable: the adjustment survived
        assert row["verified"]["births_registered_on_time"] == 30
        assert row["recognised"] == 0


@pytest.mark.parametrize("reason", ["", "   "])
def test_reopen_needs_a_reason(db, assessment, perfect_inputs, reason):
    row = verified(db, assessment, perfect_inputs)
    with pytest.raises(TransitionRefused, match="reason"):
        workflow.reopen(db, assessment, "huyen.reviewer", reason)
    assert workflow.get(db, assessment) == row
    assert workflow.reopen(db, assessment, "huyen.reviewer", "Sai số liệu tiêm chủng").row["status"] == "resubmitted"


@pytest.mark.parametrize("reason", ["", "   "])
def test_revoke_needs_a_reason(db, assessment, perfect_inputs, reason):
    row = recognised(db, assessment, perfect_inputs)
    with pytest.raises(TransitionRefused, match="reason"):
        workflow.revoke(db, assessment, "ubnd-tinh", reason)
    assert workflow.get(db, assessment) == row
    assert [d["revoked_at"] for d in db["decisions"].rows] == [None]


REFUSED_WHEN_RECOGNISED = {
    "save_declared": lambda db, a: workflow.save_declared(db, a, {"children": 5}, "xa.can-bo"),
    "set_evidence": lambda db, a: workflow.set_evidence(db, a, "1.1", "ghi chú", "xa.can-bo"),
    "submit": lambda db, a: workflow.submit(db, a, "xa.can-bo"),
    "review": lambda db, a: workflow.review_criterion(db, a, 1, "accepted", "huyen.reviewer"),
    "adjust": lambda db, a: workflow.review_criterion(db, a, 2, "adjusted", "huyen.reviewer", "x",
                                                      adjusted={"births": 41}),
    "return": lambda db, a: workflow.return_for_clarification(db, a, "huyen.reviewer", "Bổ sung"),
    "verify": lambda db, a: workflow.verify(db, a, "huyen.reviewer"),
    "decide recognised": lambda db, a: workflow.decide(db, a, "ubnd-tinh", True, "Đạt"),
    "decide not recognised": lambda db, a: workflow.decide(db, a, "ubnd-tinh", False, "Không đạt"),
    "reopen": lambda db, a: workflow.reopen(db, a, "ubnd-tinh", "Xem lại"),
}


def test_a_recognised_assessment_refuses_everything_but_revoke(db, assessment, perfect_inputs):
    row = recognised(db, assessment, perfect_inputs)
    assert (row["status"], row["recognised"]) == ("recognised", 1)
    audit_before = audit_rows(db)
    refusals = {}
    for name, action in REFUSED_WHEN_RECOGNISED.items():
        with pytest.raises(TransitionRefused) as info:
            action(db, assessment)
        refusals[name] = type(info.value)
        assert "recognised" in str(info.value), name
    assert refusals == {name: Locked if name in ("save_declared", "set_evidence", "review", "adjust")
                        else TransitionRefused for name in REFUSED_WHEN_RECOGNISED}
    assert workflow.get(db, assessment) == row
    assert audit_rows(db) == audit_before
    assert db["evidence"].count == 0

    revoked = workflow.revoke(db, assessment, "ubnd-tinh", "Hậu kiểm phát hiện sai lệch").row
    assert (revoked["status"], revoked["version"]) == ("revoked", row["version"] + 1)
    decision = next(iter(db["decisions"].rows))
    assert (decision["outcome"], decision["revoked_by"], decision["revoke_reason"]) == (
        "recognised", "ubnd-tinh", "Hậu kiểm phát hiện sai lệch")
    assert decision["revoked_at"] is not None
    last = audit_rows(db)[-1]
    assert (last["action"], last["old"], last["new"], last["reason"]) == (
        "status", "recognised", "revoked", "Hậu kiểm phát hiện sai lệch")


# ------------------------------------------------------------------ criteria versions


def modified_qd06() -> criteria.CriteriaSet:
    """QĐ 06 with item 2.1's 95–98 % band worth 10 points instead of 20, as version 2019.1-test."""
    text = (criteria.SHIPPED_DIR / "qd06-2019.yaml").read_text(encoding="utf-8")
    start = text.index("numerator: births_registered_on_time")
    band = "{at_least: 95, below: 98, points: 20}"
    at = text.index(band, start)
    text = text[:at] + band.replace("20", "10") + text[at + len(band):]
    assert text.count('version: "2019.1"') == 1
    return criteria.load_text(text.replace('version: "2019.1"', 'version: "2019.1-test"'), "qd06-modified.yaml")


def test_old_rounds_keep_their_criteria_version(db, perfect_inputs):
    first = rounds.create_round(db, name="Đánh giá 2025", year=2025, cset=QD06,
                                unit_set=units.CAO_BANG_2025, actor="admin")
    modified = modified_qd06()
    assert modified.version == "2019.1-test"
    second = rounds.create_round(db, name="Đánh giá 2026", year=2026, cset=modified,
                                 unit_set=units.CAO_BANG_2025, actor="admin")
    original_hash, modified_hash = criteria.content_hash(QD06), criteria.content_hash(modified)
    assert original_hash != modified_hash
    assert {r["hash"]: r["version"] for r in db["criteria_sets"].rows} == {
        original_hash: "2019.1", modified_hash: "2019.1-test"}
    assert (rounds.get_round(db, first)["criteria_hash"], rounds.get_round(db, first)["criteria_version"]) == (
        original_hash, "2019.1")
    assert (rounds.get_round(db, second)["criteria_hash"], rounds.get_round(db, second)["criteria_version"]) == (
        modified_hash, "2019.1-test")

    # 39 of 40 births registered on time: 97.5 %, in the band that changed
    values = {**perfect_inputs, "births_registered_on_time": 39}
    saved = workflow.save_declared(db, workflow.find(db, first, DUC_LONG_2025)["id"], values, "xa.can-bo")
    old = saved.row
    new = workflow.save_declared(db, workflow.find(db, second, DUC_LONG_2025)["id"], values, "xa.can-bo").row
    assert (old["declared_total"], new["declared_total"]) == (1000 - 50 + 20, 1000 - 50 + 10)
    assert old["criteria_hash"] == original_hash and new["criteria_hash"] == modified_hash
    assert saved.declared.criteria_set.version == "2019.1"
    assert rounds.criteria_for(db, old["criteria_hash"]) == QD06
    assert rounds.criteria_for(db, new["criteria_hash"]) == modified
    assert {r["criteria_hash"] for r in db["assessments"].rows_where("round_id = ?", [first])} == {original_hash}
    assert {r["criteria_hash"] for r in db["assessments"].rows_where("round_id = ?", [second])} == {modified_hash}

    # installing the modified set again, or the original, changes nothing stored
    assert rounds.install_criteria(db, modified) == modified_hash
    assert rounds.install_criteria(db, QD06) == original_hash
    assert db["criteria_sets"].count == 2
    # and the old round still takes the old set through the whole workflow
    aid = old["id"]
    workflow.submit(db, aid, "xa.can-bo")
    review_all(db, aid)
    row = workflow.verify(db, aid, "huyen.reviewer").row
    assert (row["verified_total"], row["criteria_hash"]) == (970, original_hash)
