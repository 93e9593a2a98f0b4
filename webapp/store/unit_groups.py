"""The district group of each commune, for filtering lists: its district in a three-tier unit set, or,
in a two-tier set (no districts since 1 July 2025), the former district(s) of the communes it was
formed from (``unit_lineage``), so «Hà Quảng» still finds the communes of the old Hà Quảng district.
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import sqlite_utils

from .units import TIER_TYPES, TYPE_NAMES

DISTRICT_TYPES = TIER_TYPES["district"]


@dataclass(frozen=True)
class Group:
    """A district (current or former) that communes are grouped by."""

    id: str
    name: str
    sort_key: str
    former: bool
    """True for a district that no longer exists (the commune was formed from its communes)."""


def _group(row: dict[str, str], former: bool) -> Group:
    return Group(row["id"], f"{TYPE_NAMES.get(row['type'], '')} {row['name']}".strip(), row["sort_key"], former)


def groups_of(db: sqlite_utils.Database, unit_ids: Iterable[str]) -> dict[str, tuple[Group, ...]]:
    """Per commune id: its district, or else the former districts it descends from (Vietnamese order)."""
    ids = list(dict.fromkeys(unit_ids))
    if not ids:
        return {}
    marks, types = ", ".join("?" * len(ids)), ", ".join("?" * len(DISTRICT_TYPES))
    out: dict[str, list[Group]] = {uid: [] for uid in ids}
    for row in db.query(f"select u.id as unit_id, p.id, p.name, p.type, p.sort_key from units u "
                        f"join units p on p.id = u.parent_id where u.id in ({marks}) and p.type in ({types})",
                        [*ids, *DISTRICT_TYPES]):
        out[row["unit_id"]].append(_group(row, former=False))
    orphans = [uid for uid, found in out.items() if not found]
    if orphans:
        marks = ", ".join("?" * len(orphans))
        for row in db.query(f"select distinct l.to_id as unit_id, p.id, p.name, p.type, p.sort_key "
                            f"from unit_lineage l join units f on f.id = l.from_id join units p on p.id = f.parent_id "
                            f"where l.to_id in ({marks}) and p.type in ({types})", [*orphans, *DISTRICT_TYPES]):
            out[row["unit_id"]].append(_group(row, former=True))
    return {uid: tuple(sorted(found, key=lambda g: g.sort_key)) for uid, found in out.items()}


def choices(groups: dict[str, tuple[Group, ...]]) -> list[Group]:
    """Every group that occurs, once, in Vietnamese order (the filter's options)."""
    seen = {g.id: g for found in groups.values() for g in found}
    return sorted(seen.values(), key=lambda g: g.sort_key)
