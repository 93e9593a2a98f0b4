"""Hostile files and requests (issue 11, items 8, 9, 10 and 15): zip bombs, malformed and oversized
sheets and CSV, deeply nested YAML/JSON under ``cfc import`` and ``cfc score``; an amplifying
``/api/score``; instance files readable by other local users; a full disk under a large upload;
renderer processes left behind by a stopped ``cfc serve``.

Every file is built here for real and read by the real commands; limits are in ``scoring.limits``.
"""
from __future__ import annotations

import io
import json
import os
import resource
import shlex
import signal
import stat
import subprocess
import time
import urllib.request
import zipfile
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from test_faults import CFC, LIMIT, Browser, env, free_port, held_open, on_full_disk, serving

from scoring import limits
from webapp.cli.main import cfc
from webapp.store import db as database
from webapp.store import transfer
from webapp.store.demo import DEMO_PASSWORD
from webapp.store.errors import UnreadableImport

from webhelpers import logged_in, opened

SHEET = "xl/worksheets/sheet1.xml"
SHEET_HEAD = (b'<?xml version="1.0" encoding="UTF-8"?><worksheet '
              b'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>')
SHEET_TAIL = b"</sheetData></worksheet>"


def with_sheet(template: bytes, write_sheet) -> bytes:
    """The template workbook with its first sheet's XML replaced by what ``write_sheet(stream)`` writes."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(template)) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for name in source.namelist():
            if name == SHEET:
                with target.open(name, "w", force_zip64=True) as stream:
                    write_sheet(stream)
            else:
                target.writestr(name, source.read(name))
    return out.getvalue()


def rows_xml(rows: list[dict[str, str]]) -> bytes:
    """Sheet rows as XML: each row maps cell references (e.g. "A3") to inline text."""
    cells = (b"".join(b'<c r="%s" t="inlineStr"><is><t>%s</t></is></c>' % (ref.encode(), value.encode())
                      for ref, value in row.items()) for row in rows)
    return b"".join(b'<row r="%d">%s</row>' % (number, xml) for number, xml in enumerate(cells, start=1))


@pytest.fixture()
def files(db_path: Path, tmp_path: Path) -> dict[str, Any]:
    """The demo database, its round and the round's import template (XLSX)."""
    with opened(db_path) as db:
        round_id = db.execute("select max(id) from rounds").fetchone()[0]
        template = transfer.template_xlsx(db, round_id)
    return {"db": db_path, "tmp": tmp_path, "template": template, "round": str(round_id)}


def declared_state(path: Path) -> list[tuple]:
    with opened(path, migrate=False) as db:
        return db.execute("select id, declared, version from assessments order by id").fetchall() + \
            db.execute("select count(*) from audit_log").fetchall()


def run_cfc(*args: str) -> Any:
    return CliRunner().invoke(cfc, list(args), catch_exceptions=True)


def assert_one_line(result: Any, code: int, *words: str) -> str:
    """Exit ``code`` with one line on stderr containing ``words``, and no traceback."""
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    assert result.exit_code == code, (result.exit_code, result.stderr)
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in result.stderr, result.stderr
    for word in words:
        assert word in lines[0], lines[0]
    return lines[0]


def import_file(files: dict[str, Any], name: str, data: bytes) -> Any:
    path = files["tmp"] / name
    path.write_bytes(data)
    before = declared_state(files["db"])
    result = run_cfc("import", files["round"], str(path), "--db", str(files["db"]))
    assert declared_state(files["db"]) == before  # nothing written
    return result


# --------------------------------------------------------------------------- item 8: cfc import


