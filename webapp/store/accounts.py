"""Accounts, roles and jurisdictions; password hashing and login rate limiting.

Roles: ``officer`` (one commune), ``reviewer`` and ``authority`` (the communes under their
district in the three-tier profile, or the province's in the two-tier one), ``viewer``
(read-only, province or district), ``legal`` (the province's legal officers: keep the criteria sets, see
``criteria_drafts``), ``admin`` (accounts; reads everything).
"""
from __future__ import annotations

import datetime as dt
import functools
import secrets
import sqlite3
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import sqlite_utils
from werkzeug.security import check_password_hash, generate_password_hash

from . import audit, limits, lineage
from .db import transaction, write_failure
from .errors import N_, Msg, NotFound, StorageError
from .units import COMMUNE_TYPES, TIER_TYPES, full_name, get_unit
from .vietnamese import fold, nfc

ROLES = ("officer", "reviewer", "authority", "viewer", "legal", "admin")
ROLE_NAMES = {"officer": "Cán bộ xã", "reviewer": "Cán bộ thẩm định", "authority": "Người có thẩm quyền công nhận",
              "viewer": "Theo dõi (chỉ xem)", "legal": "Cán bộ pháp chế", "admin": "Quản trị hệ thống"}
MIN_PASSWORD = 10
MAX_FAILURES, WINDOW_SECONDS = 5, 15 * 60  # per account
MAX_FAILURES_PER_ADDRESS = 30  # an office shares one address behind its router
MAX_USERNAME = 64
SCOPE_TYPES = {  # the unit types each role's jurisdiction may be (an administrator has none: it sees everything)
    "officer": COMMUNE_TYPES, "reviewer": TIER_TYPES["province"] + TIER_TYPES["district"],
    "authority": TIER_TYPES["province"] + TIER_TYPES["district"],
    "viewer": TIER_TYPES["province"] + TIER_TYPES["district"] + COMMUNE_TYPES, "legal": TIER_TYPES["province"],
    "admin": (),
}


class AccountError(StorageError):
    """An account cannot be created or changed as asked (says why)."""


class TooManyAttempts(StorageError):
    """Too many failed logins for this account or address; try again later."""


@dataclass(frozen=True)
class User:
    id: int
    username: str
    display_name: str
    role: str
    scope_unit_id: str | None
    generation: int  # a session is valid while it carries this (see m006)
    must_change: bool = False  # an administrator set the password: only /password until it is changed (m010)

    @property
    def role_name(self) -> str:
        return ROLE_NAMES[self.role]


def shown_name(actor: str, display_name: str | None) -> str:
    """How an actor of the audit log or a thread is named to people: the account's name; for the set-up
    code, what it is («Dữ liệu mẫu», the command line), never its internal name."""
    if display_name:
        return display_name
    if actor.startswith("demo-"):
        return "Dữ liệu mẫu"
    if actor.startswith("cli:"):
        return "Quản trị hệ thống (dòng lệnh)"
    return actor  # an account deleted since: its login name is all there is


def names_of(db: sqlite_utils.Database, actors: set[str]) -> dict[str, str]:
    """Each actor as people are shown (:func:`shown_name`), the accounts read at once."""
    wanted = sorted(actors)
    found = {r["username"]: r["display_name"] for r in db.query(
        f"select username, display_name from users where username in ({', '.join('?' * len(wanted))})", wanted)}
    return {actor: shown_name(actor, found.get(actor)) for actor in wanted}


def _user(row: dict[str, Any]) -> User:
    return User(row["id"], row["username"], row["display_name"], row["role"], row["scope_unit_id"],
                row["session_generation"], bool(row.get("must_change_password")))


