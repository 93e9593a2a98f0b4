"""History across the 2025 reform: which communes formed which, what they achieved before, and a round on
the new units set beside the latest earlier round on the units they were formed from.

The two unit sets are different units: 56 communes since 1 July 2025 against 161 before. They are compared
through ``unit_lineage`` only — each new unit classified by what its predecessors achieved — never by
subtracting one count of units from the other.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import sqlite_utils

from .units import TYPE_NAMES, get_unit
from .vietnamese import as_date

ALL, MIXED, NONE = "all", "mixed", "none"  # a new unit's predecessors: all recognised, some, none
NOT_EVALUATED = ("draft",)  # a predecessor with no assessment in the round, or only a draft, was not evaluated


def successors(db: sqlite_utils.Database, unit_id: str) -> list[dict[str, Any]]:
    """The units this unit merged into (its history after the reform)."""
    return list(db.query("select u.* from unit_lineage l join units u on u.id = l.to_id "
                         "where l.from_id = ? order by u.sort_key", [unit_id]))


def predecessors(db: sqlite_utils.Database, unit_id: str) -> list[dict[str, Any]]:
    """The units that merged to form this one."""
    return list(db.query("select u.* from unit_lineage l join units u on u.id = l.from_id "
                         "where l.to_id = ? order by u.sort_key", [unit_id]))


def later_units(db: sqlite_utils.Database, unit_id: str) -> list[dict[str, Any]]:
    """Every unit this one became, through one reform or several: whoever may see one of them may read its past."""
    return list(db.query("""
        with recursive later(id) as (
            select to_id from unit_lineage where from_id = ?
            union
            select l.to_id from unit_lineage l join later on l.from_id = later.id
        )
        select u.* from later join units u on u.id = later.id order by u.sort_key""", [unit_id]))


def display_name(unit: dict[str, Any]) -> str:
    """``Xã Đức Long`` (the unit's type and name)."""
    return f"{TYPE_NAMES.get(unit['type'], '')} {unit['name']}".strip()


def earlier_results(db: sqlite_utils.Database, unit_id: str) -> list[dict[str, Any]]:
    """Each unit that formed ``unit_id``, with its results in every round, newest first: round name and year,
    status (a key of ``workflow.STATUS_NAMES``), total (None while a draft), whether recognised, and the date
    of the decision (the issued decision's signing date, else the day the decision was recorded)."""
    found = predecessors(db, unit_id)
    if not found:
        return []
    ids = [u["id"] for u in found]
    rows = db.query(f"""
        select a.id, a.unit_id, a.status, a.result, r.name as round_name, r.year,
               d.decided_at, doc.signed_on
        from assessments a join rounds r on r.id = a.round_id
        left join decisions d on d.assessment_id = a.id
        left join certificates c on c.assessment_id = a.id
        left join recognition_documents doc on doc.id = c.document_id
        where a.unit_id in ({', '.join('?' * len(ids))})
        order by r.year desc, r.id desc""", ids)
    results: dict[str, list[dict[str, Any]]] = {i: [] for i in ids}
    for row in rows:
        summary = json.loads(row["result"]) if row["result"] and row["status"] not in NOT_EVALUATED else None
        results[row["unit_id"]].append({
            "assessment_id": row["id"], "round_name": row["round_name"], "year": row["year"],
            "status": row["status"],
            "total": summary["total"] if summary else None, "recognised": row["status"] == "recognised",
            "decided_on": as_date(row["signed_on"] or row["decided_at"]),
        })
    return [{"unit": u, "name": display_name(u), "results": results[u["id"]]} for u in found]


@dataclass(frozen=True)
class CrossReform:
    """A round on the new units beside the latest earlier round on the units they were formed from."""

    earlier: dict[str, Any]  # the earlier round: id, name, year, unit_set
    units: int  # the new units compared (those formed from earlier units)
    groups: dict[str, list[dict[str, Any]]]  # ALL / MIXED / NONE → the new units, each with its predecessors
    not_evaluated: list[dict[str, Any]]  # new units with a predecessor the earlier round did not evaluate
    earlier_units: int  # the predecessors, in the earlier round
    earlier_recognised: int

    def sentence(self) -> str:
        """«Của 56 xã, phường mới: 31 hình thành chỉ từ các xã đã được công nhận năm 2024, …»."""
        year = self.earlier["year"]
        text = (f"Của {self.units} xã, phường mới: {len(self.groups[ALL])} hình thành chỉ từ các xã đã được công "
                f"nhận năm {year}, {len(self.groups[MIXED])} từ các xã có cả hai (có xã được công nhận, có xã "
                f"chưa), {len(self.groups[NONE])} chưa có xã nào được công nhận")
        if self.not_evaluated:
            text += f"; {len(self.not_evaluated)} có xã chưa được đánh giá năm {year}"
        return text + "."


def earlier_round(db: sqlite_utils.Database, rnd: dict[str, Any]) -> dict[str, Any] | None:
    """The latest round of an earlier year on another unit set (the units before a reform), or None."""
    return next(db.query("select id, name, year, unit_set from rounds where year < ? and unit_set != ? "
                         "order by year desc, id desc limit 1", [rnd["year"], rnd["unit_set"]]), None)


def cross_reform(db: sqlite_utils.Database, rnd: dict[str, Any], unit_ids: list[str],
                 earlier: dict[str, Any] | None = None) -> CrossReform | None:
    """Classify each of ``unit_ids`` (new units of round ``rnd``) by what the units it was formed from achieved
    in ``earlier`` (default :func:`earlier_round`): all recognised, some, none; and which had a predecessor the
    earlier round did not evaluate. None when there is no earlier round or none of the units has a predecessor."""
    earlier = earlier or earlier_round(db, rnd)
    if earlier is None or not unit_ids:
        return None
    marks = ", ".join("?" * len(unit_ids))
    links = list(db.query(f"""
        select l.to_id, l.from_id, u.name, u.type, u.code, u.sort_key, a.id as assessment_id, a.status
        from unit_lineage l join units u on u.id = l.from_id
        left join assessments a on a.unit_id = l.from_id and a.round_id = ?
        where l.to_id in ({marks}) order by u.sort_key""", [earlier["id"], *unit_ids]))
    if not links:
        return None
    formed: dict[str, list[dict[str, Any]]] = {}
    for link in links:
        evaluated = link["status"] is not None and link["status"] not in NOT_EVALUATED
        formed.setdefault(link["to_id"], []).append({
            "unit_id": link["from_id"], "name": display_name(link), "assessment_id": link["assessment_id"],
            "status": link["status"], "evaluated": evaluated, "recognised": link["status"] == "recognised"})
    groups: dict[str, list[dict[str, Any]]] = {ALL: [], MIXED: [], NONE: []}
    not_evaluated = []
    for unit in sorted((get_unit(db, i) for i in formed), key=lambda u: u["sort_key"]):
        before = formed[unit["id"]]
        entry = {"unit": unit, "name": display_name(unit), "predecessors": before}
        recognised = sum(p["recognised"] for p in before)
        groups[ALL if recognised == len(before) else MIXED if recognised else NONE].append(entry)
        if not all(p["evaluated"] for p in before):
            not_evaluated.append(entry)
    return CrossReform(earlier=earlier, units=len(formed), groups=groups, not_evaluated=not_evaluated,
                       earlier_units=sum(p["assessment_id"] is not None for ps in formed.values() for p in ps),
                       earlier_recognised=sum(p["recognised"] for ps in formed.values() for p in ps))
