"""``/rounds/<id>/impact``: what a criteria revision would change in a round, within the user's scope.

Register with ``app.register_blueprint(impact_web.bp)``.
"""
from __future__ import annotations

from flask import Blueprint, abort, render_template, request
from flask_babel import gettext as _

import criteria
from criteria import CriteriaNotFound
from webapp.store import accounts
from webapp.store.errors import NotFound
from webapp.store.impact import round_impact
from webapp.store.rounds import get_round

from . import charts
from .auth import current_user, roles_required
from .db import get_db

bp = Blueprint("impact", __name__)


@bp.route("/rounds/<int:round_id>/impact")
@roles_required("viewer", "authority", "admin")
def index(round_id: int):
    db, user = get_db(), current_user()
    try:
        rnd = get_round(db, round_id)
    except NotFound:
        abort(404)
    shipped = sorted({(s.id, s.version) for s in criteria.shipped()})
    set_id = (request.args.get("set") or "").strip()
    version = (request.args.get("version") or "").strip() or None
    context = {"round": rnd, "shipped": shipped, "set_id": set_id, "version": version,
               "report": None, "chart": None}
    if not set_id:
        return render_template("impact/index.html", **context)
    try:
        other = criteria.get(set_id, version)
    except CriteriaNotFound:
        abort(404)
    include = None
    if user.role != "admin":
        scope = user.scope_unit_id
        include = lambda unit_id: accounts.within(db, unit_id, scope)
    report = round_impact(db, round_id, other, include)
    base_label = f"{report.base_set['id']} {report.base_set['version']}"
    other_label = f"{report.other_set['id']} {report.other_set['version']}"
    chart = charts.bar_chart(
        [(base_label, report.counts["recognised_base"]), (other_label, report.counts["recognised_other"])],
        title=_("Số đơn vị được công nhận theo từng bộ tiêu chí"),
        fmt=lambda v: f"{int(v)}", max_value=max(1, report.counts["units"]))
    context.update(report=report, chart=chart, base_label=base_label, other_label=other_label,
                   rows=report.rows(only_changed=True))
    return render_template("impact/index.html", **context)
