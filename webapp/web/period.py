"""Periodic reports on the web: ``/rounds/<id>/period.xlsx`` and ``/rounds/<id>/period.pdf``.

``?kind=annual|six-month`` (default annual); ``?scope=UNIT`` narrows the report to a unit
within the user's jurisdiction. Reviewers, authorities and viewers see only their scope;
admins everything. The PDF is rendered in a worker process of :mod:`certificates.pool`.
"""
from __future__ import annotations

import io

from flask import Blueprint, abort, request, send_file

from webapp.store import accounts, periodic
from webapp.store.errors import NotFound
from webapp.store.rounds import get_round

from .auth import current_user, roles_required
from .db import get_db

bp = Blueprint("period", __name__)
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PDF_TIMEOUT = 300


def _report(round_id: int) -> periodic.PeriodReport:
    db, user = get_db(), current_user()
    kind = request.args.get("kind", "annual")
    if kind not in periodic.KINDS:
        abort(400)
    try:
        get_round(db, round_id)
    except NotFound:
        abort(404)
    scope = None if user.role == "admin" else user.scope_unit_id
    if user.role != "admin" and not scope:
        abort(403)
    wanted = request.args.get("scope") or None
    if wanted is not None:
        try:
            allowed = scope is None or accounts.within(db, wanted, scope)
        except NotFound:
            abort(404)
        if not allowed:
            abort(403)
        scope = wanted
    try:
        return periodic.period_report(db, round_id, scope, kind=kind)
    except NotFound:
        abort(404)


def _name(report: periodic.PeriodReport, ext: str) -> str:
    kind = "nam" if report.kind == "annual" else "6-thang"
    return f"bao-cao-{kind}-{report.round['year']}-dot-{report.round['id']}.{ext}"


@bp.route("/rounds/<int:round_id>/period.xlsx")
@roles_required("reviewer", "authority", "viewer", "admin")
def period_xlsx(round_id: int):
    report = _report(round_id)
    return send_file(io.BytesIO(periodic.period_xlsx(report)), mimetype=XLSX, as_attachment=True,
                     download_name=_name(report, "xlsx"))


@bp.route("/rounds/<int:round_id>/period.pdf")
@roles_required("reviewer", "authority", "viewer", "admin")
def period_pdf(round_id: int):
    from certificates import pool

    report = _report(round_id)
    data = pool.render_pooled("period", periodic.period_context(report), timeout=PDF_TIMEOUT)
    return send_file(io.BytesIO(data), mimetype="application/pdf", as_attachment=True,
                     download_name=_name(report, "pdf"))