def test_an_xlsx_zip_bomb_is_refused_before_it_is_unzipped(files):
    padding = b" " * (1024 * 1024)

    def bomb(stream) -> None:  # 60 MB of XML that deflates to about 60 KB
        stream.write(SHEET_HEAD)
        for _ in range(60):
            stream.write(padding)
        stream.write(rows_xml([{"A1": "code"}]) + SHEET_TAIL)

    data = with_sheet(files["template"], bomb)
    assert len(data) < 200_000
    line = assert_one_line(import_file(files, "bomb.xlsx", data), 4, "bomb.xlsx", "giải nén ra", "50 MB",
                           "nothing was written")
    print("zip bomb:", line)
    with opened(files["db"]) as db, pytest.raises(UnreadableImport) as info:
        transfer.import_declared(db, int(files["round"]), data, "bomb.xlsx", "x")
    unzipped = sum(member.file_size for member in zipfile.ZipFile(io.BytesIO(data)).infolist())
    assert unzipped > 60 * 1024 * 1024
    assert info.value.problems[0]["reason"] == \
        f"tệp Excel giải nén ra {unzipped:,} byte, quá giới hạn 50 MB".replace(",", ".", 2)


def test_a_sheet_with_more_rows_than_the_limit_is_refused(files):
    rows = [{"A1": "code"}] + [{f"A{n}": f"{n:05d}", f"C{n}": "1"} for n in range(2, limits.MAX_ROWS + 2)]
    data = with_sheet(files["template"], lambda s: s.write(SHEET_HEAD + rows_xml(rows) + SHEET_TAIL))
    assert_one_line(import_file(files, "rows.xlsx", data), 4, "tệp có quá 20.000 dòng")
    text = "code,children\n" + "".join(f"{n:05d},1\n" for n in range(limits.MAX_ROWS))
    assert_one_line(import_file(files, "rows.csv", text.encode()), 4, "tệp có quá 20.000 dòng")


def test_a_value_beyond_the_column_limit_is_refused(files):
    far = "IX1"  # column 258
    data = with_sheet(files["template"], lambda s: s.write(SHEET_HEAD + rows_xml([{"A1": "code", far: "x"}])
                                                           + SHEET_TAIL))
    assert_one_line(import_file(files, "wide.xlsx", data), 4, "dòng 1 có dữ liệu ngoài cột thứ 256")
    text = "code," + ",".join(f"c{i}" for i in range(300)) + "\n"
    assert_one_line(import_file(files, "wide.csv", text.encode()), 4, "dòng 1 có dữ liệu ngoài cột thứ 256")


def test_malformed_sheet_xml_is_an_unreadable_file(files):
    data = with_sheet(files["template"], lambda s: s.write(SHEET_HEAD + b'<row r="1"><c r="A1"'))
    assert_one_line(import_file(files, "hong.xlsx", data), 4,
                    "không đọc được tệp Excel (.xlsx): tệp bị hỏng hoặc không đúng định dạng")


def test_a_csv_field_beyond_the_field_limit_is_an_unreadable_file(files):
    data = ("code,children\n01267," + "1" * (limits.MAX_CELL_CHARS + 1) + "\n").encode()
    assert_one_line(import_file(files, "dai.csv", data), 4, "dòng 2: một ô dài hơn 131.072 ký tự")


def test_a_file_larger_than_the_limit_is_not_read(files):
    path = files["tmp"] / "lon.csv"
    with path.open("wb") as f:
        f.truncate(limits.MAX_FILE_BYTES + 1)  # sparse: nothing written, nothing to read
    assert_one_line(run_cfc("import", files["round"], str(path), "--db", str(files["db"])), 4,
                    "chỉ nhận tệp đến 50 MB")
    assert_one_line(run_cfc("score", str(path)), 4, "at most 50 MB")


def test_the_urban_import_refuses_a_hostile_file_the_same_way(files):
    data = with_sheet(files["template"], lambda s: s.write(SHEET_HEAD + b"<row"))
    path = files["tmp"] / "vmdt.xlsx"
    path.write_bytes(data)
    assert_one_line(run_cfc("urban", "import", str(path), "--db", str(files["db"])), 4,
                    "không đọc được tệp Excel")


# --------------------------------------------------------------------------- item 8: cfc score


