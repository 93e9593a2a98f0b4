"""Benchmark: certificates as PDF — one certificate against WeasyPrint's floor, and a round of
161 certificates rendered by 1 and by 2 worker processes.

    .venv/bin/python -m bench.certificates [--repeat 30] [--rounds 3]

1. Builds a database in a temporary folder: the 161 communes of Cao Bằng (2022 units) all
   recognised in one round (QĐ 06 as shipped), one decision issued per district (10).
2. One certificate, in this process with a warm renderer (templates, parsed stylesheets and
   fonts loaded once, as in a long-lived worker), CPU time (``time.process_time``) and wall
   time, best and median of ``--repeat``:
   (a) the certificate (Jinja + QR code + WeasyPrint layout + PDF with 3 font subsets);
   (b) the floor: WeasyPrint rendering a one-line page with the same fonts — the line set in
       the same three faces as the certificate (regular, bold, italic), so both embed the same
       fonts;
   (b′) [info] the same line in one face only;
   (c) [info] a page of 20 one-line paragraphs (about the certificate's amount of text),
       without QR code: what the text alone costs;
   (d) [info] the certificate and the floor as a one-shot WeasyPrint call would do them
       (new font configuration, stylesheets and @font-face parsed every time).
3. The round: ``bundle.certificates_zip`` for all 161 certificates (contexts from the
   database in this process, rendering in the worker pool, ZIP written here) with a pool of
   1 and of 2 processes, both started and warmed before timing (they are long-lived), runs
   interleaved, wall time, best and median of ``--rounds``.

Targets: (a) within 2× (b); 2 processes at least 1.7× faster than 1. Prints a table and
writes bench/results/certificates.json.
"""
from __future__ import annotations

import argparse
import datetime as dt
import gc
import io
import json
import os
import platform
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from markupsafe import Markup
from weasyprint import CSS, HTML

import criteria
from certificates import bundle, contexts, pool, records, render
from webapp.store import db as webdb
from webapp.store import units, workflow
from webapp.store.rounds import create_round

RESULTS = Path(__file__).parent / "results" / "certificates.json"
PUBLIC = "https://treem.caobang.gov.vn"
LINE = "Xã Đức Long, huyện Thạch An, tỉnh Cao Bằng"
PERFECT: dict[str, Any] = {
    "cp_officer_assigned": True, "cp_collaborators": True, "cp_board_reviews": True, "child_budget": True,
    "children": 1200, "births": 40, "births_registered_on_time": 40, "abused_children": 0,
    "law_breaking_children": 0, "drug_addicted_children": 0, "accident_deaths": 0, "injured_children": 2,
    "special_children": 30, "special_children_supported": 30, "severe_cases": 0, "severe_cases_with_plan": 0,
    "infants": 38, "infants_fully_immunised": 38, "under5_weighed": 200, "under5_underweight": 6,
    "under5_measured": 200, "under5_stunted": 14, "health_check_due": 500, "health_checked": 480,
    "children_3_5": 120, "preschool_attending": 118, "primary_age": 300, "primary_attending": 300,
    "lower_secondary_age": 250, "lower_secondary_attending": 245, "children_forum": True,
    "children_consulted": True, "play_area": True, "child_activities": True, "swimming_activities": True,
    "survey_respondents": 100, "survey_satisfied": 93,
}


def machine() -> dict[str, Any]:
    cpu = platform.machine()
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as f:
            cpu = next((line.split(":", 1)[1].strip() for line in f if line.startswith("model name")), cpu)
    except OSError:
        pass
    return {"platform": platform.platform(), "cpu": cpu, "cpus": os.cpu_count(),
            "python": f"{platform.python_implementation()} {platform.python_version()}",
            "load_average": os.getloadavg()}


def build(path: Path) -> tuple[Any, int, list[dict[str, Any]]]:
    """Every commune of Cao Bằng 2022 recognised, one decision per district."""
    db = webdb.connect(path)
    units.load_cao_bang(db)
    round_id = create_round(db, name="Đánh giá năm 2024", year=2024, cset=criteria.get("qd06-2019"),
                            unit_set=units.CAO_BANG_2022, actor="bench")
    for aid in [r["id"] for r in db.query("select id from assessments where round_id = ?", [round_id])]:
        workflow.save_declared(db, aid, PERFECT, "bench")
        workflow.submit(db, aid, "bench")
        for number in range(1, 14):
            workflow.review_criterion(db, aid, number, "accepted", "bench")
        workflow.verify(db, aid, "bench")
        workflow.decide(db, aid, "bench", True)
    districts = [r["id"] for r in db.query(
        "select id from units where unit_set = ? and type in ('huyen', 'thanh_pho') order by sort_key",
        [units.CAO_BANG_2022])]
    for number, district in enumerate(districts, start=101):
        records.issue(db, round_id, district, number=str(number), signed_on="2024-12-16", valid_until="2027-12-31",
                      signer_title="KT. CHỦ TỊCH / PHÓ CHỦ TỊCH", signer_name="Nông Văn Hùng", actor="bench")
    return db, round_id, records.documents(db, round_id)


