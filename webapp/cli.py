"""Storage commands of ``cfc``: database, units, rounds, import/export, backup and checks.

The database is ``--db PATH``, else ``$CFC_DB``, else ``instance/cfc.db``.
"""
from __future__ import annotations

import getpass
import json
import os
import sqlite3
import sys
from pathlib import Path
from typing import NoReturn

import click

import criteria
from certificates.native import MissingLibrary
from scoring import limits
from scoring.cli import EXIT_CRITERIA, EXIT_INPUT_FILE, EXIT_INVALID_INPUT, cfc, fail

from . import db as database
from . import accounts, demo, rounds, transfer, units
from .errors import ImportRejected, NotFound, StorageError, UnreadableImport

EXIT_CHECK_FAILED = 5
EXIT_SYSTEM_LIBRARY = 6

db_option = click.option("--db", "db_path", envvar="CFC_DB", type=click.Path(dir_okay=False),
                         help="SQLite database file (default: $CFC_DB, else instance/cfc.db).")
actor_option = click.option("--actor", default=lambda: f"cli:{getpass.getuser()}",
                            help="Name recorded in the audit log (default: cli:<user>).")


def main() -> None:
    """The ``cfc`` console script: every command, and a missing system library said in one line."""
    try:
        cfc(prog_name="cfc")
    except MissingLibrary as exc:
        fail(str(exc), EXIT_SYSTEM_LIBRARY)


def open_db(db_path: str | None):
    path = database.database_path(db_path)
    try:
        return database.connect(path)
    except sqlite3.Error as exc:
        fail(f"cannot open database {path}: {exc}", EXIT_CHECK_FAILED)


def read_input(file: str) -> bytes:
    """The bytes of an input file (at most ``limits.MAX_FILE_BYTES``), or exit 4 with a clear message."""
    try:
        limits.check_size(Path(file).stat().st_size)
        return Path(file).read_bytes()
    except OSError as exc:
        fail(f"cannot read {file}: {exc.strerror}", EXIT_INPUT_FILE)
    except limits.UnreadableFile as exc:
        fail(f"{file}: {exc.vi} / {exc}", EXIT_INPUT_FILE)


def reject_import(file: str, exc: ImportRejected) -> NoReturn:
    """Print every problem of a rejected import (row, column, value, reason) and exit; 4 for an unreadable file."""
    if isinstance(exc, UnreadableImport):
        fail(f"{file}: {exc.problems[0]['reason']}; không ghi dữ liệu nào (nothing was written)", EXIT_INPUT_FILE)
    for p in exc.problems:
        click.echo(f"{file}: dòng {p['row']}, cột {p['column']}: {p.get('value')!r}: {p['reason']}", err=True)
    fail(f"{len(exc.problems)} lỗi; không ghi dữ liệu nào (nothing was written)", EXIT_INVALID_INPUT)


def cannot_write(path: Path, exc: Exception) -> NoReturn:
    """Exit 5 with one line saying that nothing was written to ``path`` and why (a full disk named as such)."""
    cause = f"ổ đĩa đầy hoặc lỗi ghi đĩa / the disk is full or failing ({exc})" \
        if database.write_failure(exc) == database.DISK_FULL else str(exc)
    fail(f"cannot write to {path}: {cause}; nothing was written", EXIT_CHECK_FAILED)


@cfc.group("db")
def db_group() -> None:
    """Create and upgrade the database."""


@db_group.command("init")
@db_option
def db_init(db_path: str | None) -> None:
    """Create the database (or upgrade it in place) and install the Cao Bằng units.

    Example: cfc db init --db instance/cfc.db
    """
    db = open_db(db_path)
    units.load_cao_bang(db)
    applied = [m.name for m in database.migrations.applied(db)]
    click.echo(f"{database.database_path(db_path)}: schema {applied[-1]}, {db['units'].count} units")


@cfc.group("units")
def units_group() -> None:
    """Administrative units (Cao Bằng 2022 and 2025 are shipped)."""


@units_group.command("import")
@db_option
def units_import(db_path: str | None) -> None:
    """Install the shipped Cao Bằng units (161 of 2022, 56 of 2025) and their lineage.

    Example: cfc units import
    """
    db = open_db(db_path)
    units.load_cao_bang(db)
    for unit_set in (units.CAO_BANG_2022, units.CAO_BANG_2025):
        click.echo(f"{unit_set}: {len(units.communes(db, unit_set))} communes")


@units_group.command("list")
@click.argument("unit_set", default=units.CAO_BANG_2025)
@db_option
def units_list(unit_set: str, db_path: str | None) -> None:
    """List the communes of UNIT_SET in Vietnamese order.

    Example: cfc units list cao-bang-2022
    """
    db = open_db(db_path)
    for unit in units.communes(db, unit_set):
        click.echo(f"{unit['code']}\t{units.full_name(db, unit)}\t{unit['category']}")


@cfc.group("round")
def round_group() -> None:
    """Evaluation rounds."""


