"""``/rounds/<id>/impact``: what another criteria set would change in a round, within the user's scope.

``?base=…&other=…`` name two of the installed or shipped criteria sets (:func:`webapp.store.impact.choices`);
the base defaults to the round's own set, the other to the newest set that differs from it. The page
states its basis beside the dashboard's: the dashboard counts the authority's decisions, this page
re-scores the values and counts the units eligible by their scores.
"""
from __future__ import annotations

from flask import Blueprint, abort, render_template, request
from flask_babel import gettext as _

from webapp.store import accounts
from webapp.store.errors import NotFound
from webapp.store.impact import Choice, basis, choices, round_impact
from webapp.store.rounds import get_round
from webapp.store.workflow import STATUS_NAMES

from . import charts
from .auth import current_user, roles_required
from .db import get_db
from .formatting import tr

bp = Blueprint("impact", __name__)
ROLES = ("viewer", "authority", "admin")


def _chosen(options: list[Choice], wanted: str | None, default: str) -> Choice:
    """The option whose key is ``wanted`` (404 for an unknown one), else the one keyed ``default``."""
    key = wanted.strip() if wanted else default
    found = next((c for c in options if c.key == key), None)
    if found is None:
        abort(404)
    return found


@bp.route("/rounds/<int:round_id>/impact")
@roles_required(*ROLES)
def index(round_id: int):
    """The comparison of two criteria sets on the round's units in the user's jurisdiction."""
    db, user = get_db(), current_user()
    try:
        rnd = get_round(db, round_id)
    except NotFound:
        abort(404)
    options = choices(db)
    base = _chosen(options, request.args.get("base"), rnd["criteria_hash"])
    newest_other = next((c.key for c in options if c.key != base.key), base.key)
    other = _chosen(options, request.args.get("other"), newest_other)
    include = None
    if user.role != "admin":
        scope = user.scope_unit_id
        include = lambda unit_id: accounts.within(db, unit_id, scope)
    report = round_impact(db, round_id, other.cset, include, base_set=base.cset)
    counts = report.counts
    chart = charts.bar_chart(
        [(base.label, counts["recognised_base"]), (other.label, counts["recognised_other"])],
        title=_("Số đơn vị đủ điều kiện công nhận theo điểm, theo từng bộ tiêu chí"),
        fmt=lambda v: f"{int(v)}", max_value=max(1, counts["units"]), label_width=260)
    categories = {c.id: tr(c.name) for c in (*base.cset.categories, *other.cset.categories)}
    return render_template(
        "impact/index.html", round=rnd, options=options, base=base, other=other, report=report, chart=chart,
        round_set=next((c.label for c in options if c.key == rnd["criteria_hash"]), ""),
        basis=basis(db, round_id, report), status_names=STATUS_NAMES, categories=categories,
        rows=report.rows(only_changed=True))
