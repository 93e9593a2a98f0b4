"""Operations commands of ``cfc``: ``cfc doctor``."""
from __future__ import annotations

import sys
from pathlib import Path

import click

from webapp.store import db as database

from . import checks
from .common import EXIT_CHECK_FAILED, db_option, say, vietnamese


@click.command("doctor")
@db_option
@click.option("--backups", "backups", type=click.Path(file_okay=False),
              help="Folder of the daily backups (the newest must be younger than 26 h).")
@click.option("--instance", "instance", envvar="CFC_INSTANCE", type=click.Path(file_okay=False),
              help="Instance folder holding secret_key (default: $CFC_INSTANCE, else the app's instance/).")
def doctor_command(db_path: str | None, backups: str | None, instance: str | None) -> None:
    """Check the installation: one line per check, OK / WARN / FAIL with the reason.

    Exits 0 when nothing FAILs, 5 otherwise. Reads only; changes nothing.

    Example: cfc doctor --db /srv/cfc/instance/cfc.db --backups /srv/cfc/backups
    """
    results = checks.run_checks(database.database_path(db_path), Path(backups) if backups else None,
                                Path(instance) if instance else checks.instance_path())
    for check in results:
        click.echo(check.line(vietnamese()))
    failed = sum(c.status == checks.FAIL for c in results)
    warned = sum(c.status == checks.WARN for c in results)
    say(f"{len(results)} checks: {failed} FAIL, {warned} WARN",
        f"{len(results)} mục kiểm tra: {failed} LỖI, {warned} LƯU Ý")
    if failed:
        sys.exit(EXIT_CHECK_FAILED)
