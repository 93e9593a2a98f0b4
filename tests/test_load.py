"""Load test: 20 concurrent clients against the real server as production runs it
(``cfc serve --workers 2``: gunicorn, two processes writing to one SQLite file).

The server runs on a free loopback port with its own demo database (one round). Officers
send edits of their own assessments as the checklist's script does (each value with the value
last seen stored: its base), groups of officers edit the SAME three values of one assessment
(edits based on a value someone changed since are conflicts, with who and when) and each their
own evidence note (merged), some officers submit, and a reviewer reviews criteria of the
submitted assessments. Every request and response is recorded; afterwards the database must
hold exactly the accepted writes (every saved value stored unless a later accepted write changed
its field, one version per write that changed something, one audit entry per changed value),
no answer may be a 5xx, no request may fail, and the server's output must show no traceback
(no "database is locked").

Duration: ``CFC_LOAD_SECONDS`` (default 60 — the minute the security issue asks for —, capped at 120).
"""
from __future__ import annotations

import html
import http.client
import itertools
import json
import os
import re
import socket
import statistics
import subprocess
import sys
import threading
import time
import urllib.parse
from pathlib import Path
from typing import Any

import pytest

from webapp.store import accounts, audit, demo, workflow
from webapp.store import db as database

SECONDS = min(float(os.environ.get("CFC_LOAD_SECONDS", "60")), 120.0)
REQUEST_TIMEOUT = 30.0
PASSWORD = "load-test-password"
SOLO_CLIENTS = 12          # each edits its own assessment
SHARED_GROUPS = (4, 3)     # clients editing the same assessment, per group
SUBMITTERS = 4             # solo clients that submit part way through
INVALID_EVERY = 8          # every n-th write of a solo client is invalid (→ 422)
PROVINCE = "cao-bang-2022:04"
NOTE_ITEMS = ("1.1", "1.2", "2.1", "3.1")  # each client of a shared group writes its own evidence note

TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')
VERSION = re.compile(r'name="version" value="(\d+)"')
USER = re.compile(r'data-user="(\d+)"')
FLASH = re.compile(r'<p class="flash (\w+)"[^>]*>(.*?)</p>', re.DOTALL)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Client:
    """One keep-alive HTTP client with its own session cookie; records every exchange."""

    def __init__(self, name: str, port: int, log: list[dict[str, Any]], lock: threading.Lock, t0: float):
        self.name, self.port, self.log, self.lock, self.t0 = name, port, log, lock, t0
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=REQUEST_TIMEOUT)
        self.cookie = ""

    def close(self) -> None:
        self.conn.close()

    def request(self, kind: str, method: str, path: str, body: str | bytes | None = None,
                headers: dict[str, str] | None = None, **meta: Any) -> dict[str, Any]:
        sent = {"Cookie": self.cookie, **(headers or {})}
        record: dict[str, Any] = {"client": self.name, "kind": kind, "method": method, "path": path,
                                  "start": round(time.monotonic() - self.t0, 4), **meta}
        started = time.perf_counter()
        try:
            self.conn.request(method, path, body=body, headers=sent)
            response = self.conn.getresponse()
            data = response.read().decode("utf-8", "replace")
            record["status"] = response.status
            record["location"] = response.getheader("Location")
            for cookie in response.msg.get_all("Set-Cookie") or []:
                if cookie.startswith("cfc_session="):
                    self.cookie = cookie.split(";", 1)[0]
            if (response.getheader("Content-Type") or "").startswith("application/json"):
                record["json"] = json.loads(data)
            else:
                record["flashes"] = [(c, html.unescape(m).strip()) for c, m in FLASH.findall(data)]
                record["text"] = data
            record["bytes"] = len(data)
        except Exception as exc:  # noqa: BLE001 - every failure is recorded and asserted on
            record["status"] = None
            record["error"] = f"{type(exc).__name__}: {exc}"
            self.conn.close()  # a fresh connection for the next request
            self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=REQUEST_TIMEOUT)
        record["ms"] = round((time.perf_counter() - started) * 1000, 2)
        with self.lock:
            self.log.append(record)
        return record

    def form(self, kind: str, path: str, fields: dict[str, Any], **meta: Any) -> dict[str, Any]:
        return self.request(kind, "POST", path, urllib.parse.urlencode(fields),
                            {"Content-Type": "application/x-www-form-urlencoded"}, **meta)

    def login(self, username: str) -> None:
        page = self.request("login-page", "GET", "/login")
        token = TOKEN.search(page.get("text", "")).group(1)
        answer = self.form("login", "/login", {"csrf_token": token, "username": username, "password": PASSWORD})
        assert answer["status"] == 302, f"login of {username} failed: {answer.get('status')} {answer.get('error')}"

    def checklist(self, aid: int) -> tuple[str, int, dict[str, str]]:
        """Open the checklist as its script starts: the CSRF token, the user id and the stored values."""
        token, _version, record = self.page("checklist", f"/assessments/{aid}")
        user = int(USER.search(record.get("text", "")).group(1))
        state = self.request("checklist-state", "GET", f"/assessments/{aid}/edits", aid=None)
        return token, user, dict(state["json"]["values"])

    def page(self, kind: str, path: str) -> tuple[str, int | None, dict[str, Any]]:
        """GET a page; its CSRF token and the version it shows."""
        record = self.request(kind, "GET", path)
        text = record.get("text", "")
        token, version = TOKEN.search(text), VERSION.search(text)
        return (token.group(1) if token else ""), (int(version.group(1)) if version else None), record


