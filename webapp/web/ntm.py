"""``/assessments/<id>/ntm``: a unit's child-related NTM (nông thôn mới) indicators
(which set and levels apply: :mod:`webapp.store.ntm`); ``/rounds/<id>/ntm``: the same indicators
over the round's communes in the user's jurisdiction, each with its communes by status."""
from __future__ import annotations

from typing import Any

import sqlite_utils
from flask import Blueprint, render_template

from criteria.ntm.schema import CountZero, NtmSet
from scoring.ntm import IndicatorStatus, evaluate_ntm, labels_of
from scoring.numbers import format_number
from webapp.store import ntm_drafts, urban, workflow
from webapp.store.ntm import ntm_context, round_ntm, values_of
from webapp.store.workflow import Assessment

from .auth import assessment_for, login_required, roles_required, round_for_reader
from .db import get_db

bp = Blueprint("ntm", __name__)

CSS = {"đạt": "met", "không đạt": "not-met", "thiếu dữ liệu": "missing"}


def sources_and_cautions(statuses: list[IndicatorStatus]) -> tuple[list[str], list[str]]:
    """The sources the indicators cite and the cautions the unconfirmed ones carry, each once, in order of first use:
    the page says them once below the table (a row points to its source by number) instead of repeating them per
    row."""
    sources = list(dict.fromkeys(" ".join(s.source.split()) for s in statuses))
    cautions = list(dict.fromkeys(w for s in statuses if s.unverified for w in s.warnings))
    return sources, cautions


def display_rows(ntm_set: NtmSet, statuses: list[IndicatorStatus]) -> list[dict[str, Any]]:
    """Table rows: the status, its CSS class, the value as a person reads it, the level, its source's number."""
    kinds = {ind.id: ind.mapping for ind in ntm_set.indicators}
    sources, _cautions = sources_and_cautions(statuses)
    rows = []
    for s in statuses:
        value = None
        if s.value is not None:
            if isinstance(kinds.get(s.indicator_id), CountZero):
                value = format_number(s.value, 0)
            else:
                value = format_number(s.value * 100, 2) + "%"
        rows.append({"s": s, "value": value, "level": None if s.level is None else format_number(s.level, 2) + "%",
                     "css": CSS.get(s.status, "missing"),
                     "source": sources.index(" ".join(s.source.split())) + 1})
    return rows


@bp.route("/assessments/<int:assessment_id>/ntm")
@login_required
def unit(assessment_id: int):
    view = assessment_for(assessment_id)
    common = {"row": view.row, "unit": view.unit, "status_names": workflow.STATUS_NAMES,
              "urban": _urban_status(get_db(), view)}
    try:
        ctx = ntm_context(view)
    except ValueError as exc:
        return render_template("ntm/unit.html", **common, error=str(exc), rows=[], ctx=None, ntm_set=None)
    nset = ntm_drafts.current(get_db(), ctx.ntm_set_id)
    statuses = evaluate_ntm(nset, values_of(view.row), ctx.area.area, labels_of(view.cset))
    sources, cautions = sources_and_cautions(statuses)
    return render_template("ntm/unit.html", **common, error=None, rows=display_rows(nset, statuses), ctx=ctx,
                           ntm_set=nset, published_on=ntm_drafts.published_on(get_db(), nset.id),
                           area=nset.area(ctx.area.area), sources=sources, cautions=cautions)


def _urban_status(db: sqlite_utils.Database, view: Assessment) -> dict[str, Any]:
    """For a ward or township: its civilised-urban status as of the round's year (``status`` None if unrecorded)."""
    unit = view.unit
    if unit["type"] not in urban.URBAN_TYPES:
        return {}
    year = view.round["year"]
    return {"year": year, "status": urban.status_for(db, [unit["id"]], year).get(unit["id"])}


@bp.route("/rounds/<int:round_id>/ntm")
@roles_required("reviewer", "authority", "viewer", "admin")
def province(round_id: int):
    """Per indicator: how many communes meet it, do not, or lack data (and which data), and which communes."""
    rnd, include = round_for_reader(round_id)
    report = round_ntm(get_db(), round_id, include)
    published = ntm_drafts.published_on(get_db(), report.ntm_set.id) if report.ntm_set else None
    return render_template("ntm/province.html", round=rnd, report=report, published_on=published, css=CSS)