@round_group.command("create")
@click.option("--name", required=True, help="Name of the round.")
@click.option("--year", required=True, type=int)
@click.option("--units", "unit_set", default=units.CAO_BANG_2025, show_default=True, help="Unit set.")
@click.option("--set", "set_id", default="qd06-2019", show_default=True, help="Criteria set id.")
@click.option("--version", "version", help="Criteria set version (default: the latest).")
@click.option("--submission-deadline", help="YYYY-MM-DD")
@click.option("--review-deadline", help="YYYY-MM-DD")
@db_option
@actor_option
def round_create(name: str, year: int, unit_set: str, set_id: str, version: str | None,
                 submission_deadline: str | None, review_deadline: str | None,
                 db_path: str | None, actor: str) -> None:
    """Create a round pinned to a criteria set, with a draft for every commune.

    Example: cfc round create --name "Đánh giá năm 2027" --year 2027 --units cao-bang-2025
    """
    try:
        cset = criteria.get(set_id, version)
    except criteria.CriteriaError as exc:
        fail(str(exc), EXIT_CRITERIA)
    db = open_db(db_path)
    try:
        round_id = rounds.create_round(db, name=name, year=year, cset=cset, unit_set=unit_set, actor=actor,
                                       submission_deadline=submission_deadline, review_deadline=review_deadline)
    except StorageError as exc:
        fail(str(exc), 2)
    click.echo(f"round {round_id}: {name} ({cset.id} {cset.version}, {criteria.content_hash(cset)})")


@round_group.command("list")
@db_option
def round_list(db_path: str | None) -> None:
    """List rounds with their criteria version and status counts.

    Example: cfc round list
    """
    db = open_db(db_path)
    for row in db["rounds"].rows_where(order_by="id"):
        summary = rounds.round_summary(db, row["id"])
        counts = ", ".join(f"{k}: {v}" for k, v in sorted(summary["by_status"].items()))
        click.echo(f"{row['id']}\t{row['year']}\t{row['name']}\t{row['criteria_id']} {row['criteria_version']}\t{counts}")


@cfc.command("demo")
@db_option
@click.option("--years", default="2020,2022,2024", show_default=True,
              help="Comma-separated years, one round each; the last one is still in progress.")
def demo_command(db_path: str | None, years: str) -> None:
    """Create Cao Bằng demo rounds with varied, realistic (synthetic) data and demo accounts.

    Does nothing when the database already has rounds (safe to run twice).

    Example: cfc demo --db instance/demo.db --years 2022,2024
    """
    db = open_db(db_path)
    if db["rounds"].count:
        click.echo(f"{database.database_path(db_path)} already has rounds: demo data not added")
        return
    try:
        wanted = tuple(int(y) for y in years.split(",") if y.strip())
    except ValueError:
        fail(f"--years takes years separated by commas, not {years!r}", 2)
    for round_id in demo.build_demo_years(db, wanted):
        summary = rounds.round_summary(db, round_id)
        click.echo(f"round {round_id} ({summary['round']['year']}): {summary['units']} units; " +
                   ", ".join(f"{k}: {v}" for k, v in sorted(summary["by_status"].items())))
    names = ", ".join(u["username"] for u in accounts.list_users(db))
    click.echo(f"demo accounts: {names} (password: {demo.DEMO_PASSWORD})")


@cfc.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8080, show_default=True, type=int)
@click.option("--threads", default=8, show_default=True, type=int, help="Threads per process.")
@click.option("--workers", default=1, show_default=True, type=click.IntRange(1, 64),
              help="Processes: 1 serves with waitress; more use gunicorn (POSIX), e.g. one per CPU core.")
@db_option
def serve_command(host: str, port: int, threads: int, workers: int, db_path: str | None) -> None:
    """Serve the web app with the production WSGI server (waitress, or gunicorn with --workers > 1).

    Example: cfc serve --host 127.0.0.1 --port 8080 --workers 2
    """
    from .app import create_app
    from .server import serve

    if db_path:
        os.environ["CFC_DB"] = db_path
    app = create_app()
    database.connect(app.config["DATABASE"]).conn.close()  # create or upgrade before serving
    click.echo(f"http://{host}:{port}/  (database {app.config['DATABASE']}, {workers} process(es) × {threads} threads)")
    try:
        serve(app, host, port, threads, workers)
    except RuntimeError as exc:
        fail(str(exc), EXIT_CHECK_FAILED)


@cfc.group("users")
def users_group() -> None:
    """Accounts: roles and jurisdictions."""


