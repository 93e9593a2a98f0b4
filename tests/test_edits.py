"""The checklist's edits at the store level (webapp/store/edits.py), on real SQLite copies of the demo.

An edit carries the value the user last saw stored (its base): saved when that is still what is
stored, a conflict naming who changed it and when if not, refused with its reason when invalid;
a replay is a no-op; nothing is ever silently overwritten or cut.
"""
from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import event, given, note, settings
from hypothesis import strategies as st

import criteria
import scoring
from webapp.store import accounts, edits, limits, workflow
from webapp.store import db as webdb
from webapp.store.edits import Edit
from webapp.store.errors import TransitionRefused

from webhelpers import same_value

OFFICER, OFFICER_NAME = "canbo.xa", "Cán bộ văn hóa – xã hội"
COLLEAGUE, COLLEAGUE_NAME = "canbo.xa2", "Phó chủ tịch UBND xã"
QD06 = criteria.get("qd06-2019")


@pytest.fixture()
def db(db_path: Path) -> Iterator[Any]:
    """The demo database, with a second officer of canbo.xa's commune."""
    database = webdb.connect(db_path)
    unit = database.execute("select scope_unit_id from users where username = ?", [OFFICER]).fetchone()[0]
    accounts.create_user(database, COLLEAGUE, "mat-khau-dai-du-12", "officer", COLLEAGUE_NAME, unit, "test")
    yield database
    database.conn.close()


def own(db: Any) -> int:
    """canbo.xa's assessment (a draft)."""
    return db.execute("select a.id from assessments a join users u on u.scope_unit_id = a.unit_id "
                      "where u.username = ?", [OFFICER]).fetchone()[0]


def fields(db: Any, aid: int) -> dict[str, str]:
    """Every field of the checklist as stored (what a freshly loaded page shows)."""
    return edits.form_values(workflow.load(db, aid), workflow.evidence_notes(db, aid))


def version(db: Any, aid: int) -> int:
    return db.execute("select version from assessments where id = ?", [aid]).fetchone()[0]


def audit_entries(db: Any, aid: int, since: int = 0) -> list[tuple[str, str, str, str | None, str | None]]:
    return [(r["actor"], r["action"], r["field"], r["old"], r["new"]) for r in db.query(
        "select * from audit_log where entity = 'assessment' and entity_id = ? and id > ? order by id",
        [str(aid), since])]


def last_audit_id(db: Any) -> int:
    return db.execute("select coalesce(max(id), 0) from audit_log").fetchone()[0]


def states(applied: edits.Applied) -> list[tuple[str, str]]:
    return [(o.field, o.state) for o in applied.outcomes]


def test_an_edit_from_the_stored_value_is_saved_audited_and_moves_the_version(db) -> None:
    aid = own(db)
    shown, before, floor = fields(db, aid), version(db, aid), last_audit_id(db)
    applied = edits.apply(db, aid, [Edit("children", "3600", shown["children"])], OFFICER)
    assert states(applied) == [("children", "saved")]
    assert workflow.get(db, aid)["declared"]["children"] == 3600
    assert applied.view.row["version"] == version(db, aid) == before + 1
    assert audit_entries(db, aid, floor) == [(OFFICER, "declare", "children", "3534", "3600")]


def test_the_same_edit_sent_again_stays_saved_and_writes_nothing(db) -> None:
    aid = own(db)
    edit = Edit("children", "3600", fields(db, aid)["children"])
    edits.apply(db, aid, [edit], OFFICER)
    before, floor = version(db, aid), last_audit_id(db)
    again = edits.apply(db, aid, [edit, Edit("evidence-1.1", "Sổ hộ tịch", "")], OFFICER)
    note_floor = last_audit_id(db)
    replay = edits.apply(db, aid, [edit, Edit("evidence-1.1", "Sổ hộ tịch", "")], OFFICER)  # an offline queue, twice
    assert states(again) == states(replay) == [("children", "saved"), ("evidence-1.1", "saved")]
    assert version(db, aid) == before + 1  # the note, once
    assert audit_entries(db, aid, floor) == [(OFFICER, "evidence", "1.1", None, "Sổ hộ tịch")]
    assert last_audit_id(db) == note_floor and replay.view.row["version"] == before + 1


