"""Benchmark: write a national-size round (scores and explanations) to SQLite and read it back.

    .venv/bin/python -m bench.storage_roundtrip [--n 10599] [--repeat 3] [--seed 20190103]

1. Generates ``--n`` synthetic communes (``bench.synthetic``). For every timed round it
   builds fresh database files in a temporary directory (``webapp.store.db.connect``, all
   migrations): a unit set ``bench`` with one ``xa`` unit per commune (``bench:00001`` …,
   category from the generator, Vietnamese sort key), QĐ 06 installed with
   ``rounds.install_criteria`` and one round pinned to it, with no assessment yet.
2. Times, best of ``--repeat`` rounds, CPU (``time.process_time``) and wall
   (``time.perf_counter``) seconds separately, product and floor alternating first:
   (a) product write — ``webapp.store.bulk.write_round_results``: each commune scored with the
       engine, stored as the product stores an assessment (status ``verified``, declared
       and verified JSON, totals, verdict, ``ScoreResult.summary()`` JSON with the criteria
       hash, version, updated_at/by) plus one ``bulk`` audit entry per unit, in one
       transaction with bulk inserts;
   (b) floor write — the same final rows (same columns and JSON strings, taken from an
       untimed warm-up run of (a)) inserted with plain ``db["assessments_floor"].insert_all``
       into a table with the same definition as ``assessments`` (sqlite-utils commits
       every chunk of 100 rows);
   (c) product read — every assessment of the round read back, its stored JSON parsed,
       re-scored with the pinned criteria set and expanded into the full explanation
       (``ScoreResult.to_dict()``), checking that total, verdict and summary equal the
       stored ones;
   (d) floor read — ``SELECT *`` of the floor table;
   and, for information: (b') the floor inside one transaction, and without a database
   (e) the engine's ``Scorer.score`` alone, (f) ``Scorer.score`` followed by
   ``ScoreResult.summary_json()`` (the stored summary text) and (g)
   ``bulk.assessment_columns`` (scoring, summary, values JSON),
   to show what the product write spends outside SQLite, and (h) the product write with
   those columns precomputed (``assessment_columns`` patched to a lookup): what it spends
   in ``write_round_results`` itself and SQLite, audit entries included.
3. Checks, outside the timers, that the stored values and summary are the text
   ``json.dumps`` writes, that the product rows equal the floor rows (except
   ``updated_at``), that one audit entry per unit was written, and that every read-back
   total matches; exits 1 otherwise.
4. Prints a table and writes the same as JSON to bench/results/storage_roundtrip.json.

Target: the product write within 2× the floor write.
"""
from __future__ import annotations

import argparse
import datetime as dt
import gc
import json
import sqlite3
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any
from unittest import mock

import sqlite_utils

import criteria
import scoring
from webapp.store import bulk, rounds
from webapp.store import db as webdb
from webapp.store.db import transaction
from webapp.store.vietnamese import sort_key

from . import synthetic
from .score_batch import engine_version, machine

RESULTS = Path(__file__).parent / "results" / "storage_roundtrip.json"
TARGET_RATIO = 2.0
UNIT_SET = "bench"
ACTOR = "bench"
STATUS = "verified"


# ------------------------------------------------------------------------- setup


def build_database(path: Path, communes: list[synthetic.Commune], cset: criteria.CriteriaSet,
                   floor_table: bool = False) -> tuple[sqlite_utils.Database, int]:
    """A fresh database with the bench unit set, the criteria set and an empty round."""
    db = webdb.connect(path)
    with transaction(db):
        db["unit_sets"].insert({"id": UNIT_SET, "profile": "two-tier", "name": "Benchmark (synthetic)",
                                "valid_from": "2025-07-01", "valid_until": None})
        db["units"].insert_all(
            {"id": f"{UNIT_SET}:{c.code}", "unit_set": UNIT_SET, "code": c.code, "name": c.name, "type": "xa",
             "parent_id": None, "category": c.category, "khu_vuc": None, "sort_key": sort_key(c.name)}
            for c in communes)
        digest = rounds.install_criteria(db, cset)
        round_id = db["rounds"].insert({
            "name": "Benchmark round", "year": 2025, "criteria_id": cset.id, "criteria_version": cset.version,
            "criteria_hash": digest, "profile": "two-tier", "unit_set": UNIT_SET,
            "submission_deadline": None, "review_deadline": None, "created_at": "2025-11-01T00:00:00+00:00",
        }).last_pk
        if floor_table:
            ddl = db.execute("select sql from sqlite_master where type = 'table' and name = 'assessments'").fetchone()[0]
            db.execute(ddl.replace("CREATE TABLE assessments", "CREATE TABLE assessments_floor", 1))
    db.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    return db, round_id


