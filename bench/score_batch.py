"""Benchmark: score a national batch of communes with the engine and with a hand-written baseline.

    .venv/bin/python -m bench.score_batch [--n 10599] [--repeat 5] [--seed 20190103]

1. Generates ``--n`` synthetic communes (``bench.synthetic``, deterministic for ``--seed``).
2. Scores each with the engine and with ``bench.baseline`` and aborts (exit 1) unless both
   agree on every item, every criterion, the total and the verdict of every commune.
3. Times, in CPU seconds (``time.process_time``), best of ``--repeat`` rounds, rounds
   interleaved so that drift hits every path alike:
   (a) ``Scorer.score`` on the raw input dicts (validation included),
   (b) ``Scorer.score_values`` on values validated beforehand,
   (c) the hand-written baseline on the same values,
   and, for information only, (d) ``Scorer.score`` on the same inputs as text, as a CSV
   file or a web form gives them ("có", "1.200").
4. Prints a table and writes the same as JSON to bench/results/score_batch.json.

Target: the engine within 1.5× of the baseline, and the whole batch well under 1 s of CPU.
"""
from __future__ import annotations

import argparse
import collections
import datetime as dt
import gc
import hashlib
import json
import os
import platform
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import criteria
import scoring
from scoring.inputs import validate_inputs

from . import baseline, synthetic

RESULTS = Path(__file__).parent / "results" / "score_batch.json"
TARGET_RATIO = 1.5
TARGET_BATCH_CPU = 1.0  # seconds


def machine() -> dict[str, Any]:
    """Where the numbers were measured."""
    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as f:
            for line in f:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    return {
        "platform": platform.platform(),
        "cpu": cpu,
        "cpus": os.cpu_count(),
        "python": f"{platform.python_implementation()} {platform.python_version()}",
    }


def engine_version() -> dict[str, Any]:
    """Which engine was measured: its source digest and, in a git checkout, commit and local changes."""
    root = Path(scoring.__file__).parent
    digest = hashlib.sha256()
    for path in sorted(root.glob("*.py")):
        digest.update(path.name.encode() + b"\0" + path.read_bytes() + b"\0")
    info: dict[str, Any] = {"scoring_path": str(root), "source_sha256": digest.hexdigest()[:16]}
    try:
        def git(*cmd: str) -> str:
            return subprocess.run(["git", *cmd], cwd=root, capture_output=True, text=True, check=True,
                                  timeout=10).stdout.rstrip("\n")
        info["git_commit"] = git("rev-parse", "--short", "HEAD")
        info["git_changed"] = [line[3:] for line in git("status", "--porcelain", "--", ".", "../criteria").splitlines()]
    except (OSError, subprocess.SubprocessError):
        pass
    return info


def check_agreement(scorer: scoring.Scorer, communes: list[synthetic.Commune],
                    values: list[dict[str, Any]]) -> int:
    """Compare engine and baseline on every commune; abort with the details if they differ."""
    problems: list[str] = []
    checked = 0
    for commune, vals in zip(communes, values):
        e = scorer.score(commune.inputs, commune.category)
        ev = scorer.score_values(vals, scorer.category(commune.category))
        b = baseline.score_qd06(vals, commune.category)
        engine_items = {item_id: r.points for item_id, r in e.items.items()}
        engine_criteria = {n: c.points for n, c in e.criteria.items()}
        diffs = []
        if engine_items != b.items:
            diffs += [f"item {k}: engine {engine_items.get(k)} baseline {b.items.get(k)}"
                      for k in sorted(engine_items.keys() | b.items.keys()) if engine_items.get(k) != b.items.get(k)]
        if engine_criteria != b.criteria:
            diffs += [f"criterion {k}: engine {engine_criteria.get(k)} baseline {b.criteria.get(k)}"
                      for k in sorted(engine_criteria.keys() | b.criteria.keys())
                      if engine_criteria.get(k) != b.criteria.get(k)]
        if e.total != b.total:
            diffs.append(f"total: engine {e.total} baseline {b.total}")
        if e.recognised != b.recognised:
            diffs.append(f"verdict: engine {e.recognised} baseline {b.recognised}")
        if (ev.total, ev.recognised, {k: r.points for k, r in ev.items.items()}) != (e.total, e.recognised, engine_items):
            diffs.append("score_values differs from score on the same commune")
        if diffs:
            problems.append(f"commune {commune.code} ({commune.profile}, {commune.category}): "
                            + "; ".join(diffs) + f"\n    inputs: {commune.inputs}")
        checked += len(engine_items) + len(engine_criteria) + 2
    if problems:
        print(f"\nABORT: engine and baseline disagree on {len(problems)} of {len(communes)} communes "
              "(timings would be meaningless):", file=sys.stderr)
        for line in problems[:20]:
            print("  " + line, file=sys.stderr)
        if len(problems) > 20:
            print(f"  … and {len(problems) - 20} more", file=sys.stderr)
        raise SystemExit(1)
    return checked


