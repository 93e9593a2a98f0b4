"""Administrative units and their history across the 2025 reform.

Units of one period form a *unit set* with a hierarchy profile ("three-tier" before 1 July
2025, "two-tier" after; see :mod:`.profiles`). A unit's id is ``<unit set>:<code>`` because codes were reused
after the merger; ``unit_lineage`` follows each commune into the unit it merged into.
"""
from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import sqlite_utils

from .db import transaction
from .errors import N_, NotFound, StorageError
from .vietnamese import nfc, slug, sort_key

DATA = Path(__file__).parent / "data"
TYPE_NAMES = {"xa": "Xã", "phuong": "Phường", "thi_tran": "Thị trấn", "dac_khu": "Đặc khu",
              "huyen": "Huyện", "thanh_pho": "Thành phố", "tinh": "Tỉnh"}
COMMUNE_TYPES = ("xa", "phuong", "thi_tran", "dac_khu")
TIER_TYPES = {"district": ("huyen", "thanh_pho"), "province": ("tinh",)}  # a profile's tier → its unit types
PROVINCE_CODE = "04"
CAO_BANG_2022, CAO_BANG_2025 = "cao-bang-2022", "cao-bang-2025"


def default_category(unit_type: str) -> str:
    """Cao Bằng's reading of QĐ 06: xã and thị trấn are mountainous (800), phường 850."""
    return "other" if unit_type == "phuong" else "mountain-island"


def _unit(unit_set: str, code: str, name: str, unit_type: str, parent: str | None,
          category: str | None = None, khu_vuc: str | None = None) -> dict[str, Any]:
    name = nfc(name)
    return {"id": f"{unit_set}:{code}", "unit_set": unit_set, "code": code, "name": name,
            "type": unit_type, "parent_id": parent, "category": category,
            "khu_vuc": khu_vuc or None, "sort_key": sort_key(name)}


@dataclass(frozen=True)
class ShippedUnits:
    """The Cao Bằng units of both sets and the lineage between them, as read from the shipped files."""

    units: list[dict[str, Any]]
    lineage: list[dict[str, str]]


