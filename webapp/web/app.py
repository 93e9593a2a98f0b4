"""The Flask application: ``create_app()`` wires storage, security, language and blueprints.

Instance-relative configuration (Flask tutorial style): the database, the secret key and
attachments live in the instance folder, never in the repository.
"""
from __future__ import annotations

import io
import os
import secrets
import sqlite3
from pathlib import Path
from typing import IO, Any

from flask import Flask, Request, g, jsonify, request, session
from flask.json.provider import DefaultJSONProvider
from flask_babel import Babel, get_translations
from flask_babel import gettext as _
from flask_compress import Compress
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException
from werkzeug.middleware.proxy_fix import ProxyFix
from werkzeug.routing import IntegerConverter

from certificates.native import MissingLibrary
from webapp.store import db as database
from webapp.store import private
from webapp.store.profiles import profiles
from webapp.store.rounds import MAX_ID

from . import (
    admin,
    answers,
    api,
    assets,
    auth,
    authority,
    commune,
    dashboard,
    db,
    decisions,
    documents,
    impact,
    ntm,
    offline,
    pagecache,
    period,
    posted,
    quality,
    review,
    statistics,
    urban,
    workbench,
)
from .api import error_response
from .csrf import MaskedCSRFProtect
from .formatting import register_filters
from .i18n import compile_translations

csrf = MaskedCSRFProtect()
LANGUAGES = ("vi", "en")
# Compressed when the browser accepts it (brotli, else gzip): pages, styles, scripts, JSON, SVG. PDFs, XLSX, ZIPs
# and attachments are compressed already or downloaded rarely; streamed responses stay streamed.
COMPRESSED = ["text/html", "text/css", "text/javascript", "application/javascript", "application/json",
              "image/svg+xml"]