def time_rounds(paths: dict[str, Callable[[], list[Any]]], repeat: int) -> dict[str, list[float]]:
    """CPU seconds of each path in each of ``repeat`` interleaved rounds."""
    times: dict[str, list[float]] = {name: [] for name in paths}
    for _ in range(repeat):
        for name, run in paths.items():
            gc.collect()
            start = time.process_time()
            out = run()
            times[name].append(time.process_time() - start)
            del out
    return times


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.score_batch", description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=synthetic.N_COMMUNES, help="number of communes (default: %(default)s)")
    parser.add_argument("--repeat", type=int, default=5, help="timed rounds; the best counts (default: %(default)s)")
    parser.add_argument("--seed", type=int, default=synthetic.DEFAULT_SEED, help="generator seed (default: %(default)s)")
    parser.add_argument("--output", type=Path, default=RESULTS, help="JSON file (default: bench/results/score_batch.json)")
    args = parser.parse_args(argv)
    if args.n < 1 or args.repeat < 1:
        parser.error("--n and --repeat must be at least 1")

    cset = criteria.get("qd06-2019")
    scorer = scoring.scorer_for(cset)
    start = time.process_time()
    communes = synthetic.generate(args.n, args.seed)
    generated = time.process_time() - start

    values, cats = [], []
    for c in communes:
        vals, problems = validate_inputs(c.inputs, cset)
        if problems:
            raise SystemExit(f"ABORT: synthetic commune {c.code} is invalid: {problems}")
        values.append(vals)
        cats.append(scorer.category(c.category))
    texts = [synthetic.as_text(c.inputs) for c in communes]
    category_ids = [c.category for c in communes]
    checked = check_agreement(scorer, communes, values)

    results = [scorer.score(c.inputs, c.category) for c in communes]
    batch = {
        "profiles": dict(collections.Counter(c.profile for c in communes).most_common()),
        "categories": dict(collections.Counter(category_ids).most_common()),
        "recognised": sum(r.recognised for r in results),
        "some_criterion_zero": sum(any(c.points == 0 for c in r.criteria.values()) for r in results),
        "below_threshold_only": sum(not r.recognised and all(c.points > 0 for c in r.criteria.values())
                                    for r in results),
        "perfect_1000": sum(r.total == 1000 for r in results),
        "zero_denominator_items": sum(i.status == "zero_denominator" for r in results for i in r.items.values()),
    }
    del results

    score, score_values, score_qd06 = scorer.score, scorer.score_values, baseline.score_qd06
    paths = {
        "engine_score": lambda: [score(c.inputs, c.category) for c in communes],
        "engine_score_values": lambda: [score_values(v, cat) for v, cat in zip(values, cats)],
        "baseline": lambda: [score_qd06(v, cat) for v, cat in zip(values, category_ids)],
        "engine_score_text": lambda: [score(t, cat) for t, cat in zip(texts, category_ids)],
    }
    labels = {
        "engine_score": "(a) engine Scorer.score, raw dicts (validation incl.)",
        "engine_score_values": "(b) engine Scorer.score_values, validated values",
        "baseline": "(c) hand-written baseline (bench/baseline.py)",
        "engine_score_text": "(d) engine Scorer.score, text values as from CSV [info]",
    }
    times = time_rounds(paths, args.repeat)
    base = min(times["baseline"])
    rows = {}
    for name, ts in times.items():
        best = min(ts)
        rows[name] = {
            "label": labels[name],
            "cpu_best_s": round(best, 6),
            "cpu_median_s": round(statistics.median(ts), 6),
            "cpu_all_s": [round(t, 6) for t in ts],
            "us_per_commune": round(best / args.n * 1e6, 3),
            "ratio_to_baseline": round(best / base, 3),
        }
    target = {
        "ratio_max": TARGET_RATIO,
        "batch_cpu_max_s": TARGET_BATCH_CPU,
        "score_ratio_met": rows["engine_score"]["ratio_to_baseline"] <= TARGET_RATIO,
        "score_values_ratio_met": rows["engine_score_values"]["ratio_to_baseline"] <= TARGET_RATIO,
        "score_batch_under_1s": rows["engine_score"]["cpu_best_s"] < TARGET_BATCH_CPU,
    }
    report = {
        "benchmark": "score_batch",
        "when": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "n": args.n,
        "seed": args.seed,
        "repeat": args.repeat,
        "timer": "time.process_time (CPU seconds), best of repeat",
        "criteria_set": {"id": cset.id, "version": cset.version, "hash": scorer.hash},
        "machine": machine(),
        "engine": engine_version(),
        "generation_cpu_s": round(generated, 6),
        "batch": batch,
        "agreement": {"communes": args.n, "values_compared": checked, "disagreements": 0},
        "results": rows,
        "target": target,
    }

    m = report["machine"]
    print(f"Scoring engine — {args.n:,} synthetic communes (seed {args.seed}), "
          f"CPU seconds (time.process_time), best of {args.repeat}")
    print(f"Machine: {m['cpu']} ({m['cpus']} CPUs), {m['platform']}, {m['python']}")
    eng = report["engine"]
    where = (f"git {eng['git_commit']}" + (f" + local changes in {', '.join(eng['git_changed'])}" if eng["git_changed"] else "")
             if "git_commit" in eng else eng["scoring_path"])
    print(f"Engine: {where} (scoring/*.py sha256 {eng['source_sha256']})")
    print(f"Criteria: {cset.id} {cset.version} {scorer.hash[:19]}…")
    print(f"Batch: {batch['recognised']:,} recognised, {batch['some_criterion_zero']:,} with a criterion at 0, "
          f"{batch['below_threshold_only']:,} below threshold only, {batch['perfect_1000']:,} at 1000; "
          f"{batch['zero_denominator_items']:,} zero-denominator items")
    print(f"Agreement: engine = baseline on all {args.n:,} communes ({checked:,} values compared)\n")
    width = max(len(v) for v in labels.values())
    print(f"{'path':<{width}}  {'best s':>8}  {'median s':>8}  {'µs/commune':>10}  {'× baseline':>10}")
    for row in rows.values():
        print(f"{row['label']:<{width}}  {row['cpu_best_s']:>8.3f}  {row['cpu_median_s']:>8.3f}  "
              f"{row['us_per_commune']:>10.1f}  {row['ratio_to_baseline']:>10.2f}")
    print()
    yes = {True: "met", False: "MISSED"}
    print(f"Target engine ≤ {TARGET_RATIO}× baseline: score {yes[target['score_ratio_met']]} "
          f"({rows['engine_score']['ratio_to_baseline']:.2f}×), score_values "
          f"{yes[target['score_values_ratio_met']]} ({rows['engine_score_values']['ratio_to_baseline']:.2f}×)")
    print(f"Target whole batch < {TARGET_BATCH_CPU:g} s CPU: {yes[target['score_batch_under_1s']]} "
          f"({rows['engine_score']['cpu_best_s']:.3f} s)")

    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(report, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    print(f"\nWrote {args.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
