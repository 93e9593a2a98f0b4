"""Faults with real processes: ``cfc`` killed with SIGKILL while importing, backing up and
writing certificates; a read-only database; backup and restore while ``cfc serve`` runs.

Every process is started here, waited for with a time limit and killed by its own id.
"""
from __future__ import annotations

import csv
import json
import os
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
import zipfile
from pathlib import Path

import pytest

import criteria
from webapp import db as database
from webapp import workflow

CFC = Path(sys.executable).with_name("cfc")
TEST_ROUND = 4  # the round the fixture adds to the demo: every commune of 2022 in draft
DISTRICTS = ("huyen-bao-lac", "huyen-bao-lam", "huyen-ha-lang", "huyen-ha-quang", "huyen-hoa-an")
LIMIT = 120  # seconds any one process may take


def env(instance: Path) -> dict[str, str]:
    e = {k: v for k, v in os.environ.items() if not k.startswith("CFC_")}
    e["CFC_INSTANCE"] = str(instance)
    return e


def cfc(*args: str, instance: Path, check: bool = True) -> subprocess.CompletedProcess:
    proc = subprocess.run([str(CFC), *args], check=False, capture_output=True, text=True, env=env(instance), timeout=LIMIT)
    if check:
        assert proc.returncode == 0, f"cfc {' '.join(args)}: {proc.returncode}\n{proc.stdout}\n{proc.stderr}"
    return proc


