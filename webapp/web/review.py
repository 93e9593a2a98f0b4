"""Reviewers: the queue of submitted assessments and per-criterion verification.

A reviewer (district in the three-tier profile, province in the two-tier one) sees the
assessments of their jurisdiction, compares declared with verified values criterion by
criterion, accepts, asks for clarification or adjusts values (with a reason), then returns
the assessment to the commune or closes the review (verify). Every refusal of the workflow
is shown as a message with what the reviewer typed kept on the page.
"""
from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

import scoring
from scoring import InvalidInputs
from webapp.store import accounts, changes, edits, inbox, quality, threads, units, workflow
from webapp.store.errors import StaleEdit, TransitionRefused
from webapp.store.limits import COMMENT, TextTooLong
from webapp.store.profiles import profiles
from webapp.store.rounds import criteria_for
from webapp.store.vietnamese import is_past, nfc, today
from webapp.store.workflow import Assessment

from . import pagecache
from .auth import assessment_for, current_user, roles_required
from .db import get_db
from .formatting import _lang
from .refusals import invalid_values, refusal

bp = Blueprint("review", __name__)

# Queue filters: what the reviewer asks to see → the statuses shown.
FILTERS = {
    "pending": ("submitted", "resubmitted"),
    "returned": ("returned",),
    "verified": ("verified",),
}


def filter_names() -> dict[str, str]:
    """The queue's filters; one status shown is named as the status itself."""
    return {"pending": _("Chờ thẩm định (đã nộp, đã nộp lại)"), "returned": _(workflow.STATUS_NAMES["returned"]),
            "verified": _(workflow.STATUS_NAMES["verified"])}


def _summary(row: dict[str, Any]) -> dict[str, Any]:
    try:
        return json.loads(row["result"] or "{}")
    except (TypeError, ValueError):
        return {}


def provisional_of(db: Any, rows: list[dict[str, Any]]) -> bool:
    """Whether any shown result rests on provisional criteria (stored summary, else the set)."""
    for row in rows:
        summary = _summary(row)
        if "provisional" in summary:
            if summary["provisional"]:
                return True
        elif criteria_for(db, row["criteria_hash"]).has_provisional_values:
            return True
    return False


@bp.route("/review")
@roles_required("reviewer")
def queue():
    """Assessments of the reviewer's jurisdiction waiting for review (or returned / verified)."""
    db, user = get_db(), current_user()
    chosen = request.args.get("status", "pending")
    if chosen not in FILTERS:
        chosen = "pending"
    statuses = FILTERS[chosen]
    candidates = list(db.query(
        f"select a.id, a.unit_id, a.status, a.declared_total, a.verified_total, a.result, a.criteria_hash, "
        f"r.name round_name, r.year, r.review_deadline, r.submission_deadline "
        f"from assessments a join rounds r on r.id = a.round_id join units u on u.id = a.unit_id "
        f"where a.status in ({', '.join('?' * len(statuses))}) "
        f"order by u.sort_key, r.year desc, r.id desc", list(statuses)))
    rows = [r | {"overdue": r["status"] in workflow.UNDER_REVIEW and is_past(r["review_deadline"])}
            for r in accounts.named_within(db, candidates, user.scope_unit_id)]
    return render_template("review/queue.html", rows=rows, chosen=chosen, filters=filter_names(),
                           waiting=inbox.waiting(db, user),
                           status_names=workflow.STATUS_NAMES, provisional=provisional_of(db, rows))