@users_group.command("add")
@click.argument("username")
@click.option("--role", required=True, type=click.Choice(accounts.ROLES))
@click.option("--name", "display_name", required=True, help="Name shown in the interface and the audit log.")
@click.option("--unit", "scope", help="Unit id of the jurisdiction (commune for officers), e.g. cao-bang-2025:01273.")
@click.password_option(help="At least 10 characters (asked when not given).")
@db_option
@actor_option
def users_add(username: str, role: str, display_name: str, scope: str | None, password: str,
              db_path: str | None, actor: str) -> None:
    """Create an account.

    Example: cfc users add thamdinh.tinh --role reviewer --name "Sở Y tế" --unit cao-bang-2025:04
    """
    db = open_db(db_path)
    try:
        user = accounts.create_user(db, username, password, role, display_name, scope, actor)
    except (StorageError, NotFound) as exc:
        fail(str(exc), 2)
    click.echo(f"user {user.id}: {user.username} ({user.role}, {user.scope_unit_id or 'all'})")


@users_group.command("list")
@db_option
def users_list(db_path: str | None) -> None:
    """List accounts.

    Example: cfc users list
    """
    for u in accounts.list_users(open_db(db_path)):
        click.echo(f"{u['username']}\t{u['role']}\t{u['scope_unit_id'] or '-'}\t{'active' if u['active'] else 'disabled'}")


@cfc.command("template")
@click.argument("round_id", type=int)
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False), help=".xlsx or .csv")
@db_option
def template_command(round_id: int, output: str, db_path: str | None) -> None:
    """Write the import template of a round (one row per unit, one column per input).

    Example: cfc template 1 -o mau-nhap-lieu.xlsx
    """
    db = open_db(db_path)
    try:
        if output.lower().endswith(".csv"):
            Path(output).write_text(transfer.template_csv(db, round_id), encoding="utf-8-sig")
        else:
            Path(output).write_bytes(transfer.template_xlsx(db, round_id))
    except NotFound as exc:
        fail(str(exc), 2)
    click.echo(output)


@cfc.command("import")
@click.argument("round_id", type=int)
@click.argument("file", type=click.Path(dir_okay=False))
@db_option
@actor_option
def import_command(round_id: int, file: str, db_path: str | None, actor: str) -> None:
    """Import declared values from an XLSX or CSV file: all rows or nothing.

    Every bad cell is reported as row, column, value and reason.

    Example: cfc import 1 so-lieu.xlsx
    """
    data = read_input(file)
    db = open_db(db_path)
    try:
        count = transfer.import_declared(db, round_id, data, Path(file).name, actor)
    except sqlite3.OperationalError as exc:  # read-only file, full disk, locked too long
        cannot_write(database.database_path(db_path), exc)
    except ImportRejected as exc:
        reject_import(file, exc)
    except NotFound as exc:
        fail(str(exc), 2)
    click.echo(f"{count} units imported")


@cfc.command("export")
@click.argument("round_id", type=int)
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False), help=".json or .xlsx")
@db_option
def export_command(round_id: int, output: str, db_path: str | None) -> None:
    """Export a round (declared and verified values, results, reviews) as JSON or XLSX.

    Example: cfc export 1 -o vong-2024.xlsx
    """
    db = open_db(db_path)
    try:
        if output.lower().endswith(".json"):
            Path(output).write_text(json.dumps(transfer.export_json(db, round_id), ensure_ascii=False, indent=2),
                                    encoding="utf-8")
        else:
            Path(output).write_bytes(transfer.export_xlsx(db, round_id))
    except NotFound as exc:
        fail(str(exc), 2)
    click.echo(output)


@cfc.command("backup")
@click.argument("target", type=click.Path(dir_okay=False))
@db_option
def backup_command(target: str, db_path: str | None) -> None:
    """Copy the database to TARGET with SQLite's online backup (safe while the app runs).

    TARGET appears only when complete (written as TARGET.part, then renamed).

    Example: cfc backup backups/cfc-2026-11-29.db
    """
    source = database.database_path(db_path)
    if not source.exists():
        fail(f"no database at {source}", EXIT_INPUT_FILE)
    try:
        database.backup_file(source, Path(target))
    except (sqlite3.OperationalError, OSError) as exc:
        cannot_write(Path(target), exc)
    click.echo(f"{source} → {target}")


@cfc.command("restore")
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
        fail(f"{backup_file} is not a sound backup: {'; '.join(problems)}", EXIT_CHECK_FAILED)
    if not yes:
        click.confirm(f"Replace {target} with {backup_file}?", abort=True)
    database.backup(Path(backup_file), target)
    click.echo(f"{backup_file} → {target}")


@cfc.command("check")
@db_option
def check_command(db_path: str | None) -> None:
    """Run SQLite's integrity and foreign-key checks and the audit-log guards.

    Example: cfc check
    """
    path = database.database_path(db_path)
    if not path.exists():
        fail(f"no database at {path}", EXIT_INPUT_FILE)
    problems = database.check(path)
    for problem in problems:
        click.echo(problem, err=True)
    if problems:
        sys.exit(EXIT_CHECK_FAILED)
    click.echo(f"{path}: ok")


from . import documents_cli  # noqa: E402,F401
from . import impact_cli  # noqa: E402,F401
from . import ops_cli  # noqa: E402,F401
from . import period_cli  # noqa: E402,F401
from . import urban_cli  # noqa: E402,F401