# --------------------------------------------------------------------------- setup


def _build(work: Path) -> dict[str, Any]:
    """The demo database with more editable assessments and the load test's accounts."""
    db = database.connect(work / "cfc.db")
    try:
        demo.build_demo(db)
        submitted = [r["id"] for r in db.query("select id from assessments where status = 'submitted' order by id")]
        for aid in submitted[:6]:  # more editable assessments; three stay submitted for the reviewer
            workflow.return_for_clarification(db, aid, "load-setup", "Bổ sung minh chứng (kiểm thử tải).")
        rows = list(db.query("select a.id, a.unit_id from assessments a where a.status in ('draft', 'returned') "
                             "order by a.id"))
        needed = SOLO_CLIENTS + len(SHARED_GROUPS)
        assert len(rows) >= needed, f"only {len(rows)} editable assessments"
        plan: dict[str, Any] = {"solo": [], "shared": [], "reviewer": "load.reviewer"}
        for i, row in enumerate(rows[:SOLO_CLIENTS]):
            user = f"load.solo{i:02d}"
            accounts.create_user(db, user, PASSWORD, "officer", f"Cán bộ xã {i}", row["unit_id"], "load-setup")
            plan["solo"].append({"user": user, "aid": row["id"], "submit": i < SUBMITTERS})
        for g, (size, row) in enumerate(zip(SHARED_GROUPS, rows[SOLO_CLIENTS:needed], strict=True)):
            for j in range(size):
                user = f"load.shared{g}.{j}"
                accounts.create_user(db, user, PASSWORD, "officer", f"Cán bộ xã chung {g}.{j}", row["unit_id"],
                                     "load-setup")
                plan["shared"].append({"user": user, "aid": row["id"], "group": g, "note": NOTE_ITEMS[j]})
        accounts.create_user(db, plan["reviewer"], PASSWORD, "reviewer", "Thẩm định (tỉnh)", PROVINCE, "load-setup")
        plan["initial"] = {r["id"]: {"version": r["version"], "declared": json.loads(r["declared"]),
                                     "status": r["status"], "notes": workflow.evidence_notes(db, r["id"])}
                           for r in db.query("select id, version, declared, status from assessments")}
        plan["audit_floor"] = db.execute("select coalesce(max(id), 0) from audit_log").fetchone()[0]
    finally:
        db.conn.close()
    return plan


# --------------------------------------------------------------------------- the clients

_numbers = itertools.count(1)  # next() is atomic under the GIL: every write gets unique values


def _values(note_field: str) -> dict[str, str]:
    """Valid values that differ from every other write's (so each accepted write changes data), and a note."""
    n = next(_numbers)
    return {"children": str(5000 + n), "survey_respondents": str(300 + n), "survey_satisfied": str(299 + n),
            note_field: f"Biên bản số {n}/BB-UBND"}