@pytest.mark.parametrize("second, by_name", [(OFFICER, OFFICER_NAME), (COLLEAGUE, OFFICER_NAME)])
def test_an_edit_from_a_stale_base_is_a_conflict_naming_who_saved_and_when(db, second: str, by_name: str) -> None:
    """Two windows (of the same user, or of two users) loaded the same value; the first saves, the
    second is told who changed the field and when, and what is stored now — nothing overwritten."""
    aid = own(db)
    base = fields(db, aid)["children"]
    edits.apply(db, aid, [Edit("children", "3600", base)], OFFICER)
    saved_at = db.execute("select at from audit_log where action = 'declare' and field = 'children' "
                          "order by id desc limit 1").fetchone()[0]
    before, floor = version(db, aid), last_audit_id(db)
    applied = edits.apply(db, aid, [Edit("children", "3700", base)], second)
    [outcome] = applied.outcomes
    assert (outcome.state, outcome.theirs, outcome.by, outcome.by_name, outcome.at) == \
        ("conflict", "3600", OFFICER, by_name, saved_at)
    assert workflow.get(db, aid)["declared"]["children"] == 3600
    assert version(db, aid) == before and last_audit_id(db) == floor


def test_a_conflict_names_a_colleague_by_their_name(db) -> None:
    aid = own(db)
    base = fields(db, aid)["evidence-2.1"]
    edits.apply(db, aid, [Edit("evidence-2.1", "Biên bản họp", base)], COLLEAGUE)
    [outcome] = edits.apply(db, aid, [Edit("evidence-2.1", "Danh sách", base)], OFFICER).outcomes
    assert (outcome.state, outcome.theirs, outcome.by, outcome.by_name) == \
        ("conflict", "Biên bản họp", COLLEAGUE, COLLEAGUE_NAME)
    assert workflow.evidence_notes(db, aid)["2.1"] == "Biên bản họp"


def test_different_fields_from_two_windows_merge(db) -> None:
    aid = own(db)
    page = fields(db, aid)  # both windows loaded the same page
    first = edits.apply(db, aid, [Edit("children", "3600", page["children"]),
                                  Edit("evidence-1.1", "Sổ hộ tịch", page["evidence-1.1"])], OFFICER)
    second = edits.apply(db, aid, [Edit("infants", "72", page["infants"]),
                                   Edit("evidence-1.2", "Biên bản", page["evidence-1.2"])], COLLEAGUE)
    assert {o.state for o in first.outcomes + second.outcomes} == {"saved"}
    declared = workflow.get(db, aid)["declared"]
    assert (declared["children"], declared["infants"]) == (3600, 72)
    assert workflow.evidence_notes(db, aid) == {"1.1": "Sổ hộ tịch", "1.2": "Biên bản"}
    assert second.view.row["version"] == version(db, aid)


@pytest.mark.parametrize("field, value, other_label, other_value", [
    ("births_registered_on_time", "45", "Số trẻ em sinh ra trong năm", "40"),
    ("births", "30", "Số trẻ em được đăng ký khai sinh đúng hạn", "39"),
])
def test_a_numerator_above_its_denominator_is_refused_on_the_field_just_edited(
        db, field: str, value: str, other_label: str, other_value: str) -> None:
    """Whichever of the two was edited is refused, and its message names the other by its label."""
    aid = own(db)
    before, floor, shown = version(db, aid), last_audit_id(db), fields(db, aid)
    applied = edits.apply(db, aid, [Edit(field, value, shown[field]), Edit("children", "3600", shown["children"])],
                          OFFICER)
    assert states(applied) == [(field, "refused"), ("children", "saved")]
    problem = applied.outcomes[0].problem
    assert isinstance(problem, scoring.InputProblem) and problem.field == field
    message = problem.message("vi")
    comparison = "lớn hơn" if field == "births_registered_on_time" else "nhỏ hơn"
    assert message == f"{comparison} «{other_label}» ({other_value})"
    assert "births" not in message and "_" not in message
    declared = workflow.get(db, aid)["declared"]
    assert (declared["births"], declared["births_registered_on_time"], declared["children"]) == (40, 39, 3600)
    assert version(db, aid) == before + 1
    assert audit_entries(db, aid, floor) == [(OFFICER, "declare", "children", "3534", "3600")]


