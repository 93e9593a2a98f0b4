"""The checks of ``cfc doctor``: is this installation fit to run? One line per check: OK, WARN or FAIL.

Every check is read-only: the database is opened with ``mode=ro`` and nothing is created
(not even the secret key or a missing database).
"""
from __future__ import annotations

import os
import shutil
import sqlite3
import stat
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from certificates.native import Library

OK, WARN, FAIL, SKIP = "OK", "WARN", "FAIL", "SKIP"
BACKUP_MAX_AGE_HOURS = 26
MIN_PYTHON = (3, 11)
# the test tools and the system font (packages named in scripts/system-packages.txt)
POPPLER_TOOLS = ("pdftotext", "pdftoppm")
CHROMIUM = "/usr/bin/chromium"
SYSTEM_FONT = Path("/usr/share/fonts/truetype/liberation2/LiberationSerif-Regular.ttf")
SYSTEM_FONT_PACKAGE = "fonts-liberation2"


STATUS_WORDS = {OK: "ĐẠT", WARN: "LƯU Ý", FAIL: "LỖI", SKIP: "BỎ QUA"}
NAMES = {"python": "Python", "fonts": "phông chữ kèm theo", "system fonts": "phông chữ hệ thống",
         "weasyprint": "in tài liệu PDF", "poppler": "công cụ đọc PDF", "chromium": "trình duyệt Chromium",
         "database": "cơ sở dữ liệu", "criteria": "bộ tiêu chí", "migrations": "cấu trúc dữ liệu", "user names": "tên đăng nhập",
         "backups": "sao lưu", "secret key": "khóa bí mật", "public URL": "địa chỉ công khai",
         "file modes": "quyền truy cập tệp"}
"""The checks' names in ``cfc doctor``'s Vietnamese lines."""


@dataclass(frozen=True)
class Check:
    """One line of ``cfc doctor``: what was checked, its status, and why, in English and in Vietnamese."""

    name: str
    status: str
    reason: str
    vi: str
    name_vi: str = ""  # the Vietnamese name where NAMES has none

    def line(self, vietnamese: bool = False) -> str:
        if vietnamese:
            return f"{STATUS_WORDS[self.status]:<6}  {self.name_vi or NAMES[self.name]}: {self.vi}"
        return f"{self.status:<4}  {self.name}: {self.reason}"


def check_python() -> Check:
    version = ".".join(map(str, sys.version_info[:3]))
    if sys.version_info[:2] < MIN_PYTHON:
        need = ".".join(map(str, MIN_PYTHON))
        return Check("python", FAIL, f"Python {version}; needs {need} or newer", f"Python {version}; cần {need} trở lên")
    return Check("python", OK, f"Python {version}", f"Python {version}")


def check_fonts() -> Check:
    try:
        from certificates.render import FONT_FILES, FONTS
    except Exception as exc:  # noqa: BLE001  WeasyPrint/Pango missing: reported by check_weasyprint
        return Check("fonts", FAIL, f"cannot import certificates.render: {exc}",
                     "không nạp được phần in tài liệu (xem dòng «in tài liệu PDF»)")
    missing = [f for f in FONT_FILES if not (FONTS / f).is_file() or (FONTS / f).stat().st_size == 0]
    if missing:
        return Check("fonts", FAIL, f"missing in {FONTS}: {', '.join(missing)}",
                     f"thiếu trong {FONTS}: {', '.join(missing)}")
    return Check("fonts", OK, f"{len(FONT_FILES)} bundled font files in {FONTS}",
                 f"đủ {len(FONT_FILES)} tệp phông chữ trong {FONTS}")


def check_system_font(path: Path = SYSTEM_FONT) -> Check:
    """The system's Liberation Serif, which the documents fall back to (they ship their own)."""
    if path.is_file():
        return Check("system fonts", OK, f"{path.name} in {path.parent}", f"có {path.name} trong {path.parent}")
    return Check("system fonts", WARN, f"{path} is missing; documents use the bundled copy "
                                       f"(install: apt-get install {SYSTEM_FONT_PACKAGE})",
                 f"không có {path}; tài liệu dùng bản phông chữ kèm theo (cài: apt-get install {SYSTEM_FONT_PACKAGE})")