def _edits(client: Client, aid: int, token: str, user: int, known: dict[str, str], values: dict[str, str],
           **meta: Any) -> dict[str, Any]:
    """Send the edits as the checklist's script does: each value with the value last seen stored (its base)."""
    sent = [{"field": f, "value": v, "base": known.get(f, "")} for f, v in values.items()]
    return client.request("edits", "POST", f"/assessments/{aid}/edits", json.dumps({"user": user, "edits": sent}),
                          {"Content-Type": "application/json", "X-CSRFToken": token}, aid=aid, edits=sent, **meta)


def _seen(answer: dict[str, Any], known: dict[str, str]) -> dict[str, str]:
    """What the client knows is stored after an answer (the script merges the stored state it is sent)."""
    body = answer.get("json") or {}
    return dict(body["values"]) if answer.get("status") == 200 and "values" in body else known


def _solo(client: Client, spec: dict[str, Any], stop: float, submit_at: float) -> None:
    client.login(spec["user"])
    aid = spec["aid"]
    token, user, known = client.checklist(aid)
    writes, submitted, locked_tries = 0, False, 0
    while time.monotonic() < stop:
        if submitted:
            if locked_tries < 2:  # a locked assessment refuses edits, with the reason
                locked_tries += 1
                _edits(client, aid, token, user, known, _values("evidence-1.1"), expect="locked")
            else:
                client.page("checklist", f"/assessments/{aid}")  # read load
            continue
        if spec["submit"] and time.monotonic() >= submit_at:
            answer = client.form("submit", f"/assessments/{aid}/submit", {"csrf_token": token}, aid=aid)
            if answer.get("status") == 302:
                follow = client.request("submit-result", "GET", urllib.parse.urlsplit(answer["location"]).path,
                                        aid=aid)
                answer["accepted"] = any(c == "ok" for c, _m in follow.get("flashes", []))
                answer["flashes"] = follow.get("flashes", [])
            submitted = True
            continue
        writes += 1
        if writes % INVALID_EVERY == 0:
            _edits(client, aid, token, user, known, {"children": "nhiều", "survey_satisfied": "-3"}, expect="invalid")
            continue
        known = _seen(_edits(client, aid, token, user, known, _values("evidence-1.1")), known)


def _shared(client: Client, spec: dict[str, Any], stop: float) -> None:
    """Officers of one commune typing the same three values (conflicts) and each their own note (merged)."""
    client.login(spec["user"])
    aid = spec["aid"]
    token, user, known = client.checklist(aid)
    while time.monotonic() < stop:
        answer = _edits(client, aid, token, user, known, _values(f"evidence-{spec['note']}"), group=spec["group"])
        known = _seen(answer, known)  # saved or in conflict: the next edit is based on what is stored now


def _reviewer(client: Client, user: str, stop: float) -> None:
    client.login(user)
    next_criterion: dict[int, int] = {}
    while time.monotonic() < stop:
        queue = client.request("review-queue", "GET", "/review")
        ids = sorted({int(x) for x in re.findall(r'/assessments/(\d+)/review', queue.get("text", ""))})
        if not ids:
            time.sleep(0.05)
            continue
        for aid in ids:
            if time.monotonic() >= stop:
                break
            token, version, _r = client.page("review-page", f"/assessments/{aid}/review")
            criterion = next_criterion.get(aid, 1)
            next_criterion[aid] = criterion % 13 + 1
            client.form("review", f"/assessments/{aid}/review/{criterion}",
                        {"csrf_token": token, "status": "accepted", "comment": "", "version": version},
                        aid=aid, criterion=criterion, base_version=version)


# --------------------------------------------------------------------------- the test


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))] if ordered else 0.0