def _context(view: Assessment, posted: dict[str, Any] | None = None,
             kept: dict[str, str] | None = None) -> dict[str, Any]:
    """Everything the review page needs: both results, per-criterion fields, items, evidence, the
    conversation, what changed since the previous submission and which earlier decisions still stand.

    ``posted`` is the criterion form that was refused (its number, status, comment, values
    and field errors), shown back as typed; ``kept`` holds the text of the return/reopen forms.
    """
    db, row, cset, unit = get_db(), view.row, view.cset, view.unit
    declared, verified = view.declared, view.verified
    shown = verified or declared
    done = workflow.reviews(db, row["id"])
    reviewers = accounts.names_of(db, {r["reviewer"] for r in done.values()})
    evidence = workflow.evidence(db, row["id"])
    files_by_item = evidence.files_by_item()
    lang = _lang()
    conversation = threads.of(db, row["id"])
    diff = changes.since_last(db, cset, row["id"])
    before = changes.reviews_before_last(db, row["id"]) if diff is not None else {}
    checked = quality.check(db, view)
    sections = []
    for crit in cset.criteria:
        mine = posted if posted and posted["criterion"] == crit.number else None
        review = done.get(crit.number)
        fields = []
        for name in workflow.criterion_inputs(crit):
            declared_value = row["declared"].get(name)
            verified_value = row["verified"].get(name) if row["verified"] else None
            fields.append({
                "name": name, "spec": cset.inputs[name], "declared": declared_value, "verified": verified_value,
                "changed": bool(row["verified"]) and declared_value != verified_value,
                "value": mine["values"].get(name, "") if mine else edits.form_value(verified_value),
                "error": (mine or {}).get("errors", {}).get(name),
                "flags": [c for c in checked if name in c.flag.fields],
            })
        items = []
        for item in crit.items:
            items.append({
                "item": item,
                "declared": declared.items[item.id].explanation(declared.inputs, lang),
                "verified": verified.items[item.id].explanation(verified.inputs, lang) if verified else None,
                "evidence": evidence.notes.get(item.id, ""),
                "files": files_by_item.get(item.id, []),
            })
        sections.append({
            "criterion": crit, "fields": fields, "item_rows": items,
            "review": {**review, "reviewer": reviewers[review["reviewer"]]} if review else None,
            "declared_points": declared.criteria[crit.number].points,
            "verified_points": verified.criteria[crit.number].points if verified else None,
            "status": mine["status"] if mine else (review["status"] if review else ""),
            "comment": mine["comment"] if mine else ((review["comment"] or "") if review else ""),
            "refused": mine is not None, "thread": conversation.get(crit.number, []),
            "change": diff[crit.number] if diff is not None else None, "before": before.get(crit.number),
            "stands": review is not None and diff is not None and not diff[crit.number].changed,
        })
    open_ = [c.number for c in cset.criteria if done.get(c.number, {}).get("status") not in ("accepted", "adjusted")]
    return {
        "row": row, "unit": unit, "full_name": units.full_name(db, unit), "round": view.round,
        "cset": cset, "sections": sections, "declared": declared, "verified": verified, "result": shown,
        "general_files": files_by_item.get(None, []), "status_name": workflow.STATUS_NAMES[row["status"]],
        "reviewable": row["status"] in workflow.UNDER_REVIEW,
        "overdue": row["status"] in workflow.UNDER_REVIEW and is_past(view.round["review_deadline"]),
        "reopenable": row["status"] in ("verified", "not_recognised"),
        "open_criteria": open_, "review_names": workflow.REVIEW_NAMES, "kept": kept or {},
        "provisional": shown.provisional,
        "general_thread": conversation.get(threads.WHOLE, []), "role_names": accounts.ROLE_NAMES,
        "progress": {"done": len(done), "total": len(cset.criteria)},
        "unchanged": workflow.unchanged_unreviewed(db, view) if row["status"] in workflow.UNDER_REVIEW else [],
        "authority_title": profiles()[view.round["profile"]].recognising_title_vi,
        "quality": checked, "explanation_limit": COMMENT,
    }


def _render(view: Assessment, code: int = 200, **kwargs: Any):
    return render_template("review/review.html", **_context(view, **kwargs)), code


def refused_code(exc: Exception, text: str) -> int:
    """422 for a text that is missing or too long (the user fixes the input), 409 for a refusal by state."""
    return 409 if text and not isinstance(exc, TextTooLong) else 422


def _back(assessment_id: int, anchor: str | None = None):
    return redirect(url_for("review.review", assessment_id=assessment_id, _anchor=anchor), code=303)


@bp.route("/assessments/<int:assessment_id>/review")
@roles_required("reviewer")
def review(assessment_id: int):
    return pagecache.render("review/review.html", (assessment_id, today()), _context,  # «đã quá hạn» from today on
                            lambda: assessment_for(assessment_id, act_as="reviewer"))


def _typed_equal(cset: Any, name: str, raw: str, current: Any) -> bool:
    """Whether the typed text means the stored value (``1.200`` is 1200, ``có`` is True)."""
    if raw == "":
        return current is None
    typed, problems = scoring.validate_inputs({name: raw}, cset, partial=True)
    return not problems and typed.get(name) == current


@bp.route("/assessments/<int:assessment_id>/review/<int:criterion>", methods=["POST"])
@roles_required("reviewer")
def review_criterion(assessment_id: int, criterion: int):
    view = assessment_for(assessment_id, act_as="reviewer")
    db, row, cset = get_db(), view.row, view.cset
    crit = next((c for c in cset.criteria if c.number == criterion), None)
    if crit is None:
        abort(404)
    status = request.form.get("status", "")
    comment = nfc(request.form.get("comment", "")).strip()
    values = {name: nfc(request.form[name]).strip() for name in workflow.criterion_inputs(crit) if name in request.form}
    posted = {"criterion": criterion, "status": status, "comment": comment, "values": values, "errors": {}}
    # Only values the reviewer changed are adjustments; unchanged prefilled values are not.
    adjusted = {name: raw for name, raw in values.items()
                if not _typed_equal(cset, name, raw, row["verified"].get(name))}
    prefix = _("Chưa lưu kết quả thẩm định tiêu chí %(n)s:", n=criterion)
    if status not in workflow.REVIEW_STATUSES:
        names = ", ".join(_(name) for name in workflow.REVIEW_NAMES.values())
        flash(f"{prefix} {_('Hãy chọn một kết quả thẩm định: %(allowed)s.', allowed=names)}", "error")
        return _render(view, 422, posted=posted)
    try:
        workflow.review_criterion(db, assessment_id, criterion, status, current_user().username,
                                  comment=comment or None, adjusted=adjusted or None,
                                  base_version=workflow.base_version(request.form.get("version"), row["version"]))
    except InvalidInputs as exc:
        lang = _lang()
        posted["errors"] = {p.field: p.message(lang) for p in exc.problems}
        flash(f"{prefix} {_('có giá trị không hợp lệ')} — {invalid_values(exc, cset)}", "error")
        return _render(view, 422, posted=posted)
    except StaleEdit as exc:
        flash(f"{prefix} " + _("người khác vừa cập nhật hồ sơ này (phiên bản %(v)s). Nội dung bạn nhập vẫn còn "
                               "dưới đây; hãy kiểm tra rồi lưu lại.", v=exc.current_version), "error")
        return _render(workflow.load(db, assessment_id), 409, posted=posted)
    except (TransitionRefused, TextTooLong) as exc:
        flash(f"{prefix} {refusal(exc)}", "error")
        return _render(workflow.load(db, assessment_id), 422 if isinstance(exc, TextTooLong) else 409,
                       posted=posted)
    flash(_("Đã lưu kết quả thẩm định tiêu chí %(n)s.", n=criterion), "ok")
    return _back(assessment_id, f"criterion-{criterion}")


