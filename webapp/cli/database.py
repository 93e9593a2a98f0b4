"""``cfc db``, ``cfc units``, ``cfc demo``, ``cfc backup``, ``cfc restore`` and ``cfc check``: the database file."""
from __future__ import annotations

import sqlite3
import sys
from pathlib import Path

import click

import criteria
from webapp.store import accounts, demo, rounds, units
from webapp.store import db as database

from .common import (
    EXIT_CHECK_FAILED,
    EXIT_INPUT_FILE,
    EXIT_USAGE,
    cannot_write,
    db_option,
    fail,
    open_db,
    say,
    status_counts,
    vietnamese,
)


@click.group("db")
def db_group() -> None:
    """Create and upgrade the database."""


@db_group.command("init")
@db_option
def db_init(db_path: str | None) -> None:
    """Create the database (or upgrade it in place) and install the Cao Bằng units.

    The shipped units and their lineage across the 2025 reform are checked first: broken data (a cycle, an old
    commune merged into nothing, a new commune formed from none) is refused with each unit named, and nothing is
    written, not even an empty database.

    Example: cfc db init --db instance/cfc.db
    """
    data = shipped_units()
    db = open_db(db_path)
    units.load_cao_bang(db, data)
    path, applied, count = database.database_path(db_path), database.migrations.applied(db), db["units"].count
    say(f"{path}: schema {applied[-1].name}, {count} units",
        f"{path}: cơ sở dữ liệu đã sẵn sàng (cấu trúc mới nhất), {count} đơn vị hành chính")


def shipped_units() -> units.ShippedUnits:
    """The shipped Cao Bằng units, checked; exit 5 (an installation check failed) naming every unit of a broken lineage."""
    try:
        return units.cao_bang_data()
    except units.BrokenLineage as exc:
        for problem in exc.problems:
            click.echo(f"dữ liệu đơn vị hành chính: {problem}", err=True)
        fail(f"{len(exc.problems)} lỗi trong dữ liệu sắp xếp đơn vị hành chính; không ghi dữ liệu nào "
             "(the shipped units' lineage is broken; nothing was written)", EXIT_CHECK_FAILED,
             vi=f"{len(exc.problems)} lỗi trong dữ liệu sắp xếp đơn vị hành chính; không ghi dữ liệu nào")


@click.group("units")
def units_group() -> None:
    """Administrative units (Cao Bằng 2022 and 2025 are shipped)."""


@units_group.command("import")
@db_option
def units_import(db_path: str | None) -> None:
    """Install the shipped Cao Bằng units (161 of 2022, 56 of 2025) and their lineage.

    Example: cfc units import
    """
    data = shipped_units()
    db = open_db(db_path)
    units.load_cao_bang(db, data)
    for unit_set in (units.CAO_BANG_2022, units.CAO_BANG_2025):
        count = len(units.communes(db, unit_set))
        say(f"{unit_set}: {count} communes", f"{units.set_name(db, unit_set)}: {count} xã, phường, thị trấn")


@units_group.command("list")
@click.argument("unit_set", default=units.CAO_BANG_2025)
@db_option
def units_list(unit_set: str, db_path: str | None) -> None:
    """List the communes of UNIT_SET in Vietnamese order.

    Example: cfc units list cao-bang-2022
    """
    db = open_db(db_path)
    categories = {c.id: c.name.vi for c in criteria.get("qd06-2019").categories}
    for unit in units.communes(db, unit_set):
        line = f"{unit['code']}\t{units.full_name(db, unit)}\t"
        say(line + unit["category"], line + categories.get(unit["category"], unit["category"]))


@click.command("demo")
@db_option
@click.option("--years", default="2020,2022,2024", show_default=True,
              help="Comma-separated years of the closed rounds before the 2025 reform (161 units, districts).")
