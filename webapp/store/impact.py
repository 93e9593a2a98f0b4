"""The impact of a criteria revision on one round: every unit re-scored under two criteria sets.

Each assessment is scored with its verified values when it has them, else its declared values,
and its unit's category. The sets to compare are any two of those installed in the database
(every set a round was pinned to) or shipped with the software; the round's pinned set is the
default base. :func:`basis` sets the re-scored «đủ điều kiện» beside the dashboard's count of
«được công nhận» (the authority's decisions), status by status.
"""
from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import sqlite_utils

import criteria
from criteria import CriteriaSet, content_hash
from scoring.impact import ImpactReport, compare

from .rounds import criteria_for, get_round
from .vietnamese import short_date
from .workflow import STATUS_NAMES


@dataclass(frozen=True)
class Choice:
    """A criteria set one may compare with, named as a person reads it (title and version)."""

    key: str
    """The set's content hash: what a form sends, never shown."""
    label: str
    cset: CriteriaSet


def choices(db: sqlite_utils.Database) -> list[Choice]:
    """Every installed or shipped criteria set, once each, newest first; two sets of the same title and
    version (an edited copy) are told apart by the date they were installed."""
    found: dict[str, tuple[CriteriaSet, str | None]] = {}
    for row in db.query("select hash, installed_at from criteria_sets order by installed_at, hash"):
        found[row["hash"]] = (criteria_for(db, row["hash"]), row["installed_at"])
    for cset in criteria.shipped():
        found.setdefault(content_hash(cset), (cset, None))
    named = {key: f"{cset.title.vi} — phiên bản {cset.version}" for key, (cset, _at) in found.items()}
    twice = {label for label, n in Counter(named.values()).items() if n > 1}
    out = []
    for key, (cset, installed) in found.items():
        label = named[key]
        if label in twice:
            label += f" (cài đặt ngày {short_date(installed)})" if installed else " (kèm theo phần mềm)"
        out.append(Choice(key, label, cset))
    return sorted(out, key=lambda c: (c.cset.valid_from, c.cset.version, c.label), reverse=True)


def round_impact(db: sqlite_utils.Database, round_id: int, other_set: CriteriaSet,
                 include: Callable[[str], bool] | None = None, base_set: CriteriaSet | None = None) -> ImpactReport:
    """Compare ``base_set`` (default: the round's pinned set) with ``other_set`` on all (or ``include``-d) units."""
    rnd = get_round(db, round_id)
    base = base_set or criteria_for(db, rnd["criteria_hash"])
    units = []
    for r in _assessments(db, round_id, include):
        verified = json.loads(r["verified"] or "{}")
        values = verified if verified else json.loads(r["declared"] or "{}")
        units.append((r["unit_id"], r["name"], r["category"], values))
    return compare(units, base, other_set)


def _assessments(db: sqlite_utils.Database, round_id: int,
                 include: Callable[[str], bool] | None) -> list[dict[str, Any]]:
    rows = db.query(
        "select a.unit_id, a.status, a.declared, a.verified, u.name, u.category from assessments a "
        "join units u on u.id = a.unit_id where a.round_id = ? order by u.sort_key, u.id", [round_id])
    return [r for r in rows if include is None or include(r["unit_id"])]


def basis(db: sqlite_utils.Database, round_id: int, report: ImpactReport) -> dict[str, Any]:
    """The report's units by workflow status: how many have the authority's recognition (the dashboard's
    «được công nhận») and how many are eligible by their scores under each set; and the two differences."""
    status = {r["unit_id"]: r["status"] for r in db.query(
        "select unit_id, status from assessments where round_id = ?", [round_id])}
    rows = []
    for key, name in STATUS_NAMES.items():
        mine = [u for u in report.units if status.get(u.unit_id) == key]
        if mine:
            rows.append({"status": key, "name": name, "units": len(mine),
                         "eligible_base": sum(u.base.recognised for u in mine),
                         "eligible_other": sum(u.other.recognised for u in mine)})
    decided = sum(1 for u in report.units if status.get(u.unit_id) == "recognised")
    eligible = report.counts["recognised_base"]
    undecided = sum(1 for u in report.units if u.base.recognised and status.get(u.unit_id) != "recognised")
    return {"by_status": rows, "decided": decided, "eligible": eligible, "eligible_undecided": undecided,
            "decided_not_eligible": decided - (eligible - undecided)}
