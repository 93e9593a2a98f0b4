"""The commune's self-assessment: a checklist generated from the round's criteria set,
live score and advice while typing, autosave, evidence, attachments, and submission."""
from __future__ import annotations

from pathlib import Path
from typing import Any

from flask import Blueprint, abort, current_app, flash, jsonify, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _

import scoring
from scoring import InvalidInputs, ScoreResult
from webapp.store import accounts, attachments, inbox, limits, threads, units, workflow
from webapp.store.errors import StaleEdit, StorageError, TransitionRefused
from webapp.store.vietnamese import as_date, nfc, today
from webapp.store.workflow import Assessment

from . import pagecache
from .auth import assessment_for, current_user, login_required, roles_required
from .db import get_db
from .refusals import refusal

bp = Blueprint("commune", __name__)


@bp.route("/mine")
@roles_required("officer")
def mine():
    """The officer's assessments, newest round first (straight to it when there is one)."""
    rows = list(get_db().query(
        "select a.id, r.name, r.year, a.status from assessments a join rounds r on r.id = a.round_id "
        "where a.unit_id = ? order by r.year desc, r.id desc", [current_user().scope_unit_id]))
    if len(rows) == 1:
        return redirect(url_for("commune.checklist", assessment_id=rows[0]["id"]))
    return render_template("commune/mine.html", rows=rows, status_names=workflow.STATUS_NAMES,
                           waiting=inbox.waiting(get_db(), current_user()))


def _form_values(form: Any, cset: Any) -> dict[str, Any]:
    return {name: nfc(form.get(name, "")) for name in cset.inputs if name in form}


def _scored(view: Assessment, values: dict[str, Any]) -> ScoreResult:
    """The score of what a form holds (blank and invalid values left out), shown while it is typed."""
    typed, _problems = scoring.validate_inputs({k: v for k, v in values.items() if v not in ("", None)},
                                               view.cset, partial=True)
    scorer = scoring.scorer_for(view.cset)
    return scorer.score_values(typed, scorer.category(view.unit["category"]))


def _context(view: Assessment, values: dict[str, Any] | None = None,
             problems: list[Any] | None = None) -> dict[str, Any]:
    """Everything the checklist template needs, generated from the pinned criteria set: the stored
    declaration (``values`` None, scored once by the view) or what a refused form held."""
    db, row, cset, unit = get_db(), view.row, view.cset, view.unit
    result = view.declared if values is None else _scored(view, values)
    values = _as_form(row["declared"]) if values is None else values
    errors = {p.field: p.message("en" if _lang_en() else "vi") for p in problems or []}
    seen: set[str] = set()
    sections = []
    for crit in cset.criteria:
        fields = []
        for item in crit.items:
            for name in item.rule.input_names:
                if name not in seen:
                    seen.add(name)
                    fields.append({"name": name, "spec": cset.inputs[name], "value": values.get(name, ""),
                                   "error": errors.get(name)})
        sections.append({"criterion": crit, "fields": fields, "result": result.criteria[crit.number]})
    evidence = workflow.evidence(db, view.id)
    user = current_user()
    editable = (user.role == "officer" and row["status"] in workflow.COMMUNE_EDITABLE)
    return {
        "row": row, "unit": unit, "full_name": units.full_name(db, unit), "round": view.round,
        "cset": cset, "sections": sections, "result": result, "gap": scoring.gap_analysis(result),
        "evidence": evidence.notes, "note_errors": {}, "note_limit": limits.NOTE, "files": evidence.files,
        "editable": editable, "errors": errors,
        "status_name": workflow.STATUS_NAMES[row["status"]], "reviews": workflow.reviews(db, row["id"]),
        "review_names": workflow.REVIEW_NAMES,
        "provisional": result.provisional,
        "threads": (conversation := threads.of(db, row["id"])), "role_names": accounts.ROLE_NAMES,
        "banner": _banner(view, conversation, user.role == "officer"), "answers_kept": {}, "answer_errors": {},
    }


