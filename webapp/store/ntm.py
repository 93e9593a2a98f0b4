"""Which NTM (nông thôn mới) criteria apply to a unit, and its child-related indicators' statuses.

The NTM set and the region/group whose levels apply follow the unit's unit set: 2022 units
→ ``ntm-qd318-2022`` (Cao Bằng is in "tdmnpb"); 2025 units → ``ntm-qd51-2025`` by khu vực.
The values are the assessment's verified values when it has them, else its declared values.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import criteria.ntm
from scoring.ntm import AreaChoice, IndicatorStatus, cao_bang_ntm_area, evaluate_ntm

from .units import CAO_BANG_2022, CAO_BANG_2025
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
    unit = assessment.unit
    set_id = NTM_SET_OF_UNIT_SET.get(unit["unit_set"])
    if set_id is None:
        raise ValueError(f"no NTM criteria set for units of {unit['unit_set']!r}")
    area = cao_bang_ntm_area(set_id, unit.get("khu_vuc"))
    return NtmContext(set_id, area, "verified" if assessment.row.get("verified") else "declared")


def values_of(assessment_row: dict[str, Any]) -> dict[str, Any]:
    """The values the indicators are computed from: verified if any, else declared."""
    return dict(assessment_row.get("verified") or assessment_row.get("declared") or {})


def ntm_status(assessment: Assessment) -> list[IndicatorStatus]:
    """The NTM indicator statuses of the assessment's unit (verified values if any, else declared)."""
    ctx = ntm_context(assessment)
    return evaluate_ntm(criteria.ntm.get(ctx.ntm_set_id), values_of(assessment.row), ctx.area.area)
