"""Documents: recognition decisions, certificates and evaluation reports as PDF; public verification.

* ``GET /verify/<code>`` (public): whether a certificate is valid, not yet valid, expired, revoked or
  unknown, and what it certifies (unit, decision number and date, issuer, validity, revocation), so
  that a genuine code printed on a forged paper for another unit is exposed; never a score.
* ``GET|POST /rounds/<id>/decision`` (authority): the units waiting for a decision in the
  authority's jurisdiction, and issuing it (number, date, signer, valid until).
* ``GET /rounds/<id>/decision.pdf`` and ``/rounds/<id>/certificates.zip`` (authority: its
  jurisdiction; admin: everything). Before any decision is issued the PDF is a draft
  (``DỰ THẢO``, number and date left blank).
* ``GET /assessments/<id>/report.pdf``: anyone who may view the assessment.

PDFs are rendered in the long-lived worker processes of :mod:`certificates.pool`, never in
the web server's threads (the server does not even import WeasyPrint).
"""
from __future__ import annotations

import io
import os

from flask import Blueprint, abort, current_app, flash, make_response, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _

from certificates import bundle, contexts, pool, records
from webapp.store import profile_changes, vietnamese
from webapp.store.errors import NotFound
from webapp.store.rounds import get_round
from webapp.store.units import full_name, get_unit

from .auth import assessment_for, current_user, login_required, roles_required
from .db import get_db
from .refusals import refusal

bp = Blueprint("documents", __name__)


def public_url() -> str:
    """Where the QR codes point: ``PUBLIC_URL`` (config), else ``$CFC_PUBLIC_URL``; never the request's
    Host header (anyone can send one). Raises :class:`contexts.PublicUrlError` when unset or unusable."""
    return contexts.public_address(current_app.config.get("PUBLIC_URL") or os.environ.get("CFC_PUBLIC_URL"))


def _scope() -> str | None:
    """The jurisdiction whose documents the user may have (None: all, for an administrator)."""
    user = current_user()
    return None if user.role == "admin" else user.scope_unit_id


def _round(round_id: int) -> dict:
    try:
        return get_round(get_db(), round_id)
    except NotFound:
        abort(404)


def _pdf(data: bytes, name: str):
    response = send_file(io.BytesIO(data), mimetype="application/pdf", as_attachment=True, download_name=name)
    response.headers["Cache-Control"] = "private, no-store"
    return response


def _message(title: str, text: str, code: int, round_id: int | None = None):
    return render_template("documents/message.html", title=title, text=text, round_id=round_id), code


# ---- public verification -------------------------------------------------------------------

@bp.route("/verify")
def verify_form():
    code = request.args.get("code", "").strip()
    if code:
        return redirect(url_for(".verify", code=records.normalise_code(code) or code[:40]), code=303)
    return render_template("documents/verify.html", result=None)


@bp.route("/verify/<code>")
def verify(code: str):
    result = contexts.verification(get_db(), code[:64])
    response = make_response(render_template("documents/verify.html", result=result),
                             404 if result["status"] == "unknown" else 200)
    response.headers["Cache-Control"] = "no-store"
    response.headers["X-Robots-Tag"] = "noindex"
    return response


# ---- issuing a decision (the authority) ----------------------------------------------------