def test_both_sides_of_a_rate_changed_together_are_saved(db) -> None:
    aid = own(db)
    shown = fields(db, aid)
    applied = edits.apply(db, aid, [Edit("births", "50", shown["births"]),
                                    Edit("births_registered_on_time", "45", shown["births_registered_on_time"])],
                          OFFICER)
    assert {o.state for o in applied.outcomes} == {"saved"}
    declared = workflow.get(db, aid)["declared"]
    assert (declared["births"], declared["births_registered_on_time"]) == (50, 45)


def test_a_blank_clears_a_value(db) -> None:
    aid = own(db)
    floor = last_audit_id(db)
    applied = edits.apply(db, aid, [Edit("children", "  ", "3534"), Edit("play_area", "", "có")], OFFICER)
    assert states(applied) == [("children", "saved"), ("play_area", "saved")]
    declared = workflow.get(db, aid)["declared"]
    assert "children" not in declared and "play_area" not in declared
    assert fields(db, aid)["children"] == "" and fields(db, aid)["play_area"] == ""
    assert audit_entries(db, aid, floor) == [(OFFICER, "declare", "children", "3534", None),
                                             (OFFICER, "declare", "play_area", "true", None)]


def test_an_evidence_note_over_its_limit_is_refused_not_cut(db) -> None:
    aid = own(db)
    edits.apply(db, aid, [Edit("evidence-1.1", "Sổ hộ tịch", "")], OFFICER)
    before, floor = version(db, aid), last_audit_id(db)
    longest = "x" * limits.NOTE
    applied = edits.apply(db, aid, [Edit("evidence-1.1", longest + "y", "Sổ hộ tịch"),
                                    Edit("evidence-1.2", longest, "")], OFFICER)
    assert states(applied) == [("evidence-1.1", "refused"), ("evidence-1.2", "saved")]
    problem = applied.outcomes[0].problem
    assert isinstance(problem, limits.TextTooLong)
    assert (problem.length, problem.limit, problem.item) == (limits.NOTE + 1, limits.NOTE, "1.1")
    assert workflow.evidence_notes(db, aid) == {"1.1": "Sổ hộ tịch", "1.2": longest}
    assert version(db, aid) == before + 1
    assert [e[:3] for e in audit_entries(db, aid, floor)] == [(OFFICER, "evidence", "1.2")]


@pytest.mark.parametrize("field", ["nonsense", "evidence-99.9", "version", "declared", "evidence-", ""])
def test_an_unknown_field_is_refused_and_the_others_saved(db, field: str) -> None:
    aid = own(db)
    applied = edits.apply(db, aid, [Edit(field, "1", ""), Edit("children", "3600", "3534")], OFFICER)
    assert states(applied) == [(field, "refused"), ("children", "saved")]
    problem = applied.outcomes[0].problem
    assert isinstance(problem, scoring.InputProblem) and problem.code == "unknown_input"
    row = workflow.get(db, aid)
    assert row["declared"]["children"] == 3600 and field not in row["declared"]


def test_a_locked_assessment_refuses_the_whole_batch_and_writes_nothing(db) -> None:
    aid = own(db)
    db.execute("update assessments set status = 'submitted' where id = ?", [aid])
    shown, before, floor = fields(db, aid), version(db, aid), last_audit_id(db)
    with pytest.raises(TransitionRefused):
        edits.apply(db, aid, [Edit("children", "3600", shown["children"]),
                              Edit("evidence-1.1", "Sổ hộ tịch", "")], OFFICER)
    assert fields(db, aid) == shown and version(db, aid) == before and last_audit_id(db) == floor