def demo_command(db_path: str | None, years: str) -> None:
    """Create Cao Bằng demo data: the 2026 round in progress on the 56 communes since the reform
    (the province reviews and recognises) and, as history, closed rounds on the 161 units before it.

    Figures are synthetic, on the real units. Does nothing when the database already has rounds
    (safe to run twice).

    Example: cfc demo --db instance/demo.db --years 2022,2024
    """
    db = open_db(db_path)
    if db["rounds"].count:
        path = database.database_path(db_path)
        say(f"{path} already has rounds: demo data not added",
            f"{path} đã có đợt đánh giá: không thêm dữ liệu mẫu")
        return
    try:
        wanted = tuple(int(y) for y in years.split(",") if y.strip())
    except ValueError:
        fail(f"--years takes years separated by commas, not {years!r}", EXIT_USAGE,
             vi=f"--years nhận các năm cách nhau bằng dấu phẩy, không nhận «{years}»")
    built = demo.build_demo_years(db, wanted, last_open=False) if wanted else []
    for round_id in [demo.build_current_round(db), *reversed(built)]:
        summary = rounds.round_summary(db, round_id)
        year, count = summary["round"]["year"], summary["units"]
        say(f"round {round_id} ({year}): {count} units; " + status_counts(summary["by_status"], english=True),
            f"đợt đánh giá số {round_id} (năm {year}): {count} đơn vị; " + status_counts(summary["by_status"]))
    names = ", ".join(u["username"] for u in accounts.list_users(db))
    say(f"demo accounts: {names} (password: {demo.DEMO_PASSWORD})",
        f"tài khoản mẫu: {names} (mật khẩu: {demo.DEMO_PASSWORD})")


@click.command("backup")
@click.argument("target", type=click.Path(dir_okay=False))
@db_option
def backup_command(target: str, db_path: str | None) -> None:
    """Copy the database to TARGET with SQLite's online backup (safe while the app runs).

    TARGET appears only when complete (written as TARGET.part, then renamed).

    Example: cfc backup backups/cfc-2026-11-29.db
    """
    source = database.database_path(db_path)
    if not source.exists():
        fail(f"no database at {source}", EXIT_INPUT_FILE, vi=f"không có cơ sở dữ liệu tại {source}")
    try:
        database.backup_file(source, Path(target))
    except (sqlite3.OperationalError, OSError) as exc:
        cannot_write(Path(target), exc)
    click.echo(f"{source} → {target}")


@click.command("restore")
@click.argument("backup_file", type=click.Path(dir_okay=False, exists=True))
@db_option
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
def restore_command(backup_file: str, db_path: str | None, yes: bool) -> None:
    """Replace the database with BACKUP_FILE after checking the backup's integrity.

    Example: cfc restore backups/cfc-2026-11-29.db --yes
    """
    target = database.database_path(db_path)
    problems = database.check(Path(backup_file))
    if problems:
        fail(f"{backup_file} is not a sound backup: {'; '.join(map(str, problems))}", EXIT_CHECK_FAILED,
             vi=f"{backup_file} không phải bản sao lưu lành lặn: {'; '.join(p.vi for p in problems)}")
    if not yes:
        click.confirm(f"Thay {target} bằng {backup_file}?" if vietnamese() else f"Replace {target} with {backup_file}?",
                      abort=True)
    database.backup(Path(backup_file), target)
    click.echo(f"{backup_file} → {target}")


@click.command("check")
@db_option
def check_command(db_path: str | None) -> None:
    """Run SQLite's integrity and foreign-key checks and the audit-log guards.

    Example: cfc check
    """
    path = database.database_path(db_path)
    if not path.exists():
        fail(f"no database at {path}", EXIT_INPUT_FILE, vi=f"không có cơ sở dữ liệu tại {path}")
    problems = database.check(path)
    for problem in problems:
        click.echo(problem.vi if vietnamese() else problem.en, err=True)
    if problems:
        sys.exit(EXIT_CHECK_FAILED)
    say(f"{path}: ok", f"{path}: không có lỗi")
