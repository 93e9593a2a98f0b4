"""The ``cfc`` command line: the root group, every command registered on it, and the console script.

The scoring and criteria commands are the engine's own (:mod:`scoring.cli`); the others are
one module per command group in this package.
"""
from __future__ import annotations

import os
import re
import sys
from typing import Any

import click

from certificates.native import MissingLibrary
from scoring.cli import criteria_group, score_command, vietnamese

from . import database, doctor, documents, impact, period, rounds, serve, urban, users
from .common import EXIT_SYSTEM_LIBRARY, refused


def usage_in_vietnamese(exc: click.UsageError) -> str:
    """A wrong use of a command (unknown option, missing or bad value…) said in Vietnamese."""
    ctx, param = exc.ctx, getattr(exc, "param", None)
    hint = param.get_error_hint(ctx) if param is not None and ctx is not None else ""
    if isinstance(exc, click.NoSuchOption):
        near = f"; có phải là: {', '.join(sorted(exc.possibilities))}?" if exc.possibilities else ""
        said = f"không có tùy chọn {exc.option_name}{near}"
    elif isinstance(exc, click.MissingParameter):
        said = f"thiếu {'tùy chọn' if isinstance(param, click.Option) else 'tham số'} {hint}".rstrip()
    elif isinstance(exc, click.BadParameter):
        said = f"giá trị không hợp lệ cho {hint}"
        if isinstance(getattr(param, "type", None), click.Choice):
            said += f"; chọn một trong: {', '.join(map(str, param.type.choices))}"
        elif isinstance(getattr(param, "type", None), click.types.IntParamType):
            said += ": phải là số nguyên"
        elif isinstance(getattr(param, "type", None), click.Path):
            said += ": không có tệp hoặc thư mục này"
    elif match := re.match(r"No such command '(.*)'", exc.message):
        said = f"không có lệnh «{match.group(1)}»"
    elif match := re.match(r"Got unexpected extra arguments? \((.*)\)", exc.message):
        said = f"thừa tham số: {match.group(1)}"
    else:
        said = exc.message
    where = f" Xem «{ctx.command_path} --help»." if ctx is not None else ""
    return f"Lỗi cách dùng: {said}{'' if said.endswith(('.', '?')) else '.'}{where}"


class Root(click.Group):
    """The root group; in Vietnamese mode (:func:`scoring.cli.vietnamese`) it says a wrong use in Vietnamese."""

    def main(self, *args: Any, standalone_mode: bool = True, **kwargs: Any) -> Any:
        if not vietnamese():
            return super().main(*args, standalone_mode=standalone_mode, **kwargs)
        try:
            outcome = super().main(*args, standalone_mode=False, **kwargs)
        except click.UsageError as exc:
            if not standalone_mode:
                raise
            click.echo(usage_in_vietnamese(exc), err=True)
            sys.exit(exc.exit_code)
        except click.ClickException as exc:
            if not standalone_mode:
                raise
            exc.show()
            sys.exit(exc.exit_code)
        except click.Abort:
            if not standalone_mode:
                raise
            click.echo("Đã hủy.", err=True)
            sys.exit(1)
        if standalone_mode:
            sys.exit(outcome if isinstance(outcome, int) else 0)
        return outcome


@click.group(cls=Root, context_settings={"help_option_names": ["-h", "--help"]})
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
        refused(exc, EXIT_SYSTEM_LIBRARY)
