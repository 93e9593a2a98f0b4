"""Administrators: accounts (create; change role and jurisdiction; reset a password; deactivate, reactivate;
unlock after wrong passwords), each jurisdiction chosen by the unit's name, never its code. Every change goes
to the audit log and ends the user's other sessions.

The jurisdiction chooser works without a script (a search field and «Tìm đơn vị» list the matches as radio
choices) and, with ``static/scope.js``, lists them while typing from ``/admin/units``.
"""
from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _

from webapp.store import accounts, jurisdictions
from webapp.store.errors import NotFound, StorageError
from webapp.store.jurisdictions import Match, ScopeRefused
from webapp.store.vietnamese import nfc

from .auth import current_user, roles_required
from .db import get_db
from .refusals import refusal

bp = Blueprint("admin", __name__, url_prefix="/admin")


def _chooser(form: Any, role: str, suggestions: list[Match] | None = None) -> dict[str, Any]:
    """What the jurisdiction chooser shows: the name typed, the matches (or the suggestions after a refusal),
    grouped, with the unit chosen among them and checked."""
    db, typed = get_db(), form.get("scope_q", "")
    chosen_id = form.get("scope_unit_id") or None
    matches = suggestions if suggestions is not None else jurisdictions.search(db, typed, role) if typed.strip() else []
    if chosen_id and chosen_id not in {m.id for m in matches}:
        try:
            matches = [jurisdictions.choose(db, chosen_id, role), *matches]
        except ScopeRefused:
            chosen_id = None
    return {"typed": typed, "groups": jurisdictions.grouped(matches), "chosen": chosen_id,
            "levels": jurisdictions.LEVEL_NAMES}


def _scope(form: Any, role: str) -> Match | None:
    """The jurisdiction the form names: the unit chosen, else the one unit the typed name stands for; None for an
    administrator. ScopeRefused (with suggestions) for an unknown or unfit unit."""
    if role == "admin":
        return None
    if form.get("scope_unit_id"):
        return jurisdictions.choose(get_db(), form["scope_unit_id"], role)
    if form.get("scope_q", "").strip():
        return jurisdictions.resolve(get_db(), form["scope_q"], role)
    return None


def _warn_if_idle(scope: Match | None) -> None:
    warning = jurisdictions.idle_warning(get_db(), scope.id if scope else None)
    if warning:
        flash(refusal(warning), "warn")


def _list_page(form: Any, problem: str | None = None, suggestions: list[Match] | None = None, status: int = 200):
    db = get_db()
    role = form.get("role", "officer")
    return render_template("admin/users.html", users=accounts.overview(db), roles=accounts.ROLE_NAMES, form=form,
                           problem=problem, chooser=_chooser(form, role, suggestions)), status


@bp.route("/users", methods=["GET", "POST"])
@roles_required("admin")
def users():
    if request.method == "GET":
        return _list_page({})
    form = request.form
    if form.get("find"):
        return _list_page(form)
    role = form.get("role", "")
    try:
        scope = _scope(form, role)
        user = accounts.create_user(get_db(), nfc(form.get("username", "")).strip(), form.get("password", ""), role,
                                    nfc(form.get("display_name", "")).strip(), scope.id if scope else None,
                                    current_user().username, must_change=True)
    except ScopeRefused as exc:
        return _list_page(form, refusal(exc), exc.suggestions, 422)
    except (StorageError, NotFound) as exc:
        return _list_page(form, refusal(exc), status=422)
    flash(_("Đã tạo tài khoản «%(username)s». Người dùng phải đổi mật khẩu khi đăng nhập lần đầu.",
            username=user.username), "ok")
    _warn_if_idle(scope)
    return redirect(url_for("admin.users"))


def _account(user_id: int) -> dict[str, Any]:
    try:
        return accounts.account(get_db(), user_id)
    except NotFound:
        abort(404)


def _account_page(user_id: int, form: Any | None = None, problem: str | None = None, section: str | None = None,
                  suggestions: list[Match] | None = None, status: int = 200):
    """The account's page; ``form``, ``problem`` and ``section`` give back the form that was sent, and why not."""
    account = _account(user_id)
    form = form if form is not None else {"role": account["role"], "scope_unit_id": account["scope_unit_id"] or ""}
    return render_template("admin/user.html", account=account, roles=accounts.ROLE_NAMES, form=form,
                           problem=problem, section=section, is_self=user_id == current_user().id,
                           chooser=_chooser(form, form.get("role", account["role"]), suggestions)), status