class _IdConverter(IntegerConverter):
    """``<int:…>`` in routes: an id beyond SQLite's integers is a 404, not an OverflowError (500)."""

    def __init__(self, map: Any, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("max", MAX_ID)
        super().__init__(map, *args, **kwargs)


class _JSONProvider(DefaultJSONProvider):
    """Flask's JSON; a body nested too deeply to parse is invalid JSON (400), not a RecursionError."""

    def loads(self, s: str | bytes, **kwargs: Any) -> Any:
        try:
            return super().loads(s, **kwargs)
        except RecursionError as exc:
            raise ValueError("JSON nested too deeply") from exc


class _Request(Request):
    """Flask's request, but an uploaded file stays in memory (at most MAX_CONTENT_LENGTH): spooled to a
    temporary file, it would fail on a full disk before the view could answer 503 and keep the form."""

    def _get_file_stream(self, total_content_length: int | None, content_type: str | None,
                         filename: str | None = None, content_length: int | None = None) -> IO[bytes]:
        return io.BytesIO()


def create_app(test_config: dict[str, Any] | None = None) -> Flask:
    app = Flask(__name__, instance_relative_config=True, instance_path=os.environ.get("CFC_INSTANCE"),
                static_folder=None)  # static files only under their hashed names (assets.py)
    app.request_class = _Request
    app.url_map.converters["int"] = _IdConverter
    private.make_dir(Path(app.instance_path))
    app.config.from_mapping(
        DATABASE=os.environ.get("CFC_DB") or str(Path(app.instance_path) / "cfc.db"),
        ATTACHMENTS=str(Path(app.instance_path) / "attachments"),
        MAX_CONTENT_LENGTH=12 * 1024 * 1024,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=os.environ.get("CFC_SECURE_COOKIES", "0") == "1",
        SESSION_COOKIE_NAME="cfc_session",
        PROXY_HOPS=int(os.environ.get("CFC_PROXY_HOPS", "0") or 0),
        WTF_CSRF_TIME_LIMIT=3600,
        BABEL_DEFAULT_LOCALE="vi",
        BABEL_DEFAULT_TIMEZONE="Asia/Ho_Chi_Minh",
        COMPRESS_MIMETYPES=COMPRESSED,
        COMPRESS_ALGORITHM=["br", "gzip"],
        COMPRESS_STREAMS=False,
    )
    if test_config:
        app.config.update(test_config)
    app.secret_key = app.config.get("SECRET_KEY") or _secret_key(Path(app.instance_path))
    if app.config["PROXY_HOPS"]:  # behind nginx: the client's address and scheme from its X-Forwarded-* headers
        hops = app.config["PROXY_HOPS"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops)
    app.config["BABEL_TRANSLATION_DIRECTORIES"] = str(compile_translations(Path(app.instance_path)))
    profiles()  # a broken profiles file stops the start with its file, line and key path, not a later page

    app.json = _JSONProvider(app)
    app.json.ensure_ascii = False  # Vietnamese stays readable in JSON answers
    Babel(app, locale_selector=_locale)
    # Templates call _() hundreds of times per page: look the catalogue up once per request.
    # (Jinja's new-style wrapper does the escaping and the %(name)s formatting.)
    app.jinja_env.install_gettext_callables(
        lambda s: _translations().ugettext(s),
        lambda s, p, n: _translations().ungettext(s, p, n), newstyle=True)
    Compress(app)  # first, so that it runs after every other after-request function
    csrf.init_app(app)  # tokens masked in every response: compressed pages do not leak them (BREACH)
    posted.init_app(app)  # after the CSRF check: its verdict decides whether a refused form may be resent
    register_filters(app)
    db.init_app(app)
    app.after_request(_security_headers)
    app.before_request(_remember_language)
    _register_errors(app)

    for blueprint in (auth.bp, commune.bp, answers.bp, review.bp, decisions.bp, dashboard.bp, admin.bp,
                      documents.bp, period.bp, impact.bp, ntm.bp, quality.bp, statistics.bp, urban.bp, workbench.bp,
                      authority.bp, api.bp):
        app.register_blueprint(blueprint)
    csrf.exempt(api.bp)  # the JSON API is for other systems: no cookies, no session
    assets.init_app(app)
    offline.init_app(app)
    pagecache.init_app(app)
    app.add_url_rule("/", endpoint="index", view_func=auth.home)
    app.add_url_rule("/healthz", endpoint="healthz", view_func=lambda: {"status": "ok"})
    return app


def _secret_key(instance: Path) -> str:
    """The session signing key, made once per installation and kept in the instance folder."""
    path = instance / "secret_key"
    try:
        private.write_new(path, secrets.token_hex(32).encode("ascii"))  # mode 600 from the start
    except FileExistsError:
        pass  # made before, or by another process starting at the same time
    return path.read_text(encoding="ascii").strip()


def _translations():
    """The request's translation catalogue, resolved once per request."""
    if "translations" not in g:
        g.translations = get_translations()
    return g.translations


def _locale() -> str:
    return session.get("lang", "vi")


def _remember_language() -> None:
    lang = request.args.get("lang")
    if lang in LANGUAGES and not request.path.startswith("/api/"):
        session["lang"] = lang


def _security_headers(response):
    response.headers["Content-Security-Policy"] = (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        "object-src 'none'; frame-ancestors 'none'; base-uri 'self'; form-action 'self'")
    response.headers["X-Frame-Options"] = "DENY"
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Referrer-Policy"] = "same-origin"
    return response


def _register_errors(app: Flask) -> None:
    @app.errorhandler(CSRFError)
    def csrf_expired(exc: CSRFError):
        if auth.current_user() is None and request.endpoint not in posted.NO_RESEND:
            return posted.session_ended(400)  # logged out in another tab: the session (and its token) is gone
        if posted.wants_json():  # the checklist's script asks for a fresh token and sends its edits again
            return jsonify(message=_("Mã bảo mật của trang đã hết hạn; chưa lưu gì."), token_expired=True), 400
        fields = posted.resend_fields()
        why = (_("Biểu mẫu chưa được xử lý: mã bảo mật đã hết hạn, hoặc biểu mẫu không được gửi từ trang của hệ "
                 "thống. Hãy quay lại trang trước, tải lại trang rồi gửi lại.") if fields is None
               else _("Biểu mẫu đã mở quá lâu nên mã bảo mật hết hạn. Số liệu bạn nhập vẫn được giữ nguyên: kiểm "
                      "tra nội dung dưới đây rồi bấm «Gửi lại» để gửi tiếp."))
        return posted.error_page(400, _("Phiên làm việc đã hết hạn"), why, fields=fields)

    @app.errorhandler(OSError)
    @app.errorhandler(sqlite3.OperationalError)
    def cannot_write(exc: Exception):
        """A full disk or a read-only database: say so and keep the form, instead of a 500 page."""
        kind = database.write_failure(exc)
        if kind is None:
            return server_error(exc)
        app.logger.error("nothing written (%s): %s", kind, exc)
        if request.path.startswith("/api/"):
            return error_response(503, "Service Unavailable",
                                  f"the server cannot write ({kind}); nothing was written")
        message = (_("Máy chủ không ghi được dữ liệu: cơ sở dữ liệu đang ở chế độ chỉ đọc.")
                   if kind == database.READ_ONLY
                   else _("Máy chủ không ghi được dữ liệu: ổ đĩa đã đầy hoặc bị lỗi ghi."))
        if posted.wants_json():  # the checklist's script shows the message and keeps the edits queued
            return jsonify(saved=False, storage=kind, message=message), 503
        paragraphs = [message, _("Không có gì được ghi, kể cả một phần; dữ liệu đã lưu trước đó không bị ảnh "
                                 "hưởng. Hãy báo cho quản trị hệ thống.")]
        fields = None if request.files else posted.resend_fields() or None  # nothing kept, nothing to resend
        if request.files:
            paragraphs.append(_("Tệp đã chọn chưa được tải lên: hãy tải lên lại khi máy chủ đã ghi được."))
        elif fields:
            paragraphs.append(_("Số liệu bạn nhập vẫn được giữ nguyên: khi máy chủ đã ghi được, bấm «Gửi lại» "
                                "để lưu."))
        return posted.error_page(503, _("Chưa lưu được"), *paragraphs, fields=fields)

    @app.errorhandler(MissingLibrary)
    def cannot_print(exc: MissingLibrary):
        """A document asked for on a server without Pango: say so, log the package to install."""
        app.logger.error("%s", exc)
        if request.path.startswith("/api/"):
            return error_response(503, "Service Unavailable", "documents cannot be printed on this server")
        return posted.error_page(
            503, _("Chưa in được tài liệu"),
            _("Máy chủ chưa cài đủ thư viện hệ thống để tạo tệp PDF, nên tài liệu chưa được tạo. Dữ liệu không "
              "bị ảnh hưởng."),
            _("Hãy báo cho quản trị hệ thống: công cụ kiểm tra cài đặt chỉ ra phần còn thiếu."))

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException):
        if request.path.startswith("/api/"):
            return error_response(exc.code or 500, exc.name, exc.description)
        if exc.code in (413, 429):
            return posted.refused(exc)
        if exc.code == 403:
            return posted.error_page(403, _("Không có quyền truy cập"), _(
                "Tài khoản của bạn không được phép xem hoặc thực hiện thao tác này. Nếu bạn cho rằng đây là nhầm "
                "lẫn, hãy liên hệ quản trị hệ thống."))
        if exc.code == 404:
            return posted.error_page(404, _("Không tìm thấy trang"),
                                     _("Địa chỉ này không tồn tại hoặc đã được chuyển đi."))
        return posted.error_page(exc.code, str(exc.code), _("Yêu cầu không thực hiện được."),
                                 heading=f"{exc.code} — {exc.name}")

    @app.errorhandler(Exception)
    def server_error(exc: Exception):
        app.logger.exception("unhandled error")
        if request.path.startswith("/api/"):
            return error_response(500, "Internal Server Error", "unexpected error; it has been logged")
        return posted.error_page(500, _("Đã xảy ra lỗi"), _(
            "Hệ thống gặp sự cố khi xử lý yêu cầu. Dữ liệu đã lưu trước đó không bị ảnh hưởng. Lỗi đã được ghi "
            "lại; vui lòng thử lại sau."))
