"""An NTM draft as a spreadsheet, one row per value, and a filled-in sheet taken back into the draft.

The rows are the fields of each part's form (:func:`ntm_values.form_fields`: an indicator's number, wording,
mapping and inputs by their labels, the level of every region or group; a region's name; the validity's dates),
each with the verification and source of its part; the value's key rides in a hidden column. Taking a sheet back
follows the criteria sheet's rules (:mod:`criteria_sheet`): every row or none, each bad cell named by row and
column, a sheet of another set refused whole; each changed part is then read as its form is, checked by the NTM
loader, and each problem named at the row of its value.
"""
from __future__ import annotations

import json
from typing import Any

import sqlite_utils

from criteria import CriteriaInvalid
from criteria.export import dump_data, dump_yaml, plain_data
from criteria.ntm import NtmSet

from . import audit, ntm_values
from .criteria_sheet import (
    COLUMNS,
    HEADERS,
    ID_ROW,
    PATH,
    SOURCE,
    VALUE,
    VERIFIED,
    YES,
    flag_problems,
    note_flags,
    table_rows,
    text_of,
)
from .criteria_values import Part, in_vietnamese
from .db import transaction
from .errors import ImportRejected
from .ntm_drafts import NTM, checked, draft_set, get, part_data
from .sheets import one_sheet
from .transfer import problem

Field = ntm_values.Field


def _key(part: Part, field: Field) -> str:
    return f"{part.key}:{field.name}"


def _rows(nset: NtmSet) -> dict[str, tuple[Part, Field]]:
    """Every value a sheet lists, by its key: the part and the field of its form."""
    return {_key(p, f): (p, f) for p in ntm_values.parts(nset) for f in ntm_values.form_fields(nset, p)}


def to_xlsx(nset: NtmSet) -> bytes:
    """The sheet of ``nset``: one row per value, with the verification and source of its part."""
    rows = [[f"{ID_ROW}:{nset.id}", "", "", "Bộ chỉ tiêu", f"{nset.title.vi} (phiên bản {nset.version})", "", ""]]
    for key, (part, field) in _rows(nset).items():
        rows.append([key, str(part.criterion), str(part.title), str(field.label),
                     ntm_values.form_values(nset, part)[field.name], "có" if part.verified else "không",
                     part.source or ""])
    return one_sheet("Giá trị", HEADERS, rows, {}, {1: 28, 2: 30, 3: 40, 4: 40, 5: 30, 6: 14, 7: 50},
                     hidden=(PATH + 1,))


def import_xlsx(db: sqlite_utils.Database, draft_id: int, data: bytes, filename: str, actor: str) -> int:
    """Take a filled-in sheet into the draft: every value or none; returns how many parts changed."""
    row = get(db, draft_id)
    nset = draft_set(row)
    known = _rows(nset)
    rows, problems = table_rows(data, filename, nset.id, nset.title.vi)
    forms: dict[str, dict[str, str]] = {}
    lines: dict[tuple[str, str], int] = {}  # (part, field) → the row that gave it
    flags: dict[str, dict[int, tuple[int, str]]] = {}
    for number_, key, cells in rows:
        if key == ID_ROW:
            continue
        if key not in known:
            problems.append(problem(number_, COLUMNS[PATH], None, key, "mã không có trong bộ chỉ tiêu (không sửa cột này)"))
            continue
        part, field = known[key]
        if (part.key, field.name) in lines:
            problems.append(problem(number_, COLUMNS[PATH], None, key, f"mã đã có ở dòng {lines[part.key, field.name]}"))
            continue
        lines[part.key, field.name] = number_
        forms.setdefault(part.key, {})[field.name] = text_of(cells[VALUE])
        note_flags(flags, part.key, number_, cells, problems)
    problems += flag_problems(flags)
    if problems:
        raise ImportRejected(problems)
    return _apply(db, row, nset, forms, flags, lines, actor)


def _apply(db: sqlite_utils.Database, row: dict[str, Any], nset: NtmSet, forms: dict[str, dict[str, str]],
           flags: dict[str, dict[int, tuple[int, str]]], lines: dict[tuple[str, str], int], actor: str) -> int:
    """Each part the sheet changes read as its form is, then the whole draft checked by the NTM loader."""
    data = plain_data(nset)
    touched: list[tuple[Part, str]] = []
    problems: list[dict[str, Any]] = []
    for part in ntm_values.parts(nset):
        now = ntm_values.form_values(nset, part)
        columns = flags.get(part.key, {})
        verified = columns.get(VERIFIED)
        flag = "1" if verified and verified[1].casefold() in YES else ""  # the sheet's one flag sets them all
        form = now | forms.get(part.key, {}) | ({name: flag for name in ntm_values.FLAGS if name in now} if verified else {})
        source = columns[SOURCE][1] if SOURCE in columns else (part.source or "")
        if form == now and source == (part.source or ""):
            continue
        touched.append((part, source))
        for name, said in ntm_values.apply_form(data, nset, part, form, source).items():
            problems.append(problem(lines.get((part.key, name)), COLUMNS[VALUE], None, form.get(name), str(said)))
    if problems:
        raise ImportRejected(problems)
    text = dump_data(data)
    try:
        edited = checked(text)
    except CriteriaInvalid as exc:
        raise ImportRejected([_located(p, nset, lines) for p in exc.problems]) from None
    if touched:
        _write(db, row, nset, edited, touched, actor)
    return len(touched)


def _located(found: Any, nset: NtmSet, lines: dict[tuple[str, str], int]) -> dict[str, Any]:
    """A loader problem at the row of its value (else of its part's first row)."""
    for part in ntm_values.parts(nset):
        name = ntm_values.field_of(found.path, part)
        if name is not None:
            line = lines.get((part.key, name)) or min((n for (k, _f), n in lines.items() if k == part.key), default=None)
            return problem(line, COLUMNS[VALUE], None, None, str(in_vietnamese(found.message)))
    return problem(None, COLUMNS[VALUE], None, None, str(in_vietnamese(found.message)))


def _write(db: sqlite_utils.Database, row: dict[str, Any], nset: NtmSet, edited: NtmSet,
           touched: list[tuple[Part, str]], actor: str) -> None:
    with transaction(db):
        db[NTM.drafts].update(row["id"], {"content": dump_yaml(edited)} | (
            {"state": "draft", "prepared_by": None, "prepared_at": None} if row["state"] == "prepared" else {}))
        stamp = audit.now()
        for part, source in touched:
            old, new = (part_data(plain_data(s), part) for s in (nset, edited))
            db[NTM.edits].insert({"draft_id": row["id"], "part": part.key, "old": _json(old), "new": _json(new),
                                  "document": source or "bảng tính", "clause": "", "page": None,
                                  "edited_by": actor, "edited_at": stamp})
        audit.record(db, actor, "import", NTM.entity, row["id"], new={"parts": [p.key for p, _s in touched]})


def _json(value: Any) -> str:
    return json.dumps(value, default=str, ensure_ascii=False)
