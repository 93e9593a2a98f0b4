"""The commune's self-assessment: a checklist generated from the round's criteria set, saved field by
field as it is typed (merged with other windows' edits), evidence, attachments, and submission."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import sqlite_utils
from flask import Blueprint, abort, current_app, flash, jsonify, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_wtf.csrf import generate_csrf

import scoring
from scoring import InvalidInputs
from webapp.store import accounts, attachments, edits, inbox, limits, lineage, threads, units, workflow
from webapp.store.errors import NotFound, StorageError, TransitionRefused
from webapp.store.vietnamese import as_date, is_past, nfc, today
from webapp.store.workflow import Assessment

from . import checklist, pagecache
from .auth import assessment_for, current_user, login_required, roles_required
from .db import get_db
from .refusals import invalid_values, refusal

bp = Blueprint("commune", __name__)


@bp.route("/mine")
@roles_required("officer")
def mine():
    """The officer's assessments, newest round first (straight to it when there is one), and the results of
    the communes theirs was formed from (read only)."""
    db, scope = get_db(), current_user().scope_unit_id
    rows = list(db.query(
        "select a.id, r.name, r.year, a.status from assessments a join rounds r on r.id = a.round_id "
        "where a.unit_id = ? order by r.year desc, r.id desc", [scope]))
    if len(rows) == 1:
        return redirect(url_for("commune.checklist", assessment_id=rows[0]["id"]))
    unit = db["units"].get(scope) if scope else None
    return render_template("commune/mine.html", rows=rows, status_names=workflow.STATUS_NAMES,
                           full_name=units.full_name(db, unit) if unit else "",
                           waiting=inbox.waiting(db, current_user()), history=lineage.earlier_results(db, scope))


def _context(view: Assessment, shown: dict[str, str] | None = None,
             notices: dict[str, dict[str, Any]] | None = None) -> dict[str, Any]:
    """Everything the checklist template needs, generated from the pinned criteria set: the stored fields,
    or (``shown``) what a refused form held, with each field's notice (refused or in conflict)."""
    db, row, cset, unit = get_db(), view.row, view.cset, view.unit
    stored = checklist.state(db, view)
    values = {**stored["values"], **(shown or {})}
    bases = {**stored["values"], **{n["field"]: n["theirs"] for n in (notices or {}).values()
                                    if n["state"] == "conflict"}}
    seen: set[str] = set()
    sections = []
    for crit in cset.criteria:
        fields = []
        for item in crit.items:
            for name in item.rule.input_names:
                if name not in seen:
                    seen.add(name)
                    fields.append({"name": name, "spec": cset.inputs[name], "value": values[name],
                                   "notice": (notices or {}).get(name)})
        sections.append({"criterion": crit, "fields": fields, "result": view.declared.criteria[crit.number],
                         "missing": stored["live"]["criteria"][str(crit.number)]["missing"]})
    user = current_user()
    officer = accounts.may_act(db, user, unit, "officer")  # not for a predecessor the officer may only read
    editable = officer and row["status"] in workflow.COMMUNE_EDITABLE
    return {
        "row": row, "unit": unit, "full_name": units.full_name(db, unit), "round": view.round,
        "cset": cset, "sections": sections, "result": view.declared, "live": stored["live"],
        "gap": scoring.gap_analysis(view.declared), "values": values, "notices": notices or {},
        "bases": edits.page_bases(bases), "revs": stored["revs"], "note_limit": limits.NOTE,
        "files": workflow.evidence(db, view.id).files,
        "editable": editable, "saved_at": stored["saved_at"], "user_id": user.id,
        "urls": checklist.urls(view) if editable else {},
        "status_name": workflow.STATUS_NAMES[row["status"]], "reviews": workflow.reviews(db, row["id"]),
        "review_names": workflow.REVIEW_NAMES, "provisional": view.declared.provisional,
        "threads": (conversation := threads.of(db, row["id"])), "role_names": accounts.ROLE_NAMES,
        "banner": _banner(view, conversation, officer), "answers_kept": {}, "answer_errors": {},
        "history": lineage.earlier_results(db, unit["id"]), "status_names": workflow.STATUS_NAMES,
        "overdue": row["status"] in ("draft", "returned") and is_past(view.round["submission_deadline"]),
        "merged_into": _merged_into(db, user, unit),
        "quality": stored["quality"],
    }