def _banner(view: Assessment, conversation: dict[Any, list[dict[str, Any]]], officer: bool) -> dict[str, Any] | None:
    """What a returned assessment asks of the commune (None unless returned): the reviewer's overall
    comment, each criterion to fix with its thread and the reviewer's values beside the commune's, the deadline."""
    row = view.row
    if row["status"] != "returned":
        return None
    db = get_db()
    done = workflow.reviews(db, row["id"])
    by_number = {c.number: c for c in view.cset.criteria}
    criteria = [{"criterion": by_number[n], "status": done[n]["status"], "thread": conversation.get(n, []),
                 "adjusted": [{"spec": view.cset.inputs[name], "own": row["declared"].get(name),
                               "reviewer": row["verified"].get(name)}
                              for name in workflow.criterion_inputs(by_number[n])
                              if row["verified"].get(name) != row["declared"].get(name)]}
                for n in workflow.to_fix(db, row["id"])]
    deadline = as_date(view.round["submission_deadline"])
    return {"criteria": criteria, "numbers": [c["criterion"].number for c in criteria],
            "general": conversation.get(threads.WHOLE, []), "deadline": deadline,
            "overdue": deadline is not None and deadline < today(), "may_answer": officer}


def _lang_en() -> bool:
    from .formatting import _lang
    return _lang() == "en"


def _as_form(values: dict[str, Any]) -> dict[str, Any]:
    return {k: ("có" if v is True else "không" if v is False else v) for k, v in values.items()}


@bp.route("/assessments/<int:assessment_id>", methods=["GET", "POST"])
@login_required
def checklist(assessment_id: int):
    if request.method == "GET":  # may view (the page is the stored declaration, read once)
        return pagecache.render("commune/checklist.html", assessment_id, _context,
                                lambda: assessment_for(assessment_id))
    view = assessment_for(assessment_id, act_as="officer")
    db, row = get_db(), view.row
    values, notes = _form_values(request.form, view.cset), _form_notes(request.form, view.cset)
    try:
        workflow.save_declared(db, assessment_id, values, current_user().username,
                               base_version=workflow.base_version(request.form.get("version"), row["version"]),
                               evidence=notes)
    except InvalidInputs as exc:
        flash(_("Chưa lưu: có giá trị không hợp lệ, xem thông báo cạnh từng ô."), "error")
        return _reshown(view, values, notes, 422, problems=exc.problems)
    except limits.TextTooLong as exc:
        flash(refusal(exc), "error")
        return _reshown(view, values, notes, 422, note_errors={exc.item: refusal(exc)})
    except StaleEdit as exc:
        flash(_("Chưa lưu: người khác vừa cập nhật bản kê khai này (phiên bản %(v)s). "
                "Số liệu bạn nhập vẫn còn dưới đây; hãy kiểm tra rồi lưu lại.", v=exc.current_version), "error")
        return _reshown(workflow.load(db, assessment_id), values, notes, 409)
    except TransitionRefused as exc:
        flash(refusal(exc), "error")
        return _reshown(view, values, notes, 409)
    flash(_("Đã lưu."), "ok")
    return redirect(url_for("commune.checklist", assessment_id=assessment_id))


def _form_notes(form: Any, cset: Any) -> dict[str, str]:
    """The evidence notes of the checklist form, by item (items whose field was not sent are left alone)."""
    return {item.id: nfc(form[f"evidence-{item.id}"]).strip() for _c, item in cset.items()
            if f"evidence-{item.id}" in form}


def _reshown(view: Assessment, values: dict[str, Any], notes: dict[str, str], code: int,
             problems: list[Any] | None = None, note_errors: dict[Any, str] | None = None):
    """The refused checklist shown again with everything typed: values and evidence notes."""
    context = _context(view, values, problems)
    context["evidence"] = {**context["evidence"], **notes}
    context["note_errors"] = note_errors or {}
    return render_template("commune/checklist.html", **context), code


