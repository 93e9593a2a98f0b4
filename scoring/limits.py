"""Limits on one input file or API request, so that a hostile one costs bounded time and memory.

Every figure is here, and ``docs/operations.md`` («Limits and session model») lists them. A file
beyond a limit, or one its parser cannot read, raises :class:`UnreadableFile` before anything is
scored or written; ``cfc`` reports it in one line with exit code 4.
"""
from __future__ import annotations

import csv
import io
import zipfile

MAX_FILE_BYTES = 50 * 1024 * 1024  # a file read whole (CSV, YAML, JSON, XLSX), and an XLSX's contents unzipped
MAX_ROWS = 20_000  # rows of a sheet or a CSV (Vietnam has about 10,600 communes)
MAX_COLUMNS = 256  # columns of a sheet or a CSV (QĐ 06 has 37 inputs)
MAX_CELL_CHARS = 131_072  # characters in one CSV field (Python's own default, made explicit)
MAX_API_INPUTS = 1_000  # keys of "inputs" in one /api/score request
MAX_PROBLEMS_SHOWN = 100  # problems listed in one API answer; the rest are counted
UNREADABLE_XLSX = "không đọc được tệp Excel (.xlsx): tệp bị hỏng hoặc không đúng định dạng"


class UnreadableFile(ValueError):
    """A file that cannot be read, or not within the limits; ``vi`` says why in Vietnamese."""

    def __init__(self, message: str, vi: str):
        self.vi = vi
        super().__init__(message)


def _mb(size: int) -> int:
    return size // (1024 * 1024)


def _vi(number: int) -> str:
    """A whole number as Vietnamese writes it (20.000)."""
    return f"{number:,}".replace(",", ".")


def check_size(size: int) -> None:
    """Refuse a file larger than MAX_FILE_BYTES before reading it."""
    if size > MAX_FILE_BYTES:
        raise UnreadableFile(f"the file is {size:,} bytes; at most {_mb(MAX_FILE_BYTES)} MB is read",
                             f"tệp lớn {_vi(size)} byte; chỉ nhận tệp đến {_mb(MAX_FILE_BYTES)} MB")


def check_zip(data: bytes) -> None:
    """Refuse a ZIP (an XLSX) whose members unzip to more than MAX_FILE_BYTES, before any is unzipped.

    The sizes are the archive's own declarations; :mod:`zipfile` never unzips a member past its
    declared size (it fails the checksum instead), so they bound the work.
    """
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            total = sum(info.file_size for info in archive.infolist())
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, EOFError) as exc:
        raise UnreadableFile(f"not a readable XLSX file: {exc}", UNREADABLE_XLSX) from exc
    if total > MAX_FILE_BYTES:
        raise UnreadableFile(
            f"the XLSX file unzips to {total:,} bytes; at most {_mb(MAX_FILE_BYTES)} MB is read",
            f"tệp Excel giải nén ra {_vi(total)} byte, quá giới hạn {_mb(MAX_FILE_BYTES)} MB")


def too_many_rows() -> UnreadableFile:
    """The refusal of a table with more than MAX_ROWS rows."""
    return UnreadableFile(f"more than {MAX_ROWS:,} rows (the limit of one file)",
                          f"tệp có quá {_vi(MAX_ROWS)} dòng (giới hạn của một tệp)")


def too_many_columns(row: int) -> UnreadableFile:
    """The refusal of a table with a value beyond column MAX_COLUMNS (``row`` is 1-based)."""
    return UnreadableFile(f"row {row} has values beyond column {MAX_COLUMNS}",
                          f"dòng {row} có dữ liệu ngoài cột thứ {MAX_COLUMNS} (giới hạn {MAX_COLUMNS} cột)")


def csv_rows(text: str, delimiter: str = ",") -> list[list[str]]:
    """The rows of CSV text within MAX_ROWS, MAX_COLUMNS and MAX_CELL_CHARS; UnreadableFile otherwise."""
    csv.field_size_limit(MAX_CELL_CHARS)
    rows: list[list[str]] = []
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        for row in reader:
            if len(rows) == MAX_ROWS:
                raise too_many_rows()
            if len(row) > MAX_COLUMNS:
                raise too_many_columns(reader.line_num)
            rows.append(row)
    except csv.Error as exc:
        if "field limit" in str(exc):
            raise UnreadableFile(f"line {reader.line_num}: a field is longer than {MAX_CELL_CHARS:,} characters",
                                 f"dòng {reader.line_num}: một ô dài hơn {_vi(MAX_CELL_CHARS)} ký tự") from exc
        raise UnreadableFile(f"line {reader.line_num}: not valid CSV ({exc})",
                             f"dòng {reader.line_num}: tệp CSV không hợp lệ ({exc})") from exc
    return rows
