"""The officer's checklist on a weak network: time until usable and bytes transferred, first and repeat visit.

    .venv/bin/python -m bench.checklist_network [--runs 5] [--source DIR]

1. Builds the demo database in a temporary folder and starts the production server (``cfc serve``,
   waitress) on a free loopback port; ``--source`` serves the code of another checkout (e.g. a
   worktree of the main branch before a change) through ``PYTHONPATH``, with the same database.
2. Each run: a new browser context of Debian's Chromium (Playwright), logged in as the officer with
   a request (``context.request``: not through the login page, so the browser cache starts empty),
   then Chrome DevTools ``Network.emulateNetworkConditions`` at 400 kbit/s down, 400 kbit/s up and
   400 ms round trip on the page — and on the service worker, once there is one, so that the
   worker's own fetches are throttled too.
3. First visit: open the checklist; repeat visit: open it again in the same context. Usable = from
   navigation start to the ``load`` event and, when the page sets it,
   ``document.documentElement.dataset.checklistReady === "1"``. Bytes = the sum of
   ``Network.loadingFinished`` ``encodedDataLength`` (headers and body as received) over the page's
   and the service worker's sessions, until no request has been in flight for a second (so the
   worker's precache is part of the first visit's bytes, and a repeat visit starts on a quiet
   network with the worker active, as a visit on a later day would).

Median of ``--runs``; prints a table and writes bench/results/checklist_network.json.
Targets (the offline-first issue): first visit usable ≤ 1.5 s, repeat visit ≤ 1.0 s.
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

from webapp.store import db as database  # noqa: E402
from webapp.store import demo  # noqa: E402

from webhelpers import serve  # noqa: E402

RESULTS = Path(__file__).parent / "results" / "checklist_network.json"
CHROMIUM = os.environ.get("CFC_CHROMIUM", "/usr/bin/chromium")
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync"]
KBPS = 400
CONDITIONS = {"offline": False, "latency": 400, "downloadThroughput": KBPS * 1000 / 8,
              "uploadThroughput": KBPS * 1000 / 8}
READY = """() => document.readyState === "complete"
  && (!("checklistReady" in document.documentElement.dataset) || document.documentElement.dataset.checklistReady === "1")"""
QUIET = 1.0  # seconds without a request in flight (page or service worker): the visit's downloads are over
TARGETS = {"first": 1.5, "repeat": 1.0}


def _cpu_model() -> str:
    for line in Path("/proc/cpuinfo").read_text(encoding="utf-8").splitlines():
        if line.startswith("model name"):
            return line.split(":", 1)[1].strip()
    return platform.processor() or "unknown"


class Throttled:
    """A page and its service worker, throttled to CONDITIONS from their first request, counting the
    bytes received (Chrome DevTools: the page's session, and the worker's, attached when it starts)."""

    def __init__(self, context: Any, page: Any) -> None:
        self.bytes = 0
        self.page = page
        self.workers = 0
        session = context.new_cdp_session(page)
        self._in_flight: set[tuple[str, str]] = set()  # (session, request id)
        self._last_activity = time.monotonic()
        session.on("Network.requestWillBeSent", lambda event: self._network("page", "Network.requestWillBeSent", event))
        session.on("Network.loadingFinished", lambda event: self._network("page", "Network.loadingFinished", event))
        session.on("Network.loadingFailed", lambda event: self._network("page", "Network.loadingFailed", event))
        session.on("Target.attachedToTarget", self._attached)
        session.on("Target.receivedMessageFromTarget", self._from_worker)
        session.send("Network.enable")
        session.send("Network.emulateNetworkConditions", CONDITIONS)
        # The page's service worker waits, when it starts, until it is throttled too (its precache counts).
        session.send("Target.setAutoAttach", {"autoAttach": True, "waitForDebuggerOnStart": True, "flatten": False})
        self._page_cdp = session

    def _network(self, source: str, method: str, event: dict[str, Any]) -> None:
        """Count a finished request's bytes; keep the set of requests in flight."""
        key = (source, event["requestId"])
        self._last_activity = time.monotonic()
        if method == "Network.requestWillBeSent":
            self._in_flight.add(key)
        elif method in ("Network.loadingFinished", "Network.loadingFailed"):
            self._in_flight.discard(key)
            self.bytes += int(event.get("encodedDataLength", 0))

    def _attached(self, event: dict[str, Any]) -> None:
        """A new target: a service worker is throttled as the page, then let run; any other only let run."""
        session_id = event["sessionId"]
        commands = [("Runtime.runIfWaitingForDebugger", {})]
        if event["targetInfo"]["type"] == "service_worker":
            self.workers += 1
            commands[:0] = [("Network.enable", {}), ("Network.emulateNetworkConditions", CONDITIONS)]
        for number, (method, params) in enumerate(commands, 1):
            self._page_cdp.send("Target.sendMessageToTarget", {
                "sessionId": session_id, "message": json.dumps({"id": number, "method": method, "params": params})})

    def _from_worker(self, event: dict[str, Any]) -> None:
        message = json.loads(event["message"])
        if message.get("method", "").startswith("Network."):
            self._network(event["sessionId"], message["method"], message["params"])

    def visit(self, url: str) -> tuple[float, int]:
        """Open ``url``: seconds from navigation start until usable, and the bytes received by the page and
        its service worker until no request was in flight for QUIET seconds (the worker's precache and
        copies are part of the visit that caused them)."""
        self.bytes = 0
        self.page.goto(url, wait_until="commit")
        self.page.wait_for_function(READY, polling=20, timeout=60_000)
        elapsed = self.page.evaluate("""() => {
            const nav = performance.getEntriesByType("navigation")[0];
            return (performance.now() - nav.startTime) / 1000; }""")
        deadline = time.monotonic() + 60
        while (self._in_flight or time.monotonic() - self._last_activity < QUIET) and time.monotonic() < deadline:
            self.page.wait_for_timeout(100)
        return elapsed, self.bytes

    def close(self) -> None:
        self._page_cdp.detach()