def test_audit_entries_follow_the_order_of_the_edits(db) -> None:
    """Notes and values interleaved: an offline queue replayed is audited as it was typed."""
    aid = own(db)
    floor = last_audit_id(db)
    edits.apply(db, aid, [Edit("infants", "72", "71"), Edit("evidence-3.1", "Sổ tiêm chủng", ""),
                          Edit("children", "3600", "3534"), Edit("evidence-1.1", "Sổ hộ tịch", ""),
                          Edit("births", "41", "40")], OFFICER)
    assert audit_entries(db, aid, floor) == [
        (OFFICER, "declare", "infants", "71", "72"), (OFFICER, "evidence", "3.1", None, "Sổ tiêm chủng"),
        (OFFICER, "declare", "children", "3534", "3600"), (OFFICER, "evidence", "1.1", None, "Sổ hộ tịch"),
        (OFFICER, "declare", "births", "40", "41")]


def test_a_field_edited_twice_in_one_batch_ends_with_the_later_value_audited_once(db) -> None:
    aid = own(db)
    floor = last_audit_id(db)
    applied = edits.apply(db, aid, [Edit("children", "3600", "3534"), Edit("children", "3601", "3600")], OFFICER)
    assert states(applied) == [("children", "saved"), ("children", "saved")]
    assert workflow.get(db, aid)["declared"]["children"] == 3601
    assert audit_entries(db, aid, floor) == [(OFFICER, "declare", "children", "3534", "3601")]


def test_a_long_note_is_based_on_its_digest(db) -> None:
    """A plain page names a long note by its digest: it matches that note only."""
    aid = own(db)
    long_note = "Biên bản họp hội đồng xã về công tác trẻ em, " * 10
    edits.apply(db, aid, [Edit("evidence-1.1", long_note, "")], OFFICER)
    stored = workflow.evidence_notes(db, aid)["1.1"]
    base = edits.page_bases(fields(db, aid))["evidence-1.1"]
    assert len(stored) > edits.SHORT and base == edits.digest(stored) and base.startswith(edits.DIGEST)
    assert len(base) < 40 and edits.shows(base, stored) and not edits.shows(base, stored + " (bổ sung)")
    assert edits.page_bases({"evidence-1.2": "ngắn"}) == {"evidence-1.2": "ngắn"}
    other = edits.digest(long_note + "khác")
    [conflict] = edits.apply(db, aid, [Edit("evidence-1.1", "Sổ khác", other)], COLLEAGUE).outcomes
    assert (conflict.state, conflict.theirs, conflict.by) == ("conflict", stored, OFFICER)
    [saved] = edits.apply(db, aid, [Edit("evidence-1.1", stored + " (bổ sung)", base)], COLLEAGUE).outcomes
    assert saved.state == "saved"
    assert workflow.evidence_notes(db, aid)["1.1"] == stored + " (bổ sung)"


def test_a_field_whose_shown_value_is_unknown_never_overwrites(db) -> None:
    aid = own(db)
    [outcome] = edits.apply(db, aid, [Edit("children", "3600", edits.UNKNOWN)], OFFICER).outcomes
    assert (outcome.state, outcome.theirs) == ("conflict", "3534")
    [same] = edits.apply(db, aid, [Edit("children", "3534", edits.UNKNOWN)], OFFICER).outcomes
    assert same.state == "saved" and workflow.get(db, aid)["declared"]["children"] == 3534


# --------------------------------------------------------------------------- two windows, any order

@pytest.fixture(scope="module")
def shared_db(tmp_path_factory: pytest.TempPathFactory, demo_db: Path) -> Iterator[tuple[Any, int]]:
    """One demo copy the property's examples go on editing (each starts from what is stored)."""
    path = tmp_path_factory.mktemp("edits-property") / "cfc.db"
    webdb.backup(demo_db, path)
    database = webdb.connect(path)
    yield database, own(database)
    database.conn.close()


FIELDS = ["children", "births", "births_registered_on_time", "play_area", "evidence-1.1"]
TEXTS = {"play_area": ["có", "không", "", "x"], "evidence-1.1": ["", "Sổ A", "Sổ B", " Sổ A ", "y" * 250]}
numbers = st.sampled_from(["", "0", "30", "39", "40", "41", "45", " 40 ", "x", "-1"])
step = st.tuples(
    st.integers(0, 1),  # the window
    st.lists(st.sampled_from(FIELDS), min_size=1, max_size=3, unique=True).flatmap(
        lambda names: st.tuples(*[st.tuples(st.just(n), st.sampled_from(TEXTS[n]) if n in TEXTS else numbers)
                                  for n in names])),
    st.booleans(),  # the window reloads its page before editing (its bases become the stored values)
)


