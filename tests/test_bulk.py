"""webapp.store.bulk on a real SQLite file: the rows it writes are the rows the workflow writes for
the same values, each gets a ``bulk`` audit entry, and a bad row means nothing is written."""
from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path
from typing import Any

import pytest

import criteria
import scoring
from webapp.store import bulk, rounds, workflow
from webapp.store import db as webdb
from webapp.store.db import transaction
from webapp.store.vietnamese import sort_key

QD06 = criteria.get("qd06-2019")
UNIT_SET = "test-bulk"
N = 20
STORED = bulk.COLUMNS  # status, declared, verified, totals, recognised, result, criteria_hash


def _synthetic():
    """bench/synthetic.py (the benchmark's generator), loaded by path: ``bench`` is not installed."""
    name = "cfc_bench_synthetic"
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(name, Path(__file__).parents[1] / "bench" / "synthetic.py")
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
    return sys.modules[name]


COMMUNES = _synthetic().generate(N, seed=7)


def unit_id(i: int) -> str:
    return f"{UNIT_SET}:{COMMUNES[i].code}"


@pytest.fixture
def db(tmp_path: Path):
    database = webdb.connect(tmp_path / "bulk.db")
    database["unit_sets"].insert({"id": UNIT_SET, "profile": "two-tier", "name": "Bulk test",
                                  "valid_from": "2025-07-01", "valid_until": None})
    database["units"].insert_all(
        {"id": unit_id(i), "unit_set": UNIT_SET, "code": c.code, "name": c.name, "type": "xa",
         "parent_id": None, "category": c.category, "khu_vuc": None, "sort_key": sort_key(c.name)}
        for i, c in enumerate(COMMUNES))
    yield database
    database.conn.close()


def new_round(db, name: str = "Đánh giá 2025") -> int:
    """A round with an untouched draft per commune, as the product creates it."""
    return rounds.create_round(db, name=name, year=2025, cset=QD06, unit_set=UNIT_SET, actor="admin")


def empty_round(db) -> int:
    """A round with no assessment yet (as the benchmark builds it)."""
    digest = rounds.install_criteria(db, QD06)
    return db["rounds"].insert({
        "name": "Nhập số liệu", "year": 2025, "criteria_id": QD06.id, "criteria_version": QD06.version,
        "criteria_hash": digest, "profile": "two-tier", "unit_set": UNIT_SET, "created_at": "2025-11-01",
    }).last_pk


def draft_inputs(i: int) -> dict[str, Any]:
    """An incomplete declaration: some inputs not yet typed in."""
    return {k: v for j, (k, v) in enumerate(COMMUNES[i].inputs.items()) if (i + j) % 3}