def _start_server(work: Path, log_path: Path) -> tuple[subprocess.Popen, int, Any]:
    port = _free_port()
    env = {**os.environ, "CFC_DB": str(work / "cfc.db"), "CFC_INSTANCE": str(work)}
    cfc = Path(sys.executable).with_name("cfc")
    log = open(log_path, "wb")  # noqa: SIM115 - closed by the test after the server stops
    proc = subprocess.Popen([str(cfc), "serve", "--host", "127.0.0.1", "--port", str(port), "--workers", "2"], env=env,
                            stdout=log, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            return proc, port, log
        except OSError:
            if proc.poll() is not None:
                break
            time.sleep(0.1)
    proc.kill()
    proc.wait(timeout=10)
    log.close()
    raise RuntimeError(f"the server did not start: {log_path.read_text(errors='replace')}")


def test_concurrent_edits_reviews_and_submissions(tmp_path: Path) -> None:
    work = tmp_path / "instance"
    work.mkdir()
    plan = _build(work)
    log_path = tmp_path / "server.log"
    records: list[dict[str, Any]] = []
    lock = threading.Lock()
    proc, port, server_log = _start_server(work, log_path)
    clients: list[Client] = []
    failures: list[str] = []
    try:
        t0 = time.monotonic()
        stop = t0 + SECONDS
        submit_at = t0 + SECONDS * 0.4
        jobs = []
        for spec in plan["solo"]:
            c = Client(spec["user"], port, records, lock, t0)
            jobs.append((c, _solo, (c, spec, stop, submit_at)))
        for spec in plan["shared"]:
            c = Client(spec["user"], port, records, lock, t0)
            jobs.append((c, _shared, (c, spec, stop)))
        c = Client(plan["reviewer"], port, records, lock, t0)
        jobs.append((c, _reviewer, (c, plan["reviewer"], stop)))
        clients = [j[0] for j in jobs]
        assert len(clients) == 20

        def run(fn, args) -> None:
            try:
                fn(*args)
            except BaseException as exc:  # noqa: BLE001 - reported by the main thread
                with lock:
                    failures.append(f"{args[0].name}: {type(exc).__name__}: {exc}")

        threads = [threading.Thread(target=run, args=(fn, args), name=c.name) for c, fn, args in jobs]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=SECONDS + 2 * REQUEST_TIMEOUT)
        alive = [t.name for t in threads if t.is_alive()]
        wall = time.monotonic() - t0
    finally:
        for c in clients:
            c.close()
        proc.terminate()
        proc.wait(timeout=15)
        server_log.close()
    assert not alive, f"clients still running: {alive}"

    # ---- every exchange, for the record
    with open(tmp_path / "requests.jsonl", "w", encoding="utf-8") as out:
        out.writelines(json.dumps({k: v for k, v in r.items() if k != "text"}, ensure_ascii=False) + "\n" for r in records)

    summary = _summary(records, plan, wall)
    text = json.dumps(summary, ensure_ascii=False, indent=2)
    (tmp_path / "summary.json").write_text(text, encoding="utf-8")
    print(f"\nload test summary ({tmp_path}):\n{text}")

    # ---- the clients themselves ran to the end
    assert not failures, failures
    # ---- no request failed or timed out, no server error
    errors = [r for r in records if r.get("error")]
    assert not errors, f"{len(errors)} request errors, e.g. {errors[:3]}"
    server_errors = [r for r in records if (r["status"] or 0) >= 500]
    assert not server_errors, f"{len(server_errors)} 5xx answers, e.g. {[_brief(r) for r in server_errors[:3]]}"
    # ---- the server's output: no traceback, no locked database
    output = log_path.read_text(encoding="utf-8", errors="replace")
    assert "Traceback" not in output, output[-4000:]
    assert "database is locked" not in output, output[-4000:]

    _check_answers(records)
    summary["database"] = _check_database(work / "cfc.db", records, plan)
    depths = [int(d) for d in re.findall(r"Task queue depth is (\d+)", output)]
    summary["server_log"] = {"lines": len(output.splitlines()), "queue_depth_warnings": len(depths),
                             "max_queue_depth": max(depths, default=0)}
    text = json.dumps(summary, ensure_ascii=False, indent=2)
    (tmp_path / "summary.json").write_text(text, encoding="utf-8")
    print(f"database and server log checked: {json.dumps(summary['database'])} {json.dumps(summary['server_log'])}")
    assert summary["saved_edits"] > 0 and summary["shared_saved"] > 0 and summary["shared_conflicts"] > 0, summary
    assert summary["reviews_accepted"] > 0 and summary["submits_accepted"] == SUBMITTERS, summary