def start(*args: str, instance: Path, **kwargs) -> subprocess.Popen:
    return subprocess.Popen([str(CFC), *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            env=env(instance), start_new_session=True, **kwargs)


def kill(proc: subprocess.Popen) -> None:
    """SIGKILL the process, then whatever it started (its session), and reap it."""
    try:
        os.kill(proc.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    proc.communicate(timeout=LIMIT)


def ro_query(path: Path, sql: str, params: tuple = ()) -> list[tuple]:
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        return conn.execute(sql, params).fetchall()
    finally:
        conn.close()


def copy_db(source: Path, target: Path) -> Path:
    database.backup(source, target)
    return target


def write_lock_held(path: Path) -> bool:
    """Whether another connection holds the database's write lock (a write transaction is open)."""
    conn = sqlite3.connect(path, timeout=0, isolation_level=None)
    try:
        conn.execute("BEGIN IMMEDIATE")
        conn.execute("ROLLBACK")
        return False
    except sqlite3.OperationalError as exc:
        if "locked" in str(exc) or "busy" in str(exc):
            return True
        raise
    finally:
        conn.close()


def perfect_inputs() -> dict:
    qd06 = criteria.get("qd06-2019")
    inputs = {name: True for name, spec in qd06.inputs.items() if spec.type == "boolean"}
    inputs.update(
        children=1200, births=40, births_registered_on_time=40, abused_children=0,
        law_breaking_children=0, drug_addicted_children=0, accident_deaths=0, injured_children=2,
        special_children=30, special_children_supported=30, severe_cases=0, severe_cases_with_plan=0,
        infants=38, infants_fully_immunised=38, under5_weighed=200, under5_underweight=6,
        under5_measured=200, under5_stunted=14, health_check_due=500, health_checked=480,
        children_3_5=120, preschool_attending=118, primary_age=300, primary_attending=300,
        lower_secondary_age=250, lower_secondary_attending=245, survey_respondents=100,
        survey_satisfied=93,
    )
    return inputs


@pytest.fixture(scope="module")
def template(tmp_path_factory) -> tuple[Path, Path]:
    """A demo database plus round 4 (161 drafts) and five issued decisions in round 3; the import CSV."""
    base = tmp_path_factory.mktemp("faults")
    path, instance = base / "template.db", base / "instance"
    cfc("demo", "--db", str(path), instance=instance)
    cfc("round", "create", "--db", str(path), "--name", "Kiểm thử sự cố", "--year", "2026",
        "--units", "cao-bang-2022", instance=instance)
    for number, district in enumerate(DISTRICTS, start=1):
        cfc("decision", "3", "--db", str(path), "--issuer", f"cao-bang-2022:{district}",
            "--number", f"{number}/QĐ-UBND", "--date", "2024-12-10", "--valid-until", "2027-12-31",
            "--signer-name", "Nông Văn Hùng", instance=instance)
    codes = [r[0] for r in ro_query(path, "select u.code from assessments a join units u on u.id = a.unit_id "
                                          "where a.round_id = ? order by u.code", (TEST_ROUND,))]
    assert len(codes) == 161
    inputs = perfect_inputs()
    data = base / "ke-khai.csv"
    with data.open("w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(["code", *inputs])
        for i, code in enumerate(codes):
            writer.writerow([code, *[("có" if v is True else v) for v in {**inputs, "children": 1000 + i}.values()]])
    return path, data


@pytest.fixture()
def work(template, tmp_path) -> tuple[Path, Path, Path]:
    path, data = template
    return copy_db(path, tmp_path / "cfc.db"), data, tmp_path / "instance"


def declared(path: Path) -> dict[str, str]:
    return dict(ro_query(path, "select unit_id, declared from assessments where round_id = ?", (TEST_ROUND,)))


def imports_logged(path: Path) -> int:
    return ro_query(path, "select count(*) from audit_log where action = 'import'")[0][0]


def assert_sound(path: Path, instance: Path) -> None:
    proc = cfc("check", "--db", str(path), instance=instance, check=False)
    assert proc.returncode == 0, proc.stderr
    assert database.check(path) == []


# --------------------------------------------------------------------------- (a) import


def test_import_killed_while_writing_leaves_all_or_nothing_and_a_rerun_completes(work, tmp_path):
    path, data, instance = work
    pristine = copy_db(path, tmp_path / "pristine.db")
    before = declared(path)
    assert all(json.loads(v) == {} for v in before.values())
    outcomes = []
    for delay in (0.0, 0.02, 0.05, 0.1, 0.2):
        copy_db(pristine, path)
        proc = start("import", str(TEST_ROUND), str(data), "--db", str(path), instance=instance)
        deadline, held = time.monotonic() + LIMIT, False
        while time.monotonic() < deadline and proc.poll() is None:
            if write_lock_held(path):
                held = True
                break
            time.sleep(0.002)
        if held:
            time.sleep(delay)
        finished = proc.poll() is not None
        kill(proc)
        assert_sound(path, instance)
        after = declared(path)
        changed = sum(after[u] != before[u] for u in before)
        assert changed in (0, len(before)), f"{changed} of {len(before)} assessments changed: not all or nothing"
        assert imports_logged(path) == (1 if changed else 0)
        outcomes.append((delay, held and not finished, changed))
    print("import kills (delay, inside the write transaction, changed):", outcomes)
    # at least one kill landed inside the import's write transaction and left nothing
    assert any(mid and changed == 0 for _delay, mid, changed in outcomes), outcomes

    proc = cfc("import", str(TEST_ROUND), str(data), "--db", str(path), instance=instance)
    assert "161 units imported" in proc.stdout or "0 units imported" in proc.stdout
    after = declared(path)
    assert all(json.loads(after[u])["children"] >= 1000 for u in after)
    assert sorted(json.loads(v)["children"] for v in after.values()) == list(range(1000, 1161))
    assert_sound(path, instance)


# --------------------------------------------------------------------------- (b) backup


def test_backup_killed_leaves_the_database_sound_and_a_rerun_backs_up(work, tmp_path):
    path, _data, instance = work
    rows = ro_query(path, "select count(*) from audit_log")[0][0]
    target = tmp_path / "backups" / "cfc.db"
    caught = 0
    for attempt in range(5):
        proc = start("backup", str(target), "--db", str(path), instance=instance)
        deadline = time.monotonic() + LIMIT
        while time.monotonic() < deadline and proc.poll() is None and not target.exists():
            time.sleep(0.001)
        caught += proc.poll() is None
        kill(proc)
        assert_sound(path, instance)
    print(f"backup kills before the backup finished: {caught} of 5; target left: {target.exists()}")
    assert caught, "no attempt was killed before the backup finished"
    proc = cfc("backup", str(target), "--db", str(path), instance=instance)
    assert_sound(target, instance)
    assert ro_query(target, "select count(*) from audit_log")[0][0] == rows
    assert_sound(path, instance)


# --------------------------------------------------------------------------- (c) certificates


def test_certificates_killed_leave_no_partial_zip_and_a_rerun_completes(work, tmp_path):
    path, _data, instance = work
    target = tmp_path / "out" / "gcn.zip"
    part = target.with_name(target.name + ".part")
    args = ("certificates", "3", "--public-url", "http://127.0.0.1:8080", "-o", str(target), "--db", str(path))
    proc = start(*args, instance=instance)
    deadline = time.monotonic() + LIMIT
    while time.monotonic() < deadline and proc.poll() is None and not (part.exists() and part.stat().st_size > 20_000):
        time.sleep(0.01)
    assert proc.poll() is None, "the certificates were written before the kill"
    kill(proc)
    print(f"certificates killed with {part.stat().st_size if part.exists() else 0} bytes in {part.name}")
    assert not target.exists(), "a partial ZIP was left at the target path"
    assert_sound(path, instance)

    proc = cfc(*args, instance=instance)
    assert "50 certificates from 5 decision(s)" in proc.stdout
    assert not part.exists()
    with zipfile.ZipFile(target) as archive:
        assert archive.testzip() is None
        names = archive.namelist()
    assert len([n for n in names if n.endswith(".pdf")]) == 50 and "danh-sach.csv" in names


# --------------------------------------------------------------------------- read-only database


@pytest.fixture()
def read_only(work):
    """The work database in a folder with mode 444, and a runner without root's DAC override."""
    path, data, instance = work
    if os.geteuid() == 0 and not shutil.which("setpriv"):
        pytest.skip("running as root without setpriv: cannot make a file read-only for the test process")
    folder = Path(tempfile.mkdtemp(prefix="cfc-ro-"))
    try:
        db_file = copy_db(path, folder / "cfc.db")
        db_file.chmod(0o444)
        prefix = ["setpriv", "--bounding-set", "-dac_override,-dac_read_search"] if os.geteuid() == 0 else []
        yield db_file, data, instance, prefix
    finally:
        shutil.rmtree(folder)


def run_import_read_only(db_file: Path, data: Path, instance: Path, prefix: list[str]) -> subprocess.CompletedProcess:
    return subprocess.run([*prefix, str(CFC), "import", str(TEST_ROUND), str(data), "--db", str(db_file)],
                          check=False, capture_output=True, text=True, env=env(instance), timeout=LIMIT)


def test_import_into_a_read_only_database_writes_nothing(read_only):
    db_file, data, instance, prefix = read_only
    before, size = declared(db_file), db_file.stat().st_size
    proc = run_import_read_only(db_file, data, instance, prefix)
    assert proc.returncode != 0
    assert declared(db_file) == before and imports_logged(db_file) == 0
    assert db_file.stat().st_size == size
    assert database.check(db_file) == []


def test_import_into_a_read_only_database_gives_a_clear_error(read_only):
    db_file, data, instance, prefix = read_only
    proc = run_import_read_only(db_file, data, instance, prefix)
    assert proc.returncode != 0
    assert "Traceback" not in proc.stderr
    assert "readonly database; nothing was written" in proc.stderr
    assert proc.returncode == 5


# --------------------------------------------------------------------------- backup/restore while serving


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def get_json(url: str, token: str) -> dict:
    request = urllib.request.Request(url, headers={"Authorization": f"Bearer {token}"})
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.loads(response.read())


def test_backup_and_restore_while_serving_and_being_written(work, tmp_path):
    path, _data, instance = work
    token = "t" * 40
    port = free_port()
    server_env = env(instance) | {"CFC_API_TOKEN": token}
    server = subprocess.Popen([str(CFC), "serve", "--port", str(port), "--db", str(path)], env=server_env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as r:
                    assert r.status == 200
                break
            except OSError:
                assert server.poll() is None, server.stderr.read().decode()
                assert time.monotonic() < deadline, "cfc serve did not start"
                time.sleep(0.1)
        ids = [r[0] for r in ro_query(path, "select a.id from assessments a where a.round_id = ? "
                                            "order by a.id limit 5", (TEST_ROUND,))]
        code = ro_query(path, "select u.code from assessments a join units u on u.id = a.unit_id "
                              "where a.id = ?", (ids[0],))[0][0]
        stop, errors, saves = threading.Event(), [], [0]

        def autosave() -> None:  # the commune form's autosave, through the workflow API
            db = database.connect(path)
            try:
                while not stop.is_set():
                    for assessment_id in ids:
                        workflow.save_declared(db, assessment_id, {"children": 2000 + saves[0]}, "xa:autosave")
                        saves[0] += 1
                    time.sleep(0.01)
            except Exception as exc:  # noqa: BLE001  (reported by the test thread)
                errors.append(exc)
            finally:
                db.close()

        writer = threading.Thread(target=autosave)
        writer.start()
        try:
            while saves[0] < 20 and not errors:
                time.sleep(0.01)
            backup = tmp_path / "backups" / "cfc.db"
            cfc("backup", str(backup), "--db", str(path), instance=instance)
            at_backup = saves[0]
            while saves[0] < at_backup + 20 and not errors:
                time.sleep(0.01)
        finally:
            stop.set()
            writer.join(timeout=60)
        assert not writer.is_alive() and not errors, errors
        assert_sound(backup, instance)
        saved = declared(backup)
        live = declared(path)
        assert saved != live  # the writes went on after the backup
        assert server.poll() is None

        cfc("restore", str(backup), "--db", str(path), "--yes", instance=instance)
        assert_sound(path, instance)
        assert declared(path) == saved
        expected = ro_query(backup, "select updated_at from assessments where id = ?", (ids[0],))[0][0]
        answer = get_json(f"http://127.0.0.1:{port}/api/rounds/{TEST_ROUND}/units/{code}", token)
        assert answer["updated_at"] == expected  # the running server reads the restored data
        assert server.poll() is None
    finally:
        os.kill(server.pid, signal.SIGTERM)
        try:
            server.communicate(timeout=20)
        except subprocess.TimeoutExpired:
            os.kill(server.pid, signal.SIGKILL)
            server.communicate(timeout=20)