@bp.route("/assessments/<int:assessment_id>/review/unchanged", methods=["POST"])
@roles_required("reviewer")
def accept_unchanged(assessment_id: int):
    """Accept at once the criteria the commune did not change since its previous submission (confirmed on the page)."""
    view = assessment_for(assessment_id, act_as="reviewer")
    db = get_db()
    try:
        numbers = workflow.accept_unchanged(db, assessment_id, current_user().username,
                                            workflow.base_version(request.form.get("version"), view.row["version"]))
    except StaleEdit:
        flash(_("Chưa chấp nhận: người khác vừa cập nhật hồ sơ này; hãy xem lại danh sách rồi xác nhận lại."), "error")
        return _render(workflow.load(db, assessment_id), 409)
    except TransitionRefused as exc:
        flash(_("Chưa chấp nhận: %(m)s", m=refusal(exc)), "error")
        return _render(workflow.load(db, assessment_id), 409)
    flash(_("Đã chấp nhận %(n)s tiêu chí chưa thay đổi: %(list)s.", n=len(numbers), list=", ".join(map(str, numbers))),
          "ok")
    return _back(assessment_id, "bulk-accept")


@bp.route("/assessments/<int:assessment_id>/return", methods=["POST"])
@roles_required("reviewer")
def return_assessment(assessment_id: int):
    return _with_text(assessment_id, "comment", "return", workflow.return_for_clarification,
                      lambda m: _("Chưa trả lại hồ sơ: %(m)s", m=m),
                      lambda: _("Đã trả lại hồ sơ cho xã để bổ sung, giải trình."))


def _with_text(assessment_id: int, field: str, kept_as: str, act: Callable[..., Any],
               refused: Callable[[str], str], done: Callable[[], str]):
    """A reviewer's step that takes one text (a return's comment, a reopening's reason): done and back
    to the page, or refused with the page shown again and the text kept (422 to fix it, 409 by state)."""
    assessment_for(assessment_id, act_as="reviewer")
    db = get_db()
    text = nfc(request.form.get(field, "")).strip()
    try:
        act(db, assessment_id, current_user().username, text)
    except (TransitionRefused, TextTooLong) as exc:
        flash(refused(refusal(exc)), "error")
        return _render(workflow.load(db, assessment_id), refused_code(exc, text), kept={kept_as: text})
    flash(done(), "ok")
    return _back(assessment_id)


@bp.route("/assessments/<int:assessment_id>/verify", methods=["POST"])
@roles_required("reviewer")
def verify(assessment_id: int):
    view = assessment_for(assessment_id, act_as="reviewer")
    db = get_db()
    try:
        workflow.verify(db, assessment_id, current_user().username)
    except InvalidInputs as exc:
        flash(_("Chưa hoàn thành thẩm định: số liệu thẩm định chưa đầy đủ hoặc không hợp lệ — %(m)s",
                m=invalid_values(exc, view.cset)), "error")
        return _render(workflow.load(db, assessment_id), 409)
    except TransitionRefused as exc:
        flash(refusal(exc), "error")  # a whole sentence saying what could not be done and why
        return _render(workflow.load(db, assessment_id), 409)
    flash(_("Đã hoàn thành thẩm định. Hồ sơ chuyển đến người có thẩm quyền công nhận."), "ok")
    return _back(assessment_id)


@bp.route("/assessments/<int:assessment_id>/reopen", methods=["POST"])
@roles_required("reviewer")
def reopen(assessment_id: int):
    return _with_text(assessment_id, "reason", "reopen", workflow.reopen,
                      lambda m: _("Chưa mở lại thẩm định: %(m)s", m=m),
                      lambda: _("Đã mở lại hồ sơ để thẩm định."))