@pytest.mark.parametrize(("name", "text", "words"), [
    ("nested.yaml", "children: " + "[" * 20_000 + "]" * 20_000 + "\n", ("is not valid YAML: nested too deeply",)),
    ("nested.json", '{"children": ' + "[" * 200_000 + "]" * 200_000 + "}", ("is not valid JSON: nested too deeply",)),
    ("dai.csv", "code,category,children\n01267,other," + "1" * (limits.MAX_CELL_CHARS + 1) + "\n",
     ("line 2: a field is longer than 131,072 characters",)),
    ("dai-tieu-de.csv", "code,category,children" + "x" * (limits.MAX_CELL_CHARS + 1) + "\n",
     ("line 1: a field is longer than 131,072 characters",)),
    ("nhieu-dong.csv", "code,category,children\n" + "01267,other,1\n" * limits.MAX_ROWS,
     ("more than 20,000 rows",)),
])
def test_cfc_score_refuses_hostile_files_in_one_line_with_exit_4(tmp_path, name, text, words):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    assert_one_line(run_cfc("score", str(path)), 4, name, *words)


def test_cfc_score_says_a_category_given_as_a_list_is_invalid(tmp_path):
    path = tmp_path / "xa.yaml"
    path.write_text("category: [other, mountain-island]\ninputs:\n  children: 5\n", encoding="utf-8")
    assert_one_line(run_cfc("score", str(path), "--partial"), 1, "xa.yaml: category: must be one name",
                    "urban-ward, mountain-island, other", "(got list)")


# --------------------------------------------------------------------------- item 9: /api/score


@pytest.fixture()
def api(app):
    return app.test_client()


def test_api_score_refuses_more_input_keys_than_the_limit_with_a_small_answer(api):
    body = json.dumps({"category": "other", "inputs": {f"k{i:06d}": 1 for i in range(200_000)}})
    assert len(body) > 2_700_000
    response = api.post("/api/score", data=body, content_type="application/json")
    print(f"/api/score, 200,000 unknown keys ({len(body):,} bytes): {response.status_code}, "
          f"{len(response.data):,} bytes")
    assert response.status_code == 413
    assert len(response.data) < 1_000
    assert response.get_json()["error"]["detail"] == ("inputs has 200,000 keys; at most 1,000 are accepted "
                                                      "(the criteria set has 37)")


def test_api_score_lists_the_first_problems_and_counts_the_rest(api):
    inputs = {f"k{i:04d}": 1 for i in range(limits.MAX_API_INPUTS)}
    response = api.post("/api/score", json={"category": "other", "inputs": inputs})
    error = response.get_json()["error"]
    assert response.status_code == 422
    assert len(error["problems"]) == 100 and error["problems"][0]["field"] == "k0000"
    assert error["problems_not_shown"] == 1000 + 37 - 100  # the unknown keys, then the 37 missing inputs
    assert error["detail"] == "1037 invalid input value(s); nothing was scored (the first 100 are listed)"
    assert len(response.data) < 20_000
    few = api.post("/api/score", json={"category": "other", "inputs": {"children": "x"}, "partial": True})
    assert "problems_not_shown" not in few.get_json()["error"]


# --------------------------------------------------------------------------- item 10: file modes


