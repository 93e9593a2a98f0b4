"""``/urban``: the administrator records wards' and townships' civilised-urban status.

The listing shows every ward and township of a unit set with its status as of a year; the
form records (or corrects) one status. Dashboards and unit pages show it beside the
child-friendly result. Register with ``app.register_blueprint(urban_web.bp)``.
"""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from webapp.store import units, urban, vietnamese
from webapp.store.errors import InvalidRecord

from .auth import current_user, roles_required
from .db import get_db

bp = Blueprint("urban", __name__, url_prefix="/urban")
UNIT_SETS = (units.CAO_BANG_2025, units.CAO_BANG_2022)


@bp.route("", methods=["GET", "POST"])
@roles_required("admin")
def index():
    db = get_db()
    args = request.form if request.method == "POST" else request.args
    unit_set = args.get("unit_set") if args.get("unit_set") in UNIT_SETS else UNIT_SETS[0]
    year = args.get("year", type=int)
    year = year if year and urban.FIRST_YEAR <= year <= urban.LAST_YEAR else vietnamese.today().year
    problem = None
    if request.method == "POST":
        given = {key: request.form.get(key) for key in ("year", "status", "decision", "decided_on", "note")}
        try:
            urban.record(db, f"{unit_set}:{request.form.get('code', '')}", given, current_user().username)
        except InvalidRecord as exc:
            problem = exc
        else:
            flash(_("Đã ghi nhận kết quả văn minh đô thị."), "ok")
            return redirect(url_for("urban.index", unit_set=unit_set, year=year))
    return render_template("urban/index.html", rows=urban.listing(db, unit_set, year), unit_set=unit_set,
                           unit_sets=UNIT_SETS, year=year, problem=problem,
                           form=request.form if problem else {}, status_names=urban.STATUS_NAMES), \
        422 if problem else 200