def close(db: sqlite_utils.Database) -> None:
    db.conn.close()


def file_bytes(path: Path) -> int:
    return sum(p.stat().st_size for p in path.parent.glob(path.name + "*"))


# -------------------------------------------------------------------- the paths


def product_write(db: sqlite_utils.Database, round_id: int, rows: list[dict[str, Any]]) -> dict[str, int]:
    return bulk.write_round_results(db, round_id, rows, ACTOR, reason="benchmark")


def product_read(db: sqlite_utils.Database, round_id: int) -> tuple[int, int]:
    """Every assessment, parsed, re-scored with its pinned set and fully explained.

    Returns (assessments read, mismatches between the explanation and the stored figures).
    """
    read = mismatches = 0
    for row in db.query("select a.*, u.category from assessments a join units u on u.id = a.unit_id "
                        "where a.round_id = ? order by a.id", [round_id]):
        declared, verified = json.loads(row["declared"]), json.loads(row["verified"])
        summary = json.loads(row["result"])
        scorer = scoring.scorer_for(rounds.criteria_for(db, row["criteria_hash"]))
        result = scorer.score(verified or declared, row["category"], partial=True)
        explained = result.to_dict()
        stored_total = row["verified_total"] if verified else row["declared_total"]
        if (explained["total"] != stored_total or explained["recognised"] != bool(row["recognised"])
                or result.summary() != summary or len(explained["criteria"]) != len(summary["criteria"])):
            mismatches += 1
        read += 1
    return read, mismatches


def floor_write(db: sqlite_utils.Database, rows: list[dict[str, Any]]) -> None:
    db["assessments_floor"].insert_all(rows)


def floor_write_one_transaction(db: sqlite_utils.Database, rows: list[dict[str, Any]]) -> None:
    with transaction(db):
        db["assessments_floor"].insert_all(rows)


def floor_read(db: sqlite_utils.Database) -> list[dict[str, Any]]:
    return list(db.query("select * from assessments_floor"))


def measure(run: Callable[[], Any]) -> tuple[float, float, Any]:
    """(CPU seconds, wall seconds, result) of one call."""
    gc.collect()
    cpu, wall = time.process_time(), time.perf_counter()
    out = run()
    return time.process_time() - cpu, time.perf_counter() - wall, out


