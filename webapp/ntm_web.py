"""``/assessments/<id>/ntm``: a unit's child-related NTM (nông thôn mới) indicators.

The NTM set and the region/group whose levels apply follow the unit's unit set: 2022 units
→ ``ntm-qd318-2022`` (Cao Bằng is in "tdmnpb"); 2025 units → ``ntm-qd51-2025`` by khu vực.
The values are the assessment's verified values when it has them, else its declared values.
Register with ``app.register_blueprint(ntm_web.bp)``.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import sqlite_utils
from flask import Blueprint, render_template

import criteria.ntm
from criteria.ntm.schema import CountZero, NtmSet
from scoring.ntm import AreaChoice, IndicatorStatus, cao_bang_ntm_area, evaluate_ntm
from scoring.numbers import format_number

from . import urban, workflow
from .app import get_db
from .auth import assessment_for, login_required
from .rounds import get_round
from .units import CAO_BANG_2022, CAO_BANG_2025, get_unit

bp = Blueprint("ntm", __name__)

CSS = {"đạt": "met", "không đạt": "not-met", "thiếu dữ liệu": "missing"}
NTM_SET_OF_UNIT_SET = {CAO_BANG_2022: "ntm-qd318-2022", CAO_BANG_2025: "ntm-qd51-2025"}


@dataclass(frozen=True)
class NtmContext:
    ntm_set_id: str
    area: AreaChoice
    values_from: str
    """"verified" or "declared"."""


def ntm_context(db: sqlite_utils.Database, assessment_row: dict[str, Any]) -> NtmContext:
    """Which NTM set and area apply to the assessment's unit; raises ValueError when none does."""
    unit = get_unit(db, assessment_row["unit_id"])
    set_id = NTM_SET_OF_UNIT_SET.get(unit["unit_set"])
    if set_id is None:
        raise ValueError(f"no NTM criteria set for units of {unit['unit_set']!r}")
    area = cao_bang_ntm_area(set_id, unit.get("khu_vuc"))
    return NtmContext(set_id, area, "verified" if assessment_row.get("verified") else "declared")


def _values(assessment_row: dict[str, Any]) -> dict[str, Any]:
    return dict(assessment_row.get("verified") or assessment_row.get("declared") or {})


def ntm_status(db: sqlite_utils.Database, assessment_row: dict[str, Any]) -> list[IndicatorStatus]:
    """The NTM indicator statuses of the assessment's unit (verified values if any, else declared)."""
    ctx = ntm_context(db, assessment_row)
    return evaluate_ntm(criteria.ntm.get(ctx.ntm_set_id), _values(assessment_row), ctx.area.area)


def display_rows(ntm_set: NtmSet, statuses: list[IndicatorStatus]) -> list[dict[str, Any]]:
    """Table rows: the status, its CSS class, the value as a person reads it, the level."""
    kinds = {ind.id: ind.mapping for ind in ntm_set.indicators}
    rows = []
    for s in statuses:
        value = None
        if s.value is not None:
            if isinstance(kinds.get(s.indicator_id), CountZero):
                value = format_number(s.value, 0)
            else:
                value = format_number(s.value * 100, 2) + "%"
        rows.append({"s": s, "value": value, "level": None if s.level is None else format_number(s.level, 2) + "%",
                     "css": CSS.get(s.status, "missing")})
    return rows


@bp.route("/assessments/<int:assessment_id>/ntm")
@login_required
def unit(assessment_id: int):
    row = assessment_for(assessment_id)
    db = get_db()
    unit_row = get_unit(db, row["unit_id"])
    common = {"row": row, "unit": unit_row, "status_names": workflow.STATUS_NAMES,
              "urban": _urban_status(db, row, unit_row)}
    try:
        ctx = ntm_context(db, row)
    except ValueError as exc:
        return render_template("ntm/unit.html", **common, error=str(exc), rows=[], ctx=None, ntm_set=None)
    nset = criteria.ntm.get(ctx.ntm_set_id)
    statuses = evaluate_ntm(nset, _values(row), ctx.area.area)
    return render_template("ntm/unit.html", **common, error=None, rows=display_rows(nset, statuses), ctx=ctx,
                           ntm_set=nset, area=nset.area(ctx.area.area))


def _urban_status(db: sqlite_utils.Database, row: dict[str, Any], unit_row: dict[str, Any]) -> dict[str, Any]:
    """For a ward or township: its civilised-urban status as of the round's year (``status`` None if unrecorded)."""
    if unit_row["type"] not in urban.URBAN_TYPES:
        return {}
    year = get_round(db, row["round_id"])["year"]
    return {"year": year, "status": urban.status_for(db, [unit_row["id"]], year).get(unit_row["id"])}