def create_user(db: sqlite_utils.Database, username: str, password: str, role: str, display_name: str,
                scope_unit_id: str | None, actor: str, must_change: bool = False) -> User:
    """Create an account; officers need a commune, reviewers/authorities/viewers a scope. ``must_change``:
    the password is a temporary one an administrator chose, to be changed at the first login."""
    limits.bounded(display_name, "display_name", limits.NAME)
    _check_role(db, role, scope_unit_id)
    username = _check_username(username)
    _check_password(password)
    with transaction(db):
        if db["users"].count_where("username_key = ?", [fold(username)]):
            raise AccountError(f"the user name {username!r} is taken",
                               N_("Tên đăng nhập «%(username)s» đã có người dùng."), username=username)
        user_id = db["users"].insert({
            "username": username, "username_key": fold(username), "display_name": display_name,
            "password_hash": generate_password_hash(password),
            "role": role, "scope_unit_id": scope_unit_id, "active": 1, "created_at": audit.now(),
            "must_change_password": int(must_change),
        }).last_pk
        audit.record(db, actor, "create", "user", user_id, new={"username": username, "role": role,
                                                              "scope": scope_unit_id})
    return get_user(db, user_id)


def _check_scope(db: sqlite_utils.Database, role: str, scope_unit_id: str) -> None:
    """Refuse a jurisdiction the role cannot hold: an officer's is a commune, a reviewer's or an authority's a
    district or the province, a viewer's any of them, a legal officer's the province (NotFound for no such unit)."""
    unit = get_unit(db, scope_unit_id)
    if unit["type"] in SCOPE_TYPES.get(role, ()):
        return
    if role == "officer":
        raise AccountError("an officer account belongs to one commune, ward or township",
                           N_("Tài khoản cán bộ xã thuộc về một xã, phường hoặc thị trấn."))
    if role == "legal":
        raise AccountError("a legal officer's jurisdiction is the province",
                           N_("Tài khoản cán bộ pháp chế phụ trách cả tỉnh."))
    if role == "admin":
        raise AccountError("an administrator has no jurisdiction",
                           N_("Tài khoản quản trị hệ thống không có phạm vi phụ trách (xem được toàn bộ)."))
    raise AccountError(f"a {role} account's jurisdiction is a district or the province",
                       N_("Tài khoản «%(role)s» phụ trách một huyện, thành phố hoặc cả tỉnh."),
                       role=Msg(ROLE_NAMES[role]))


def _check_role(db: sqlite_utils.Database, role: str, scope_unit_id: str | None) -> None:
    """A known role with a jurisdiction it may hold (admins none, the others one unit of their level)."""
    if role not in ROLES:
        raise AccountError(f"unknown role {role!r} (expected: {', '.join(ROLES)})",
                           N_("Vai trò không hợp lệ: %(role)s."), role=role)
    if role != "admin" and not scope_unit_id:
        raise AccountError(f"a {role} account needs a unit (its jurisdiction)",
                           N_("Tài khoản «%(role)s» cần một đơn vị (phạm vi phụ trách)."), role=Msg(ROLE_NAMES[role]))
    if scope_unit_id:
        _check_scope(db, role, scope_unit_id)


def _check_username(username: str) -> str:
    """The user name in NFC if it can be a login: not empty, printable, no surrounding spaces, not too long."""
    name = nfc(username)
    if not name:
        raise AccountError("the user name is empty", N_("Tên đăng nhập không được để trống."))
    if name != name.strip():
        raise AccountError("the user name starts or ends with a space",
                           N_("Tên đăng nhập không được bắt đầu hoặc kết thúc bằng khoảng trắng."))
    if not name.isprintable():
        raise AccountError("the user name holds a control or invisible character",
                           N_("Tên đăng nhập chỉ được có ký tự in được (không có ký tự điều khiển hay ký tự ẩn)."))
    if len(name) > MAX_USERNAME:
        raise AccountError(f"the user name is longer than {MAX_USERNAME} characters",
                           N_("Tên đăng nhập dài tối đa %(n)s ký tự."), n=MAX_USERNAME)
    return name


def _check_password(password: str) -> None:
    if len(password) < MIN_PASSWORD:
        raise AccountError(f"the password needs at least {MIN_PASSWORD} characters",
                           N_("Mật khẩu cần ít nhất %(n)s ký tự."), n=MIN_PASSWORD)


def get_user(db: sqlite_utils.Database, user_id: int) -> User:
    rows = list(db["users"].rows_where("id = ? and active = 1", [user_id]))
    if not rows:
        raise NotFound(f"no active user {user_id}")
    return _user(rows[0])


def list_users(db: sqlite_utils.Database) -> list[dict[str, Any]]:
    return list(db.query("select id, username, display_name, role, scope_unit_id, active, created_at "
                         "from users order by username"))


