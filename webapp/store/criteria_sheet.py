"""A criteria set as a spreadsheet, one row per value, and a filled-in sheet taken back into a draft.

The province's officers type the official values and citations in Excel: every row of the sheet is a value
(its key path, the criterion and item it belongs to, its name, its value), with the verification and source
of its part. Taking a sheet back follows the rules of the declaration import (``transfer``): every row or
none, each bad cell named by row and column; a sheet of another set is refused as a whole; the values are
then checked by the loader, and each of its problems is named at the row of the value it concerns.
"""
from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import sqlite_utils

import criteria
from criteria import CriteriaInvalid, CriteriaSet
from criteria.export import dump_data, plain_data
from criteria.yamlsource import PathKey, format_path

from . import audit
from .criteria_drafts import draft_set, get
from .criteria_values import (
    BOUNDS,
    MISSING_NAMES,
    ZERO_NAMES,
    Part,
    in_vietnamese,
    number,
    parse_decimal,
    parse_int,
    parse_path,
    parts,
)
from .db import transaction
from .errors import ImportRejected
from .sheets import one_sheet
from .transfer import problem, read_table
from .vietnamese import nfc

HEADERS = ["Mã (không sửa)", "Tiêu chí", "Mục", "Giá trị", "Số liệu", "Đã xác minh (có/không)",
           "Căn cứ (văn bản, điều khoản, trang)"]
PATH, VALUE, VERIFIED, SOURCE = 0, 4, 5, 6
COLUMNS = "ABCDEFG"
YES, NO = ("có", "x", "đã xác minh"), ("không", "chưa", "chưa xác minh")
ID_ROW = "id"


def _rows(cset: CriteriaSet) -> Iterator[tuple[Part | None, PathKey, str, Any]]:
    """(part, path, name, value) of every value a sheet lists: each band with all four bounds (blank = none)."""
    yield None, (ID_ROW,), "Bộ tiêu chí", f"{cset.title.vi} (phiên bản {cset.version})"
    data = plain_data(cset)
    for part in parts(cset):
        node: Any = data
        for key in part.path:
            node = node[key]
        bands = node.get("rule", {}).get("bands", ())
        for value in part.values:
            rel = value.path[len(part.path):]
            if "bands" not in rel:
                yield part, value.path, str(value.label), _cell(value.path, value.value)
            elif rel[-1] == "points":
                bi = rel[2]
                for key in BOUNDS:
                    yield part, part.path + ("rule", "bands", bi, key), f"Mức {bi + 1}: {key_name(key)}", \
                        _cell((key,), bands[bi].get(key))
                yield part, value.path, str(value.label), value.value


def key_name(key: str) -> str:
    return {"at_least": "từ (≥)", "above": "trên (>)", "at_most": "đến (≤)", "below": "dưới (<)"}[key]


def _cell(path: PathKey, value: Any) -> Any:
    if path[-1] == "missing":
        return MISSING_NAMES[value]
    if path[-1] == "policy":
        return ZERO_NAMES[value]
    return number(value) if value is not None and path[-1] in BOUNDS else value


def to_xlsx(cset: CriteriaSet) -> bytes:
    """The sheet of ``cset``: one row per value, with the verification and source of its part."""
    rows = []
    for part, path, name, value in _rows(cset):
        verified = "" if part is None or part.verified is None else ("có" if part.verified else "không")
        key = f"{ID_ROW}:{cset.id}" if part is None else format_path(path)  # the set's id rides in the hidden key
        rows.append([key, str(part.criterion) if part else "", str(part.title) if part else "", name, value,
                     verified, (part.source or "") if part else ""])
    return one_sheet("Giá trị", HEADERS, rows, {}, {1: 28, 2: 30, 3: 40, 4: 30, 5: 14, 6: 14, 7: 50},
                     hidden=(PATH + 1,))  # the value's key: read back, never typed


def text_of(value: Any) -> str:
    """A cell's text, NFC, trimmed (empty for an empty cell)."""
    return "" if value is None else nfc(str(value)).strip()