def _brief(r: dict[str, Any]) -> dict[str, Any]:
    return {k: (v[:300] if isinstance(v, str) else v) for k, v in r.items() if k not in ("text",)}


def _check_answers(records: list[dict[str, Any]]) -> None:
    """Each kind of request got one of its expected answers; every refusal and conflict says why."""
    expected = {"login-page": {200}, "login": {302}, "checklist": {200}, "checklist-state": {200}, "edits": {200, 409},
                "submit": {302}, "submit-result": {200}, "review-queue": {200}, "review-page": {200},
                "review": {303, 409, 422}}
    for r in records:
        assert r["status"] in expected[r["kind"]], f"unexpected answer: {_brief(r)}"
        body = r.get("json") or {}
        if r["kind"] == "edits":
            if r["status"] == 409:
                assert body.get("locked") is True and (body.get("message") or "").strip(), _brief(r)
                assert r.get("expect") == "locked", f"edits refused: {_brief(r)}"
                continue
            results = body.get("results") or []
            assert [x["field"] for x in results] == [e["field"] for e in r["edits"]], _brief(r)
            assert isinstance(body.get("version"), int) and isinstance(body.get("values"), dict), _brief(r)
            assert r.get("expect") != "locked", f"an edit of a locked assessment was answered: {_brief(r)}"
            for edit, x in zip(r["edits"], results, strict=True):
                assert x["state"] in ("saved", "conflict", "refused"), _brief(r)
                if x["state"] != "saved":
                    assert (x.get("message") or "").strip(), f"{x['state']} without a reason: {_brief(r)}"
                if x["state"] == "refused":
                    assert r.get("expect") == "invalid", f"a valid edit was refused: {_brief(r)}"
                if x["state"] == "conflict":
                    assert r.get("group") is not None, f"a solo editor's edit was in conflict: {_brief(r)}"
                    assert x["theirs"] == body["values"][x["field"]] != edit["base"], _brief(r)
            if r.get("expect") == "invalid":
                assert {x["state"] for x in results} == {"refused"}, f"an invalid edit was saved: {_brief(r)}"
        if r["kind"] == "review" and r["status"] != 303:
            assert any(c == "error" and m for c, m in r.get("flashes", [])), f"refusal without reason: {_brief(r)}"
        if r["kind"] == "submit":
            assert r.get("accepted"), f"submission refused: {_brief(r)}"


def _typed(field: str, text: str) -> Any:
    """A value the load test sends, as stored (its notes as text, its counts as numbers)."""
    return text if field.startswith("evidence-") else int(text)


