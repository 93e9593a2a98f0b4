"""Faults with real processes: ``cfc`` killed with SIGKILL while importing, backing up and
writing certificates; a read-only database; backup and restore while ``cfc serve`` runs; a full
disk under ``cfc import``, ``cfc backup`` and the web app's saves and uploads.

Every process is started here, waited for with a time limit and killed by its own id.
"""
from __future__ import annotations

import csv
import hashlib
import html
import http.cookiejar
import json
import os
import re
import resource
import secrets
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
import zipfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

import criteria
from webapp.store import db as database
from webapp.store import workflow
from webapp.store.demo import DEMO_PASSWORD

CFC = Path(sys.executable).with_name("cfc")
TEST_ROUND = 5  # the round the fixture adds to the demo (1–3: 2020–2024, 4: 2026): every 2022 commune in draft
DISTRICTS = ("huyen-bao-lac", "huyen-bao-lam", "huyen-ha-lang", "huyen-ha-quang", "huyen-hoa-an")
LIMIT = 120  # seconds any one process may take


def env(instance: Path) -> dict[str, str]:
    e = {k: v for k, v in os.environ.items() if not k.startswith("CFC_")}
    e["CFC_INSTANCE"] = str(instance)
    return e


def cfc(*args: str, instance: Path, check: bool = True, **kwargs) -> subprocess.CompletedProcess:
    proc = subprocess.run([str(CFC), *args], check=False, capture_output=True, text=True, env=env(instance),
                          timeout=LIMIT, **kwargs)
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


def as_cells(inputs: dict) -> dict[str, str]:
    """Input values as a person types them in a cell or a form field (yes/no as «có»)."""
    return {name: "có" if value is True else str(value) for name, value in inputs.items()}


@pytest.fixture(scope="module")
def template(tmp_path_factory) -> tuple[Path, Path]:
    """A demo database plus round 5 (161 drafts) and five issued decisions in round 3; the import CSV."""
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
    cfc("users", "add", "canbo.xa", "--role", "officer", "--name", "Cán bộ xã", "--unit", f"cao-bang-2022:{codes[0]}",
        "--password", DEMO_PASSWORD, "--db", str(path), instance=instance)  # an officer of the test round
    inputs = perfect_inputs()
    data = base / "ke-khai.csv"
    with data.open("w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(["code", *inputs])
        for i, code in enumerate(codes):
            writer.writerow([code, *as_cells({**inputs, "children": 1000 + i}).values()])
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
    part = target.with_name(target.name + ".part")
    caught = 0
    for _attempt in range(5):
        proc = start("backup", str(target), "--db", str(path), instance=instance)
        deadline = time.monotonic() + LIMIT
        while time.monotonic() < deadline and proc.poll() is None and not part.exists():
            time.sleep(0.001)
        caught += proc.poll() is None
        kill(proc)
        assert_sound(path, instance)
        # written beside the target and renamed when complete: never a partial file at the target path
        assert not target.exists() or database.check(target) == []
    print(f"backup kills before the backup finished: {caught} of 5; target left: {target.exists()}, "
          f"{part.name} left: {part.exists()}")
    assert caught, "no attempt was killed before the backup finished"
    proc = cfc("backup", str(target), "--db", str(path), instance=instance)
    assert not part.exists()
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
    issued = ro_query(path, "select count(*) from certificates c join recognition_documents d on d.id = c.document_id "
                            "where d.round_id = 3")[0][0]
    assert issued > 40 and f"{issued} certificates from 5 decision(s)" in proc.stdout
    assert not part.exists()
    with zipfile.ZipFile(target) as archive:
        assert archive.testzip() is None
        names = archive.namelist()
    assert len([n for n in names if n.endswith(".pdf")]) == issued and "danh-sach.csv" in names


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


@contextmanager
def serving(path: Path, instance: Path, extra_env: dict[str, str] | None = None,
            **kwargs) -> Iterator[tuple[subprocess.Popen, str]]:
    """``cfc serve`` on a free port, once /healthz answers: the process and its address; stopped by SIGTERM."""
    port = free_port()
    server = subprocess.Popen([str(CFC), "serve", "--port", str(port), "--db", str(path)],
                              env=env(instance) | (extra_env or {}), stdout=subprocess.DEVNULL,
                              stderr=subprocess.PIPE, start_new_session=True, **kwargs)
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
        yield server, f"http://127.0.0.1:{port}"
    finally:
        os.kill(server.pid, signal.SIGTERM)
        try:
            server.communicate(timeout=20)
        except subprocess.TimeoutExpired:
            os.kill(server.pid, signal.SIGKILL)
            server.communicate(timeout=20)


def get_json(url: str, token: str) -> dict:
    request = urllib.request.Request(url, headers={"Authorization": f"Bearer {token}"})
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.loads(response.read())


def test_backup_and_restore_while_serving_and_being_written(work, tmp_path):
    path, _data, instance = work
    token = "t" * 40
    with serving(path, instance, {"CFC_API_TOKEN": token}) as (server, url):
        ids = [r[0] for r in ro_query(path, "select a.id from assessments a where a.round_id = ? "
                                            "order by a.id limit 5", (TEST_ROUND,))]
        code = ro_query(path, "select u.code from assessments a join units u on u.id = a.unit_id "
                              "where a.id = ?", (ids[0],))[0][0]
        stop, errors, saves = threading.Event(), [], [0]

        def autosave() -> None:  # a commune saving its declaration over and over, through the workflow API
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
        answer = get_json(f"{url}/api/rounds/{TEST_ROUND}/units/{code}", token)
        assert answer["updated_at"] == expected  # the running server reads the restored data
        assert server.poll() is None


# --------------------------------------------------------------------------- full disk
#
# A full disk without root: the process gets a file-size limit (RLIMIT_FSIZE) with SIGXFSZ ignored, so
# a write at or past the limit fails with EFBIG where a full disk fails with ENOSPC. SQLite reports it
# as a failed write (SQLITE_IOERR_WRITE, "disk I/O error"); ENOSPC gives SQLITE_FULL ("database or disk
# is full"), which PRAGMA max_page_count produces in the last test.


def on_full_disk(limit: int | None = None) -> Callable[[], None]:
    """A ``preexec_fn``: SIGXFSZ ignored and, with ``limit``, no file written past ``limit`` bytes."""
    def apply() -> None:
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        if limit is not None:
            resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))
    return apply


