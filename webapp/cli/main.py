"""The ``cfc`` command line: the root group, every command registered on it, and the console script.

The scoring and criteria commands are the engine's own (:mod:`scoring.cli`); the others are
one module per command group in this package.
"""
from __future__ import annotations

import os

import click

from certificates.native import MissingLibrary
from scoring.cli import criteria_group, score_command

from . import database, doctor, documents, impact, period, rounds, serve, urban, users
from .common import EXIT_SYSTEM_LIBRARY, fail


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="child-friendly-communes", prog_name="cfc")
def cfc() -> None:
    """Evaluate child-friendly communes (xã, phường, thị trấn phù hợp với trẻ em).

    Exit codes: 0 success, 1 invalid input values, 2 wrong usage, 3 invalid or unknown
    criteria set, 4 unreadable input file, 5 a check failed, 6 a system library is missing.
    """
    os.umask(0o077)  # what cfc writes (databases, backups, exports, documents) is for its owner only


for command in (score_command, criteria_group,
                database.db_group, database.units_group, database.demo_command, database.backup_command,
                database.restore_command, database.check_command,
                rounds.round_group, rounds.template_command, rounds.import_command, rounds.export_command,
                users.users_group, serve.serve_command, doctor.doctor_command,
                documents.decision_command, documents.certificates_command, documents.report_command,
                period.report_period_command, impact.impact_command, urban.urban_group):
    cfc.add_command(command)


def main() -> None:
    """The ``cfc`` console script: every command, and a missing system library said in one line."""
    try:
        cfc(prog_name="cfc")
    except MissingLibrary as exc:
        fail(str(exc), EXIT_SYSTEM_LIBRARY)
