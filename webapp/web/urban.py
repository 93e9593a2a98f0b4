"""``/urban``: the administrator records wards' and townships' civilised-urban status.

The listing shows every ward and township of a unit set (named, never by its id) with its status as of a
year; the form records (or corrects) one status; a CSV or Excel file records many at once, by the rules of
``cfc urban import`` (every row or none, each bad cell named by row and column), from a template offered
here. Dashboards and unit pages show the status beside the child-friendly result.
"""
from __future__ import annotations

import io

from flask import Blueprint, flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _

from webapp.store import units, urban, vietnamese
from webapp.store.errors import ImportRejected, InvalidRecord

from .auth import current_user, roles_required
from .db import get_db

bp = Blueprint("urban", __name__, url_prefix="/urban")
UNIT_SETS = (units.CAO_BANG_2025, units.CAO_BANG_2022)
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _chosen(args) -> tuple[str, int]:
    """The unit set and year asked for (the current set and this year by default)."""
    unit_set = args.get("unit_set") if args.get("unit_set") in UNIT_SETS else UNIT_SETS[0]
    year = args.get("year", type=int)
    return unit_set, year if year and urban.FIRST_YEAR <= year <= urban.LAST_YEAR else vietnamese.today().year


def _page(unit_set: str, year: int, problem: InvalidRecord | None = None, rejected: ImportRejected | None = None,
          form=None, status: int = 200):
    db = get_db()
    names = {row["id"]: row["name"] for row in db["unit_sets"].rows_where(f"id in ({', '.join('?' * len(UNIT_SETS))})",
                                                                         list(UNIT_SETS))}
    return render_template("urban/index.html", rows=urban.listing(db, unit_set, year), unit_set=unit_set,
                           unit_sets=[(s, names.get(s, s)) for s in UNIT_SETS], year=year, problem=problem,
                           rejected=rejected, columns=urban.FIELD_COLUMNS, max_mb=urban.MAX_FILE_BYTES // 2**20, form=form or {},
                           status_names=urban.STATUS_NAMES), status


@bp.route("", methods=["GET", "POST"])
@roles_required("admin")
def index():
    unit_set, year = _chosen(request.form if request.method == "POST" else request.args)
    if request.method == "GET":
        return _page(unit_set, year)
    given = {key: request.form.get(key) for key in ("year", "status", "decision", "decided_on", "note")}
    try:
        urban.record(get_db(), f"{unit_set}:{request.form.get('code', '')}", given, current_user().username)
    except InvalidRecord as exc:
        return _page(unit_set, year, problem=exc, form=request.form, status=422)
    flash(_("Đã ghi nhận kết quả văn minh đô thị."), "ok")
    return redirect(url_for("urban.index", unit_set=unit_set, year=year))


@bp.route("/import", methods=["POST"])
@roles_required("admin")
def import_file():
    """A CSV or Excel file of statuses: every row recorded, or none and every bad cell listed."""
    unit_set, year = _chosen(request.form)
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        flash(_("Chưa chọn tệp."), "error")
        return redirect(url_for("urban.index", unit_set=unit_set, year=year, _anchor="import"))
    data = upload.stream.read(urban.MAX_FILE_BYTES + 1)
    try:
        count = urban.import_file(get_db(), unit_set, data, upload.filename, current_user().username)
    except ImportRejected as exc:
        return _page(unit_set, year, rejected=exc, status=422)
    flash(_("Đã ghi nhận %(n)s kết quả văn minh đô thị từ tệp «%(file)s».", n=count, file=upload.filename), "ok")
    return redirect(url_for("urban.index", unit_set=unit_set, year=year))


@bp.route("/template.<any(csv, xlsx):kind>")
@roles_required("admin")
def template(kind: str):
    """The file to fill in: every ward and township of the unit set, the year filled in, Vietnamese headers."""
    unit_set, year = _chosen(request.args)
    name = f"van-minh-do-thi-{year}.{kind}"
    if kind == "csv":
        data = urban.template_csv(get_db(), unit_set, year).encode("utf-8")
        return send_file(io.BytesIO(data), mimetype="text/csv", as_attachment=True, download_name=name)
    return send_file(io.BytesIO(urban.template_xlsx(get_db(), unit_set, year)), mimetype=XLSX, as_attachment=True,
                     download_name=name)