def sched(pids: list[int]) -> dict[int, tuple[float, float]]:
    """Per process: seconds on a CPU and seconds waiting for one (``/proc/PID/schedstat``)."""
    out = {}
    for pid in pids:
        try:
            run_ns, wait_ns = Path(f"/proc/{pid}/schedstat").read_text().split()[:2]
            out[pid] = (int(run_ns) / 1e9, int(wait_ns) / 1e9)
        except (OSError, ValueError):
            pass
    return out


def machine_busy() -> tuple[int, int]:
    """(busy, total) clock ticks of all CPUs since boot (``/proc/stat``)."""
    fields = [int(x) for x in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    idle = fields[3] + fields[4]  # idle + iowait
    return sum(fields) - idle, sum(fields)


def timed(run: Callable[[], Any], repeat: int) -> dict[str, float]:
    run()  # warm
    cpu, wall = [], []
    for _ in range(repeat):
        gc.collect()
        c, w = time.process_time(), time.perf_counter()
        run()
        cpu.append(time.process_time() - c)
        wall.append(time.perf_counter() - w)
    return {"cpu_best": min(cpu), "cpu_median": statistics.median(cpu),
            "wall_best": min(wall), "wall_median": statistics.median(wall)}


def cold(kind: str, context: dict[str, Any]) -> bytes:
    """What a one-shot WeasyPrint call costs: a new font configuration and stylesheets each time."""
    r = render.renderer()
    fonts = render.PackagedFonts()
    sheets = [CSS(url=(render.STATIC / name).as_uri(), url_fetcher=r.fetcher, font_config=fonts)
              for name in render.KINDS[kind][1]]
    html = HTML(string=r.html(kind, context), base_url=render.STATIC.as_uri() + "/", url_fetcher=r.fetcher)
    return html.write_pdf(stylesheets=sheets, font_config=fonts)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.certificates", description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=30, help="single-document repetitions (default: %(default)s)")
    parser.add_argument("--rounds", type=int, default=3,
                        help="timed runs of the 161 per pool size (default: %(default)s)")
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory(prefix="cfc-bench-") as tmp:
        start = time.perf_counter()
        db, _round_id, documents = build(Path(tmp) / "bench.db")
        print(f"database: 161 recognised communes, {len(documents)} decisions "
              f"({time.perf_counter() - start:.1f} s)")
        r = render.renderer()
        context = contexts.certificate_contexts(db, documents[0]["id"], PUBLIC)[0]
        three_faces = Markup("Xã Đức Long, <b>huyện Thạch An</b>, <i>tỉnh Cao Bằng</i>")
        text_page = Markup("".join(f"<p>{LINE}</p>" for _ in range(20)))
        single: dict[str, dict[str, float]] = {
            "certificate": timed(lambda: r.pdf("certificate", context), args.repeat),
            "floor": timed(lambda: r.pdf("floor", {"text": three_faces, "lang": "vi"}), args.repeat),
            "floor_one_face": timed(lambda: r.pdf("floor", {"text": LINE, "lang": "vi"}), args.repeat),
            "text_20_lines": timed(lambda: r.pdf("floor", {"text": text_page, "lang": "vi"}), args.repeat),
            "certificate_cold": timed(lambda: cold("certificate", context), max(5, args.repeat // 3)),
            "floor_cold": timed(lambda: cold("floor", {"text": three_faces, "lang": "vi"}),
                                max(5, args.repeat // 3)),
        }
        size = len(r.pdf("certificate", context))

        jobs = [("certificate", c) for d in documents for c in contexts.certificate_contexts(db, d["id"], PUBLIC)]
        for workers in (1, 2):  # start and warm both pools: they are long-lived
            list(pool.render_many(jobs[:8], workers))
        t = time.perf_counter()
        contexts_time = [contexts.certificate_contexts(db, d["id"], PUBLIC) for d in documents]
        contexts_wall = time.perf_counter() - t
        del contexts_time
        runs: dict[int, list[float]] = {1: [], 2: []}
        worker_cpu: dict[int, list[float]] = {1: [], 2: []}
        worker_wait: dict[int, list[float]] = {1: [], 2: []}
        main_cpu: dict[int, list[float]] = {1: [], 2: []}
        machine_load: dict[int, list[float]] = {1: [], 2: []}
        zip_size = 0
        cpus = os.cpu_count() or 1
        for _ in range(args.rounds):
            for workers in (1, 2):
                pids = list(pool.pool(workers)._processes)  # the pool's worker pids, for /proc
                buffer = io.BytesIO()
                gc.collect()
                s0, m0 = sched(pids), machine_busy()
                c, t = time.process_time(), time.perf_counter()
                count = bundle.certificates_zip(db, documents, PUBLIC, buffer, workers)
                runs[workers].append(time.perf_counter() - t)
                main_cpu[workers].append(time.process_time() - c)
                s1, m1 = sched(pids), machine_busy()
                worker_cpu[workers].append(sum(s1[p][0] - s0[p][0] for p in s1 if p in s0))
                worker_wait[workers].append(sum(s1[p][1] - s0[p][1] for p in s1 if p in s0))
                # CPUs busy (anyone's work) during the run, out of os.cpu_count()
                machine_load[workers].append(cpus * (m1[0] - m0[0]) / max(1, m1[1] - m0[1]))
                assert count == 161, count
                zip_size = len(buffer.getvalue())
        pool.shutdown_pools()
        db.conn.close()

    floor = single["floor"]
    cert = single["certificate"]
    ratio_cpu = cert["cpu_best"] / floor["cpu_best"]
    ratio_wall = cert["wall_best"] / floor["wall_best"]
    speedup_best = min(runs[1]) / min(runs[2])
    speedup_median = statistics.median(runs[1]) / statistics.median(runs[2])
    rows = [
        ("(a) certificate (warm renderer)", single["certificate"]),
        ("(b) floor: one line, same 3 faces", single["floor"]),
        ("(b′) one line, 1 face [info]", single["floor_one_face"]),
        ("(c) 20 lines of text, no QR [info]", single["text_20_lines"]),
        ("(d) certificate, one-shot WeasyPrint [info]", single["certificate_cold"]),
        ("(d′) floor, one-shot WeasyPrint [info]", single["floor_cold"]),
    ]
    print(f"\n{'document':46} {'CPU ms best':>11} {'median':>8} {'wall ms best':>12} {'median':>8} {'× floor CPU':>11}")
    for name, t in rows:
        print(f"{name:46} {t['cpu_best'] * 1000:11.1f} {t['cpu_median'] * 1000:8.1f} "
              f"{t['wall_best'] * 1000:12.1f} {t['wall_median'] * 1000:8.1f} {t['cpu_best'] / floor['cpu_best']:11.2f}")
    print(f"\ncertificate PDF: {size:,} bytes; certificate / floor: {ratio_cpu:.2f}× CPU, {ratio_wall:.2f}× wall "
          f"(target ≤ 2×: {'met' if max(ratio_cpu, ratio_wall) <= 2 else 'MISSED'})")
    print(f"\nround of 161 certificates (ZIP {zip_size:,} bytes; contexts from the database {contexts_wall:.2f} s):")
    for workers in (1, 2):
        best = runs[workers].index(min(runs[workers]))
        print(f"  {workers} process{'es' if workers > 1 else ''}: best {min(runs[workers]):.2f} s, "
              f"median {statistics.median(runs[workers]):.2f} s (runs {', '.join(f'{x:.2f}' for x in runs[workers])}); "
              f"best run: workers on CPU {worker_cpu[workers][best]:.2f} s "
              f"(parallelism {worker_cpu[workers][best] / runs[workers][best]:.2f}), waiting for a CPU "
              f"{worker_wait[workers][best]:.2f} s, this process {main_cpu[workers][best]:.2f} s, "
              f"CPUs busy (all users) {machine_load[workers][best]:.2f} of {cpus}")
    print(f"  speed-up: {speedup_best:.2f}× (best), {speedup_median:.2f}× (median) "
          f"(target ≥ 1.7×: {'met' if speedup_best >= 1.7 else 'MISSED'}); load average now {os.getloadavg()}")

    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps({
        "when": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"), "machine": machine(),
        "repeat": args.repeat, "rounds": args.rounds, "single_seconds": single, "certificate_bytes": size,
        "certificate_over_floor": {"cpu": ratio_cpu, "wall": ratio_wall},
        "round_161": {"seconds": {str(k): v for k, v in runs.items()}, "zip_bytes": zip_size,
                      "worker_cpu_seconds": {str(k): v for k, v in worker_cpu.items()},
                      "worker_wait_seconds": {str(k): v for k, v in worker_wait.items()},
                      "cpus_busy_all_users": {str(k): v for k, v in machine_load.items()},
                      "main_cpu_seconds": {str(k): v for k, v in main_cpu.items()},
                      "contexts_seconds": contexts_wall,
                      "speedup": {"best": speedup_best, "median": speedup_median}},
    }, indent=2), encoding="utf-8")
    print(f"\nwrote {RESULTS}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
