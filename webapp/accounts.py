"""Accounts, roles and jurisdictions; password hashing and login rate limiting.

Roles: ``officer`` (one commune), ``reviewer`` and ``authority`` (the communes under their
district in the three-tier profile, or the province's in the two-tier one), ``viewer``
(read-only, province or district), ``admin`` (accounts; reads everything).
"""
from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

import sqlite_utils
from werkzeug.security import check_password_hash, generate_password_hash

from . import audit, limits
from .db import transaction
from .errors import N_, Msg, NotFound, StorageError
from .units import get_unit

ROLES = ("officer", "reviewer", "authority", "viewer", "admin")
ROLE_NAMES = {"officer": "Cán bộ xã", "reviewer": "Cán bộ thẩm định", "authority": "Người có thẩm quyền công nhận",
              "viewer": "Theo dõi (chỉ xem)", "admin": "Quản trị hệ thống"}
MIN_PASSWORD = 10
MAX_FAILURES, WINDOW_SECONDS = 5, 15 * 60  # per account
MAX_FAILURES_PER_ADDRESS = 30  # an office shares one address behind its router


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

    @property
    def role_name(self) -> str:
        return ROLE_NAMES[self.role]


def _user(row: dict[str, Any]) -> User:
    return User(row["id"], row["username"], row["display_name"], row["role"], row["scope_unit_id"])


def create_user(db: sqlite_utils.Database, username: str, password: str, role: str, display_name: str,
                scope_unit_id: str | None, actor: str) -> User:
    """Create an account; officers need a commune, reviewers/authorities/viewers a scope."""
    limits.bounded(display_name, "display_name", limits.NAME)
    if role not in ROLES:
        raise AccountError(f"unknown role {role!r} (expected: {', '.join(ROLES)})",
                           N_("Vai trò không hợp lệ: %(role)s."), role=role)
    if role != "admin" and not scope_unit_id:
        raise AccountError(f"a {role} account needs a unit (its jurisdiction)",
                           N_("Tài khoản «%(role)s» cần một đơn vị (phạm vi phụ trách)."), role=Msg(ROLE_NAMES[role]))
    if scope_unit_id:
        unit = get_unit(db, scope_unit_id)
        if role == "officer" and unit["type"] not in ("xa", "phuong", "thi_tran", "dac_khu"):
            raise AccountError("an officer account belongs to one commune, ward or township",
                               N_("Tài khoản cán bộ xã thuộc về một xã, phường hoặc thị trấn."))
    _check_password(password)
    with transaction(db):
        if db["users"].count_where("username = ? collate nocase", [username]):
            raise AccountError(f"the user name {username!r} is taken",
                               N_("Tên đăng nhập «%(username)s» đã có người dùng."), username=username)
        user_id = db["users"].insert({
            "username": username, "display_name": display_name, "password_hash": generate_password_hash(password),
            "role": role, "scope_unit_id": scope_unit_id, "active": 1, "created_at": audit.now(),
        }).last_pk
        audit.record(db, actor, "create", "user", user_id, new={"username": username, "role": role,
                                                              "scope": scope_unit_id})
    return get_user(db, user_id)


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
    """The user if the password is right; None if not. Refuses while rate-limited."""
    since = time.time() - WINDOW_SECONDS
    by_account, by_address = db.execute(
        "select sum(username = ?), sum(remote = ?) from login_attempts where success = 0 and at > ?",
        [username.casefold(), remote, since]).fetchone()
    if (by_account or 0) >= MAX_FAILURES or (by_address or 0) >= MAX_FAILURES_PER_ADDRESS:
        raise TooManyAttempts("too many failed logins; wait 15 minutes and try again")
    rows = list(db["users"].rows_where("username = ? collate nocase and active = 1", [username]))
    ok = bool(rows) and check_password_hash(rows[0]["password_hash"], password)
    with transaction(db):
        db["login_attempts"].insert({"username": username.casefold(), "remote": remote, "at": time.time(),
                                     "success": int(ok)})
    return _user(rows[0]) if ok else None


def change_password(db: sqlite_utils.Database, user: User, old: str, new: str) -> None:
    row = next(db["users"].rows_where("id = ?", [user.id]))
    if not check_password_hash(row["password_hash"], old):
        raise AccountError("the current password is wrong", N_("Mật khẩu hiện tại không đúng."))
    _check_password(new)
    with transaction(db):
        db["users"].update(user.id, {"password_hash": generate_password_hash(new),
                                     "password_changed_at": audit.now()})
        audit.record(db, user.username, "password", "user", user.id)


def set_active(db: sqlite_utils.Database, user_id: int, active: bool, actor: str) -> None:
    with transaction(db):
        db["users"].update(user_id, {"active": int(active)})
        audit.record(db, actor, "activate" if active else "deactivate", "user", user_id)


def within(db: sqlite_utils.Database, unit_id: str, scope_id: str | None) -> bool:
    """Whether ``unit_id`` is ``scope_id`` or lies under it (commune → district → province)."""
    current: str | None = unit_id
    for _ in range(4):
        if current is None:
            return False
        if current == scope_id:
            return True
        current = get_unit(db, current)["parent_id"]
    return False


def may_view(db: sqlite_utils.Database, user: User, unit_id: str) -> bool:
    """Read access to a unit's assessments: admins everywhere, others in their jurisdiction."""
    return user.role == "admin" or within(db, unit_id, user.scope_unit_id)


def may_act(db: sqlite_utils.Database, user: User, unit_id: str, role: str) -> bool:
    """Whether ``user`` holds ``role`` with ``unit_id`` in their jurisdiction."""
    return user.role == role and within(db, unit_id, user.scope_unit_id)