def _merged_into(db: sqlite_utils.Database, user: accounts.User, unit: dict[str, Any]) -> list[str]:
    """For a commune of before the reform read through the lineage (outside the user's own jurisdiction):
    the names of the units it became, to say why the page is read only; else nothing."""
    if user.role == "admin" or accounts.unit_within(db, unit, user.scope_unit_id):
        return []
    return [units.full_name(db, u) for u in lineage.later_units(db, unit["id"])]


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
            "overdue": is_past(deadline), "may_answer": officer}


@bp.route("/assessments/<int:assessment_id>", methods=["GET", "POST"], endpoint="checklist")
@login_required
def checklist_page(assessment_id: int):
    """The checklist; posted without its script, the fields changed from what the page showed are saved
    (merged with what others saved since, never overwriting it silently)."""
    if request.method == "GET":  # may view (the page is the stored declaration, read once; «quá hạn» from today on)
        key = (assessment_id, current_user().id, today())
        return pagecache.render("commune/checklist.html", key, _context, lambda: assessment_for(assessment_id))
    view = assessment_for(assessment_id, act_as="officer")
    db = get_db()
    stored = edits.form_values(view, workflow.evidence_notes(db, assessment_id))
    changes = checklist.edits_from_form(request.form, stored, *_posted_bases(view))
    try:
        result = edits.apply(db, assessment_id, changes, current_user().username)
    except TransitionRefused as exc:
        flash(refusal(exc), "error")
        return render_template("commune/checklist.html", **_context(view, _shown(request.form, stored))), 409
    notices = {n["field"]: n for n in map(checklist.outcome_notice, result.outcomes) if n["state"] != "saved"}
    if not notices:
        flash(_("Đã lưu."), "ok")
        return redirect(url_for("commune.checklist", assessment_id=assessment_id))
    flash(_("Đã lưu các ô khác; %(n)s ô chưa lưu, xem thông báo cạnh từng ô. Giá trị bạn nhập vẫn còn trong ô.",
            n=len(notices)), "error")
    shown = {f: v for f, v in _shown(request.form, stored).items() if f in notices}
    return render_template("commune/checklist.html", **_context(result.view, shown, notices)), 422


def _posted_bases(view: Assessment) -> tuple[dict[str, str], dict[str, int] | None]:
    """The values the posted page showed and their revisions (its ``bases`` and ``revs`` fields); a page
    without them counts as showing the stored values only if it was made from the stored version."""
    bases, revs = _json_field("bases", str), _json_field("revs", int)
    if bases is not None:
        return bases, revs
    if request.form.get("version") == str(view.row["version"]):
        return edits.form_values(view, workflow.evidence_notes(get_db(), view.id)), None
    return {}, None


def _json_field(name: str, kind: type) -> dict[str, Any] | None:
    """A form field holding a JSON object of ``kind`` values, or None (absent or garbled)."""
    try:
        value = json.loads(request.form.get(name) or "null")
    except (ValueError, RecursionError):
        return None
    ok = isinstance(value, dict) and all(type(v) is kind for v in value.values())
    return value if ok else None


def _shown(form: Any, stored: dict[str, str]) -> dict[str, str]:
    return {name: nfc(form[name]) for name in stored if name in form}


@bp.route("/assessments/<int:assessment_id>/edits", methods=["GET", "POST"], endpoint="edits")
@login_required
def save_edits(assessment_id: int):
    """The checklist script's edits (JSON): each saved, refused with its reason, or in conflict with what was
    saved since; the answer carries the stored state (GET: the state alone, to merge other windows' changes)."""
    if request.method == "GET":
        view = assessment_for(assessment_id)
        return jsonify(checklist.state(get_db(), view))
    view = assessment_for(assessment_id, act_as="officer")
    payload = request.get_json(silent=True)
    if isinstance(payload, dict) and payload.get("user") != current_user().id:
        return jsonify(message=_("Các thay đổi này được nhập dưới một tài khoản khác; chưa lưu gì."),
                       other_user=True), 409
    changes = checklist.edits_from_json(payload)
    if isinstance(changes, str):
        return jsonify(message=changes), 400
    db = get_db()
    try:
        result = edits.apply(db, assessment_id, changes, current_user().username)
    except TransitionRefused as exc:
        return jsonify(message=refusal(exc), locked=True), 409
    return jsonify(checklist.applied(db, result))