@bp.route("/rounds/<int:round_id>/decision", methods=["GET", "POST"])
@roles_required("authority")
def issue(round_id: int):
    db, user = get_db(), current_user()
    round_row = _round(round_id)
    try:
        records.check_issuer(db, round_row, user.scope_unit_id)
    except records.DocumentError as exc:
        return _message(_("Không thể ban hành quyết định"), refusal(exc), 403)
    form = {"number": "", "signed_on": vietnamese.today().isoformat(), "valid_until": "",
            "signer_title": "CHỦ TỊCH", "signer_name": ""}
    status, problems = 200, {}
    if request.method == "POST":
        form = {k: vietnamese.nfc(request.form.get(k, "")).strip() for k in form}
        try:
            records.issue(db, round_id, user.scope_unit_id, number=form["number"], signed_on=form["signed_on"],
                          valid_until=form["valid_until"], signer_title=form["signer_title"],
                          signer_name=form["signer_name"], actor=user.username)
        except records.DocumentError as exc:
            if exc.at in form:  # said beside its field; the top of the page points there
                problems = {exc.at: refusal(exc)}
                flash(_("Chưa ban hành quyết định: hãy sửa ô được đánh dấu bên dưới."), "error")
            else:
                flash(_("Chưa ban hành quyết định: %(m)s", m=refusal(exc)), "error")
            status = 422
        else:
            flash(_("Đã ghi số, ngày quyết định và cấp mã xác minh cho các giấy công nhận."), "ok")
            return redirect(url_for(".issue", round_id=round_id), code=303)
    waiting = [{"full_name": full_name(db, get_unit(db, r["unit_id"])), "total": r["verified_total"]}
               for r in records.pending(db, round_id, user.scope_unit_id)]
    issued = records.documents(db, round_id, user.scope_unit_id)
    return render_template("documents/issue.html", round=round_row, waiting=waiting, issued=issued, form=form,
                           problems=problems,
                           counts={d["id"]: len(records.certificates_of(db, d["id"])) for d in issued},
                           unconfirmed=profile_changes.current(get_db(), round_row["profile"]).unconfirmed()), status


# ---- downloads -----------------------------------------------------------------------------

@bp.route("/rounds/<int:round_id>/decision.pdf")
@roles_required("authority", "admin")
def decision_pdf(round_id: int):
    db, scope = get_db(), _scope()
    round_row = _round(round_id)
    issued = records.documents(db, round_id, scope)
    wanted = request.args.get("document", type=int)
    if wanted is not None:
        issued = [d for d in issued if d["id"] == wanted]
        if not issued:
            abort(404)
    if issued:
        pdf = pool.render_pooled("decision", [contexts.decision_context(db, d["id"]) for d in issued])
        return _pdf(pdf, f"quyet-dinh-cong-nhan-{round_row['year']}.pdf")
    try:
        records.check_issuer(db, round_row, scope or "")
    except records.DocumentError:
        return _message(_("Chưa có quyết định"), _("Chưa có quyết định công nhận nào được ban hành trong đợt này."),
                        404, round_id)
    if not records.pending(db, round_id, scope):
        return _message(_("Chưa có quyết định"), _("Chưa có đơn vị nào được công nhận chờ ra quyết định."),
                        404, round_id)
    pdf = pool.render_pooled("decision", contexts.draft_decision_context(db, round_id, scope))
    return _pdf(pdf, f"du-thao-quyet-dinh-cong-nhan-{round_row['year']}.pdf")


@bp.route("/rounds/<int:round_id>/certificates.zip")
@roles_required("authority", "admin")
def certificates_zip(round_id: int):
    db = get_db()
    round_row = _round(round_id)
    issued = records.documents(db, round_id, _scope())
    if not issued:
        return _message(_("Chưa có giấy công nhận"),
                        _("Giấy công nhận được in sau khi quyết định công nhận có số và ngày ban hành."),
                        409, round_id)
    try:
        address = public_url()
    except contexts.PublicUrlError as exc:
        current_app.logger.error("certificates not printed: %s", exc)
        return _message(_("Chưa in được giấy công nhận"), refusal(exc), 503, round_id)
    buffer = io.BytesIO()
    bundle.certificates_zip(db, issued, address, buffer)
    buffer.seek(0)
    response = send_file(buffer, mimetype="application/zip", as_attachment=True,
                         download_name=f"giay-cong-nhan-{round_row['year']}.zip")
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.route("/assessments/<int:assessment_id>/report.pdf")
@login_required
def report_pdf(assessment_id: int):
    view = assessment_for(assessment_id)
    pdf = pool.render_pooled("report", contexts.report_context(get_db(), view))
    return _pdf(pdf, f"bao-cao-danh-gia-{vietnamese.slug(view.unit['name'])}-{view.round['year']}.pdf")
