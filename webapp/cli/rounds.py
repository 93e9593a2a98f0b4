"""``cfc round``, ``cfc template``, ``cfc import`` and ``cfc export``: evaluation rounds and their data."""
from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import click

import criteria
from webapp.store import criteria_drafts, rounds, transfer, units
from webapp.store import db as database
from webapp.store.errors import ImportRejected, NotFound, StorageError

from .common import (
    EXIT_CRITERIA,
    EXIT_USAGE,
    actor_option,
    cannot_write,
    db_option,
    open_db,
    read_input,
    refused,
    reject_import,
    say,
    status_counts,
)


@click.group("round")
def round_group() -> None:
    """Evaluation rounds."""


@round_group.command("create")
@click.option("--name", required=True, help="Name of the round.")
@click.option("--year", required=True, type=int)
@click.option("--units", "unit_set", default=units.CAO_BANG_2025, show_default=True, help="Unit set.")
@click.option("--set", "set_id", default="qd06-2019", show_default=True, help="Criteria set id.")
@click.option("--version", "version", help="Criteria set version (default: the one published last in the workbench, "
                                            "else the latest shipped).")
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
    db = open_db(db_path)
    try:
        cset = criteria_drafts.default_set(db, set_id, version)
    except criteria.CriteriaError as exc:
        refused(exc, EXIT_CRITERIA)
    try:
        round_id = rounds.create_round(db, name=name, year=year, cset=cset, unit_set=unit_set, actor=actor,
                                       submission_deadline=submission_deadline, review_deadline=review_deadline)
    except StorageError as exc:
        refused(exc, EXIT_USAGE)
    digest = criteria.content_hash(cset)
    say(f"round {round_id}: {name} ({cset.id} {cset.version}, {digest})",
        f"đợt đánh giá số {round_id}: {name} — {_set_words(cset)} (Mã kiểm tra nội dung bộ tiêu chí: {digest})")


def _set_words(cset: criteria.CriteriaSet) -> str:
    """The criteria set as an officer names it, saying when its values are still provisional."""
    words = f"{cset.title.vi}, phiên bản {cset.version}"
    return words + (", còn giá trị tạm, chưa xác minh" if cset.has_provisional_values else "")


@round_group.command("list")
@db_option
def round_list(db_path: str | None) -> None:
    """List rounds with their criteria version and status counts.

    Example: cfc round list
    """
    db = open_db(db_path)
    for row in db["rounds"].rows_where(order_by="id"):
        by_status = rounds.round_summary(db, row["id"])["by_status"]
        line = f"{row['id']}\t{row['year']}\t{row['name']}\t"
        say(line + f"{row['criteria_id']} {row['criteria_version']}\t{status_counts(by_status, english=True)}",
            line + f"{_set_words(rounds.criteria_for(db, row['criteria_hash']))}\t{status_counts(by_status)}")


@click.command("template")
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
        refused(exc, EXIT_USAGE)
    click.echo(output)


@click.command("import")
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
        refused(exc, EXIT_USAGE)
    say(f"{count} units imported", f"đã nhập số liệu của {count} đơn vị")


@click.command("export")
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
        refused(exc, EXIT_USAGE)
    click.echo(output)
