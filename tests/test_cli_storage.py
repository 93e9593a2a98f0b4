"""The storage commands of cfc, run through click on real SQLite files."""
from __future__ import annotations

import os
import socket
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from webapp.cli.main import cfc
from webapp.store import db as database


@pytest.fixture()
def run(tmp_path: Path):
    db_path = tmp_path / "cfc.db"

    def invoke(*args: str, expect: int = 0):
        result = CliRunner().invoke(cfc, [*args, "--db", str(db_path)], catch_exceptions=False)
        assert result.exit_code == expect, result.output + result.stderr
        return result

    invoke.db_path = db_path
    return invoke


def test_db_init_installs_units_and_is_idempotent(run) -> None:
    first = run("db", "init")
    db = database.connect(run.db_path, migrate=False)
    assert database.migrations.pending(db) == []
    assert f"schema {database.migrations.applied(db)[-1].name}," in first.output
    db.conn.close()
    assert "229 units" in first.output  # 161 + 56 communes, 10 districts, 2 province rows
    assert "229 units" in run("db", "init").output


def test_db_path_from_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    target = tmp_path / "from-env.db"
    monkeypatch.setenv("CFC_DB", str(target))
    result = CliRunner().invoke(cfc, ["db", "init"])
    assert result.exit_code == 0
    assert target.exists()


def test_units_list_is_in_vietnamese_order(run) -> None:
    run("db", "init")
    lines = run("units", "list", "cao-bang-2025").output.splitlines()
    assert len(lines) == 56
    names = [line.split("\t")[1] for line in lines]
    assert names[0] == "Xã Bạch Đằng, tỉnh Cao Bằng"
    assert names.index("Xã Đàm Thủy, tỉnh Cao Bằng") > names.index("Xã Cốc Pàng, tỉnh Cao Bằng")


def test_round_create_pins_the_criteria_hash(run) -> None:
    run("db", "init")
    out = run("round", "create", "--name", "Đánh giá năm 2027", "--year", "2027").output
    assert out.startswith("round 1: Đánh giá năm 2027 (qd06-2019 2019.1, sha256:")
    listing = run("round", "list").output
    assert "draft: 56" in listing
    unknown = run("round", "create", "--name", "x", "--year", "2027", "--units", "nowhere", expect=2)
    assert "no unit set 'nowhere'" in unknown.stderr


def test_demo_is_today_first_with_the_old_rounds_as_history(run) -> None:
    out = run("demo", "--years", "2024").output
    current, history = out.splitlines()[:2]
    assert current.startswith("round 2 (2026): 56 units;")
    assert history.startswith("round 1 (2024): 161 units; not_recognised: ")  # closed: every file decided
    assert ("demo accounts: admin, canbo.bachdang, canbo.baolac, chutich.tinh, phapche.tinh, phapche2.tinh, "
            "thamdinh.tinh, theodoi.tinh") in out
    assert run("demo").output.endswith("already has rounds: demo data not added\n")
    conn = sqlite3.connect(run.db_path)
    assert conn.execute("select profile, unit_set from rounds where id = 2").fetchone() == ("two-tier", "cao-bang-2025")
    counts = dict(conn.execute("select status, count(*) from assessments where round_id = 2 group by status").fetchall())
    assert {"draft", "submitted", "returned", "verified", "recognised"} <= counts.keys()
    assert set(dict(conn.execute("select status, count(*) from assessments where round_id = 1 group by status")
                    .fetchall())) == {"recognised", "not_recognised"}
    zero_failures = conn.execute(
        "select count(*) from assessments where status = 'not_recognised' "
        "and result like '%\"failed_conditions\":[\"criterion-%-above-zero%'").fetchone()[0]
    assert zero_failures > 0
    officers = conn.execute(
        "select u.username, a.status, (select count(*) from unit_lineage l where l.to_id = u.scope_unit_id) "
        "from users u join assessments a on a.unit_id = u.scope_unit_id and a.round_id = 2 "
        "where u.role = 'officer' order by u.username").fetchall()
    assert officers == [("canbo.bachdang", "draft", 3), ("canbo.baolac", "returned", 3)]
    province = conn.execute("select role, scope_unit_id from users where username in ('thamdinh.tinh', 'chutich.tinh') "
                            "order by username").fetchall()
    assert province == [("authority", "cao-bang-2025:04"), ("reviewer", "cao-bang-2025:04")]
    decided_by = {r[0] for r in conn.execute("select decided_by from decisions d join assessments a "
                                             "on a.id = d.assessment_id where a.round_id = 2")}
    conn.close()
    assert decided_by == {"chutich.tinh"}


def test_backup_restore_and_check(run, tmp_path: Path) -> None:
    run("demo", "--years", "2024")
    backup = tmp_path / "backups" / "copy.db"
    run("backup", str(backup))
    assert database.check(backup) == []
    conn = sqlite3.connect(run.db_path)
    before = conn.execute("select count(*) from audit_log").fetchone()[0]
    conn.execute("insert into audit_log (at, actor, action, entity, entity_id) values ('x', 'a', 'b', 'c', 'd')")
    conn.commit()
    conn.close()
    run("restore", str(backup), "--yes")
    conn = sqlite3.connect(run.db_path)
    assert conn.execute("select count(*) from audit_log").fetchone()[0] == before
    conn.close()
    assert run("check").output.endswith(": ok\n")


def test_check_reports_a_damaged_database(run, tmp_path: Path) -> None:
    run("db", "init")
    conn = sqlite3.connect(run.db_path)
    conn.execute("drop trigger audit_log_no_delete")
    conn.commit()
    conn.close()
    result = run("check", expect=5)
    assert "missing trigger audit_log_no_delete" in result.stderr
    garbage = tmp_path / "garbage.db"
    garbage.write_bytes(b"this is not a database" * 100)
    restore = run("restore", str(garbage), "--yes", expect=5)
    assert "is not a sound backup" in restore.stderr


def test_serve_on_a_taken_port_says_so_in_one_line(tmp_path: Path) -> None:
    """Another program (another cfc serve) holds the port: exit 2 with the address named, no traceback."""
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        env = {**os.environ, "CFC_DB": str(tmp_path / "cfc.db"), "CFC_INSTANCE": str(tmp_path / "instance")}
        out = subprocess.run([str(Path(sys.executable).with_name("cfc")), "serve", "--port", str(port)],
                             capture_output=True, text=True, env=env, timeout=60)
    assert out.returncode == 2
    assert out.stderr.strip() == f"Lỗi / Error: cannot listen on 127.0.0.1:{port}: Address already in use"