@bp.route("/users/<int:user_id>")
@roles_required("admin")
def user(user_id: int):
    return _account_page(user_id)


def _refuse_self(user_id: int) -> bool:
    """Whether the administrator acts on their own account here (refused: it would end their own session)."""
    if user_id == current_user().id:
        flash(_("Không thể tự thay đổi tài khoản của mình ở đây; hãy nhờ một quản trị viên khác."), "error")
        return True
    return False


@bp.route("/users/<int:user_id>/role", methods=["POST"])
@roles_required("admin")
def change_role(user_id: int):
    account, form = _account(user_id), request.form
    if form.get("find"):
        return _account_page(user_id, form, section="role")
    if _refuse_self(user_id):
        return redirect(url_for("admin.user", user_id=user_id))
    role = form.get("role", "")
    try:
        scope = _scope(form, role)
        accounts.change_role(get_db(), user_id, role, scope.id if scope else None, current_user().username)
    except ScopeRefused as exc:
        return _account_page(user_id, form, refusal(exc), "role", exc.suggestions, 422)
    except (StorageError, NotFound) as exc:
        return _account_page(user_id, form, refusal(exc), "role", status=422)
    flash(_("Đã đổi vai trò và phạm vi của «%(username)s»; các phiên đăng nhập của tài khoản này đã kết thúc.",
            username=account["username"]), "ok")
    _warn_if_idle(scope)
    return redirect(url_for("admin.user", user_id=user_id))


@bp.route("/users/<int:user_id>/password", methods=["POST"])
@roles_required("admin")
def reset_password(user_id: int):
    account = _account(user_id)
    if _refuse_self(user_id):
        return redirect(url_for("admin.user", user_id=user_id))
    try:
        accounts.reset_password(get_db(), user_id, request.form.get("password", ""), current_user().username)
    except StorageError as exc:
        return _account_page(user_id, problem=refusal(exc), section="password", status=422)
    flash(_("Đã đặt mật khẩu tạm thời cho «%(username)s»: người dùng phải đổi mật khẩu khi đăng nhập; các phiên "
            "đăng nhập của tài khoản này đã kết thúc.", username=account["username"]), "ok")
    return redirect(url_for("admin.user", user_id=user_id))


@bp.route("/users/<int:user_id>/active", methods=["POST"])
@roles_required("admin")
def set_active(user_id: int):
    account = _account(user_id)
    if not _refuse_self(user_id):
        active = request.form.get("active") == "1"
        try:
            accounts.set_active(get_db(), user_id, active, current_user().username)
        except StorageError as exc:
            flash(refusal(exc), "error")
        else:
            flash(_("Đã mở lại tài khoản «%(username)s».", username=account["username"]) if active else
                  _("Đã ngừng tài khoản «%(username)s»; các phiên đăng nhập của tài khoản này đã kết thúc.",
                    username=account["username"]), "ok")
    return redirect(url_for("admin.user", user_id=user_id))


@bp.route("/users/<int:user_id>/unlock", methods=["POST"])
@roles_required("admin")
def unlock(user_id: int):
    account = _account(user_id)
    accounts.unlock(get_db(), user_id, current_user().username)
    flash(_("Đã mở khóa đăng nhập cho «%(username)s»: có thể đăng nhập lại ngay.", username=account["username"]), "ok")
    return redirect(url_for("admin.user", user_id=user_id))


@bp.route("/units")
@roles_required("admin")
def unit_search():
    """The chooser's matches as JSON (for ``scope.js``): groups with their headings, each unit's id and full name."""
    role = request.args.get("role") or None
    if role not in accounts.ROLES:
        role = None
    typed = request.args.get("q", "")
    matches = jurisdictions.search(get_db(), typed, role)
    hint = None
    if typed.strip() and not matches:
        near = jurisdictions.suggestions(get_db(), typed, role)
        hint = _("Không tìm thấy đơn vị nào tên «%(typed)s».", typed=typed)
        matches = near
    return jsonify(hint=hint, groups=[
        {"heading": f"{g.unit_set_name} — {_(jurisdictions.LEVEL_NAMES[g.level])}",
         "units": [{"id": m.id, "name": m.full_name} for m in g.matches]}
        for g in jurisdictions.grouped(matches)])
