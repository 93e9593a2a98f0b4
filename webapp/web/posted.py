"""Posted forms: the bounds on a form's body and on each user's writes, and the «Gửi lại» form
that offers to send again a form the server could not process (expired token, full disk), on the one
error page every error shows.

The resend form carries a fresh CSRF token, so it is offered only for a request that came from
this site (its own valid token, or an Origin/Referer of this site), never for the login and
password forms, never with a password in it, and with every kept value shown, not hidden.
"""
from __future__ import annotations

import threading
import time
from collections import deque
from urllib.parse import urlsplit

from flask import Flask, current_app, g, jsonify, render_template, request, session, url_for
from flask_babel import gettext as _
from werkzeug.exceptions import RequestEntityTooLarge, TooManyRequests

from webapp.store import accounts, limits, workflow
from webapp.store.attachments import MAX_BYTES
from webapp.store.errors import N_, StorageError
from webapp.store.rounds import criteria_for

from .db import get_db
from .formatting import tr

NO_RESEND = frozenset({"auth.login", "auth.password"})  # a resend there would log in as, or set, someone else
SECRET_FIELDS = frozenset({"csrf_token", "password", "old", "new", "confirm"})  # never echoed into a page
UPLOADS = frozenset({"commune.upload", "urban.import_file", "workbench.edit_part", "workbench.upload_yaml",
                     "workbench.values_xlsx"})  # bounded by MAX_CONTENT_LENGTH and their own limits
NOT_SHOWN = frozenset({"version", "part"})  # sent again as it was, but means nothing to the user
LABELS = {
    "comment": N_("Ý kiến"), "reason": N_("Lý do"), "status": N_("Kết quả thẩm định"), "outcome": N_("Quyết định"),
    "username": N_("Tên đăng nhập"), "display_name": N_("Họ tên"), "role": N_("Vai trò"),
    "scope_unit_id": N_("Đơn vị"), "active": N_("Trạng thái tài khoản"), "year": N_("Năm"),
    "decision": N_("Số quyết định"), "decided_on": N_("Ngày quyết định"), "note": N_("Ghi chú"),
    "document": N_("Văn bản"), "clause": N_("Điều, khoản"), "page": N_("Trang (nếu có)"),
    "valid_from": N_("Áp dụng từ ngày"),
}
VALUE_NAMES = {"status": workflow.REVIEW_NAMES, "outcome": workflow.STATUS_NAMES, "role": accounts.ROLE_NAMES}


def is_secret(name: str) -> bool:
    """Whether a posted field holds a secret: a password of any form, or a token."""
    return name in SECRET_FIELDS or "password" in name.lower()


def from_this_site() -> bool:
    """Whether the request's Origin (or, without one, its Referer) is this site: scheme and host."""
    source = request.headers.get("Origin") or request.referrer or ""
    origin, here = urlsplit(source), urlsplit(request.host_url)
    return bool(source) and (origin.scheme, origin.netloc.lower()) == (here.scheme, here.netloc.lower())


def resend_fields() -> list[tuple[str, str]] | None:
    """The posted fields a «Gửi lại» form may send again (never a secret), or None: no resend."""
    if request.endpoint in NO_RESEND or not (g.get("csrf_valid") or from_this_site()):
        return None
    return _typed()


def _typed() -> list[tuple[str, str]]:
    """The posted fields but the secrets, in the order sent."""
    return [(name, value) for name, value in request.form.items(multi=True) if not is_secret(name)]


def shown(fields: list[tuple[str, str]] | None) -> list[tuple[str, str]]:
    """The kept fields as the user reads them: (label, value), labels and codes in the user's words."""
    if not fields:
        return []
    labels = {name: _(text) for name, text in LABELS.items()} | _input_labels()
    rows = []
    for name, value in fields:
        if name in NOT_SHOWN or not value.strip():
            continue
        if name.startswith("evidence-"):
            label = _("Minh chứng cho mục %(item)s", item=name.removeprefix("evidence-"))
        else:
            label = labels.get(name, _("Nội dung khác"))
        code_names = VALUE_NAMES.get(name, {})
        rows.append((label, _(code_names[value]) if value in code_names else value))
    return rows


def _input_labels() -> dict[str, str]:
    """The labels of the criteria inputs of the assessment the form was about (none if it names none)."""
    assessment_id = (request.view_args or {}).get("assessment_id")
    if assessment_id is None:
        return {}
    try:
        db = get_db()
        cset = criteria_for(db, workflow.get(db, assessment_id)["criteria_hash"])
    except StorageError:
        return {}
    return {name: tr(spec.label) for name, spec in cset.inputs.items()}


