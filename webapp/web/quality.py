"""Data quality on screen: a reviewer explains a flag of an assessment; the province's view of a round's flags
(by rule, by commune, the share of figures flagged), scoped to the reader's jurisdiction."""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

import criteria.validation
from webapp.store import quality
from webapp.store.errors import NotFound, TransitionRefused
from webapp.store.limits import TextTooLong
from webapp.store.rounds import criteria_for
from webapp.store.vietnamese import nfc

from .auth import assessment_for, current_user, roles_required, round_for_reader
from .db import get_db
from .refusals import refusal

bp = Blueprint("quality", __name__)


@bp.route("/assessments/<int:assessment_id>/quality", methods=["POST"])
@roles_required("reviewer")
def explain(assessment_id: int):
    """Store (or, with an empty note, withdraw) the reviewer's explanation of one flag; back to the review page."""
    assessment_for(assessment_id, act_as="reviewer")
    flag, note = request.form.get("flag", "")[:200], nfc(request.form.get("note", ""))
    try:
        quality.explain(get_db(), assessment_id, flag, note, current_user().username)
    except (TransitionRefused, TextTooLong, NotFound) as exc:
        flash(_("Chưa lưu giải trình: %(m)s", m=refusal(exc)), "error")
        return redirect(url_for("review.review", assessment_id=assessment_id, _anchor="quality"), code=303)
    flash(_("Đã lưu giải trình.") if note.strip() else _("Đã bỏ giải trình."), "ok")
    return redirect(url_for("review.review", assessment_id=assessment_id, _anchor="quality"), code=303)


@bp.route("/rounds/<int:round_id>/quality")
@roles_required("reviewer", "authority", "viewer", "admin")
def province(round_id: int):
    """A round's data-quality flags within the reader's jurisdiction: where to send a reviewer."""
    db, (rnd, include) = get_db(), round_for_reader(round_id)
    rules = criteria.validation.for_set(criteria_for(db, rnd["criteria_hash"]))
    return render_template("quality/province.html", round=rnd, report=quality.round_quality(db, round_id, include),
                           severity_names=quality.SEVERITY_NAMES, not_covered=rules.not_covered if rules else [])
