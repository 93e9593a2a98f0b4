"""Login, logout, password change, and the guards every route uses (role and jurisdiction)."""
from __future__ import annotations

import functools
import sqlite3
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

from flask import Blueprint, Response, abort, current_app, flash, g, redirect, render_template, request, session, url_for
from flask_babel import gettext as _

from webapp.store import accounts, workflow
from webapp.store.accounts import AccountError, TooManyAttempts, User
from webapp.store.db import write_failure
from webapp.store.errors import NotFound
from webapp.store.rounds import get_round

from . import posted
from .db import get_db
from .refusals import refusal

bp = Blueprint("auth", __name__)


def current_user() -> User | None:
    """The logged-in user: the session's account if still active and the session not ended since."""
    if "user" not in g:
        user_id = session.get("user_id")
        try:
            user = accounts.get_user(get_db(), user_id) if user_id else None
        except NotFound:
            user = None
        if user is not None and session.get("generation") != user.generation:
            user = None  # logged out, password, role or jurisdiction changed since this session began
        if user is None and user_id:
            _fresh_session()
        g.user = user
    return g.user


def _fresh_session() -> None:
    """An empty session that keeps only the chosen language."""
    lang = session.get("lang")
    session.clear()
    if lang:
        session["lang"] = lang


SHARED = frozenset({"assets.file", "assets.favicon", "offline.worker"})  # the same for everyone, cached as they say
WHILE_MUST_CHANGE = SHARED | {"auth.password", "auth.logout", "auth.login", "offline.page", "healthz"}


@bp.before_app_request
def _password_first() -> Response | None:
    """A user whose password an administrator set sees only the password page until they change it."""
    if "user_id" not in session or request.endpoint in WHILE_MUST_CHANGE:
        return None
    user = current_user()
    if user is None or not user.must_change:
        return None
    if request.method != "GET" or posted.wants_json():
        abort(403)
    return redirect(url_for("auth.password"))


@bp.after_app_request
def _no_store(response: Response) -> Response:
    """Pages seen while logged in are never kept by the browser or a proxy (back button after logout)."""
    if request.endpoint not in SHARED and (g.get("user") is not None or "user_id" in session):
        response.headers["Cache-Control"] = "no-store"
    return response


def login_required(view: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(view)
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        if current_user() is None:
            if request.method == "POST" or posted.wants_json():  # a redirect would drop what the form carries
                return posted.session_ended(401)
            return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))
        return view(*args, **kwargs)
    return wrapped


def roles_required(*roles: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    def decorator(view: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(view)
        @login_required
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            if current_user().role not in roles:
                abort(403)
            return view(*args, **kwargs)
        return wrapped
    return decorator


def round_for_reader(round_id: int) -> tuple[dict[str, Any], Callable[[str], bool] | None]:
    """The round (404 if there is none) and which of its units the current reader may read: those within the
    reader's jurisdiction (None: every unit, for an administrator)."""
    db, user = get_db(), current_user()
    try:
        found = get_round(db, round_id)
    except NotFound:
        abort(404)
    if user.role == "admin":
        return found, None
    scope = user.scope_unit_id
    return found, lambda unit_id: scope is not None and accounts.within(db, unit_id, scope)


def assessment_for(assessment_id: int, act_as: str | None = None) -> workflow.Assessment:
    """The assessment, read once with its unit, round and criteria set, if the current user may see it
    (and act on it as ``act_as``); else 403/404. The page uses it rather than reading it again."""
    db, user = get_db(), current_user()
    try:
        view = workflow.load(db, assessment_id)
    except NotFound:
        abort(404)
    allowed = accounts.may_act(db, user, view.unit, act_as) if act_as else accounts.may_view(db, user, view.unit)
    if not allowed:
        abort(403)
    return view


def _safe_next(target: str | None) -> str:
    """Only same-site paths: no open redirect through ``?next=``."""
    if (not target or not target.startswith("/") or target.replace("\\", "/").startswith("//")
            or urlsplit(target).netloc or any(ord(c) < 32 for c in target)):
        return url_for("index")
    return target


@bp.route("/login", methods=["GET", "POST"])
def login():
    error, problems = None, {}
    if request.method == "POST":
        username = request.form.get("username", "").strip()
        if not username:
            problems["username"] = _("Chưa nhập tên đăng nhập.")
        if not request.form.get("password"):
            problems["password"] = _("Chưa nhập mật khẩu.")
        if problems:  # said beside the fields; not an attempt against any account
            return render_template("auth/login.html", error=None, problems=problems), 401
        try:
            user = accounts.authenticate(get_db(), username, request.form.get("password", ""),
                                         request.remote_addr or "?")
        except TooManyAttempts:
            error = _("Đăng nhập sai quá nhiều lần. Vui lòng thử lại sau 15 phút.")
        else:
            if user is None:
                error = _("Tên đăng nhập hoặc mật khẩu không đúng.")
            else:
                _fresh_session()  # no fixation
                session["user_id"], session["generation"] = user.id, user.generation
                if user.must_change:
                    return redirect(url_for("auth.password"))
                return redirect(_safe_next(request.args.get("next")))
    return render_template("auth/login.html", error=error, problems=problems), 401 if error else 200


@bp.route("/logout", methods=["POST"])
def logout():
    """End the session, and every other session of the user (one generation for all of them)."""
    user = current_user()
    _fresh_session()
    if user is not None:
        try:
            accounts.end_sessions(get_db(), user.id)
        except sqlite3.OperationalError as exc:  # a full disk: this browser is logged out all the same
            if write_failure(exc) is None:
                raise
            current_app.logger.error("logout of %s not recorded, its other sessions go on: %s", user.username, exc)
    response = redirect(url_for("auth.login"))
    # The HTTP cache of this site (HTTPS or localhost only); not "storage": IndexedDB keeps unsent changes.
    response.headers["Clear-Site-Data"] = '"cache"'
    return response


@bp.route("/password", methods=["GET", "POST"])
@login_required
def password():
    problems: dict[str, str] = {}
    if request.method == "POST":
        if not request.form.get("old"):
            problems["old"] = _("Chưa nhập mật khẩu hiện tại.")
        if len(request.form.get("new", "")) < accounts.MIN_PASSWORD:
            problems["new"] = _("Mật khẩu mới cần ít nhất %(n)s ký tự.", n=accounts.MIN_PASSWORD)
        if request.form.get("new") != request.form.get("confirm"):
            problems["confirm"] = _("Mật khẩu mới nhập lại không khớp.")
        if problems:  # each said under its field
            return render_template("auth/password.html", problems=problems), 422
        try:
            session["generation"] = accounts.change_password(
                get_db(), current_user(), request.form.get("old", ""), request.form.get("new", ""))
        except AccountError as exc:
            flash(refusal(exc), "error")
        else:
            flash(_("Đã đổi mật khẩu."), "ok")
            return redirect(url_for("index"))
    return render_template("auth/password.html", problems=problems)


@login_required
def home():
    """Each role starts where its work is."""
    role = current_user().role
    if role == "officer":
        return redirect(url_for("commune.mine"))
    if role == "reviewer":
        return redirect(url_for("review.queue"))
    if role == "authority":
        return redirect(url_for("decisions.index"))
    if role == "legal":
        return redirect(url_for("workbench.index"))
    return redirect(url_for("dashboard.index"))