def check_libraries(libraries: tuple[Library, ...] | None = None) -> list[Check]:
    """Each native library WeasyPrint loads: FAIL (WARN if optional) naming the package to install."""
    from certificates import native

    checks = []
    for library in native.LIBRARIES if libraries is None else libraries:
        reason = native.load_error(library)
        if reason is None:
            checks.append(Check(f"library {library.package}", OK, f"{library.soname} loads ({library.purpose})",
                                f"nạp được {library.soname} ({library.purpose_vi})", f"thư viện {library.package}"))
        else:
            checks.append(Check(f"library {library.package}", FAIL if library.required else WARN,
                                f"{library.soname} ({library.purpose}) cannot be loaded: {reason} "
                                f"(install: apt-get install {library.package})",
                                f"không nạp được {library.soname} ({library.purpose_vi}); "
                                f"cài: apt-get install {library.package}", f"thư viện {library.package}"))
    return checks


def check_weasyprint() -> Check:
    try:
        import weasyprint

        from certificates import render
        pdf = render.render_pdf("floor", {"text": "Xã, phường phù hợp với trẻ em", "lang": "vi"})
    except Exception as exc:  # noqa: BLE001  a missing library (named by check_libraries) is the usual one
        return Check("weasyprint", FAIL, f"cannot render a PDF: {type(exc).__name__}: {exc}",
                     "không in được tệp PDF thử (xem các dòng «thư viện» ở trên)")
    if not pdf.startswith(b"%PDF-"):
        return Check("weasyprint", FAIL, "rendering did not produce a PDF", "bản in thử không phải tệp PDF")
    return Check("weasyprint", OK, f"WeasyPrint {weasyprint.__version__} rendered a one-line PDF "
                                   f"({len(pdf):,} bytes) with the bundled fonts",
                 f"WeasyPrint {weasyprint.__version__} đã in thử một trang PDF với phông chữ kèm theo")


def check_poppler(tools: tuple[str, ...] = POPPLER_TOOLS) -> Check:
    """pdftotext and pdftoppm: the test suite reads the PDFs back with them; serving needs neither."""
    missing = [tool for tool in tools if shutil.which(tool) is None]
    if missing:
        return Check("poppler", WARN, f"{', '.join(missing)} not found: only the document tests need them "
                                      "(install: apt-get install poppler-utils)",
                     f"không có {', '.join(missing)}: chỉ phần kiểm thử tài liệu cần "
                     "(cài: apt-get install poppler-utils)")
    return Check("poppler", OK, f"{', '.join(tools)} found (the document tests can read PDFs back)",
                 f"có {', '.join(tools)} (phần kiểm thử đọc lại được tệp PDF)")


def check_chromium(executable: str | None = None) -> Check:
    """Debian's Chromium, for the browser tests only: reported when present, skipped when not."""
    executable = executable or os.environ.get("CFC_CHROMIUM", CHROMIUM)
    if not Path(executable).is_file():
        return Check("chromium", SKIP, f"{executable} not found: serving does not need it; the browser tests "
                                       "do (install: apt-get install chromium)",
                     f"không có {executable}: chạy phần mềm không cần, chỉ phần kiểm thử trên trình duyệt cần "
                     "(cài: apt-get install chromium)")
    try:
        version = subprocess.run([executable, "--version"], capture_output=True, text=True, timeout=30,
                                 check=True).stdout.strip()
    except (OSError, subprocess.SubprocessError) as exc:
        return Check("chromium", WARN, f"{executable} does not run: {exc} (reinstall: apt-get install chromium)",
                     f"{executable} không chạy được (cài lại: apt-get install chromium)")
    return Check("chromium", OK, f"{version or executable} (the browser tests can run)",
                 f"{version or executable} (chạy được phần kiểm thử trên trình duyệt)")


def check_database(path: Path) -> list[Check]:
    from webapp.store import db as database

    if not path.exists():
        return [Check("database", FAIL, f"no database at {path} (create it with: cfc db init --db {path})",
                      f"không có cơ sở dữ liệu tại {path} (tạo bằng: cfc db init --db {path})")]
    problems = database.check(path)
    if problems:
        more = len(problems) - 5
        shown = "; ".join(map(str, problems[:5])) + (f"; … {more} more" if more > 0 else "")
        said = "; ".join(p.vi for p in problems[:5]) + (f"; … và {more} lỗi nữa" if more > 0 else "")
        return [Check("database", FAIL, f"{path}: {shown}", f"{path}: {said}")]
    checks = [Check("database", OK, f"{path}: integrity, foreign keys and audit-log triggers ok",
                    f"{path}: nguyên vẹn, liên kết giữa các bảng đúng, nhật ký thao tác được bảo vệ")]
    import sqlite_utils

    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        pending = [m.name for m in database.migrations.pending(sqlite_utils.Database(conn))]
    except sqlite3.Error as exc:
        pending, error = None, exc
    finally:
        conn.close()
    if pending is None:
        checks.append(Check("migrations", FAIL, f"cannot read the applied migrations: {error}",
                            "không đọc được các lần nâng cấp cấu trúc đã chạy"))
    elif pending:
        checks.append(Check("migrations", FAIL, f"pending: {', '.join(pending)} (run: cfc db init --db {path})",
                            f"còn {len(pending)} lần nâng cấp cấu trúc chưa chạy (chạy: cfc db init --db {path})"))
    else:
        checks.append(Check("migrations", OK, f"schema up to date ({len(database.migrations._migrations)} migrations)",
                            "cấu trúc dữ liệu mới nhất"))
        checks.append(check_usernames(path))
    return checks