@pytest.fixture()
def lax_umask():
    """The usual umask of a login shell (022): files are world-readable unless made otherwise."""
    previous = os.umask(0o022)
    try:
        yield
    finally:
        os.umask(previous)


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_instance_files_are_private_from_the_start(lax_umask, demo_db, tmp_path, make_app):
    instance = tmp_path / "instance"
    path = instance / "cfc.db"
    database.backup_file(demo_db, path)  # how the tests copy the demo; cfc restore writes the same way
    with opened(path) as db:
        db.execute("update assessments set version = version where id = 1")
        assert mode(path.with_name("cfc.db-wal")) == 0o600 and mode(path.with_name("cfc.db-shm")) == 0o600
    backup = tmp_path / "backups" / "cfc-2026-12-03.db"
    database.backup_file(path, backup)
    app = make_app(path, instance=instance, SECRET_KEY=None)  # the key made in the instance, attachments beside
    client = logged_in(app, "canbo.xa")
    with opened(path) as db:
        own = db.execute("select a.id from assessments a join users u on u.scope_unit_id = a.unit_id "
                         "where u.username = 'canbo.xa' and a.status in ('draft', 'returned')").fetchone()[0]
    response = client.post(f"/assessments/{own}/attachments",
                           data={"file": (io.BytesIO(b"%PDF-1.4\n%%EOF\n"), "bien-ban.pdf")})
    assert response.status_code in (200, 302), response.get_data(as_text=True)
    files = list((instance / "attachments").iterdir())
    assert len(files) == 1
    modes = {p.relative_to(tmp_path).as_posix(): f"{mode(p):03o}"
             for p in (instance, path, backup.parent, backup, instance / "secret_key", instance / "attachments",
                       files[0])}
    assert modes == {"instance": "700", "instance/cfc.db": "600", "backups": "700",
                     "backups/cfc-2026-12-03.db": "600", "instance/secret_key": "600",
                     "instance/attachments": "700", f"instance/attachments/{files[0].name}": "600"}
    key = (instance / "secret_key").read_text()
    assert len(key) == 64
    assert make_app(path, instance=instance, SECRET_KEY=None).secret_key == key  # made once, then read


def test_cfc_writes_with_a_private_umask(lax_umask, tmp_path):
    result = run_cfc("db", "init", "--db", str(tmp_path / "cfc.db"))
    assert result.exit_code == 0, result.output
    assert os.umask(0o022) == 0o077  # what the command left: everything cfc writes is for its owner only


def doctor_line(*args: str) -> tuple[int, str]:
    result = run_cfc("doctor", *args)
    return result.exit_code, next(ln for ln in result.output.splitlines() if ln[6:].startswith("file modes:"))


def test_doctor_fails_on_data_open_to_other_users_and_names_the_fix(db_path, tmp_path):
    instance, backups = tmp_path / "instance", tmp_path / "backups"
    store = instance / "attachments"
    store.mkdir(parents=True, mode=0o700)
    (store / "a.pdf").write_bytes(b"%PDF-")
    (store / "a.pdf").chmod(0o600)
    database.backup_file(db_path, backups / "cfc.db")
    args = ("--db", str(db_path), "--backups", str(backups), "--instance", str(instance))
    code, line = doctor_line(*args)
    assert line.startswith("OK    file modes:") and "open to their owner only" in line
    db_path.chmod(0o644)
    store.chmod(0o755)
    (store / "a.pdf").chmod(0o640)
    code, line = doctor_line(*args)
    assert code == 5
    assert line.startswith("FAIL  file modes: open to other users: ")
    for exposed in (f"{db_path} (644)", f"{store} (755)", f"{store / 'a.pdf'} (640)"):
        assert exposed in line
    fix = line.rpartition("(run: ")[2].rstrip(")")
    assert fix.startswith(f"chmod -R go-rwx {db_path} ") and fix.endswith(f" {store}")
    subprocess.run(shlex.split(fix), check=True)  # the fix it names is the fix
    assert doctor_line(*args)[1].startswith("OK    file modes:")


# --------------------------------------------------------------------------- item 15: full disk, shutdown


def officer_assessment(path: Path) -> int:
    with opened(path, migrate=False) as db:
        return db.execute("select a.id from assessments a join users u on u.scope_unit_id = a.unit_id "
                          "where u.username = 'canbo.xa' and a.status in ('draft', 'returned')").fetchone()[0]


