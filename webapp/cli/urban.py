"""``cfc urban``: record the civilised-urban status (đô thị văn minh) of wards and townships.

    cfc urban set CODE YEAR đạt|chưa-đạt [--decision …] [--date dd/mm/yyyy] [--note …]
    cfc urban template YEAR -o FILE.csv   then   cfc urban import FILE.csv|FILE.xlsx
    cfc urban list YEAR
"""
from __future__ import annotations

from pathlib import Path

import click

from webapp.store import units, urban, vietnamese
from webapp.store.errors import ImportRejected, InvalidRecord

from .common import EXIT_INVALID_INPUT, actor_option, db_option, fail, open_db, read_input, reject_import, say

unit_set_option = click.option("--unit-set", default=units.CAO_BANG_2025, show_default=True,
                               type=click.Choice([units.CAO_BANG_2022, units.CAO_BANG_2025]),
                               help="The administrative units the codes refer to.")


@click.group("urban")
def urban_group() -> None:
    """Civilised-urban status of wards and townships (Thông tư 02/2013/TT-BVHTTDL), shown beside the result."""


@urban_group.command("set")
@click.argument("code")
@click.argument("year", type=int)
@click.argument("status")
@click.option("--decision", help="The decision that states it, e.g. 'Số 1234/QĐ-UBND'.")
@click.option("--date", "decided_on", metavar="DD/MM/YYYY", help="The decision's date.")
@click.option("--note", help="A note kept with the record and in the audit log.")
@unit_set_option
@db_option
@actor_option
def urban_set(code: str, year: int, status: str, decision: str | None, decided_on: str | None,
              note: str | None, unit_set: str, db_path: str | None, actor: str) -> None:
    """Record the status of ward or township CODE for YEAR: STATUS is «đạt» or «chưa đạt».

    Example: cfc urban set 01273 2024 đạt --decision "Số 1234/QĐ-UBND" --date 20/12/2024
    """
    db = open_db(db_path)
    given = {"year": year, "status": status.replace("-", " "), "decision": decision, "decided_on": decided_on,
             "note": note}
    try:
        row = urban.record(db, f"{unit_set}:{code}", given, actor)
    except InvalidRecord as exc:
        fail(f"{exc.field}: {exc}", EXIT_INVALID_INPUT, vi=f"«{urban.FIELD_COLUMNS[exc.field]}»: {exc}")
    click.echo(f"{code} {row['year']}: {urban.STATUS_NAMES[row['status']]}")


@urban_group.command("template")
@click.argument("year", type=int)
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False), help="The CSV file to write.")
@unit_set_option
@db_option
def urban_template(year: int, output: str, unit_set: str, db_path: str | None) -> None:
    """Write a CSV listing every ward and township, to fill in and import.

    Example: cfc urban template 2024 -o van-minh-do-thi-2024.csv
    """
    Path(output).write_text(urban.template_csv(open_db(db_path), unit_set, year), encoding="utf-8")
    click.echo(output)


@urban_group.command("import")
@click.argument("file", type=click.Path(dir_okay=False))
@unit_set_option
@db_option
@actor_option
def urban_import(file: str, unit_set: str, db_path: str | None, actor: str) -> None:
    """Import statuses from a CSV or XLSX file: every row or none; each bad cell is reported.

    Example: cfc urban import van-minh-do-thi-2024.csv
    """
    data = read_input(file)
    try:
        count = urban.import_file(open_db(db_path), unit_set, data, Path(file).name, actor)
    except ImportRejected as exc:
        reject_import(file, exc)
    say(f"{count} statuses recorded", f"đã ghi kết quả của {count} đơn vị")


@urban_group.command("list")
@click.argument("year", type=int, default=vietnamese.today().year)
@unit_set_option
@db_option
def urban_list(year: int, unit_set: str, db_path: str | None) -> None:
    """List every ward and township with its status as of YEAR (the latest rating up to that year).

    Example: cfc urban list 2024 --unit-set cao-bang-2022
    """
    for row in urban.listing(open_db(db_path), unit_set, year):
        status = row["status"]
        text = (f"{status['name']} ({status['year']}{', ' + status['decision'] if status['decision'] else ''})"
                if status else "chưa ghi nhận")
        click.echo(f"{row['unit']['code']}\t{row['display_name']}\t{text}")