def _choice(typed: str, names: dict[str, str]) -> str:
    folded = typed.casefold()
    for code, name in names.items():
        if folded in (code, name.casefold()):
            return code
    raise ValueError(typed)


def _parse(path: PathKey, typed: str) -> Any:
    last = path[-1]
    if last in BOUNDS:
        return parse_decimal(typed) if typed else None
    if last == "missing":
        return _choice(typed, MISSING_NAMES)
    if last == "policy":
        return _choice(typed, ZERO_NAMES)
    return parse_int(typed)


def table_rows(data: bytes, filename: str, set_id: str, title: str) -> tuple[list[tuple[int, str, list[Any]]],
                                                                           list[dict[str, Any]]]:
    """The filled rows of a sheet downloaded from the workbench, each (row number, key, cells), the set's row keyed
    ``id``; and the problems of the sheet as a whole. A wrong header or a sheet of another set is refused whole."""
    table = read_table(data, filename)
    if not table or [text_of(c) for c in table[0][:len(HEADERS)]] != HEADERS:
        raise ImportRejected([problem(1, None, None, None, "dòng tiêu đề không đúng mẫu: hãy dùng tệp tải về từ trang này")])
    rows = []
    for number_, cells in enumerate(table[1:], start=2):
        cells = list(cells) + [None] * (len(HEADERS) - len(cells))
        key = text_of(cells[PATH])
        if not key and all(text_of(c) == "" for c in cells):
            continue
        if key.startswith(f"{ID_ROW}:"):
            if key != f"{ID_ROW}:{set_id}":
                raise ImportRejected([problem(number_, COLUMNS[VALUE], None, text_of(cells[VALUE]),
                                              f"tệp là của bộ tiêu chí khác, không phải «{title}»: chưa nhập gì")])
            key = ID_ROW
        rows.append((number_, key, cells))
    missing = [] if any(key == ID_ROW for _n, key, _c in rows) else \
        [problem(None, COLUMNS[PATH], None, None, "thiếu dòng mã bộ tiêu chí («id»)")]
    return rows, missing


def note_flags(flags: dict[str, dict[int, tuple[int, str]]], part_key: str, number_: int, cells: list[Any],
               problems: list[dict[str, Any]]) -> None:
    """Keep the verification and source a row gives its part; a row that contradicts an earlier row of the same
    part is a problem."""
    for column in (VERIFIED, SOURCE):
        text = text_of(cells[column])
        if text:
            first = flags.setdefault(part_key, {}).get(column)
            if first is not None and first[1] != text:
                problems.append(problem(number_, COLUMNS[column], None, text, f"khác với dòng {first[0]} của cùng mục"))
            else:
                flags[part_key].setdefault(column, (number_, text))


def flag_problems(flags: dict[str, dict[int, tuple[int, str]]]) -> list[dict[str, Any]]:
    """A verification that is neither «có» nor «không»."""
    return [problem(v[0], COLUMNS[VERIFIED], None, v[1], "ghi «có» hoặc «không»") for columns in flags.values()
            if (v := columns.get(VERIFIED)) and v[1].casefold() not in YES + NO]


def import_xlsx(db: sqlite_utils.Database, draft_id: int, data: bytes, filename: str, actor: str) -> int:
    """Take a filled-in sheet into the draft: every value or none; returns how many values changed."""
    row = get(db, draft_id)
    cset = draft_set(row)
    known = {format_path(path): (part, path) for part, path, _name, _value in _rows(cset)}
    rows, problems = table_rows(data, filename, cset.id, cset.title.vi)
    given: dict[str, tuple[int, Any]] = {}
    flags: dict[str, dict[int, tuple[int, str]]] = {}
    for number_, key, cells in rows:
        if key not in known:
            problems.append(problem(number_, COLUMNS[PATH], None, key, "mã không có trong bộ tiêu chí (không sửa cột này)"))
            continue
        if key in given:
            problems.append(problem(number_, COLUMNS[PATH], None, key, f"mã đã có ở dòng {given[key][0]}"))
            continue
        part, path = known[key]
        typed = text_of(cells[VALUE])
        if part is None:  # the set's row, its id checked
            given[key] = (number_, typed)
            continue
        try:
            given[key] = (number_, _parse(path, typed))
        except ValueError:
            problems.append(problem(number_, COLUMNS[VALUE], None, typed, _expected(path)))
        if part.verified is not None:
            note_flags(flags, part.key, number_, cells, problems)
    problems += flag_problems(flags)
    if problems:
        raise ImportRejected(problems)
    return _apply(db, row, cset, known, given, flags, actor)