@contextmanager
def held_open(path: Path) -> Iterator[Path]:
    """The database held open by another connection, as a running server does; yields its -wal.

    While it is open, SQLite keeps the -shm index in place and only appends to the -wal (no
    checkpoint on close), so a limit at the -wal's size lets a process read the database but not
    add a page.
    """
    conn = sqlite3.connect(path)
    try:
        conn.execute("select count(*) from sqlite_master").fetchall()
        yield path.with_name(path.name + "-wal")
    finally:
        conn.close()


def digest(path: Path) -> str:
    """The file's SHA-256: unchanged bytes, not just an unchanged look through SQLite."""
    return hashlib.sha256(path.read_bytes()).hexdigest()


def assert_says_disk_full(proc: subprocess.CompletedProcess) -> None:
    """Exit 5 and one line on stderr naming the full disk and saying nothing was written; no traceback."""
    assert proc.returncode == 5, (proc.returncode, proc.stderr)
    assert "Traceback" not in proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, proc.stderr
    assert "ổ đĩa đầy" in lines[0] and "the disk is full" in lines[0]
    assert lines[0].endswith("; nothing was written")


def test_import_onto_a_full_disk_says_so_writes_nothing_and_a_rerun_completes(work):
    path, data, instance = work
    before, file_digest = declared(path), digest(path)
    with held_open(path) as wal:
        limit = wal.stat().st_size + 64 * 1024  # room for 15 pages; the import needs hundreds
        proc = cfc("import", str(TEST_ROUND), str(data), "--db", str(path), instance=instance, check=False,
                   preexec_fn=on_full_disk(limit))
        print("cfc import on a full disk:", proc.stderr.strip())
        assert_says_disk_full(proc)
        assert wal.stat().st_size == limit  # the import did fill the disk before it stopped
    assert_sound(path, instance)
    assert declared(path) == before and imports_logged(path) == 0
    assert digest(path) == file_digest

    proc = cfc("import", str(TEST_ROUND), str(data), "--db", str(path), instance=instance)
    assert "161 units imported" in proc.stdout
    assert sorted(json.loads(v)["children"] for v in declared(path).values()) == list(range(1000, 1161))
    assert_sound(path, instance)