def _login(context: Any, base: str, username: str) -> None:
    page = context.request.get(f"{base}/login").text()
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    response = context.request.post(f"{base}/login", form={"csrf_token": token, "username": username,
                                                          "password": demo.DEMO_PASSWORD}, max_redirects=0)
    assert response.status == 302, f"login of {username} failed ({response.status})"


def measure(base: str, path: str, runs: int) -> dict[str, dict[str, float]]:
    """Median (and all runs) of time until usable and bytes received, first and repeat visit."""
    from playwright.sync_api import sync_playwright
    samples: dict[str, list[tuple[float, int]]] = {"first": [], "repeat": []}
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS, headless=True)
        try:
            for _ in range(runs):
                context = browser.new_context(viewport={"width": 1366, "height": 768})
                _login(context, base, "canbo.xa")
                page = context.new_page()
                throttled = Throttled(context, page)
                samples["first"].append(throttled.visit(base + path))
                samples["repeat"].append(throttled.visit(base + path))
                throttled.close()
                context.close()
        finally:
            browser.close()
    return {visit: {"usable_s": round(statistics.median(s for s, _ in values), 3),
                    "bytes": int(statistics.median(b for _, b in values)),
                    "runs_s": [round(s, 3) for s, _ in values], "runs_bytes": [b for _, b in values]}
            for visit, values in samples.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--source", type=Path, help="serve the code of this checkout instead of this one")
    parser.add_argument("--label", default="", help="a name for this measurement in the results file")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="cfc-bench-") as tmp:
        work = Path(tmp)
        db = database.connect(work / "demo.db")
        demo.build_demo(db)
        aid = db.execute("select a.id from assessments a join users u on u.scope_unit_id = a.unit_id "
                         "where u.username = 'canbo.xa' order by a.round_id desc limit 1").fetchone()[0]
        db.conn.close()
        env = {**os.environ, "PYTHONPATH": str(args.source.resolve())} if args.source else None
        with serve(work / "demo.db", work, env) as base:  # the suite's real server (tests/webhelpers.py)
            results = measure(base, f"/assessments/{aid}", args.runs)
    machine = f"{_cpu_model()}, {os.cpu_count()} CPUs, {platform.system()} {platform.release()}"
    print(f"checklist at {KBPS} kbit/s down and up, {CONDITIONS['latency']} ms round trip; "
          f"median of {args.runs}; {machine}; source {args.source or 'this checkout'}")
    print(f"{'visit':<8}{'usable s':>10}{'target s':>10}{'kB':>8}   runs (s)")
    for visit, r in results.items():
        print(f"{visit:<8}{r['usable_s']:>10}{TARGETS[visit]:>10}{r['bytes'] / 1000:>8.1f}   {r['runs_s']}")
    RESULTS.parent.mkdir(exist_ok=True)
    previous = json.loads(RESULTS.read_text(encoding="utf-8")) if RESULTS.exists() else {}
    previous[args.label or str(args.source or "this checkout")] = {
        "machine": machine, "conditions": CONDITIONS, "runs": args.runs, "results": results}
    RESULTS.write_text(json.dumps(previous, indent=2), encoding="utf-8")


if __name__ == "__main__":
    main()
