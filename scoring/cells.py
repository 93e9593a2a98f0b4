"""Text written to CSV and XLSX exports stays text: never a formula (CSV / formula injection).

A spreadsheet evaluates a cell that starts with ``= + - @`` (or a tab or carriage return, which
some programs drop first) as a formula: a round named ``=HYPERLINK(...)`` would become a live
link in the report. Every exporter writes its rows through these helpers; numbers stay numbers
(a negative number is a number, not text). Imports undo the CSV escape with :func:`from_csv`.
"""
from __future__ import annotations

from collections.abc import Iterable
from typing import Any

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
CSV_ESCAPE = "'"  # shown by spreadsheets as "this is text", and not part of the value


def csv_cell(value: Any) -> Any:
    """A CSV field: text that starts like a formula gets a leading apostrophe; anything else unchanged."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return CSV_ESCAPE + value
    return value


def csv_row(values: Iterable[Any]) -> list[Any]:
    """A CSV row with every field through :func:`csv_cell`."""
    return [csv_cell(v) for v in values]


def from_csv(value: Any) -> Any:
    """Undo :func:`csv_cell` when reading a CSV back: ``'=x`` → ``=x`` (other apostrophes are kept)."""
    if isinstance(value, str) and value.startswith(CSV_ESCAPE) and value[1:].startswith(FORMULA_STARTS):
        return value[1:]
    return value


def append_row(ws: Any, values: Iterable[Any]) -> None:
    """Append a row to an openpyxl worksheet with every text cell stored as text (not a formula, not an
    error code); text that starts like a formula is also marked to stay text when edited in Excel.

    The cells are made here and handed to ``append``: reading the new row back (``ws[ws.max_row]``) scans
    every cell of the sheet, which made a sheet of a few thousand rows take seconds."""
    from openpyxl.cell import Cell

    cells = []
    for value in values:
        cell = Cell(ws, value=value)
        if isinstance(value, str):
            cell.data_type = "s"
            if value.startswith(FORMULA_STARTS):
                cell.quotePrefix = True
        cells.append(cell)
    ws.append(cells)