def test_backup_onto_a_full_disk_says_so_and_leaves_no_file(work, tmp_path):
    path, _data, instance = work
    target = tmp_path / "backups" / "cfc.db"
    file_digest = digest(path)
    limit = path.stat().st_size // 2  # room for half the backup
    proc = cfc("backup", str(target), "--db", str(path), instance=instance, check=False,
               preexec_fn=on_full_disk(limit))
    print("cfc backup on a full disk:", proc.stderr.strip())
    assert_says_disk_full(proc)
    assert list(target.parent.iterdir()) == []  # neither a truncated backup nor its .part
    assert digest(path) == file_digest
    assert_sound(path, instance)

    cfc("backup", str(target), "--db", str(path), instance=instance)
    assert [p.name for p in target.parent.iterdir()] == [target.name]
    assert_sound(target, instance)
    assert ro_query(target, "select count(*) from audit_log") == ro_query(path, "select count(*) from audit_log")


class Browser:
    """A user's browser against the running server: cookies, forms with the page's CSRF token."""

    def __init__(self, url: str):
        self.url = url
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))
        self.token = ""

    def open(self, path: str, body: bytes | None = None, content_type: str | None = None) -> tuple[int, str]:
        """Status and unescaped text of the answer (redirects followed); remembers the page's CSRF token."""
        request = urllib.request.Request(self.url + path, data=body,
                                         headers={"Content-Type": content_type} if content_type else {})
        try:
            with self.opener.open(request, timeout=LIMIT) as response:
                status, page = response.status, response.read().decode()
        except urllib.error.HTTPError as exc:
            status, page = exc.code, exc.read().decode()
        self.token = next(iter(re.findall(r'name="csrf_token" value="([^"]+)"', page)), self.token)
        return status, html.unescape(page)

    def post(self, path: str, fields: dict[str, str]) -> tuple[int, str]:
        """Send a form as the page's form does (urlencoded, with the CSRF token)."""
        body = urllib.parse.urlencode({**fields, "csrf_token": self.token}).encode()
        return self.open(path, body, "application/x-www-form-urlencoded")

    def upload(self, path: str, filename: str, data: bytes) -> tuple[int, str]:
        """Send one file as the upload form does (multipart, with the CSRF token)."""
        boundary = secrets.token_hex(16)
        body = (f'--{boundary}\r\nContent-Disposition: form-data; name="csrf_token"\r\n\r\n{self.token}\r\n'
                f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{filename}"\r\n'
                f"Content-Type: application/pdf\r\n\r\n").encode() + data + f"\r\n--{boundary}--\r\n".encode()
        return self.open(path, body, f"multipart/form-data; boundary={boundary}")


def stored(path: Path, assessment_id: int) -> tuple:
    """What a save or an upload would change: the declaration, its version, the audit log, attachments."""
    return (ro_query(path, "select declared, version from assessments where id = ?", (assessment_id,)),
            ro_query(path, "select count(*) from audit_log"),
            ro_query(path, "select count(*) from attachments where assessment_id = ?", (assessment_id,)))


