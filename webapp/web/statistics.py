"""``/rounds/<id>/statistics``: the TT 13/2021 statistics on children of a round within the user's
jurisdiction (:mod:`webapp.store.statistics`), with its Excel file and its report in PDF.

Reviewers, authorities, viewers and admins, as the dashboard: a district account sees its district, the
province's its province (and, through the lineage, the communes its units were formed from); admins everything.
"""
from __future__ import annotations

import io
from typing import Any

from flask import Blueprint, abort, render_template, send_file

import criteria
from criteria.statistics.schema import YesCount
from scoring.statistics import aggregate
from webapp.store import statistics
from webapp.store.errors import NotFound

from .auth import current_user, roles_required
from .db import get_db
from .period import PDF_TIMEOUT, XLSX

bp = Blueprint("statistics", __name__)
ROLES = ("reviewer", "authority", "viewer", "admin")


def _report(round_id: int) -> statistics.RoundStatistics:
    """The round's statistics within the user's jurisdiction (404: no such round; 403: an account without one)."""
    user = current_user()
    scope = None if user.role == "admin" else user.scope_unit_id
    if user.role != "admin" and not scope:
        abort(403)
    try:
        return statistics.round_statistics(get_db(), round_id, scope)
    except NotFound:
        abort(404)


def _name(report: statistics.RoundStatistics, ext: str) -> str:
    return f"thong-ke-tre-em-{report.round['year']}-dot-{report.round['id']}.{ext}"


@bp.route("/rounds/<int:round_id>/statistics")
@roles_required(*ROLES)
def page(round_id: int):
    report = _report(round_id)
    labels = {name: spec.label for name, spec in criteria.get(report.sset.criteria_set).inputs.items()}
    return render_template(
        "statistics/index.html", r=report, sset=report.sset, labels=labels, communes=_commune_rows(report),
        counts={s: report.count(s) for s in statistics.SOURCE_NAMES}, source_names=statistics.SOURCE_NAMES,
        district_rows=[(d.name, d) for d in report.districts],
        district_trend=[(f"{d.name} ({p.year})", d) for p in report.trend if p.round_id != report.round["id"]
                        for d in p.districts])


def _commune_rows(report: statistics.RoundStatistics) -> list[dict[str, Any]]:
    """Each commune with, per indicator, its figure, that figure as an aggregate of one commune, and its answer
    (True/False) for an indicator counting the communes that answer «Có»; None: not reporting."""
    rows = []
    for c in report.communes:
        cells = {}
        for ind in report.sset.indicators:
            figure = c.figures[ind.id]
            cells[ind.id] = None if figure is None else {
                "figure": figure, "cell": aggregate(ind, [figure]),
                "answer": None if not isinstance(ind.numerator, YesCount) else bool(figure.numerator)}
        rows.append({"c": c, "cells": cells})
    return rows


@bp.route("/rounds/<int:round_id>/statistics.xlsx")
@roles_required(*ROLES)
def xlsx(round_id: int):
    report = _report(round_id)
    return send_file(io.BytesIO(statistics.statistics_xlsx(report)), mimetype=XLSX, as_attachment=True,
                     download_name=_name(report, "xlsx"))


@bp.route("/rounds/<int:round_id>/statistics.pdf")
@roles_required(*ROLES)
def pdf(round_id: int):
    from certificates import pool

    report = _report(round_id)
    data = pool.render_pooled("statistics", statistics.statistics_context(report), timeout=PDF_TIMEOUT)
    return send_file(io.BytesIO(data), mimetype="application/pdf", as_attachment=True,
                     download_name=_name(report, "pdf"))
