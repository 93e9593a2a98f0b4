"""``cfc doctor``: one line per check, OK / WARN / FAIL with a reason; exit 5 on any FAIL."""
from __future__ import annotations

import os
import sqlite3
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from webapp.cli import checks as doctor
from webapp.cli.main import cfc
from webapp.store import db as database


@pytest.fixture()
def site(tmp_path: Path) -> dict[str, Path]:
    """A healthy installation: database, a fresh backup, the secret key with mode 600."""
    db_path = tmp_path / "instance" / "cfc.db"
    database.connect(db_path).close()
    backups = tmp_path / "backups"
    database.backup(db_path, backups / "cfc-2026-11-29.db")
    key = tmp_path / "instance" / "secret_key"
    key.write_text("k" * 64, encoding="ascii")
    key.chmod(0o600)
    return {"db": db_path, "backups": backups, "instance": tmp_path / "instance", "key": key}


def run(site: dict[str, Path], *extra: str, backups: bool = True):
    args = ["doctor", "--db", str(site["db"]), "--instance", str(site["instance"])]
    if backups:
        args += ["--backups", str(site["backups"])]
    return CliRunner().invoke(cfc, [*args, *extra], catch_exceptions=False)


def line(output: str, name: str) -> str:
    found = [ln for ln in output.splitlines() if ln[6:].startswith(name + ":")]
    assert len(found) == 1, output
    return found[0]


def test_a_healthy_installation_passes_with_the_provisional_criteria_as_a_warning(site):
    result = run(site)
    assert result.exit_code == 0, result.output
    for name in ("python", "library libpango-1.0-0", "library libpangoft2-1.0-0", "library libharfbuzz-subset0",
                 "weasyprint", "fonts", "system fonts", "poppler", "chromium", "database", "migrations", "backups",
                 "secret key"):
        assert line(result.output, name).startswith("OK  "), result.output
    assert "rendered a one-line PDF" in line(result.output, "weasyprint")
    criteria_line = line(result.output, "criteria qd06-2019 2019.1")
    assert criteria_line.startswith("WARN") and "giá trị tạm" in criteria_line
    assert "0 FAIL" in result.output.splitlines()[-1]


def test_doctor_changes_nothing(site):
    """(Reading a WAL database read-only may create its -wal and -shm files: SQLite's, not content.)"""
    watched = (site["db"], site["key"], *site["backups"].iterdir())
    before = {p: (p.stat().st_mtime_ns, p.read_bytes()) for p in watched}
    run(site)
    assert {p: (p.stat().st_mtime_ns, p.read_bytes()) for p in watched} == before


def test_missing_or_old_backups_only_warn(site):
    result = run(site, backups=False)
    assert result.exit_code == 0
    assert line(result.output, "backups").startswith("WARN") and "--backups" in result.output
    old = time.time() - 30 * 3600
    for f in site["backups"].iterdir():
        os.utime(f, (old, old))
    result = run(site)
    assert result.exit_code == 0
    assert line(result.output, "backups").startswith("WARN") and "30 h old" in line(result.output, "backups")
    for f in site["backups"].iterdir():
        f.unlink()
    result = run(site)
    assert result.exit_code == 0 and "no backup in" in line(result.output, "backups")


def test_a_backup_26_hours_old_is_the_limit(site):
    newest = max(p.stat().st_mtime for p in site["backups"].iterdir())
    assert doctor.check_backups(site["backups"], newest + 25 * 3600).status == doctor.OK
    assert doctor.check_backups(site["backups"], newest + 27 * 3600).status == doctor.WARN
    assert doctor.check_backups(None).status == doctor.WARN
    assert doctor.check_backups(Path("/nonexistent-cfc-backups")).status == doctor.WARN


def test_an_unsound_newest_backup_warns(site):
    hour_ago = time.time() - 3600
    for f in site["backups"].iterdir():
        os.utime(f, (hour_ago, hour_ago))
    (site["backups"] / "cfc-2026-11-30.db").write_bytes(b"")  # what a killed cfc backup leaves
    (site["backups"] / "cfc-2026-11-30.db").chmod(0o600)  # as cfc makes it (not a file-modes FAIL)
    result = run(site)
    assert result.exit_code == 0
    assert line(result.output, "backups").startswith("WARN") and "not a sound backup" in result.output


def test_a_readable_secret_key_fails(site):
    site["key"].chmod(0o644)
    result = run(site)
    assert result.exit_code == 5
    assert line(result.output, "secret key").startswith("FAIL") and "chmod 600" in result.output
    site["key"].unlink()
    result = run(site)
    assert result.exit_code == 0 and line(result.output, "secret key").startswith("WARN")


def test_a_missing_database_fails_and_is_not_created(site, tmp_path):
    missing = tmp_path / "nowhere" / "cfc.db"
    result = CliRunner().invoke(cfc, ["doctor", "--db", str(missing), "--instance", str(site["instance"])],
                                catch_exceptions=False)
    assert result.exit_code == 5
    assert line(result.output, "database").startswith("FAIL") and "cfc db init" in result.output
    assert not missing.exists() and not missing.parent.exists()


def test_a_damaged_database_and_pending_migrations_fail(site):
    conn = sqlite3.connect(site["db"])
    try:
        conn.execute("delete from _sqlite_migrations where name = 'm004_documents'")
        conn.commit()
    finally:
        conn.close()
    result = run(site)
    assert result.exit_code == 5
    assert line(result.output, "migrations").startswith("FAIL") and "m004_documents" in result.output

    conn = sqlite3.connect(site["db"])
    try:
        conn.execute("drop trigger audit_log_no_delete")
        conn.commit()
    finally:
        conn.close()
    result = run(site)
    assert result.exit_code == 5
    assert line(result.output, "database").startswith("FAIL") and "audit_log_no_delete" in result.output


def test_missing_fonts_and_a_broken_weasyprint_fail(monkeypatch):
    from certificates import render

    monkeypatch.setattr(render, "FONT_FILES", (*render.FONT_FILES, "Missing-Regular.ttf"))
    check = doctor.check_fonts()
    assert check.status == doctor.FAIL and "Missing-Regular.ttf" in check.reason

    def broken(kind, context):
        raise OSError("cannot load library 'libpango-1.0-0'")

    monkeypatch.setattr(render, "render_pdf", broken)
    check = doctor.check_weasyprint()
    assert check.status == doctor.FAIL and "libpango" in check.reason


def test_an_old_python_fails(monkeypatch):
    monkeypatch.setattr(doctor, "MIN_PYTHON", (3, 99))
    assert doctor.check_python().status == doctor.FAIL
