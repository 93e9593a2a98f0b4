"""Files and folders that only their owner may open: the database (password hashes, children's
data), its backups, the attachments and the session signing key.

They are created with these modes from the start, never written first and restricted afterwards;
``cfc doctor`` fails when one of them is open to other local users.
"""
from __future__ import annotations

import os
from pathlib import Path

FILE_MODE, DIR_MODE = 0o600, 0o700
OTHERS = 0o077  # any permission for the group or other users


def make_dir(path: Path) -> None:
    """Create the folder ``path`` (and missing parents) with mode 700; an existing one is left as it is."""
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        path.mkdir(mode=DIR_MODE)
    except FileExistsError:
        pass


def create_empty(path: Path) -> None:
    """Create ``path`` empty with mode 600 unless it exists (SQLite then keeps that mode and gives it to
    the -wal, -shm and journal files it makes beside it)."""
    if path.exists():
        return  # (also on a read-only disk, where creating would fail)
    make_dir(path.parent)
    try:
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, FILE_MODE))
    except FileExistsError:
        pass


def write_new(path: Path, data: bytes) -> None:
    """Write a new file with mode 600 in one step; FileExistsError if it exists; no partial file is left."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, FILE_MODE)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
    except BaseException:
        path.unlink(missing_ok=True)
        raise
