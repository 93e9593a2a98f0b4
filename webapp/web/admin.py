"""Administrators: accounts (create, disable, enable). Every change goes to the audit log."""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from webapp.store import accounts
from webapp.store.errors import NotFound, StorageError
from webapp.store.vietnamese import nfc

from .auth import current_user, roles_required
from .db import get_db
from .refusals import refusal

bp = Blueprint("admin", __name__, url_prefix="/admin")


@bp.route("/users", methods=["GET", "POST"])
@roles_required("admin")
def users():
    db = get_db()
    if request.method == "POST":
        form = request.form
        try:
            accounts.create_user(db, nfc(form.get("username", "")).strip(), form.get("password", ""),
                                 form.get("role", ""), nfc(form.get("display_name", "")).strip(),
                                 form.get("scope_unit_id") or None, current_user().username)
        except (StorageError, NotFound) as exc:
            flash(refusal(exc), "error")
            return render_template("admin/users.html", users=accounts.list_users(db), roles=accounts.ROLE_NAMES,
                                   form=form), 422
        flash(_("Đã tạo tài khoản."), "ok")
        return redirect(url_for("admin.users"))
    return render_template("admin/users.html", users=accounts.list_users(db), roles=accounts.ROLE_NAMES, form={})


@bp.route("/users/<int:user_id>/active", methods=["POST"])
@roles_required("admin")
def set_active(user_id: int):
    db = get_db()
    if not db["users"].count_where("id = ?", [user_id]):
        abort(404)
    if user_id == current_user().id:
        flash(_("Không thể tự khóa tài khoản của mình."), "error")
    else:
        accounts.set_active(db, user_id, request.form.get("active") == "1", current_user().username)
        flash(_("Đã cập nhật tài khoản."), "ok")
    return redirect(url_for("admin.users"))
