"""The commune's answers in the review conversation: a plain form post from the return banner.

An officer answers the reviewer's note on a criterion (or the overall return comment) while the
assessment is back with the commune. A refusal (empty, too long, not the commune's turn) shows the
checklist again with the answer kept beside the field; an assessment the officer may not see is a 403
and nothing is written.
"""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from webapp.store import workflow
from webapp.store.errors import NotFound, TransitionRefused
from webapp.store.limits import TextTooLong
from webapp.store.vietnamese import nfc

from .auth import assessment_for, current_user, roles_required
from .commune import _context
from .db import get_db
from .refusals import refusal
from .review import refused_code

bp = Blueprint("answers", __name__)


@bp.route("/assessments/<int:assessment_id>/answers", methods=["POST"])
@roles_required("officer")
def answer(assessment_id: int):
    assessment_for(assessment_id, act_as="officer")
    raw = request.form.get("criterion", "").strip()
    if raw and not (raw.isascii() and raw.isdigit() and len(raw) <= 3):
        abort(404)
    criterion = int(raw) if raw else None
    body = nfc(request.form.get("body", "")).strip()
    try:
        workflow.answer(get_db(), assessment_id, criterion, current_user().username, body)
    except NotFound:
        abort(404)
    except (TransitionRefused, TextTooLong) as exc:
        message = refusal(exc)
        flash(_("Chưa gửi trả lời: %(m)s", m=message), "error")
        context = _context(workflow.load(get_db(), assessment_id))
        context["answers_kept"], context["answer_errors"] = {criterion: body}, {criterion: message}
        return render_template("commune/checklist.html", **context), refused_code(exc, body)
    flash(_("Đã gửi trả lời."), "ok")
    anchor = f"fix-{criterion}" if criterion is not None else "fix-whole"
    return redirect(url_for("commune.checklist", assessment_id=assessment_id, _anchor=anchor), code=303)