def authenticate(db: sqlite_utils.Database, username: str, password: str, remote: str) -> User | None:
    """The user if the password is right; None if not. Refuses while rate-limited.

    The attempt is counted and recorded in one write transaction before the password is checked,
    so parallel guesses queue on the count; an unknown name costs one hash as a known one does.
    """
    key = fold(username.strip())
    finish = _reserve_attempt(db, key, remote)
    rows = list(db["users"].rows_where("username_key = ? and active = 1", [key]))
    # Two names folding alike (an older database; cfc doctor reports them): only the exact one logs in.
    row = next((r for r in rows if r["username"] == nfc(username.strip())), rows[0] if len(rows) == 1 else None)
    ok = check_password_hash(row["password_hash"] if row else _dummy_hash(), password) and row is not None
    finish(ok)
    return _user(row) if ok else None


@functools.cache
def _dummy_hash() -> str:
    """A hash of the current method to check unknown names against (no timing oracle for user names)."""
    return generate_password_hash(secrets.token_hex(16))


CHECKING = -1  # login_attempts.success while the password is checked: counts for the account, not the address


def _refuse_if_limited(by_account: int | None, by_address: int | None) -> None:
    if (by_account or 0) >= MAX_FAILURES or (by_address or 0) >= MAX_FAILURES_PER_ADDRESS:
        raise TooManyAttempts("too many failed logins; wait 15 minutes and try again")


def _recent_failures(db: sqlite_utils.Database, key: str, remote: str) -> tuple[int | None, int | None]:
    """Failed or still-checking attempts on the account; failed ones from the address (an office's
    colleagues logging in at the same time do not count against each other). Failures before an
    administrator unlocked the account (:func:`unlock`) no longer count against it."""
    since = time.time() - WINDOW_SECONDS
    unlocked = db.execute("select max(unlocked_at) from users where username_key = ?", [key]).fetchone()[0]
    return db.execute(
        "select sum(username = ? and success != 1 and at > ?), sum(remote = ? and success = 0) from login_attempts "
        "where at > ?", [key, max(since, unlocked or 0), remote, since]).fetchone()


def _reserve_attempt(db: sqlite_utils.Database, key: str, remote: str) -> Callable[[bool], None]:
    """Count recent failures and record this attempt (refusing at the limit); returns the function
    that records its outcome. Where the database cannot be written, this process counts instead."""
    key = key[:MAX_USERNAME]  # a name typed megabytes long is recorded no longer than a name can be
    try:
        with transaction(db):
            _refuse_if_limited(*_recent_failures(db, key, remote))
            attempt_id = db["login_attempts"].insert({"username": key, "remote": remote, "at": time.time(),
                                                      "success": CHECKING}).last_pk
    except sqlite3.OperationalError as exc:
        if write_failure(exc) is None:
            raise
        return _unrecorded.reserve(_recent_failures(db, key, remote), key, remote)
    return lambda ok: _record_outcome(db, attempt_id, ok)


def _record_outcome(db: sqlite_utils.Database, attempt_id: int, ok: bool) -> None:
    """Record whether the attempt succeeded; if the disk refuses, it stays counted for the account."""
    try:
        db["login_attempts"].update(attempt_id, {"success": int(ok)})
    except sqlite3.OperationalError as exc:
        if write_failure(exc) is None:
            raise


@dataclass
class _Attempt:
    at: float
    key: str
    remote: str
    failed: bool = False