def _check_database(path: Path, records: list[dict[str, Any]], plan: dict[str, Any]) -> dict[str, int]:
    """The database holds exactly the accepted writes: every saved value is stored unless a later accepted
    write changed its field; the version moved once per write that changed something; one audit entry per
    changed value, in order."""
    db = database.connect(path)
    try:
        problems = database.check(path)
        assert not problems, problems
        touched = {r["aid"] for r in records if r.get("aid") is not None}
        counts = {"assessments_checked": len(touched), "declare_entries": 0, "evidence_entries": 0,
                  "status_entries": 0, "review_entries": 0}
        for aid in sorted(touched):
            initial = plan["initial"][aid]
            row = workflow.get(db, aid)
            answered = [r for r in records if r["kind"] == "edits" and r.get("aid") == aid and r["status"] == 200]
            state: dict[str, Any] = {**{f: v for f, v in initial["declared"].items()},
                                     **{f"evidence-{i}": n for i, n in initial["notes"].items()}}
            changing, expected_audit = [], []
            for r in sorted(answered, key=lambda r: r["json"]["version"]):
                saved = [(e["field"], _typed(e["field"], e["value"])) for e, x in
                         zip(r["edits"], r["json"]["results"], strict=True) if x["state"] == "saved"]
                changes = [(f, v) for f, v in saved if state.get(f) != v]
                for f, v in saved:
                    shown = r["json"]["values"][f]
                    assert _typed(f, shown) == v, f"assessment {aid}: saved {f}={v} but the answer shows {shown}"
                if not changes:
                    continue
                changing.append(r["json"]["version"])
                for f, v in changes:
                    action, name = ("evidence", f.removeprefix("evidence-")) if f.startswith("evidence-") \
                        else ("declare", f)
                    expected_audit.append((r["client"], action, name, audit._text(state.get(f)), audit._text(v)))
                    state[f] = v
            writes = len(changing)
            assert len(set(changing)) == writes, f"assessment {aid}: two accepted writes share a version"
            submits = sum(1 for r in records if r["kind"] == "submit" and r.get("aid") == aid and r.get("accepted"))
            reviews = sum(1 for r in records if r["kind"] == "review" and r.get("aid") == aid and r["status"] == 303)
            assert row["version"] == initial["version"] + writes + submits + reviews, \
                (f"assessment {aid}: version {row['version']}, expected {initial['version']} + {writes} writes "
                 f"+ {submits} submissions + {reviews} reviews")
            notes = {f"evidence-{i}": n for i, n in workflow.evidence_notes(db, aid).items()}
            stored = {**row["declared"], **notes}
            assert stored == state, f"assessment {aid}: the stored values differ from the accepted writes"
            entries = list(db.query(
                "select actor, action, field, old, new from audit_log where id > ? and entity = 'assessment' "
                "and entity_id = ? order by id", [plan["audit_floor"], str(aid)]))
            written = [(e["actor"], e["action"], e["field"], e["old"], e["new"]) for e in entries
                       if e["action"] in ("declare", "evidence")]
            assert written == expected_audit, \
                f"assessment {aid}: {len(written)} value audit entries, expected {len(expected_audit)}"
            assert sum(e["action"] == "status" for e in entries) == submits, f"assessment {aid}: status entries"
            assert sum(e["action"] == "review" for e in entries) == reviews, f"assessment {aid}: review entries"
            if submits:
                assert row["status"] in ("submitted", "resubmitted"), f"assessment {aid}: {row['status']}"
            counts["declare_entries"] += sum(e[1] == "declare" for e in written)
            counts["evidence_entries"] += sum(e[1] == "evidence" for e in written)
            counts["status_entries"] += submits
            counts["review_entries"] += reviews
        return counts
    finally:
        db.conn.close()


def _summary(records: list[dict[str, Any]], plan: dict[str, Any], wall: float) -> dict[str, Any]:
    def stats(rs: list[dict[str, Any]]) -> dict[str, Any]:
        ms = [r["ms"] for r in rs if r.get("status")]
        return {"requests": len(rs), "p50_ms": round(statistics.median(ms), 1) if ms else None,
                "p95_ms": round(_percentile(ms, 0.95), 1) if ms else None,
                "max_ms": round(max(ms), 1) if ms else None}

    def results(rs: list[dict[str, Any]], state: str) -> int:
        return sum(x["state"] == state for r in rs for x in (r.get("json") or {}).get("results", []))

    sent = [r for r in records if r["kind"] == "edits"]
    by_kind = {k: stats([r for r in records if r["kind"] == k]) for k in sorted({r["kind"] for r in records})}
    shared = [r for r in sent if r.get("group") is not None]
    return {
        "seconds": SECONDS, "wall_seconds": round(wall, 1), "clients": 20,
        "requests": len(records), "requests_per_second": round(len(records) / wall, 1) if wall else None,
        **{k: v for k, v in stats(records).items() if k != "requests"},
        "edit_requests": len(sent), "saved_edits": results(sent, "saved"),
        "conflicting_edits": results(sent, "conflict"), "refused_edits": results(sent, "refused"),
        "refused_locked": sum(r["status"] == 409 for r in sent),
        "shared_requests": len(shared), "shared_saved": results(shared, "saved"),
        "shared_conflicts": results(shared, "conflict"),
        "submits_accepted": sum(bool(r.get("accepted")) for r in records if r["kind"] == "submit"),
        "reviews_accepted": sum(r["status"] == 303 for r in records if r["kind"] == "review"),
        "reviews_refused": sum(r["status"] in (409, 422) for r in records if r["kind"] == "review"),
        "errors": sum(bool(r.get("error")) for r in records),
        "status_5xx": sum((r["status"] or 0) >= 500 for r in records),
        "by_kind": by_kind,
    }


if __name__ == "__main__":  # pragma: no cover
    sys.exit(pytest.main([__file__, "-s"]))