def test_an_upload_larger_than_the_spool_threshold_on_a_full_disk_gets_the_503_page(db_path, tmp_path):
    checklist, instance = f"/assessments/{officer_assessment(db_path)}", tmp_path / "instance"
    with serving(db_path, instance, preexec_fn=on_full_disk()) as (server, url), held_open(db_path) as wal:
        browser = Browser(url)
        assert browser.open("/login")[0] == 200
        assert browser.post("/login", {"username": "canbo.xa", "password": DEMO_PASSWORD})[0] == 200
        assert browser.open(f"{checklist}?lang=en")[0] == 200
        limit = wal.stat().st_size  # the disk fills up: no file grows past this
        resource.prlimit(server.pid, resource.RLIMIT_FSIZE, (limit, resource.RLIM_INFINITY))
        pdf = b"%PDF-1.4\n" + b"0" * (max(limit, 512 * 1024) + 600 * 1024)  # more than waitress keeps in memory
        status, page = browser.upload(f"{checklist}/attachments", "bien-ban.pdf", pdf)
        assert status == 503 and "Traceback" not in page
        assert "The server cannot write: its disk is full or failing." in page
        assert "The chosen file was not uploaded" in page
        assert not (instance / "attachments").exists() or list((instance / "attachments").iterdir()) == []
        resource.prlimit(server.pid, resource.RLIMIT_FSIZE, (resource.RLIM_INFINITY, resource.RLIM_INFINITY))
        status, page = browser.upload(f"{checklist}/attachments", "bien-ban.pdf", pdf)
        assert status == 200 and "Evidence file uploaded." in page
        assert server.poll() is None
    assert [p.read_bytes() for p in (instance / "attachments").iterdir()] == [pdf]


def children(pid: int) -> set[int]:
    """The ids of the processes whose parent is ``pid`` (from /proc)."""
    found = set()
    for stat_file in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat_file.read_text().rpartition(")")[2].split()
        except OSError:
            continue  # ended meanwhile
        if int(fields[1]) == pid:
            found.add(int(stat_file.parent.name))
    return found


def alive_url(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return response.status == 200
    except OSError:
        return False


def alive(pid: int) -> bool:
    """Running, not a zombie waiting to be reaped."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()[0] != "Z"
    except OSError:
        return False


@pytest.mark.parametrize(("workers", "stop"), [("1", signal.SIGTERM), ("2", signal.SIGTERM), ("1", signal.SIGKILL)])
def test_cfc_serve_stopped_leaves_no_renderer_running(db_path, tmp_path, workers, stop):
    """waitress (1 process) and gunicorn (2 workers) stopped by SIGTERM shut their renderer pools down;
    killed outright, the renderers notice within a second that their parent has gone."""
    port = free_port()
    server = subprocess.Popen([str(CFC), "serve", "--port", str(port), "--db", str(db_path), "--workers", workers],
                              env=env(tmp_path / "instance") | {"CFC_PUBLIC_URL": f"http://127.0.0.1:{port}"},
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True)
    renderers: set[int] = set()
    try:
        url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 60
        while not alive_url(url + "/healthz"):
            assert server.poll() is None and time.monotonic() < deadline, "cfc serve did not start"
            time.sleep(0.1)
        report = f"/assessments/{officer_assessment(db_path)}/report.pdf"
        for _ in range(2 * int(workers)):  # with two workers, likely both render once
            browser = Browser(url)
            browser.open("/login")
            assert browser.post("/login", {"username": "canbo.xa", "password": DEMO_PASSWORD})[0] == 200
            with browser.opener.open(urllib.request.Request(url + report), timeout=LIMIT) as response:
                assert response.read().startswith(b"%PDF-")
        serving_processes = {server.pid} | (children(server.pid) if workers == "2" else set())
        renderers = set().union(*(children(pid) for pid in serving_processes)) - serving_processes
        assert len(renderers) >= 2, renderers  # the pool's worker processes (2 each)
        os.kill(server.pid, stop)
        assert server.wait(timeout=60) == (0 if stop == signal.SIGTERM else -stop)
        deadline = time.monotonic() + 10
        while any(alive(pid) for pid in renderers) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not [pid for pid in renderers if alive(pid)], "renderer processes outlived cfc serve"
    finally:
        if server.poll() is None:
            os.killpg(server.pid, signal.SIGKILL)
        for pid in renderers:
            if alive(pid):
                os.kill(pid, signal.SIGKILL)
        server.communicate(timeout=20)