class _UnrecordedAttempts:
    """Logins the database could not record (full disk, read-only file), counted in this process
    as the table would count them, so that the limit holds while reading goes on."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._attempts: list[_Attempt] = []  # failed or being checked, within the window

    def reserve(self, recorded: tuple[int | None, int | None], key: str, remote: str) -> Callable[[bool], None]:
        """Refuse at the limit (recorded attempts plus these); else count this one until its outcome."""
        with self._lock:
            since = time.time() - WINDOW_SECONDS
            self._attempts = [a for a in self._attempts if a.at > since]
            _refuse_if_limited((recorded[0] or 0) + sum(a.key == key for a in self._attempts),
                               (recorded[1] or 0) + sum(a.remote == remote and a.failed for a in self._attempts))
            attempt = _Attempt(time.time(), key, remote)
            self._attempts.append(attempt)
        return lambda ok: self._finish(attempt, ok)

    def _finish(self, attempt: _Attempt, ok: bool) -> None:
        with self._lock:
            if ok:
                self._attempts.remove(attempt)
            else:
                attempt.failed = True


_unrecorded = _UnrecordedAttempts()


def change_password(db: sqlite_utils.Database, user: User, old: str, new: str) -> int:
    """Set a new password (no longer one to change); every session of the user ends (m006's trigger) and this
    returns the new session generation, for the session that changed it to carry on."""
    row = next(db["users"].rows_where("id = ?", [user.id]))
    if not check_password_hash(row["password_hash"], old):
        raise AccountError("the current password is wrong", N_("Mật khẩu hiện tại không đúng."))
    _check_password(new)
    if row["must_change_password"] and new == old:
        raise AccountError("the new password is the temporary one",
                           N_("Mật khẩu mới phải khác mật khẩu tạm thời do quản trị viên đặt."))
    with transaction(db):
        db["users"].update(user.id, {"password_hash": generate_password_hash(new),
                                     "password_changed_at": audit.now(), "must_change_password": 0})
        audit.record(db, user.username, "password", "user", user.id)
        return db["users"].get(user.id)["session_generation"]


def end_sessions(db: sqlite_utils.Database, user_id: int) -> None:
    """End every session of the user (logout): their cookies no longer carry the current generation."""
    db.execute("update users set session_generation = session_generation + 1 where id = ?", [user_id])


def _account(db: sqlite_utils.Database, user_id: int) -> dict[str, Any]:
    """The account's row, active or not."""
    row = next(db["users"].rows_where("id = ?", [user_id]), None)
    if row is None:
        raise NotFound(f"no user {user_id}")
    return row


def _keep_an_administrator(db: sqlite_utils.Database, row: dict[str, Any], role: str, active: bool) -> None:
    """Refuse a change that would leave no active administrator (nobody could manage accounts any more)."""
    if row["role"] != "admin" or not row["active"] or (role == "admin" and active):
        return
    if not db["users"].count_where("role = 'admin' and active = 1 and id != ?", [row["id"]]):
        raise AccountError("this is the last active administrator",
                           N_("Không thể thay đổi: «%(username)s» là tài khoản quản trị hệ thống cuối cùng còn hoạt "
                              "động. Hãy tạo hoặc mở lại một tài khoản quản trị khác trước."),
                           username=row["username"])


def set_active(db: sqlite_utils.Database, user_id: int, active: bool, actor: str) -> None:
    """Deactivate or reactivate an account (never the last active administrator); its sessions end (m006)."""
    with transaction(db):
        row = _account(db, user_id)
        _keep_an_administrator(db, row, row["role"], active)
        db["users"].update(user_id, {"active": int(active)})
        audit.record(db, actor, "activate" if active else "deactivate", "user", user_id,
                     old={"active": bool(row["active"])}, new={"active": active})


def reset_password(db: sqlite_utils.Database, user_id: int, temporary: str, actor: str) -> None:
    """An administrator sets a temporary password: the user must change it at the next login; every
    session of the user ends (m006's trigger). The password itself is never audited."""
    _check_password(temporary)
    with transaction(db):
        _account(db, user_id)
        db["users"].update(user_id, {"password_hash": generate_password_hash(temporary),
                                     "password_changed_at": audit.now(), "must_change_password": 1})
        audit.record(db, actor, "reset_password", "user", user_id)


def change_role(db: sqlite_utils.Database, user_id: int, role: str, scope_unit_id: str | None, actor: str) -> None:
    """Give an account another role and jurisdiction (by the rules of :func:`create_user`; never demoting the last
    active administrator); every session of the user ends (m006's trigger)."""
    _check_role(db, role, scope_unit_id)
    with transaction(db):
        row = _account(db, user_id)
        _keep_an_administrator(db, row, role, bool(row["active"]))
        db["users"].update(user_id, {"role": role, "scope_unit_id": scope_unit_id})
        audit.record(db, actor, "change_role", "user", user_id,
                     old={"role": row["role"], "scope": row["scope_unit_id"]}, new={"role": role, "scope": scope_unit_id})


def unlock(db: sqlite_utils.Database, user_id: int, actor: str) -> None:
    """Lift the throttle of an account locked by wrong passwords: the failures so far no longer count
    against it (its address's count stays); its sessions end."""
    with transaction(db):
        _account(db, user_id)
        db["users"].update(user_id, {"unlocked_at": time.time()})
        end_sessions(db, user_id)
        audit.record(db, actor, "unlock", "user", user_id)


def throttled(db: sqlite_utils.Database, username: str) -> bool:
    """Whether logins to the account are refused for now: too many recent failures."""
    return (_recent_failures(db, fold(username)[:MAX_USERNAME], "")[0] or 0) >= MAX_FAILURES


def overview(db: sqlite_utils.Database, user_id: int | None = None) -> list[dict[str, Any]]:
    """Every account (or the one ``user_id``) as the administrator's list shows it: role name, the jurisdiction's
    full name, active, throttled, last successful login (a time stamp; None if none is recorded)."""
    rows = []
    for row in db.query("select u.*, (select max(at) from login_attempts a where a.username = u.username_key "
                        "and a.success = 1) as last_login from users u where ? is null or u.id = ? "
                        "order by u.username_key", [user_id, user_id]):
        scope = get_unit(db, row["scope_unit_id"]) if row["scope_unit_id"] else None
        rows.append({"id": row["id"], "username": row["username"], "display_name": row["display_name"],
                     "role": row["role"], "role_name": ROLE_NAMES[row["role"]], "scope_unit_id": row["scope_unit_id"],
                     "scope_name": full_name(db, scope) if scope else None, "active": bool(row["active"]),
                     "must_change": bool(row["must_change_password"]), "last_login": _moment(row["last_login"]),
                     "throttled": throttled(db, row["username"])})
    return rows


def _moment(stamp: float | None) -> dt.datetime | None:
    return dt.datetime.fromtimestamp(stamp, dt.UTC) if stamp else None


def account(db: sqlite_utils.Database, user_id: int) -> dict[str, Any]:
    """One account as :func:`overview` shows it (NotFound if there is none)."""
    found = overview(db, user_id)
    if not found:
        raise NotFound(f"no user {user_id}")
    return found[0]


def within(db: sqlite_utils.Database, unit_id: str | None, scope_id: str | None) -> bool:
    """Whether ``unit_id`` is ``scope_id`` or lies under it (commune → district → province)."""
    return unit_id is not None and (unit_id == scope_id or unit_within(db, get_unit(db, unit_id), scope_id))


def named_within(db: sqlite_utils.Database, rows: list[dict[str, Any]], scope_id: str | None) -> list[dict[str, Any]]:
    """The ``rows`` (each naming a ``unit_id``) whose unit lies within ``scope_id``, each given its unit's full
    name (``full_name``): the lists of assessments a reviewer or an authority works through; each unit read once."""
    kept = []
    for row in rows:
        unit = get_unit(db, row["unit_id"])
        if unit_within(db, unit, scope_id):
            kept.append({**row, "full_name": full_name(db, unit)})
    return kept


def unit_within(db: sqlite_utils.Database, unit: dict[str, Any], scope_id: str | None) -> bool:
    """:func:`within` for a unit already read: only its parents are read."""
    if unit["id"] == scope_id:
        return True
    current: str | None = unit["parent_id"]
    for _ in range(3):
        if current is None:
            return False
        if current == scope_id:
            return True
        current = get_unit(db, current)["parent_id"]
    return False


def may_view(db: sqlite_utils.Database, user: User, unit: dict[str, Any]) -> bool:
    """Read access to a unit's assessments: admins everywhere, others in their jurisdiction and, across a
    reform, the past of the units in it (the communes a new commune was formed from; reading only, see may_act)."""
    if user.role == "legal":  # keeps the criteria sets; reads no commune's file
        return False
    return (user.role == "admin" or unit_within(db, unit, user.scope_unit_id)
            or any(unit_within(db, later, user.scope_unit_id) for later in lineage.later_units(db, unit["id"])))


def may_act(db: sqlite_utils.Database, user: User, unit: dict[str, Any], role: str) -> bool:
    """Whether ``user`` holds ``role`` with ``unit`` in their jurisdiction."""
    return user.role == role and unit_within(db, unit, user.scope_unit_id)
