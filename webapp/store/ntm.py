"""Which NTM (nông thôn mới) criteria apply to a unit, and its child-related indicators' statuses.

The NTM set and the region/group whose levels apply follow the unit's unit set: 2022 units
→ ``ntm-qd318-2022`` (Cao Bằng is in "tdmnpb"); 2025 units → ``ntm-qd51-2025`` by khu vực.
The values are the assessment's verified values when it has them, else its declared values.
"""
from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import sqlite_utils

from criteria.ntm.schema import Indicator, NtmSet
from scoring.ntm import (
    MET,
    MISSING,
    NOT_MET,
    PROVISIONAL_PREFIX,
    AreaChoice,
    IndicatorStatus,
    cao_bang_ntm_area,
    evaluate_ntm,
    labels_of,
)

from .ntm_drafts import current
from .rounds import criteria_for, get_round
from .units import CAO_BANG_2022, CAO_BANG_2025, TIER_TYPES, TYPE_NAMES
from .workflow import Assessment

NTM_SET_OF_UNIT_SET = {CAO_BANG_2022: "ntm-qd318-2022", CAO_BANG_2025: "ntm-qd51-2025"}


@dataclass(frozen=True)
class NtmContext:
    ntm_set_id: str
    area: AreaChoice
    values_from: str
    """"verified" or "declared"."""


def ntm_context(assessment: Assessment) -> NtmContext:
    """Which NTM set and area apply to the assessment's unit; raises ValueError when none does."""
    return context_of(assessment.unit, assessment.row)


def context_of(unit: dict[str, Any], row: dict[str, Any]) -> NtmContext:
    """:func:`ntm_context` from a unit and its assessment's row (values decoded)."""
    set_id = NTM_SET_OF_UNIT_SET.get(unit["unit_set"])
    if set_id is None:
        raise ValueError(f"no NTM criteria set for units of {unit['unit_set']!r}")
    area = cao_bang_ntm_area(set_id, unit.get("khu_vuc"))
    return NtmContext(set_id, area, "verified" if row.get("verified") else "declared")


def values_of(assessment_row: dict[str, Any]) -> dict[str, Any]:
    """The values the indicators are computed from: verified if any, else declared."""
    return dict(assessment_row.get("verified") or assessment_row.get("declared") or {})


def ntm_status(db: sqlite_utils.Database, assessment: Assessment) -> list[IndicatorStatus]:
    """The NTM indicator statuses of the assessment's unit (verified values if any, else declared), under the
    set's version that applies now."""
    ctx = ntm_context(assessment)
    return evaluate_ntm(current(db, ctx.ntm_set_id), values_of(assessment.row), ctx.area.area,
                        labels_of(assessment.cset))


# --- A round's communes, indicator by indicator (the province's view) ------------------------------


@dataclass(frozen=True)
class Commune:
    """One commune's status on one indicator; ``missing`` says which data are lacking, in words."""

    assessment_id: int
    name: str
    status: str
    missing: tuple[str, ...] = ()


@dataclass
class IndicatorCount:
    """One indicator over the round's communes: who meets it, who does not, who lacks data and what data."""

    indicator: Indicator
    criterion_name: str
    wording: str
    provisional: bool
    communes: dict[str, list[Commune]] = field(default_factory=lambda: {MET: [], NOT_MET: [], MISSING: []})
    missing: Counter[str] = field(default_factory=Counter)
    """Each lacking datum (by its label) → the number of communes lacking it."""


@dataclass(frozen=True)
class RoundNtm:
    """The child-related NTM indicators of a round's communes within a jurisdiction."""

    ntm_set: NtmSet | None
    units: int
    from_verified: int
    indicators: list[IndicatorCount]
    unplaced: list[str]
    """Communes whose region/group is not known (every indicator counts them as lacking data)."""
    provisional: bool


UNPLACED = "chưa xác định được nhóm, vùng áp dụng"


def round_ntm(db: sqlite_utils.Database, round_id: int, include: Callable[[str], bool] | None = None,
              nset: NtmSet | None = None) -> RoundNtm:
    """Each indicator's communes by status, computed as each commune's own NTM page computes them, under the version
    of the set that applies now (or ``nset``, e.g. a draft of it)."""
    rnd = get_round(db, round_id)
    set_id = NTM_SET_OF_UNIT_SET.get(rnd["unit_set"])
    if set_id is None:
        return RoundNtm(None, 0, 0, [], [], False)
    nset = nset or current(db, set_id)
    labels = labels_of(criteria_for(db, rnd["criteria_hash"]))
    table = [IndicatorCount(ind, _criterion_name(nset, ind.criterion), _wording(ind.wording_vi),
                            _provisional(ind)) for ind in nset.indicators]
    units = verified = 0
    unplaced: list[str] = []
    provisional = any(t.provisional for t in table)
    for row in db.query(
            "select a.id, a.unit_id, a.declared, a.verified, u.name, u.type, u.unit_set, u.khu_vuc, "
            "p.name as parent_name, p.type as parent_type from assessments a join units u on u.id = a.unit_id "
            "left join units p on p.id = u.parent_id where a.round_id = ? order by u.sort_key, u.id",
            [round_id]):
        if include is not None and not include(row["unit_id"]):
            continue
        units += 1
        row["declared"], row["verified"] = json.loads(row["declared"] or "{}"), json.loads(row["verified"] or "{}")
        verified += bool(row["verified"])
        name = f"{TYPE_NAMES.get(row['type'], '')} {row['name']}".strip()
        if row["parent_type"] in TIER_TYPES["district"]:  # communes of two districts may share a name
            name += f" ({TYPE_NAMES[row['parent_type']].lower()} {row['parent_name']})"
        values = values_of(row)
        try:
            ctx = context_of(row, row)
            statuses = evaluate_ntm(nset, values, ctx.area.area, labels)
        except ValueError:
            unplaced.append(name)
            for entry in table:
                entry.communes[MISSING].append(Commune(row["id"], name, MISSING, (UNPLACED,)))
                entry.missing[UNPLACED] += 1
            continue
        provisional = provisional or not ctx.area.verified
        for entry, st in zip(table, statuses, strict=True):
            entry.communes[st.status].append(Commune(row["id"], name, st.status, st.lacking))
            entry.missing.update(st.lacking)
    return RoundNtm(nset, units, verified, table, unplaced, provisional)


def _criterion_name(nset: NtmSet, number: int) -> str:
    crit = nset.criterion(number)
    return crit.name_vi if crit else ""


def _wording(text: str) -> str:
    """The indicator's wording without the «(chưa xác nhận)» the page says once for all."""
    return " ".join(text.removeprefix(PROVISIONAL_PREFIX).split())


def _provisional(ind: Indicator) -> bool:
    m = ind.mapping
    return not ind.verified or (m is not None and not m.verified) or getattr(m, "levels_verified", True) is False
