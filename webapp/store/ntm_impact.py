"""What an NTM draft would change for the communes of the latest round whose units the set applies to: each
commune's child-related NTM results under the version that applies now and under the draft, and those whose
result on an indicator changes (đạt, không đạt, thiếu dữ liệu), with counts by change."""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Any

import sqlite_utils

from criteria.ntm import NtmSet

from .ntm import NTM_SET_OF_UNIT_SET, round_ntm


@dataclass(frozen=True)
class Moved:
    """One commune whose result on one indicator changes under the draft."""

    commune: str
    indicator: str
    before: str
    after: str


@dataclass(frozen=True)
class NtmImpact:
    """The round's communes under both versions: how many, which results change, how many of each change."""

    communes: int
    moved: list[Moved]
    counts: list[tuple[str, str, int]]  # (before, after, how many results), most frequent first


def latest_round(db: sqlite_utils.Database, set_id: str) -> dict[str, Any] | None:
    """The latest round whose units the NTM set ``set_id`` applies to, if any."""
    unit_sets = [u for u, s in NTM_SET_OF_UNIT_SET.items() if s == set_id]
    marks = ", ".join("?" * len(unit_sets))
    return next(db.query(f"select * from rounds where unit_set in ({marks}) order by id desc limit 1", unit_sets),
                None) if unit_sets else None


def draft_impact(db: sqlite_utils.Database, round_id: int, draft: NtmSet) -> NtmImpact:
    """The round's communes' NTM results under the version that applies now and under ``draft``, compared."""
    now, then = round_ntm(db, round_id), round_ntm(db, round_id, nset=draft)
    wording = {t.indicator.id: t.wording for t in then.indicators}
    moved = []
    for before in now.indicators:
        after = next((t for t in then.indicators if t.indicator.id == before.indicator.id), None)
        if after is None:
            continue
        status = {c.assessment_id: c.status for group in after.communes.values() for c in group}
        for group in before.communes.values():
            moved += [Moved(c.name, wording[before.indicator.id], c.status, status[c.assessment_id])
                      for c in group if status.get(c.assessment_id, c.status) != c.status]
    counts = Counter((m.before, m.after) for m in moved)
    return NtmImpact(now.units, moved, [(a, b, n) for (a, b), n in counts.most_common()])