def check_usernames(path: Path) -> Check:
    """User names that fold alike (case, Unicode form), which a database from before m006 may hold."""
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        rows = conn.execute("select username_key, username from users where username_key in "
                            "(select username_key from users group by username_key having count(*) > 1) "
                            "order by username_key, id").fetchall()
    finally:
        conn.close()
    if not rows:
        return Check("user names", OK, "unique after NFC and case folding",
                     "không có hai tên chỉ khác nhau ở chữ hoa, chữ thường hay cách gõ dấu")
    groups: dict[str, list[str]] = {}
    for key, name in rows:
        groups.setdefault(key, []).append(repr(name))
    shown = "; ".join(" = ".join(names) for names in groups.values())
    return Check("user names", WARN, f"{len(groups)} set(s) differ only in case or Unicode form: {shown}; "
                                     "each logs in only when typed exactly: disable all but one",
                 f"{len(groups)} nhóm tên chỉ khác nhau ở chữ hoa, chữ thường hay cách gõ dấu: {shown}; "
                 "mỗi tên chỉ đăng nhập được khi gõ đúng từng ký tự: hãy khóa, chỉ để lại một tên mỗi nhóm")


def check_criteria() -> list[Check]:
    import criteria

    try:
        sets = criteria.shipped()
    except criteria.CriteriaError as exc:
        return [Check("criteria", FAIL, f"a shipped criteria set does not load: {exc}",
                      "một bộ tiêu chí kèm theo không đọc được (chạy «cfc criteria check» để xem chi tiết)")]
    if not sets:
        return [Check("criteria", FAIL, f"no criteria set in {criteria.SHIPPED_DIR}",
                      f"không có bộ tiêu chí nào trong {criteria.SHIPPED_DIR}")]
    checks = []
    for cset in sets:
        name, name_vi = f"criteria {cset.id} {cset.version}", f"bộ tiêu chí «{cset.title.vi}», phiên bản {cset.version}"
        if cset.has_provisional_values:
            count = len(cset.provisional_parts())
            checks.append(Check(name, WARN, f"loads; {count} giá trị tạm "
                                            "(provisional values, not verified law; documents are marked BẢN MẪU)",
                                f"đọc được; {count} phần còn giá trị tạm, chưa xác minh (tài liệu mang dấu BẢN MẪU)",
                                name_vi))
        else:
            checks.append(Check(name, OK, "loads; every value verified", "đọc được; mọi giá trị đã xác minh", name_vi))
    return checks


def check_backups(directory: Path | None, now: float | None = None) -> Check:
    if directory is None:
        return Check("backups", WARN, "no backup folder given (--backups DIR): cannot tell when the last backup ran",
                     "chưa cho biết thư mục sao lưu (--backups): không biết lần sao lưu gần nhất")
    if not directory.is_dir():
        return Check("backups", WARN, f"{directory} is not a folder: no backups found",
                     f"{directory} không phải thư mục: không thấy bản sao lưu nào")
    files = [p for p in directory.iterdir() if p.is_file() and not p.name.endswith(("-wal", "-shm", "-journal"))]
    if not files:
        return Check("backups", WARN, f"no backup in {directory}", f"không có bản sao lưu nào trong {directory}")
    newest = max(files, key=lambda p: p.stat().st_mtime)
    age = ((time.time() if now is None else now) - newest.stat().st_mtime) / 3600
    from webapp.store import db as database

    problems = database.check(newest)
    if problems:  # e.g. the ``.part`` a killed ``cfc backup`` leaves behind
        return Check("backups", WARN, f"newest file {newest.name} ({age:.1f} h old) is not a sound backup: "
                                      f"{'; '.join(map(str, problems[:3]))}",
                     f"tệp mới nhất {newest.name} ({_hours(age)}) không phải bản sao lưu lành lặn: "
                     f"{'; '.join(p.vi for p in problems[:3])}")
    if age > BACKUP_MAX_AGE_HOURS:
        return Check("backups", WARN, f"newest backup {newest.name} is {age:.0f} h old "
                                      f"(more than {BACKUP_MAX_AGE_HOURS} h)",
                     f"bản sao lưu mới nhất {newest.name} đã {_hours(age)} (quá {BACKUP_MAX_AGE_HOURS} giờ)")
    return Check("backups", OK, f"newest backup {newest.name} is {age:.1f} h old and passes the checks",
                 f"bản sao lưu mới nhất {newest.name} ({_hours(age)}) đọc lại được, không có lỗi")