def _expected(path: PathKey) -> str:
    if path[-1] in BOUNDS:
        return "cần một số không âm (hoặc để trống)"
    if path[-1] == "missing":
        return "ghi một trong: " + "; ".join(MISSING_NAMES.values())
    if path[-1] == "policy":
        return "ghi một trong: " + "; ".join(ZERO_NAMES.values())
    return "cần một số nguyên không âm"


def _apply(db: sqlite_utils.Database, row: dict[str, Any], cset: CriteriaSet, known: dict[str, Any],
           given: dict[str, tuple[int, Any]], flags: dict[str, dict[int, tuple[int, str]]], actor: str) -> int:
    data, before = plain_data(cset), plain_data(cset)
    changed = 0
    touched: set[str] = set()
    for key, (_line, value) in given.items():
        part, path = known[key]
        if part is None:
            continue
        parent: Any = data
        for step in path[:-1]:
            parent = parent[step]
        if parent.get(path[-1]) != value:
            changed += 1
            touched.add(part.key)
            if value is None:
                parent.pop(path[-1], None)
            else:
                parent[path[-1]] = value
    for part_key, columns in flags.items():
        node: Any = data
        for step in parse_path(part_key):
            node = node[step]
        if VERIFIED in columns:
            verified = columns[VERIFIED][1].casefold() in YES
            if node["verified"] != verified:
                changed, node["verified"] = changed + 1, verified
                touched.add(part_key)
            if verified:
                for band in node.get("rule", {}).get("bands", ()):
                    band.pop("verified", None)
                for policy in ("zero_denominator", "zero_population"):
                    if policy in node.get("rule", {}):
                        node["rule"][policy]["verified"] = True
        if SOURCE in columns and node["source"] != columns[SOURCE][1]:
            changed, node["source"] = changed + 1, columns[SOURCE][1]
            touched.add(part_key)
    text = dump_data(data)
    try:
        criteria.load_text(text)
    except CriteriaInvalid as exc:
        raise ImportRejected([_located(p, given) for p in exc.problems]) from None
    if changed:
        with transaction(db):
            db["criteria_drafts"].update(row["id"], {"content": text} | (
                {"state": "draft", "prepared_by": None, "prepared_at": None} if row["state"] == "prepared" else {}))
            stamp = audit.now()
            for key in sorted(touched):
                db["criteria_draft_edits"].insert({
                    "draft_id": row["id"], "part": key, "old": _node_json(before, key), "new": _node_json(data, key),
                    "document": flags.get(key, {}).get(SOURCE, (0, "bảng tính"))[1], "clause": "", "page": None,
                    "edited_by": actor, "edited_at": stamp})
            audit.record(db, actor, "import", "criteria_draft", row["id"], new={"values": changed, "parts": sorted(touched)})
    return changed


def _node_json(data: dict[str, Any], key: str) -> str:
    node: Any = data
    for step in parse_path(key):
        node = node[step]
    return json.dumps(node, default=str, ensure_ascii=False)


def _located(found: Any, given: dict[str, tuple[int, Any]]) -> dict[str, Any]:
    """A loader problem at the row of its value (or the first row under its path)."""
    line = given.get(found.path, (None,))[0]
    if line is None:
        line = next((n for key, (n, _v) in given.items() if key.startswith(found.path)), None)
    return problem(line, COLUMNS[VALUE], None, None, str(in_vietnamese(found.message)))