# ------------------------------------------------------------------------- main


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.storage_roundtrip", description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=synthetic.N_COMMUNES, help="number of communes (default: %(default)s)")
    parser.add_argument("--repeat", type=int, default=3, help="timed rounds; the best counts (default: %(default)s)")
    parser.add_argument("--seed", type=int, default=synthetic.DEFAULT_SEED, help="generator seed (default: %(default)s)")
    parser.add_argument("--output", type=Path, default=RESULTS,
                        help="JSON file (default: bench/results/storage_roundtrip.json)")
    args = parser.parse_args(argv)
    if args.n < 1 or args.repeat < 1:
        parser.error("--n and --repeat must be at least 1")

    cset = criteria.get("qd06-2019")
    scorer = scoring.scorer_for(cset)
    communes = synthetic.generate(args.n, args.seed)
    rows = [{"unit_id": f"{UNIT_SET}:{c.code}", "declared": c.inputs, "status": STATUS} for c in communes]
    problems: list[str] = []

    with tempfile.TemporaryDirectory(prefix="cfc-bench-") as tmp:
        tmpdir = Path(tmp)
        # warm-up (untimed): loads and compiles the pinned set, and gives the floor its rows
        db, round_id = build_database(tmpdir / "warmup.db", communes, cset)
        product_write(db, round_id, rows)
        final_rows = list(db.query("select * from assessments order by id"))
        close(db)
        payload = sum(len(r["declared"]) + len(r["verified"]) + len(r["result"]) for r in final_rows)
        # the product's formatted JSON must be the text the generic encoder writes
        for c, row in zip(communes, final_rows):
            values = json.dumps(c.inputs, ensure_ascii=False, sort_keys=True)
            summary = json.dumps(scorer.score(c.inputs, c.category).summary(), ensure_ascii=False,
                                 separators=(",", ":"))
            if (row["declared"], row["verified"], row["result"]) != (values, values, summary):
                problems.append(f"{row['unit_id']}: stored JSON differs from json.dumps")

        names = ("product_write", "floor_write", "floor_write_1tx", "product_read", "floor_read",
                 "engine_score", "summary", "assessment_columns", "product_write_sql")
        cpu: dict[str, list[float]] = {k: [] for k in names}
        wall: dict[str, list[float]] = {k: [] for k in names}

        def record(name: str, run: Callable[[], Any]) -> Any:
            c, w, out = measure(run)
            cpu[name].append(c)
            wall[name].append(w)
            return out

        def one_round(r: int) -> dict[str, int]:
            """Fresh files, every path timed once, the results checked; returns the file sizes."""
            pdb, prid = build_database(tmpdir / f"product-{r}.db", communes, cset)
            fdb, _ = build_database(tmpdir / f"floor-{r}.db", communes, cset, floor_table=True)
            tdb, _ = build_database(tmpdir / f"floor1tx-{r}.db", communes, cset, floor_table=True)
            sdb, srid = build_database(tmpdir / f"sql-{r}.db", communes, cset)

            def product() -> None:
                record("product_write", lambda: product_write(pdb, prid, rows))
                read, bad = record("product_read", lambda: product_read(pdb, prid))
                if read != args.n or bad:
                    problems.append(f"round {r}: product read {read} assessments, {bad} mismatching")

            def floor() -> None:
                record("floor_write", lambda: floor_write(fdb, final_rows))
                back = record("floor_read", lambda: floor_read(fdb))
                if len(back) != args.n:
                    problems.append(f"round {r}: floor read {len(back)} rows")
                record("floor_write_1tx", lambda: floor_write_one_transaction(tdb, final_rows))

            paths = (product, floor) if r % 2 == 0 else (floor, product)
            for run in paths:
                run()
            categories = {c.code: c.category for c in communes}
            precomputed = {id(c.inputs): bulk.assessment_columns(scorer, c.category, c.inputs, None, STATUS)
                           for c in communes}

            def lookup(_scorer: Any, _category: str, declared: Any, _verified: Any, _status: str) -> dict[str, Any]:
                return precomputed[id(declared)]

            with mock.patch.object(bulk, "assessment_columns", lookup):
                record("product_write_sql", lambda: product_write(sdb, srid, rows))
            record("engine_score", lambda: [scorer.score(c.inputs, c.category) for c in communes])
            record("summary", lambda: [scorer.score(c.inputs, c.category).summary_json() for c in communes])
            record("assessment_columns", lambda: [bulk.assessment_columns(scorer, categories[c.code], c.inputs,
                                                                          None, STATUS) for c in communes])

            # checks, untimed
            def strip(row: dict[str, Any]) -> dict[str, Any]:
                return {k: v for k, v in row.items() if k != "updated_at"}

            stored = [strip(x) for x in pdb.query("select * from assessments order by id")]
            if stored != [strip(x) for x in final_rows]:
                problems.append(f"round {r}: product rows differ from the floor rows")
            if [strip(x) for x in fdb.query("select * from assessments_floor order by id")] != stored:
                problems.append(f"round {r}: floor table differs from the product rows")
            audits = pdb.execute("select count(*) from audit_log where action = ?", [bulk.ACTION]).fetchone()[0]
            if audits != args.n:
                problems.append(f"round {r}: {audits} bulk audit entries for {args.n} units")
            for dbx in (pdb, fdb):
                dbx.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            sizes = {"product_db_bytes": file_bytes(tmpdir / f"product-{r}.db"),
                     "floor_db_bytes": file_bytes(tmpdir / f"floor-{r}.db")}
            for dbx in (pdb, fdb, tdb, sdb):
                close(dbx)
            for p in tmpdir.glob(f"*-{r}.db*"):
                p.unlink()
            return sizes

        for r in range(args.repeat):
            sizes = one_round(r)

    labels = {
        "product_write": "(a) product write: score + store + audit, 1 transaction",
        "floor_write": "(b) floor write: plain insert_all of the same rows",
        "floor_write_1tx": "(b') floor write inside one transaction [info]",
        "product_read": "(c) product read: parse + re-score + to_dict()",
        "floor_read": "(d) floor read: plain SELECT *",
        "product_write_sql": "(h) product write, columns precomputed [info]",
        "engine_score": "(e) engine Scorer.score alone, no database [info]",
        "summary": "(f) Scorer.score + .summary_json(), no database [info]",
        "assessment_columns": "(g) bulk.assessment_columns, no database [info]",
    }
    base_of = {"product_write": "floor_write", "floor_write": "floor_write", "floor_write_1tx": "floor_write",
               "product_read": "floor_read", "floor_read": "floor_read", "product_write_sql": "floor_write",
               "engine_score": "floor_write", "summary": "floor_write", "assessment_columns": "floor_write"}
    results = {}
    for name in names:
        base = base_of[name]
        results[name] = {
            "label": labels[name],
            "cpu_best_s": round(min(cpu[name]), 6), "wall_best_s": round(min(wall[name]), 6),
            "cpu_median_s": round(statistics.median(cpu[name]), 6),
            "wall_median_s": round(statistics.median(wall[name]), 6),
            "cpu_all_s": [round(t, 6) for t in cpu[name]], "wall_all_s": [round(t, 6) for t in wall[name]],
            "us_per_unit_wall": round(min(wall[name]) / args.n * 1e6, 2),
            "vs": base,
            "cpu_ratio": round(min(cpu[name]) / min(cpu[base]), 3),
            "wall_ratio": round(min(wall[name]) / min(wall[base]), 3),
        }
    pw = results["product_write"]
    best = {name: results[name]["cpu_best_s"] for name in names}
    parts = {  # CPU seconds of the product write's parts, each measured on its own (best of repeat)
        "scoring": best["engine_score"],
        "summary": best["summary"] - best["engine_score"],
        "json_and_rest_of_columns": best["assessment_columns"] - best["summary"],
        "sqlite_and_audit": best["product_write_sql"],
    }
    without_summary = sum(parts.values()) - parts["summary"]
    breakdown = {
        "cpu_s": {k: round(v, 6) for k, v in parts.items()},
        "cpu_share": {k: round(v / sum(parts.values()), 3) for k, v in parts.items()},
        "sum_of_parts_cpu_s": round(sum(parts.values()), 6),
        "without_summary_cpu_s_estimate": round(without_summary, 6),
        "without_summary_ratio_estimate": round(without_summary / best["floor_write"], 3),
    }
    target = {
        "ratio_max": TARGET_RATIO,
        "write_cpu_ratio": pw["cpu_ratio"], "write_wall_ratio": pw["wall_ratio"],
        "write_cpu_met": pw["cpu_ratio"] <= TARGET_RATIO, "write_wall_met": pw["wall_ratio"] <= TARGET_RATIO,
    }
    report = {
        "benchmark": "storage_roundtrip",
        "when": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "n": args.n, "seed": args.seed, "repeat": args.repeat, "status_written": STATUS,
        "timer": "time.process_time (CPU) and time.perf_counter (wall), best of repeat each",
        "criteria_set": {"id": cset.id, "version": cset.version, "hash": scorer.hash},
        "machine": machine(),
        "engine": engine_version(),
        "sqlite": {"library": sqlite3.sqlite_version,
                   "pragmas": "WAL, synchronous=NORMAL, foreign_keys=ON (webapp.store.db.connect)"},
        "stored": {"json_bytes_per_assessment": round(payload / args.n), **sizes},
        "results": results,
        "breakdown": breakdown,
        "target": target,
        "checks": {"problems": problems},
    }

    m = report["machine"]
    print(f"Storage round trip — {args.n:,} synthetic communes (seed {args.seed}), status «{STATUS}», "
          f"best of {args.repeat}")
    print(f"Machine: {m['cpu']} ({m['cpus']} CPUs), {m['platform']}, {m['python']}, "
          f"SQLite {report['sqlite']['library']}")
    print(f"Stored JSON per assessment: {report['stored']['json_bytes_per_assessment']:,} bytes; "
          f"product file {sizes.get('product_db_bytes', 0) / 1e6:.1f} MB, floor file "
          f"{sizes.get('floor_db_bytes', 0) / 1e6:.1f} MB\n")
    width = max(len(v) for v in labels.values())
    print(f"{'path':<{width}}  {'CPU s':>7}  {'wall s':>7}  {'µs/unit':>8}  {'× CPU':>7}  {'× wall':>7}  vs")
    for row in results.values():
        print(f"{row['label']:<{width}}  {row['cpu_best_s']:>7.3f}  {row['wall_best_s']:>7.3f}  "
              f"{row['us_per_unit_wall']:>8.1f}  {row['cpu_ratio']:>7.2f}  {row['wall_ratio']:>7.2f}  {row['vs']}")
    print()
    print("Product write CPU by part (e, f − e, g − f, h): " + ", ".join(
        f"{k.replace('_', ' ')} {v:.3f} s ({breakdown['cpu_share'][k]:.0%})" for k, v in parts.items()))
    print(f"Without the summary it would take ≈ {without_summary:.3f} s CPU "
          f"(≈ {breakdown['without_summary_ratio_estimate']:.2f}× floor) [estimate]")
    yes = {True: "met", False: "MISSED"}
    print(f"Target product write ≤ {TARGET_RATIO:g}× floor: CPU {yes[target['write_cpu_met']]} "
          f"({pw['cpu_ratio']:.2f}×), wall {yes[target['write_wall_met']]} ({pw['wall_ratio']:.2f}×)")
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(report, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    print(f"\nWrote {args.output}")
    if problems:
        print("\nCHECKS FAILED:", *problems, sep="\n  ", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
