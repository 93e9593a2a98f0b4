"""The impact of a criteria revision on one round: every unit re-scored under another set.

Each assessment is scored with its verified values when it has them, else its declared
values, and its unit's category; the round's pinned set is the base.
"""
from __future__ import annotations

import json
from collections.abc import Callable

import sqlite_utils

from criteria import CriteriaSet
from scoring.impact import ImpactReport, compare

from .rounds import criteria_for, get_round


def round_impact(db: sqlite_utils.Database, round_id: int, other_set: CriteriaSet,
                 include: Callable[[str], bool] | None = None) -> ImpactReport:
    """Compare the round's pinned criteria set with ``other_set`` on all (or ``include``-d) units."""
    rnd = get_round(db, round_id)
    base = criteria_for(db, rnd["criteria_hash"])
    rows = db.query(
        "select a.unit_id, a.declared, a.verified, u.name, u.category from assessments a "
        "join units u on u.id = a.unit_id where a.round_id = ? order by u.sort_key, u.id", [round_id])
    units = []
    for r in rows:
        if include is not None and not include(r["unit_id"]):
            continue
        verified = json.loads(r["verified"] or "{}")
        values = verified if verified else json.loads(r["declared"] or "{}")
        units.append((r["unit_id"], r["name"], r["category"], values))
    return compare(units, base, other_set)
