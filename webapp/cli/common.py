"""What the ``cfc`` commands share: the database and actor options, opening the database,
reading input files, reporting a rejected import, and the exit codes (README, "Exit codes").

The database is ``--db PATH``, else ``$CFC_DB``, else ``instance/cfc.db``.
"""
from __future__ import annotations

import getpass
import sqlite3
from pathlib import Path
from typing import NoReturn

import click

from scoring import limits
from scoring.cli import EXIT_CRITERIA, EXIT_INPUT_FILE, EXIT_INVALID_INPUT, EXIT_USAGE, fail, say, unreadable, vietnamese
from webapp.store import db as database
from webapp.store.errors import ImportRejected, StorageError, UnreadableImport
from webapp.store.workflow import STATUS_NAMES

__all__ = ["EXIT_CHECK_FAILED", "EXIT_CRITERIA", "EXIT_INPUT_FILE", "EXIT_INVALID_INPUT", "EXIT_SYSTEM_LIBRARY",
           "EXIT_USAGE", "actor_option", "cannot_write", "db_option", "fail", "open_db", "read_input",
           "refused", "reject_import", "say", "status_counts", "vietnamese"]

EXIT_CHECK_FAILED = 5  # a database or installation check failed, or the database cannot be opened or written
EXIT_SYSTEM_LIBRARY = 6  # a system library that printing documents needs is missing

db_option = click.option("--db", "db_path", envvar="CFC_DB", type=click.Path(dir_okay=False),
                         help="SQLite database file (default: $CFC_DB, else instance/cfc.db).")
actor_option = click.option("--actor", default=lambda: f"cli:{getpass.getuser()}",
                            help="Name recorded in the audit log (default: cli:<user>).")


def refused(exc: Exception, code: int) -> NoReturn:
    """Exit with a refusal of the store: its Vietnamese text (``StorageError.vi`` with its fields) in Vietnamese
    mode, its English message otherwise."""
    fail(str(exc), code, vi=exc.said_vi() if isinstance(exc, StorageError) else None)


def status_counts(by_status: dict[str, int], english: bool = False) -> str:
    """A round's files by status, in the order of the workflow: «Bản nháp: 21, Đã nộp: 11»; ``english``: the
    status codes the English output has always printed («draft: 21, submitted: 11»), sorted."""
    if english:
        return ", ".join(f"{k}: {v}" for k, v in sorted(by_status.items()))
    return ", ".join(f"{name}: {by_status[k]}" for k, name in STATUS_NAMES.items() if k in by_status)


def open_db(db_path: str | None):
    path = database.database_path(db_path)
    try:
        return database.connect(path)
    except sqlite3.Error as exc:
        fail(f"cannot open database {path}: {exc}", EXIT_CHECK_FAILED, vi=f"không mở được cơ sở dữ liệu {path}")


def read_input(file: str) -> bytes:
    """The bytes of an input file (at most ``limits.MAX_FILE_BYTES``), or exit 4 with a clear message."""
    try:
        limits.check_size(Path(file).stat().st_size)
        return Path(file).read_bytes()
    except OSError as exc:
        fail(f"cannot read {file}: {exc.strerror}", EXIT_INPUT_FILE, vi=unreadable(file, exc))
    except limits.UnreadableFile as exc:
        fail(f"{file}: {exc.vi} / {exc}", EXIT_INPUT_FILE, vi=unreadable(file, exc))


def reject_import(file: str, exc: ImportRejected) -> NoReturn:
    """Print every problem of a rejected import (row, column, value, reason) and exit; 4 for an unreadable file."""
    if isinstance(exc, UnreadableImport):
        fail(f"{file}: {exc.problems[0]['reason']}; không ghi dữ liệu nào (nothing was written)", EXIT_INPUT_FILE,
             vi=f"{file}: {exc.problems[0]['reason']}; không ghi dữ liệu nào")
    for p in exc.problems:
        click.echo(f"{file}: dòng {p['row']}, cột {p['column']}: {p.get('value')!r}: {p['reason']}", err=True)
    fail(f"{len(exc.problems)} lỗi; không ghi dữ liệu nào (nothing was written)", EXIT_INVALID_INPUT,
         vi=f"{len(exc.problems)} lỗi; không ghi dữ liệu nào")


def cannot_write(path: Path, exc: Exception) -> NoReturn:
    """Exit 5 with one line saying that nothing was written to ``path`` and why (a full disk named as such)."""
    full = database.write_failure(exc) == database.DISK_FULL
    cause = f"ổ đĩa đầy hoặc lỗi ghi đĩa / the disk is full or failing ({exc})" if full else str(exc)
    fail(f"cannot write to {path}: {cause}; nothing was written", EXIT_CHECK_FAILED,
         vi=f"không ghi được vào {path}: {'ổ đĩa đầy hoặc lỗi ghi đĩa' if full else 'lỗi khi ghi tệp'}; "
            "không ghi dữ liệu nào")