def adjusted(i: int) -> dict[str, Any]:
    """The reviewer lowers the satisfied respondents of criterion 13."""
    return {"survey_satisfied": COMMUNES[i].inputs["survey_satisfied"] // 2}


# units 0–7 stay drafts, 8–15 are submitted as declared, 16–19 are submitted and adjusted
DRAFTS, SUBMITTED, ADJUSTED = range(8), range(8, 16), range(16, N)


def by_workflow(db, round_id: int) -> None:
    for i in range(N):
        aid = workflow.find(db, round_id, unit_id(i))["id"]
        if i in DRAFTS:
            workflow.save_declared(db, aid, draft_inputs(i), "xa.can-bo")
            continue
        workflow.save_declared(db, aid, COMMUNES[i].inputs, "xa.can-bo")
        workflow.submit(db, aid, "xa.can-bo")
        if i in ADJUSTED:
            workflow.review_criterion(db, aid, 13, "adjusted", "tinh.reviewer", "Phiếu khảo sát không hợp lệ",
                                      adjusted=adjusted(i))


def bulk_rows() -> list[dict[str, Any]]:
    rows = []
    for i, c in enumerate(COMMUNES):
        if i in DRAFTS:
            rows.append({"unit_id": unit_id(i), "declared": draft_inputs(i)})
        elif i in SUBMITTED:
            rows.append({"unit_id": unit_id(i), "declared": c.inputs, "status": "submitted"})
        else:
            rows.append({"unit_id": unit_id(i), "declared": c.inputs, "status": "submitted",
                         "verified": {**c.inputs, **adjusted(i)}})
    return rows


def stored(db, round_id: int) -> dict[str, dict[str, Any]]:
    return {r["unit_id"]: r for r in db["assessments"].rows_where("round_id = ?", [round_id])}


def counts(db) -> tuple[int, int]:
    return (db.execute("select count(*) from assessments").fetchone()[0],
            db.execute("select count(*) from audit_log").fetchone()[0])


@pytest.mark.parametrize("into", ["drafts of create_round", "an empty round"])
def test_rows_match_what_the_workflow_stores(db, into):
    by_hand = new_round(db, "Nhập tay")
    by_workflow(db, by_hand)
    target = new_round(db) if into == "drafts of create_round" else empty_round(db)
    before = stored(db, target)

    ids = bulk.write_round_results(db, target, bulk_rows(), "import", reason="tệp 2025.xlsx")

    expected, got = stored(db, by_hand), stored(db, target)
    assert set(got) == set(expected) == {unit_id(i) for i in range(N)}
    assert {u: r["id"] for u, r in got.items()} == ids
    for uid, row in got.items():
        assert {k: row[k] for k in STORED} == {k: expected[uid][k] for k in STORED}, uid
        assert row["version"] == (2 if before else 1)
        assert row["updated_by"] == "import"
        if before:
            assert row["id"] == before[uid]["id"]  # the draft is filled in place
    # the spread the synthetic units are chosen for: drafts, recognised and refused results
    statuses = {r["status"] for r in got.values()}
    assert statuses == {"draft", "submitted"}
    assert {r["recognised"] for r in got.values() if r["status"] == "submitted"} == {0, 1}
    assert all(r["verified_total"] is None and r["verified"] == "{}" for u, r in got.items()
               if r["status"] == "draft")
    adjusted_rows = [got[unit_id(i)] for i in ADJUSTED]
    assert all(r["verified"] != r["declared"] for r in adjusted_rows)
    # and the workflow reads them like its own rows
    for i in (0, 9, 17):
        view = workflow.load(db, ids[unit_id(i)])
        row = view.row
        result = view.verified or view.declared
        assert json.loads(row["result"]) == result.summary()
        assert result.total == (row["verified_total"] if row["verified"] else row["declared_total"])


def test_verified_status_and_summary_figures(db):
    round_id = empty_round(db)
    ids = bulk.write_round_results(db, round_id, [{"unit_id": unit_id(i), "declared": COMMUNES[i].inputs,
                                                   "status": "verified"} for i in range(N)], "import")
    for uid, row in stored(db, round_id).items():
        summary = json.loads(row["result"])
        assert row["status"] == "verified" and row["declared"] == row["verified"]
        assert row["declared_total"] == row["verified_total"] == summary["total"]
        assert row["recognised"] == int(summary["recognised"])
        assert row["criteria_hash"] == summary["criteria_hash"] == rounds.get_round(db, round_id)["criteria_hash"]
        assert sum(summary["criteria"].values()) == summary["total"]
        assert ids[uid] == row["id"]


def test_one_bulk_audit_entry_per_assessment(db):
    round_id = new_round(db)
    drafts = stored(db, round_id)
    before = db.execute("select max(id) from audit_log").fetchone()[0]
    ids = bulk.write_round_results(db, round_id, bulk_rows(), "import", reason="tệp 2025.xlsx")
    entries = list(db["audit_log"].rows_where("id > ?", [before], order_by="id"))
    assert len(entries) == N
    assert {e["entity_id"] for e in entries} == {str(i) for i in ids.values()}
    rows = stored(db, round_id)
    for e in entries:
        assert (e["action"], e["entity"], e["actor"], e["reason"]) == ("bulk", "assessment", "import", "tệp 2025.xlsx")
        new = json.loads(e["new"])
        row = rows[new["unit_id"]]
        assert str(row["id"]) == e["entity_id"]
        assert new == {"unit_id": row["unit_id"], "status": row["status"], "declared_total": row["declared_total"],
                       "verified_total": row["verified_total"], "recognised": row["recognised"],
                       "version": row["version"]}
        assert json.loads(e["old"]) == {"status": "draft", "version": drafts[new["unit_id"]]["version"]}
        assert e["at"] == row["updated_at"]
        for side in ("old", "new"):  # the text audit.record would write
            assert e[side] == json.dumps(json.loads(e[side]), ensure_ascii=False, sort_keys=True)


def test_a_bad_value_means_nothing_is_written(db):
    round_id = empty_round(db)
    rows = bulk_rows()
    rows[11] = {**rows[11], "declared": {**COMMUNES[11].inputs, "births_registered_on_time": 10**6}}
    before = counts(db)
    with pytest.raises(bulk.BulkRejected) as info:
        bulk.write_round_results(db, round_id, rows, "import")
    assert len(info.value.problems) == 1 and info.value.problems[0].startswith(unit_id(11))
    assert "births" in info.value.problems[0]
    assert counts(db) == before


def test_every_problem_is_listed_and_nothing_written(db):
    round_id = empty_round(db)
    rows = bulk_rows()
    rows[3] = {**rows[3], "status": "recognised"}                # needs a decision: not in bulk
    rows[5] = {**rows[5], "unit_id": unit_id(4)}                # the same unit twice
    rows.append({"unit_id": "elsewhere:00001", "declared": {}})  # not a unit of the round
    incomplete = dict(COMMUNES[9].inputs)
    del incomplete["children"]
    rows[9] = {**rows[9], "declared": incomplete}               # submitted needs every value
    before = counts(db)
    with pytest.raises(bulk.BulkRejected) as info:
        bulk.write_round_results(db, round_id, rows, "import")
    problems = info.value.problems
    assert len(problems) == 4
    assert {p.partition(": ")[0] for p in problems} == {
        unit_id(3), unit_id(4), "elsewhere:00001", unit_id(9)}
    assert "nothing was written" in str(info.value)
    assert counts(db) == before


def test_an_assessment_already_worked_on_is_refused(db):
    round_id = new_round(db)
    aid = workflow.find(db, round_id, unit_id(2))["id"]
    workflow.save_declared(db, aid, draft_inputs(2), "xa.can-bo")
    before, rows_before = counts(db), stored(db, round_id)
    with pytest.raises(bulk.BulkRejected) as info:
        bulk.write_round_results(db, round_id, bulk_rows(), "import")
    assert info.value.problems == [(f"{unit_id(2)}: already has assessment {aid} (draft, version 2); "
                                    "change it through the workflow")]
    assert counts(db) == before and stored(db, round_id) == rows_before


def test_a_failure_while_writing_rolls_everything_back(db):
    round_id = empty_round(db)
    db.execute(f"create temp trigger refuse before insert on assessments when new.unit_id = '{unit_id(N - 1)}' "
               "begin select raise(abort, 'disk full, say'); end")
    before = counts(db)
    with pytest.raises(Exception, match="disk full"):
        bulk.write_round_results(db, round_id, bulk_rows(), "import")
    assert counts(db) == before
    assert not db.conn.in_transaction


def test_inside_a_caller_transaction_it_is_part_of_it(db):
    round_id = empty_round(db)
    before = counts(db)
    with pytest.raises(RuntimeError), transaction(db):
        bulk.write_round_results(db, round_id, bulk_rows(), "import")
        assert counts(db) == (before[0] + N, before[1] + N)
        raise RuntimeError("the caller's next step fails")
    assert counts(db) == before


def test_assessment_columns_refuses_what_bulk_does_not_write():
    scorer = scoring.scorer_for(QD06)
    with pytest.raises(ValueError, match="cannot be written in bulk"):
        bulk.assessment_columns(scorer, "other", COMMUNES[0].inputs, status="recognised")
    with pytest.raises(ValueError, match="no verified values"):
        bulk.assessment_columns(scorer, "other", COMMUNES[0].inputs, COMMUNES[0].inputs, status="draft")


def test_stored_json_is_the_text_json_dumps_writes(db):
    """The formatted values and summary are the generic encoder's text, for every kind of row."""
    round_id = empty_round(db)
    rows = bulk_rows()
    rows[0] = {**rows[0], "declared": {**draft_inputs(0), "births": str(COMMUNES[0].inputs["births"]),
                                       "play_area": None}}  # not all plain values
    bulk.write_round_results(db, round_id, rows, "import")
    scorer = scoring.scorer_for(QD06)
    for row in stored(db, round_id).values():
        declared, verified = json.loads(row["declared"]), json.loads(row["verified"])
        assert row["declared"] == json.dumps(declared, ensure_ascii=False, sort_keys=True)
        assert row["verified"] == json.dumps(verified, ensure_ascii=False, sort_keys=True)
        category = db["units"].get(row["unit_id"])["category"]
        result = scorer.score(verified or declared, category, partial=row["status"] == "draft")
        assert row["result"] == json.dumps(result.summary(), ensure_ascii=False, separators=(",", ":"))


def test_summary_json_is_the_summary_as_compact_json():
    scorer = scoring.scorer_for(QD06)
    communes = _synthetic().generate(400, seed=11)
    results = [scorer.score(c.inputs, c.category) for c in communes]
    results += [scorer.score({k: v for k, v in c.inputs.items() if len(k) % 3}, c.category, partial=True)
                for c in communes[:50]]  # incomplete drafts
    assert {r.recognised for r in results} == {True, False} and not all(r.complete for r in results)
    assert len({r.category.id for r in results}) == len(QD06.categories)
    for r in results:
        assert r.summary_json() == json.dumps(r.summary(), ensure_ascii=False, separators=(",", ":"))