@bp.route("/assessments/<int:assessment_id>/autosave", methods=["POST"])
@login_required
def autosave(assessment_id: int):
    """Save a draft as it is typed; answer with the live score and the advice (JSON)."""
    view = assessment_for(assessment_id, act_as="officer")
    row = view.row
    payload = request.get_json(silent=True)
    posted = (payload.get("values") or {}) if isinstance(payload, dict) else None
    if not isinstance(posted, dict):
        message = 'the body must be a JSON object {"values": {input: value, …}, "version": n}'
        return jsonify(saved=False, message=message,
                       problems=[{"field": "values", "code": "not_an_object", "message": message}]), 400
    values = {k: nfc(str(v)) if isinstance(v, str) else v for k, v in posted.items() if k in view.cset.inputs}
    try:
        saved = workflow.save_declared(get_db(), assessment_id, values, current_user().username,
                                       base_version=workflow.base_version(payload.get("version"), row["version"]))
    except InvalidInputs as exc:
        return jsonify(saved=False, problems=[p.to_dict("en" if _lang_en() else "vi") for p in exc.problems],
                       **_live(_scored(view, {**_as_form(row["declared"]), **values}))), 422
    except StaleEdit as exc:
        return jsonify(saved=False, stale=True, version=exc.current_version, message=refusal(exc)), 409
    except TransitionRefused as exc:
        return jsonify(saved=False, message=refusal(exc)), 409
    return jsonify(saved=True, version=saved.row["version"], problems=[], **_live(saved.declared))


def _live(result: ScoreResult) -> dict[str, Any]:
    """The live score and advice the checklist shows while typing."""
    gap = scoring.gap_analysis(result)
    lang = "en" if _lang_en() else "vi"
    return {"total": result.total, "threshold": result.category.threshold, "points_needed": gap.points_needed,
            "recognised": result.recognised, "complete": result.complete,
            "criteria": {str(n): c.points for n, c in result.criteria.items()},
            "advice": [s.message(lang) for s in gap.suggestions[:5]]}


@bp.route("/assessments/<int:assessment_id>/submit", methods=["GET", "POST"])
@login_required
def submit(assessment_id: int):
    view = assessment_for(assessment_id, act_as="officer")
    if request.method == "POST":
        try:
            workflow.submit(get_db(), assessment_id, current_user().username)
        except (InvalidInputs, TransitionRefused) as exc:
            message = "; ".join(f"{p.field}: {p.message('vi')}" for p in exc.problems) \
                if isinstance(exc, InvalidInputs) else refusal(exc)
            flash(_("Chưa nộp được: %(m)s", m=message), "error")
            return redirect(url_for("commune.checklist", assessment_id=assessment_id))
        flash(_("Đã nộp bản tự đánh giá. Bản kê khai được khóa cho đến khi được trả lại."), "ok")
        return redirect(url_for("commune.checklist", assessment_id=assessment_id))
    return render_template("commune/submit.html", **_context(view))


@bp.route("/assessments/<int:assessment_id>/attachments", methods=["POST"])
@login_required
def upload(assessment_id: int):
    assessment_for(assessment_id, act_as="officer")
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        flash(_("Chưa chọn tệp."), "error")
    else:
        try:
            attachments.add(get_db(), Path(current_app.config["ATTACHMENTS"]), assessment_id,
                            request.form.get("item_id") or None, upload.filename, upload.read(),
                            current_user().username)
            flash(_("Đã tải lên tệp minh chứng."), "ok")
        except StorageError as exc:
            flash(refusal(exc), "error")
    return redirect(url_for("commune.checklist", assessment_id=assessment_id))


@bp.route("/attachments/<int:attachment_id>")
@login_required
def download(attachment_id: int):
    rows = list(get_db()["attachments"].rows_where("id = ?", [attachment_id]))
    if not rows:
        abort(404)
    assessment_for(rows[0]["assessment_id"])
    path = attachments.path_of(Path(current_app.config["ATTACHMENTS"]), rows[0])
    return send_file(path, mimetype=rows[0]["content_type"], as_attachment=True,
                     download_name=rows[0]["filename"])