class BrokenLineage(StorageError):
    """The lineage between two unit sets is not a clean merger; ``problems`` names each unit concerned."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__(f"{len(problems)} problem(s) in the units' lineage; nothing was written",
                         N_("Dữ liệu sắp xếp đơn vị hành chính có %(n)s lỗi; chưa ghi dữ liệu nào."), n=len(problems))


def cao_bang_data() -> ShippedUnits:
    """The shipped Cao Bằng units of 2022 (161 under 10 districts) and 2025 (56) and their lineage,
    checked (:func:`check_lineage`) before anything is installed."""
    rows22 = _read(DATA / "cao-bang-2022.csv")
    rows25 = _read(DATA / "cao-bang-2025.csv")
    prov22 = _unit(CAO_BANG_2022, PROVINCE_CODE, "Cao Bằng", "tinh", None)
    prov25 = _unit(CAO_BANG_2025, PROVINCE_CODE, "Cao Bằng", "tinh", None)
    found: list[dict[str, Any]] = [prov22, prov25]
    districts: dict[str, dict[str, Any]] = {}
    for row in rows22:
        district = nfc(row["district"])
        if district not in districts:
            dtype = "thanh_pho" if district.startswith("Thành phố") else "huyen"
            bare = district.removeprefix("Thành phố ").removeprefix("Huyện ")
            districts[district] = _unit(CAO_BANG_2022, slug(district), bare, dtype, prov22["id"])
    found += districts.values()
    found += [_unit(CAO_BANG_2022, r["code"], r["name"], r["type"], districts[nfc(r["district"])]["id"],
                    default_category(r["type"]), r["khu_vuc_2021_2025"]) for r in rows22]
    found += [_unit(CAO_BANG_2025, r["code"], r["name"], r["type"], prov25["id"],
                    default_category(r["type"]), r["khu_vuc_2026_2030"]) for r in rows25]
    links = [{"from_id": f"{CAO_BANG_2022}:{r['code']}", "to_id": f"{CAO_BANG_2025}:{r['merged_into_2025']}"}
             for r in rows22 if r["merged_into_2025"]]
    check_lineage(found, links, CAO_BANG_2022, CAO_BANG_2025)
    return ShippedUnits(found, links)


def check_lineage(rows: list[dict[str, Any]], links: list[dict[str, str]], old_set: str, new_set: str) -> None:
    """Refuse (:class:`BrokenLineage`, each unit named with its code) a lineage that is not a clean merger of
    ``old_set``'s communes into ``new_set``'s: a cycle, an old commune that merged into nothing, a link to a unit
    that is not a commune of the new set, or a new commune formed from none."""
    by_id = {r["id"]: r for r in rows}
    communes = {s: [r for r in rows if r["unit_set"] == s and r["type"] in COMMUNE_TYPES] for s in (old_set, new_set)}
    new_ids = {r["id"] for r in communes[new_set]}
    problems = [f"{_named(by_id, c)}: {m}" for c, m in _cycles(links)]
    merged = {link["from_id"] for link in links}
    problems += [f"{_named(by_id, r['id'])}: không thuộc đơn vị mới nào sau sắp xếp (thiếu cột merged_into_2025)"
                 for r in communes[old_set] if r["id"] not in merged]
    problems += [f"{_named(by_id, link['from_id'])}: sáp nhập vào {_named(by_id, link['to_id'])}, "
                 f"không phải một xã, phường của bộ đơn vị mới ({new_set})"
                 for link in links if link["to_id"] not in new_ids]
    formed = {link["to_id"] for link in links}
    problems += [f"{_named(by_id, r['id'])}: không được hình thành từ xã, phường, thị trấn nào trước sắp xếp"
                 for r in communes[new_set] if r["id"] not in formed]
    if problems:
        raise BrokenLineage(problems)


def _named(by_id: dict[str, dict[str, Any]], unit_id: str) -> str:
    """``Phường Sông Hiến (mã 01267)``; a unit that is not in the data is named by its id, saying so."""
    unit = by_id.get(unit_id)
    if unit is None:
        return f"đơn vị không có trong dữ liệu «{unit_id}»"
    return f"{TYPE_NAMES.get(unit['type'], '')} {unit['name']} (mã {unit['code']})".strip()


def _cycles(links: list[dict[str, str]]) -> list[tuple[str, str]]:
    """One (unit, message) per unit that the lineage leads back to itself."""
    after: dict[str, set[str]] = {}
    for link in links:
        after.setdefault(link["from_id"], set()).add(link["to_id"])
    found = []
    for start in sorted(after):
        seen, frontier = set(), set(after[start])
        while frontier and start not in seen:
            seen |= frontier
            frontier = {n for f in frontier for n in after.get(f, ())} - seen
        if start in seen:
            found.append((start, "dữ liệu sắp xếp bị lặp (đơn vị lại được hình thành từ chính nó)"))
    return found


def load_cao_bang(db: sqlite_utils.Database, data: ShippedUnits | None = None) -> None:
    """Install the real Cao Bằng units of 2022 (161 under 10 districts) and 2025 (56) and their lineage,
    read and checked first (:func:`cao_bang_data`): broken data installs nothing."""
    if db["unit_sets"].count_where("id in (?, ?)", [CAO_BANG_2022, CAO_BANG_2025]):
        return
    data = data or cao_bang_data()
    with transaction(db):
        db["unit_sets"].insert_all([
            {"id": CAO_BANG_2022, "profile": "three-tier", "name": "Cao Bằng (trước 01/7/2025)",
             "valid_from": "2020-01-01", "valid_until": "2025-06-30"},
            {"id": CAO_BANG_2025, "profile": "two-tier", "name": "Cao Bằng (từ 01/7/2025)",
             "valid_from": "2025-07-01", "valid_until": None},
        ])
        db["units"].insert_all(data.units)
        db["unit_lineage"].insert_all(data.lineage)


def _read(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as f:
        return [{k: nfc(v) for k, v in row.items()} for row in csv.DictReader(f)]


def set_name(db: sqlite_utils.Database, unit_set: str) -> str:
    """The unit set's Vietnamese name («Cao Bằng (từ 01/7/2025)»), shown instead of its id."""
    return db["unit_sets"].get(unit_set)["name"]


def get_unit(db: sqlite_utils.Database, unit_id: str) -> dict[str, Any]:
    unit = next(db.query("select * from units where id = ?", [unit_id]), None)
    if unit is None:
        raise NotFound(f"no unit {unit_id!r}", N_("Không có đơn vị mã «%(id)s»."), id=unit_id)
    return unit


def communes(db: sqlite_utils.Database, unit_set: str, under: str | None = None) -> list[dict[str, Any]]:
    """Communes of a unit set (optionally under one district), in Vietnamese order."""
    where = f"unit_set = ? and type in ({', '.join('?' * len(COMMUNE_TYPES))})"
    params: list[Any] = [unit_set, *COMMUNE_TYPES]
    if under:
        where += " and parent_id = ?"
        params.append(under)
    return list(db["units"].rows_where(where, params, order_by="sort_key"))


def full_name(db: sqlite_utils.Database, unit: dict[str, Any]) -> str:
    """``Xã Đức Long, huyện Thạch An, tỉnh Cao Bằng`` (no district in the two-tier profile)."""
    parts = [f"{TYPE_NAMES[unit['type']]} {unit['name']}"]
    parent_id = unit["parent_id"]
    while parent_id:
        parent = get_unit(db, parent_id)
        parts.append(f"{TYPE_NAMES[parent['type']].lower()} {parent['name']}")
        parent_id = parent["parent_id"]
    return ", ".join(parts)
