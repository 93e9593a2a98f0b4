"""The recognising authority: decisions on verified assessments, and revocations.

The authority (district chair in the three-tier profile, province in the two-tier one) sees
the verified assessments of their jurisdiction with the verified total and the conditions
that fail, decides to recognise or not (the workflow refuses a recognition that fails a
condition, naming it), and may revoke a recognition with a reason.
"""
from __future__ import annotations

import json
from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from webapp.store import accounts, inbox, workflow
from webapp.store.errors import TransitionRefused
from webapp.store.limits import TextTooLong
from webapp.store.rounds import criteria_for, is_recognising_authority
from webapp.store.vietnamese import nfc

from .auth import assessment_for, current_user, roles_required
from .db import get_db
from .refusals import refusal
from .review import provisional_of, refused_code

bp = Blueprint("decisions", __name__)

DECIDED = ("recognised", "not_recognised", "revoked")
OUTCOMES = ("recognised", "not_recognised")


def condition_label(condition_id: str, summary: dict[str, Any], cset: Any) -> str:
    """A failing condition's id from the stored summary, as a person reads it."""
    if condition_id.startswith("criterion-") and condition_id.endswith("-above-zero"):
        number = condition_id.removeprefix("criterion-").removesuffix("-above-zero")
        return _("Tiêu chí %(n)s được 0 điểm", n=number)
    if condition_id == "total-at-least-threshold":
        category = cset.category(summary.get("category", ""))
        if category is not None:
            return _("Tổng điểm %(t)s thấp hơn mức tối thiểu %(m)s", t=summary.get("total"), m=category.threshold)
        return _("Tổng điểm thấp hơn mức tối thiểu")
    return _("Một điều kiện công nhận chưa đạt")  # a condition a later criteria set may add: never its id


def _rows(statuses: tuple[str, ...]) -> list[dict[str, Any]]:
    """Assessments of the authority's jurisdiction in ``statuses``, in Vietnamese unit order."""
    db, user = get_db(), current_user()
    candidates = list(db.query(
        f"select a.id, a.round_id, a.unit_id, a.status, a.declared_total, a.verified_total, a.recognised, a.result, "
        f"a.criteria_hash, r.name round_name, r.year, r.profile, r.unit_set, d.outcome, d.reason, d.decided_by, d.decided_at, "
        f"d.revoked_at, d.revoked_by, d.revoke_reason, c.code cert_code, c.serial cert_serial, c.total cert_total, "
        f"rd.number doc_number, rd.signed_on doc_signed_on "
        f"from assessments a join rounds r on r.id = a.round_id join units u on u.id = a.unit_id "
        f"left join decisions d on d.assessment_id = a.id left join certificates c on c.assessment_id = a.id "
        f"left join recognition_documents rd on rd.id = c.document_id "
        f"where a.status in ({', '.join('?' * len(statuses))}) "
        f"order by r.year desc, r.id desc, u.sort_key", list(statuses)))
    rows = []
    for row in accounts.named_within(db, candidates, user.scope_unit_id):
        summary = json.loads(row["result"] or "{}")
        cset = criteria_for(db, row["criteria_hash"])
        row["failed"] = [{"id": cid, "label": condition_label(cid, summary, cset)}
                         for cid in summary.get("failed_conditions", [])]
        row["complete"] = summary.get("complete", True)
        row["may_decide"] = is_recognising_authority(db, row, user.scope_unit_id)
        rows.append(row)
    return rows


def _render(code: int = 200, kept: dict[int, dict[str, str]] | None = None):
    pending, decided = _rows(("verified",)), _rows(DECIDED)
    rounds = sorted({(r["round_id"], r["round_name"]) for r in pending + decided}, reverse=True)
    return render_template("decisions/index.html", pending=pending, decided=decided, kept=kept or {},
                           waiting=inbox.waiting(get_db(), current_user()),
                           rounds=rounds,
                           status_names=workflow.STATUS_NAMES,
                           provisional=provisional_of(get_db(), pending + decided)), code


@bp.route("/decisions")
@roles_required("authority")
def index():
    return _render()


def _back(assessment_id: int):
    return redirect(url_for("decisions.index", _anchor=f"a-{assessment_id}"), code=303)


@bp.route("/assessments/<int:assessment_id>/decide", methods=["POST"])
@roles_required("authority")
def decide(assessment_id: int):
    assessment_for(assessment_id, act_as="authority")
    outcome = request.form.get("outcome", "")
    reason = nfc(request.form.get("reason", "")).strip()
    kept = {assessment_id: {"reason": reason}}
    if outcome not in OUTCOMES:
        flash(_("Chưa ghi quyết định: hãy chọn Công nhận hoặc Không công nhận."), "error")
        return _render(422, kept)
    try:
        user = current_user()
        workflow.decide(get_db(), assessment_id, user.username, outcome == "recognised", reason or None,
                        authority=user.scope_unit_id)
    except (TransitionRefused, TextTooLong) as exc:
        flash(_("Chưa ghi quyết định: %(m)s", m=refusal(exc)), "error")
        return _render(422 if isinstance(exc, TextTooLong) else 409, kept)
    if outcome == "recognised":
        flash(_("Đã công nhận đơn vị đạt chuẩn phù hợp với trẻ em."), "ok")
    else:
        flash(_("Đã ghi quyết định không công nhận."), "ok")
    return _back(assessment_id)


@bp.route("/assessments/<int:assessment_id>/revoke", methods=["POST"])
@roles_required("authority")
def revoke(assessment_id: int):
    assessment_for(assessment_id, act_as="authority")
    reason = nfc(request.form.get("reason", "")).strip()
    try:
        workflow.revoke(get_db(), assessment_id, current_user().username, reason,
                        authority=current_user().scope_unit_id)
    except (TransitionRefused, TextTooLong) as exc:
        flash(_("Chưa thu hồi công nhận: %(m)s", m=refusal(exc)), "error")
        return _render(refused_code(exc, reason), {assessment_id: {"revoke": reason}})
    flash(_("Đã thu hồi công nhận."), "ok")
    return _back(assessment_id)