@bp.route("/session/token")
@login_required
def token():
    """A fresh form token for the checklist script, whose page may be older than the token's lifetime."""
    return jsonify(token=generate_csrf())


@bp.route("/assessments/<int:assessment_id>/submit", methods=["GET", "POST"])
@login_required
def submit(assessment_id: int):
    view = assessment_for(assessment_id, act_as="officer")
    if request.method == "POST":
        try:
            workflow.submit(get_db(), assessment_id, current_user().username)
        except InvalidInputs as exc:
            flash(_("Chưa nộp được: %(m)s", m=invalid_values(exc, view.cset)), "error")
            return redirect(url_for("commune.checklist", assessment_id=assessment_id))
        except TransitionRefused as exc:
            flash(refusal(exc), "error")  # a whole sentence saying what could not be done and why
            return redirect(url_for("commune.checklist", assessment_id=assessment_id))
        flash(_("Đã nộp hồ sơ tự đánh giá. Hồ sơ được khóa cho đến khi được trả lại."), "ok")
        return redirect(url_for("commune.checklist", assessment_id=assessment_id))
    return render_template("commune/submit.html", **_context(view))


@bp.route("/assessments/<int:assessment_id>/attachments", methods=["POST"])
@login_required
def upload(assessment_id: int):
    """The officer attaches a file to one item of the checklist (``item_id``) or to the assessment as a whole."""
    assessment_for(assessment_id, act_as="officer")
    upload = request.files.get("file")
    item_id = request.form.get("item_id") or None
    if upload is None or not upload.filename:
        flash(_("Chưa chọn tệp."), "error")
    else:
        try:
            attachments.add(get_db(), Path(current_app.config["ATTACHMENTS"]), assessment_id,
                            item_id, upload.filename, upload.read(), current_user().username)
            flash(_("Đã tải lên tệp minh chứng."), "ok")
        except NotFound as exc:  # an item outside the criteria set: there are no files of it to return to
            flash(refusal(exc), "error")
            item_id = None
        except StorageError as exc:
            flash(refusal(exc), "error")
    return _back_to(assessment_id, item_id)


def _back_to(assessment_id: int, item_id: str | None):
    """The checklist again, scrolled to the files of the item just changed (the side panel's for the whole)."""
    return redirect(url_for("commune.checklist", assessment_id=assessment_id,
                            _anchor=f"files-{item_id}" if item_id else "files"))


def _attachment(attachment_id: int, act_as: str | None = None) -> dict[str, Any]:
    """An attachment's row, deleted or not, if the current user may see (or act on) its assessment; else 403/404."""
    try:
        row = attachments.get(get_db(), attachment_id)
    except NotFound:
        abort(404)
    assessment_for(row["assessment_id"], act_as=act_as)
    return row


@bp.route("/attachments/<int:attachment_id>")
@login_required
def download(attachment_id: int):
    """A file of an assessment the user may see; a deleted one is a 404 for everyone (kept on disk only)."""
    row = _attachment(attachment_id)
    if row["deleted_at"] is not None:
        abort(404)
    path = attachments.path_of(Path(current_app.config["ATTACHMENTS"]), row)
    return send_file(path, mimetype=row["content_type"], as_attachment=True, download_name=row["filename"])


@bp.route("/attachments/<int:attachment_id>/delete", methods=["POST"])
@login_required
def delete_attachment(attachment_id: int):
    """The officer deletes a file uploaded by mistake, until the assessment is submitted (marked, not erased)."""
    row = _attachment(attachment_id, act_as="officer")
    try:
        attachments.delete(get_db(), attachment_id, current_user().username)
        flash(_("Đã xóa tệp «%(name)s».", name=row["filename"]), "ok")
    except StorageError as exc:
        flash(refusal(exc), "error")
    return _back_to(row["assessment_id"], row["item_id"])
