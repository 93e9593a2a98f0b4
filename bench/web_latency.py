"""Latency of the main pages under 20 concurrent clients, against a trivial route.

Runs the production server (``cfc serve``, waitress) on a free loopback port with the demo
data (161 units × 3 years), logs 20 clients in, and has them request the checklist page,
the review page and the province dashboard for a bounded time; ``/healthz`` on the same
server is the floor. Then, in this process with the Flask test client, the CPU of one
request of each route with the page cache warm and with it off (the cost of a miss).
Not a test: ``.venv/bin/python -m bench.web_latency [--seconds 20]``.
"""
from __future__ import annotations

import argparse
import http.client
import json
import os
import platform
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from pathlib import Path

from webapp.store import db as database
from webapp.store import demo

CLIENTS = 20
RESULTS = Path(__file__).parent / "results" / "web_latency.json"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Client:
    """One keep-alive HTTP client with its own session cookie."""

    def __init__(self, port: int):
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        self.cookie = ""

    def request(self, method: str, path: str, body: str | None = None) -> tuple[int, str]:
        headers = {"Cookie": self.cookie}
        if body is not None:
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        self.conn.request(method, path, body=body, headers=headers)
        response = self.conn.getresponse()
        data = response.read().decode("utf-8", "replace")
        cookie = response.getheader("Set-Cookie")
        if cookie:
            self.cookie = cookie.split(";", 1)[0]
        return response.status, data

    def login(self, username: str) -> None:
        _status, page = self.request("GET", "/login")
        token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
        body = urllib.parse.urlencode({"csrf_token": token, "username": username, "password": demo.DEMO_PASSWORD})
        status, _ = self.request("POST", "/login", body)
        assert status == 302, f"login of {username} failed ({status})"


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def cpu_per_request(db_path: Path, instance: Path, routes: dict[str, tuple[str, str]]) -> dict[str, dict[str, float]]:
    """CPU ms of one request of each route alone (Flask test client, in this process), with the
    page cache warm and turned off (every request a miss): the best of 5 runs of 40 requests."""
    from webapp.web.app import create_app
    os.environ["CFC_INSTANCE"] = str(instance)
    cpu: dict[str, dict[str, float]] = {label: {} for label in routes}
    for mode, entries in (("hit", 256), ("miss", 0)):
        app = create_app({"DATABASE": str(db_path), "PAGE_CACHE_ENTRIES": entries, "WTF_CSRF_ENABLED": False})
        for label, (user, path) in routes.items():
            client = app.test_client()
            client.post("/login", data={"username": user, "password": demo.DEMO_PASSWORD})
            assert client.get(path).status_code == 200
            runs = []
            for _ in range(5):
                start = time.process_time()
                for _ in range(40):
                    client.get(path)
                runs.append((time.process_time() - start) / 40)
            cpu[label][f"cpu_{mode}_ms"] = round(min(runs) * 1000, 2)
    return cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=20.0, help="how long the clients run (bounded)")
    parser.add_argument("--workers", type=int, default=1,
                        help="server processes (cfc serve --workers): 1 = waitress, more = gunicorn")
    args = parser.parse_args()
    seconds = min(args.seconds, 120.0)
    load_start = os.getloadavg()[0]  # other sessions on the machine: the latency moves with them
    work = Path(tempfile.mkdtemp(prefix="cfc-bench-"))
    db_path = work / "cfc.db"
    db = database.connect(db_path)
    build = getattr(demo, "build_demo_years", None)
    build(db) if build else demo.build_demo(db)
    officer_aid = db.execute("select a.id from assessments a join users u on u.scope_unit_id = a.unit_id "
                             "where u.username = 'canbo.xa' order by a.round_id desc limit 1").fetchone()[0]
    review_aid = db.execute("select a.id from assessments a join units c on c.id = a.unit_id "
                            "join users u on u.scope_unit_id = c.parent_id where u.username = 'thamdinh.huyen' "
                            "and a.status in ('submitted', 'resubmitted') limit 1").fetchone()
    review_aid = review_aid[0] if review_aid else officer_aid
    db.conn.close()
    port = _free_port()
    env = {**os.environ, "CFC_DB": str(db_path), "CFC_INSTANCE": str(work)}
    cfc = Path(sys.executable).with_name("cfc")
    server = subprocess.Popen([str(cfc), "serve", "--port", str(port), "--threads", "8",
                               "--workers", str(args.workers)], env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        for _ in range(150):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                time.sleep(0.2)
        routes = {
            "floor /healthz": ("theodoi.tinh", "/healthz"),
            "checklist": ("canbo.xa", f"/assessments/{officer_aid}"),
            "review": ("thamdinh.huyen", f"/assessments/{review_aid}/review"),
            "dashboard (province)": ("theodoi.tinh", "/dashboard"),
        }
        results = {}
        for label, (user, path) in routes.items():
            samples: list[float] = []
            errors: list[int] = []
            lock = threading.Lock()

            clients = [Client(port) for _ in range(CLIENTS)]
            for client in clients:  # one after the other: parallel logins to one account count as guesses
                client.login(user)
            stop = time.monotonic() + seconds / len(routes)

            def run(client: Client) -> None:
                while time.monotonic() < stop:
                    t0 = time.perf_counter()
                    status, _ = client.request("GET", path)
                    elapsed = time.perf_counter() - t0
                    with lock:
                        (samples if status == 200 else errors).append(elapsed if status == 200 else status)

            threads = [threading.Thread(target=run, args=(client,)) for client in clients]
            for t in threads:
                t.start()
            for t in threads:
                t.join()
            results[label] = {"requests": len(samples), "errors": len(errors),
                              "p50_ms": round(statistics.median(samples) * 1000, 1),
                              "p95_ms": round(percentile(samples, 0.95) * 1000, 1)}
        for label, cpu in cpu_per_request(db_path, work, routes).items():
            results[label].update(cpu)
    finally:
        server.terminate()
        server.wait(timeout=10)
        shutil.rmtree(work, ignore_errors=True)
    floor = results["floor /healthz"]["p95_ms"]
    machine = f"{platform.machine()}, {os.cpu_count()} CPUs, {platform.python_implementation()} {platform.python_version()}"
    load = {"start": round(load_start, 2), "end": round(os.getloadavg()[0], 2)}
    server_name = "waitress, 1 process" if args.workers == 1 else f"gunicorn, {args.workers} processes"
    print(f"{CLIENTS} concurrent clients, {seconds:.0f} s in all, {server_name} × 8 threads; {machine}; "
          f"load average {load['start']} → {load['end']}")
    print(f"{'route':<24}{'requests':>10}{'errors':>8}{'p50 ms':>9}{'p95 ms':>9}{'p95/floor':>11}"
          f"{'CPU hit ms':>12}{'CPU miss ms':>13}")
    for label, r in results.items():
        print(f"{label:<24}{r['requests']:>10}{r['errors']:>8}{r['p50_ms']:>9}{r['p95_ms']:>9}"
              f"{r['p95_ms'] / floor:>11.1f}{r['cpu_hit_ms']:>12}{r['cpu_miss_ms']:>13}")
    RESULTS.parent.mkdir(exist_ok=True)
    RESULTS.write_text(json.dumps({"clients": CLIENTS, "seconds": seconds, "machine": machine, "server": server_name,
                                   "load_average_1min": load, "results": results}, indent=2), encoding="utf-8")


if __name__ == "__main__":
    main()
