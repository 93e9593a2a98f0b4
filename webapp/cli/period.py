"""``cfc report-period``: the 6-month or annual report of a round, as XLSX or PDF.

    cfc report-period ROUND --kind annual|six-month [--scope UNIT] -o FILE.xlsx|FILE.pdf
"""
from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import click

from webapp.store.errors import NotFound

from .common import EXIT_USAGE, db_option, fail, open_db, refused


@click.command("report-period")
@click.argument("round_id", type=int)
@click.option("--kind", type=click.Choice(["annual", "six-month"]), default="annual", show_default=True,
              help="annual (due before 20 November) or six-month (due before 25 May).")
@click.option("--scope", metavar="UNIT", help="Only this unit and the units under it, e.g. "
              "cao-bang-2022:huyen-thach-an (default: every unit of the round).")
@click.option("--today", "today", metavar="YYYY-MM-DD", help="Report date (default: today).")
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False),
              help="The file to write: .xlsx or .pdf.")
@db_option
def report_period_command(round_id: int, kind: str, scope: str | None, today: str | None, output: str,
                          db_path: str | None) -> None:
    """Write the periodic report of ROUND (units, recognised, % against the national targets,
    criteria, NTM indicators, units, change since the previous year, units not submitted).

    Example: cfc report-period 2 --kind six-month --scope cao-bang-2022:huyen-thach-an -o bc-6-thang.pdf
    """
    from certificates import render
    from webapp.store import periodic

    suffix = Path(output).suffix.lower()
    if suffix not in (".xlsx", ".pdf"):
        fail(f"{output}: the output must end in .xlsx or .pdf", EXIT_USAGE,
             vi=f"{output}: tên tệp kết quả phải kết thúc bằng .xlsx hoặc .pdf")
    try:
        day = dt.date.fromisoformat(today) if today else None
    except ValueError:
        fail(f"--today {today!r} is not a date YYYY-MM-DD", EXIT_USAGE,
             vi=f"--today «{today}» không phải ngày theo dạng năm-tháng-ngày (YYYY-MM-DD)")
    db = open_db(db_path)
    try:
        report = periodic.period_report(db, round_id, scope, kind=kind, today=day)
    except NotFound as exc:
        refused(exc, EXIT_USAGE)
    data = (periodic.period_xlsx(report) if suffix == ".xlsx"
            else render.render_pdf("period", periodic.period_context(report)))
    target = Path(output)
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(target.name + ".part")
    tmp.write_bytes(data)
    os.replace(tmp, target)
    click.echo(output)