def test_web_save_and_upload_onto_a_full_disk_say_so_keep_the_input_and_write_nothing(work):
    path, _data, instance = work
    assessment_id = ro_query(path, "select a.id from assessments a join users u on u.scope_unit_id = a.unit_id "
                                   "where u.username = 'canbo.xa' and a.round_id = ?", (TEST_ROUND,))[0][0]
    checklist, store = f"/assessments/{assessment_id}", instance / "attachments"
    form = {**as_cells(perfect_inputs()), "version": "1"}
    pdf = b"%PDF-1.4\n" + b"0" * 2000  # smaller than the -wal: the file fits on the disk, its row does not
    with serving(path, instance, preexec_fn=on_full_disk()) as (server, url), held_open(path) as wal:
        browser = Browser(url)
        assert browser.open("/login")[0] == 200
        assert browser.post("/login", {"username": "canbo.xa", "password": DEMO_PASSWORD})[0] == 200
        status, opened_page = browser.open(checklist)
        assert status == 200
        before = stored(path, assessment_id)
        limit = wal.stat().st_size  # the disk fills up: not one more page
        resource.prlimit(server.pid, resource.RLIMIT_FSIZE, (limit, resource.RLIM_INFINITY))

        status, page = browser.post(checklist, form)
        assert status == 503 and "Traceback" not in page
        assert "Chưa lưu được" in page and "ổ đĩa đã đầy hoặc bị lỗi ghi" in page
        assert "Không có gì được ghi, kể cả một phần" in page
        kept = {name: value for name, value in re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)">', page)
                if name != "csrf_token"}
        assert kept == form and '<button type="submit">Gửi lại</button>' in page  # kept, to send again
        user = int(re.search(r'data-user="(\d+)"', opened_page).group(1))
        shown = re.search(r'name="children"[^>]*value="([^"]*)"', opened_page).group(1)
        body = json.dumps({"user": user, "edits": [{"field": "children", "value": "1200", "base": shown},
                                                   {"field": "evidence-1.1", "value": "Sổ hộ tịch", "base": ""}]})
        request = urllib.request.Request(f"{url}{checklist}/edits", data=body.encode(), headers={
            "Content-Type": "application/json", "X-CSRFToken": browser.token})
        with pytest.raises(urllib.error.HTTPError) as answer:  # the checklist's edits: JSON its script shows
            browser.opener.open(request, timeout=LIMIT)
        edited = json.loads(answer.value.read())
        assert answer.value.code == 503 and edited["saved"] is False and edited["storage"] == "disk-full"
        assert edited["message"] == "Máy chủ không ghi được dữ liệu: ổ đĩa đã đầy hoặc bị lỗi ghi."

        browser.open(f"{checklist}?lang=en")
        for data in (pdf, pdf + b"0" * limit):  # the file fits but its row does not; the file does not fit
            status, page = browser.upload(f"{checklist}/attachments", "bien-ban.pdf", data)
            assert status == 503 and "Traceback" not in page
            assert "The server cannot write: its disk is full or failing." in page
            assert "The chosen file was not uploaded" in page
            assert not store.exists() or list(store.iterdir()) == []  # no orphan file, no half-written file
        assert stored(path, assessment_id) == before
        assert database.check(path) == []

        resource.prlimit(server.pid, resource.RLIMIT_FSIZE, (resource.RLIM_INFINITY, resource.RLIM_INFINITY))
        status, page = browser.post(checklist, kept)  # «Gửi lại» once there is room again
        assert status == 200 and "Saved." in page
        status, page = browser.upload(f"{checklist}/attachments", "bien-ban.pdf", pdf)
        assert status == 200 and "Evidence file uploaded." in page
        assert server.poll() is None
    saved = ro_query(path, "select declared from assessments where id = ?", (assessment_id,))[0][0]
    assert json.loads(saved)["children"] == 1200
    assert [p.read_bytes() for p in store.iterdir()] == [pdf]
    assert_sound(path, instance)


def test_sqlite_full_is_a_full_disk_and_a_save_writes_nothing(work):
    """SQLite's "database or disk is full" (SQLITE_FULL, what ENOSPC gives): max_page_count stops the growth."""
    path, _data, _instance = work
    assessment_id = ro_query(path, "select id from assessments where round_id = ? limit 1", (TEST_ROUND,))[0][0]
    before = stored(path, assessment_id)
    db = database.connect(path)
    try:
        db.execute(f"PRAGMA max_page_count = {db.execute('PRAGMA page_count').fetchone()[0]}")
        with pytest.raises(sqlite3.OperationalError, match="database or disk is full") as info:
            workflow.save_declared(db, assessment_id, as_cells(perfect_inputs()), "xa:test")
        assert database.write_failure(info.value) == database.DISK_FULL
        assert not db.conn.in_transaction
    finally:
        db.close()
    assert stored(path, assessment_id) == before
    assert database.check(path) == []