def _hours(age: float) -> str:
    """An age in hours as the Vietnamese lines say it («cách đây 3,5 giờ»)."""
    return f"cách đây {age:.1f} giờ".replace(".", ",")


def instance_path() -> Path:
    """``$CFC_INSTANCE``, else Flask's instance folder for the app (without creating it)."""
    if os.environ.get("CFC_INSTANCE"):
        return Path(os.environ["CFC_INSTANCE"])
    from flask import Flask

    return Path(Flask("webapp.web.app", instance_relative_config=True).instance_path)


def check_secret_key(instance: Path) -> Check:
    path = instance / "secret_key"
    if not path.exists():
        return Check("secret key", WARN, f"{path} does not exist yet (made with mode 600 on the first cfc serve)",
                     f"chưa có {path} (được tạo, chỉ chủ sở hữu đọc được, khi chạy cfc serve lần đầu)")
    mode = stat.S_IMODE(path.stat().st_mode)
    if mode != 0o600:
        return Check("secret key", FAIL, f"{path} has mode {mode:03o}, must be 600 (run: chmod 600 {path})",
                     f"{path} có quyền {mode:03o}, phải là 600 (chạy: chmod 600 {path})")
    return Check("secret key", OK, f"{path} has mode 600", f"{path} chỉ chủ sở hữu đọc được (600)")


def check_public_url(url: str | None) -> Check:
    """The address the certificates' QR codes point to (``$CFC_PUBLIC_URL``): certificates need it."""
    from certificates.contexts import PublicUrlError, public_address

    if not (url or "").strip():
        return Check("public URL", WARN, "CFC_PUBLIC_URL is not set: certificates cannot be printed "
                                         "(set it to the public address, e.g. https://treem.caobang.gov.vn)",
                     "chưa đặt CFC_PUBLIC_URL: chưa in được giấy công nhận (đặt địa chỉ công khai của trang, "
                     "ví dụ https://treem.caobang.gov.vn)")
    try:
        address = public_address(url)
    except PublicUrlError as exc:
        return Check("public URL", FAIL, str(exc), exc.said_vi() or str(exc))
    return Check("public URL", OK, f"the QR codes on certificates point to {address}/verify/<code>",
                 f"mã QR trên giấy công nhận dẫn tới {address}")


def check_file_modes(db_path: Path, backups: Path | None, instance: Path) -> Check:
    """FAIL when the database (with its -wal and -shm), a backup or an attachment is open to other users."""
    from webapp.store.private import OTHERS

    folders = [f for f in (backups, instance / "attachments") if f is not None and f.is_dir()]
    paths = [db_path.with_name(db_path.name + suffix) for suffix in ("", "-wal", "-shm")]
    paths += folders + [p for folder in folders for p in sorted(folder.iterdir())]
    exposed = [(p, mode) for p in paths if p.exists() and (mode := stat.S_IMODE(p.stat().st_mode)) & OTHERS]
    if not exposed:
        count = len([p for p in paths if p.exists()])
        return Check("file modes", OK, f"{count} data files and folders open to their owner only",
                     f"{count} tệp và thư mục dữ liệu chỉ chủ sở hữu truy cập được")
    shown = ", ".join(f"{p} ({mode:03o})" for p, mode in exposed[:5])
    extra = len(exposed) - 5
    more, more_vi = (f" and {extra} more", f" và {extra} tệp nữa") if extra > 0 else ("", "")
    roots = dict.fromkeys(next((f for f in folders if f in p.parents), p) for p, _mode in exposed)
    command = f"chmod -R go-rwx {' '.join(map(str, roots))}"
    return Check("file modes", FAIL, f"open to other users: {shown}{more} (run: {command})",
                 f"người dùng khác truy cập được: {shown}{more_vi} "
                 f"(chạy: {command})")


def run_checks(db_path: Path, backups: Path | None, instance: Path) -> list[Check]:
    return [check_python(), *check_libraries(), check_weasyprint(), check_fonts(), check_system_font(),
            check_poppler(), check_chromium(), *check_database(db_path),
            *check_criteria(), check_backups(backups), check_secret_key(instance),
            check_file_modes(db_path, backups, instance), check_public_url(os.environ.get("CFC_PUBLIC_URL"))]
