"""XLSX sheets as the reports write them: a bold grey header row that stays frozen, number formats per
column, column widths, and every text cell kept as text (:func:`scoring.cells.append_row`)."""
from __future__ import annotations

import io
from typing import Any

from scoring.cells import append_row


def add_sheet(wb: Any, title: str, headers: list[str], rows: list[list[Any]], formats: dict[int, str],
              widths: dict[int, int] | None = None) -> Any:
    """Add a sheet ``title`` to the openpyxl workbook ``wb``; ``formats`` and ``widths`` by column (from 1)."""
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    ws = wb.create_sheet(title)
    append_row(ws, headers)
    fill = PatternFill("solid", fgColor="DDDDDD")
    for cell in ws[1]:
        cell.font, cell.fill = Font(bold=True), fill
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    for row, values in enumerate(rows, start=2):
        append_row(ws, values)
        for col, fmt in formats.items():
            ws.cell(row, col).number_format = fmt
    ws.freeze_panes = "A2"
    for col, width in (widths or {}).items():
        ws.column_dimensions[get_column_letter(col)].width = width
    return ws


def one_sheet(title: str, headers: list[str], rows: list[list[Any]], formats: dict[int, str],
              widths: dict[int, int] | None = None, hidden: tuple[int, ...] = ()) -> bytes:
    """A workbook of one sheet (:func:`add_sheet`), as the bytes of an .xlsx file; ``hidden``: columns (from 1)
    the program reads back but a person need not see (a row's key)."""
    import openpyxl
    from openpyxl.utils import get_column_letter

    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    add_sheet(wb, title, headers, rows, formats, widths)
    for column in hidden:
        wb[title].column_dimensions[get_column_letter(column)].hidden = True
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()
