"""Operations commands of ``cfc``: ``cfc doctor``."""
from __future__ import annotations

import sys
from pathlib import Path

import click

from scoring.cli import cfc

from . import db as database
from . import doctor
from .cli import EXIT_CHECK_FAILED, db_option


@cfc.command("doctor")
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
    checks = doctor.run_checks(database.database_path(db_path), Path(backups) if backups else None,
                               Path(instance) if instance else doctor.instance_path())
    for check in checks:
        click.echo(check.line())
    failed = sum(c.status == doctor.FAIL for c in checks)
    warned = sum(c.status == doctor.WARN for c in checks)
    click.echo(f"{len(checks)} checks: {failed} FAIL, {warned} WARN")
    if failed:
        sys.exit(EXIT_CHECK_FAILED)