@settings(deadline=None, max_examples=100)
@given(steps=st.lists(step, min_size=1, max_size=8))
def test_no_saved_value_is_overwritten_by_an_edit_based_on_another_value(shared_db, steps) -> None:
    """Two windows keep the bases their page last showed (stale once the other saves); whatever they
    send, a field changes only through an edit whose base was the stored value, and saved means stored."""
    db, aid = shared_db
    seen = [fields(db, aid), fields(db, aid)]  # what each window's page shows
    for window, changes, reload in steps:
        if reload:
            seen[window] = fields(db, aid)
        batch = [Edit(name, value, edits.page_bases(seen[window])[name]) for name, value in changes]
        before = fields(db, aid)
        applied = edits.apply(db, aid, batch, OFFICER if window == 0 else COLLEAGUE)
        after = fields(db, aid)
        note(f"window {window}: {batch} → {states(applied)}")
        for _field, state in states(applied):
            event(state)
        for edit, outcome in zip(batch, applied.outcomes, strict=True):
            based_on_stored = edits.shows(edit.base, before[edit.field]) or \
                same_value(QD06, edit.field, edit.base, before[edit.field])
            if outcome.state == "saved":
                assert same_value(QD06, edit.field, edit.value, after[edit.field]), (edit, after[edit.field])
                assert based_on_stored or after[edit.field] == before[edit.field], edit
            else:
                assert after[edit.field] == before[edit.field], (edit, outcome)
            if outcome.state == "conflict":
                assert not based_on_stored and outcome.theirs == before[edit.field]
        for name in after:
            if after[name] != before[name]:
                assert any(e.field == name for e in batch), name
        seen[window] = {**seen[window], **{e.field: after[e.field] for e, o in zip(batch, applied.outcomes,
                                                                                 strict=True) if o.state == "saved"}}


def revs_of(db: Any, aid: int) -> dict[str, int]:
    return edits.revisions(db, aid, fields(db, aid))


def test_a_field_changed_and_changed_back_since_is_still_a_conflict_by_its_revision(db) -> None:
    """Values alone cannot tell: «có» → «không» → «có» in another window leaves the stored value as the
    stale tab saw it. The revision (the field's last audit entry) tells, and nothing is overwritten."""
    aid = own(db)
    seen_value, seen_rev = fields(db, aid)["play_area"], revs_of(db, aid)["play_area"]
    other = "không" if seen_value == "có" else "có"
    edits.apply(db, aid, [Edit("play_area", other, seen_value, seen_rev)], COLLEAGUE)
    now = revs_of(db, aid)["play_area"]
    edits.apply(db, aid, [Edit("play_area", seen_value, other, now)], COLLEAGUE)
    assert fields(db, aid)["play_area"] == seen_value and revs_of(db, aid)["play_area"] > seen_rev
    stale = edits.apply(db, aid, [Edit("play_area", other, seen_value, seen_rev)], OFFICER).outcomes[0]
    assert (stale.state, stale.theirs, stale.by, stale.by_name) == ("conflict", seen_value, COLLEAGUE, COLLEAGUE_NAME)
    assert fields(db, aid)["play_area"] == seen_value
    kept = edits.apply(db, aid, [Edit("play_area", other, seen_value, stale.rev)], OFFICER).outcomes[0]
    assert kept.state == "saved" and fields(db, aid)["play_area"] == other  # the officer chose, knowing


def test_a_revision_moves_with_a_bulk_write_of_the_whole_assessment(db) -> None:
    aid = own(db)
    before = revs_of(db, aid)
    db.execute("insert into audit_log (at, actor, action, entity, entity_id) values ('2026-12-03', 'import', "
               "'bulk', 'assessment', ?)", [str(aid)])
    bulk = db.execute("select max(id) from audit_log").fetchone()[0]
    assert set(revs_of(db, aid).values()) == {bulk} and max(before.values()) < bulk
    answer = edits.apply(db, aid, [Edit("children", "9999", fields(db, aid)["children"], before["children"])],
                         OFFICER).outcomes[0]
    assert answer.state == "conflict"  # the page predates the bulk write
