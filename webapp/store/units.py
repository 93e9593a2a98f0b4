"""Administrative units and their history across the 2025 reform.

Units of one period form a *unit set* with a hierarchy profile ("three-tier" before 1 July
2025, "two-tier" after; see :mod:`.profiles`). A unit's id is ``<unit set>:<code>`` because codes were reused
after the merger; ``unit_lineage`` follows each commune into the unit it merged into.
"""
from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

import sqlite_utils

from .db import transaction
from .errors import NotFound
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


def load_cao_bang(db: sqlite_utils.Database) -> None:
    """Install the real Cao Bằng units of 2022 (161 under 10 districts) and 2025 (56)."""
    if db["unit_sets"].count_where("id in (?, ?)", [CAO_BANG_2022, CAO_BANG_2025]):
        return
    with transaction(db):
        db["unit_sets"].insert_all([
            {"id": CAO_BANG_2022, "profile": "three-tier", "name": "Cao Bằng (trước 01/7/2025)",
             "valid_from": "2020-01-01", "valid_until": "2025-06-30"},
            {"id": CAO_BANG_2025, "profile": "two-tier", "name": "Cao Bằng (từ 01/7/2025)",
             "valid_from": "2025-07-01", "valid_until": None},
        ])
        rows22 = _read(DATA / "cao-bang-2022.csv")
        rows25 = _read(DATA / "cao-bang-2025.csv")
        prov22 = _unit(CAO_BANG_2022, PROVINCE_CODE, "Cao Bằng", "tinh", None)
        prov25 = _unit(CAO_BANG_2025, PROVINCE_CODE, "Cao Bằng", "tinh", None)
        units = [prov22, prov25]
        districts: dict[str, dict[str, Any]] = {}
        for row in rows22:
            district = nfc(row["district"])
            if district not in districts:
                dtype = "thanh_pho" if district.startswith("Thành phố") else "huyen"
                bare = district.removeprefix("Thành phố ").removeprefix("Huyện ")
                districts[district] = _unit(CAO_BANG_2022, slug(district), bare, dtype, prov22["id"])
        units += districts.values()
        units += [_unit(CAO_BANG_2022, r["code"], r["name"], r["type"], districts[nfc(r["district"])]["id"],
                        default_category(r["type"]), r["khu_vuc_2021_2025"]) for r in rows22]
        units += [_unit(CAO_BANG_2025, r["code"], r["name"], r["type"], prov25["id"],
                        default_category(r["type"]), r["khu_vuc_2026_2030"]) for r in rows25]
        db["units"].insert_all(units)
        db["unit_lineage"].insert_all(
            {"from_id": f"{CAO_BANG_2022}:{r['code']}", "to_id": f"{CAO_BANG_2025}:{r['merged_into_2025']}"}
            for r in rows22 if r["merged_into_2025"]
        )


def _read(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as f:
        return [{k: nfc(v) for k, v in row.items()} for row in csv.DictReader(f)]


def get_unit(db: sqlite_utils.Database, unit_id: str) -> dict[str, Any]:
    unit = next(db.query("select * from units where id = ?", [unit_id]), None)
    if unit is None:
        raise NotFound(f"no unit {unit_id!r}")
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


def successors(db: sqlite_utils.Database, unit_id: str) -> list[dict[str, Any]]:
    """The units this unit merged into (its history after the reform)."""
    return list(db.query("select u.* from unit_lineage l join units u on u.id = l.to_id "
                         "where l.from_id = ? order by u.sort_key", [unit_id]))


def predecessors(db: sqlite_utils.Database, unit_id: str) -> list[dict[str, Any]]:
    """The units that merged to form this one."""
    return list(db.query("select u.* from unit_lineage l join units u on u.id = l.from_id "
                         "where l.to_id = ? order by u.sort_key", [unit_id]))