class _WriteBudget:
    """The bytes each user posted in the last ``limits.WRITE_WINDOW`` seconds, in this process."""

    def __init__(self, budget: int) -> None:
        self.budget, self._lock = budget, threading.Lock()
        self._sent: dict[int, deque[tuple[float, int]]] = {}

    def spend(self, user_id: int, size: int) -> bool:
        """Count ``size`` bytes against the user's budget; False (nothing counted) if it would exceed it."""
        now = time.monotonic()
        with self._lock:
            sent = self._sent.setdefault(user_id, deque())
            while sent and sent[0][0] <= now - limits.WRITE_WINDOW:
                sent.popleft()
            if sum(size for _at, size in sent) + size > self.budget:
                return False
            sent.append((now, size))
            return True


def _bound_writes() -> None:
    """A form or autosave body over ``limits.FORM_BODY`` is refused (413); so is a user's post beyond
    their write budget (429). Uploads keep their own limit; the JSON API has its own bounds."""
    if request.method != "POST" or request.path.startswith("/api/") or request.endpoint in UPLOADS:
        return
    request.max_content_length = limits.FORM_BODY  # also bounds a body sent without a length
    size = request.content_length or 0
    if size > limits.FORM_BODY:
        raise RequestEntityTooLarge()
    user_id = session.get("user_id")
    if user_id is not None and not current_app.extensions["cfc_write_budget"].spend(user_id, size):
        raise TooManyRequests()


def refused(exc: RequestEntityTooLarge | TooManyRequests):
    """The answer to a body over its bound (413) or a post beyond the write budget (429): JSON for the
    autosave, else a page saying what to do (after 429, with the form to send again)."""
    fields: list[tuple[str, str]] | None = None
    if isinstance(exc, TooManyRequests):
        title = _("Gửi quá nhiều")
        message = _("Bạn đã gửi quá nhiều dữ liệu trong một phút (tối đa %(kb)s KB mỗi phút): chưa lưu gì. "
                    "Hãy chờ một phút rồi bấm «Gửi lại».", kb=limits.WRITE_BUDGET // 1024)
        fields = resend_fields()
    elif request.endpoint in UPLOADS:
        title = _("Tệp quá lớn")
        message = _("Tệp lớn hơn giới hạn %(mb)s MB.", mb=MAX_BYTES // 2**20)
    else:
        title = _("Nội dung quá lớn")
        message = _("Nội dung gửi lên quá lớn (tối đa %(kb)s KB một lần lưu): chưa lưu gì. Hãy quay lại trang "
                    "trước, rút ngắn các ghi chú dài rồi lưu lại.",
                    kb=limits.FORM_BODY // 1024)
    if wants_json() or request.endpoint == "commune.edits":  # the checklist's script shows the message
        return jsonify(saved=False, message=message), exc.code
    return error_page(exc.code, title, message, fields=fields)


def wants_json() -> bool:
    """A request of the checklist's script (a JSON body, or asking for JSON): answered in JSON, not a page."""
    return request.is_json or request.accept_mimetypes.best == "application/json"


def error_page(code: int, title: str, *paragraphs: str, heading: str | None = None,
               fields: list[tuple[str, str]] | None = None, resend: bool = True,
               link: tuple[str, str] | None = None) -> tuple[str, int]:
    """Every error page, from one template: ``title`` (and ``heading``, by default the title), paragraphs
    saying what happened and what to do and, with ``fields``, the «Gửi lại» form that posts them again
    (or, with ``resend`` False, only the list of what was typed); ``link`` is (url, text) to go on."""
    return render_template("errors/error.html", title=title, heading=heading or title, paragraphs=paragraphs,
                           fields=fields, resend=resend, shown=shown(fields), action=request.path, link=link), code


def session_ended(code: int):
    """A form posted after its session ended (logged out elsewhere, password changed, expired): nothing is
    saved and a resend would only reach the login page, so the page lists what was typed to enter again
    after logging in (the autosave gets JSON)."""
    message = _("Phiên đăng nhập đã kết thúc (bạn đã đăng xuất ở cửa sổ hoặc thiết bị khác, đã đổi mật khẩu, "
                "hoặc đã lâu không dùng), nên chưa lưu gì.")
    if wants_json():
        return jsonify(saved=False, message=message), 401
    fields = _typed() if from_this_site() else None
    return error_page(code, _("Phiên đăng nhập đã kết thúc"), message,
                      _("Nội dung bạn vừa nhập được liệt kê dưới đây: hãy đăng nhập lại rồi nhập lại.") if fields
                      else _("Hãy đăng nhập lại."),
                      fields=fields, resend=False,
                      link=(url_for("auth.login", next=request.path), _("Đăng nhập lại")))


def init_app(app: Flask) -> None:
    """Bound form bodies and each user's writes (after the CSRF check, so its verdict is known)."""
    app.config.setdefault("MAX_FORM_MEMORY_SIZE", limits.FORM_BODY)
    app.extensions["cfc_write_budget"] = _WriteBudget(app.config.get("WRITE_BUDGET", limits.WRITE_BUDGET))
    app.before_request(_bound_writes)
