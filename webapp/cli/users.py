"""``cfc users``: accounts, roles and jurisdictions."""
from __future__ import annotations

import click

from webapp.store import accounts, jurisdictions, units
from webapp.store.errors import NotFound, StorageError
from webapp.store.jurisdictions import ScopeRefused

from .common import EXIT_USAGE, actor_option, db_option, fail, open_db, refused, say

EVERYWHERE = "toàn bộ các đơn vị"


@click.group("users")
def users_group() -> None:
    """Accounts: roles and jurisdictions."""


@users_group.command("add")
@click.argument("username")
@click.option("--role", required=True, type=click.Choice(accounts.ROLES))
@click.option("--name", "display_name", required=True, help="Name shown in the interface and the audit log.")
@click.option("--unit", "scope", help="The jurisdiction (a commune for officers) by its name, e.g. "
                                       "\"Huyện Hà Quảng\" (marks optional), or by its unit id, e.g. cao-bang-2025:04.")
@click.password_option(help="At least 10 characters (asked when not given).")
@db_option
@actor_option
def users_add(username: str, role: str, display_name: str, scope: str | None, password: str,
              db_path: str | None, actor: str) -> None:
    """Create an account.

    Example: cfc users add thamdinh.hq --role reviewer --name "Phòng VH-XH" --unit "huyen ha quang"
    """
    db = open_db(db_path)
    try:
        if scope and not db["units"].count_where("id = ?", [scope]):
            scope = jurisdictions.resolve(db, scope, role).id
        user = accounts.create_user(db, username, password, role, display_name, scope, actor)
    except ScopeRefused as exc:
        near = "; ".join(f"{m.full_name} ({m.unit_set_name}): {m.id}" for m in exc.suggestions)
        said = exc.said_vi() or str(exc)
        fail(f"{exc}" + (f"; closest: {near}" if near else ""), EXIT_USAGE,
             vi=said + (f" Gần nhất (gõ tên đầy đủ hoặc mã sau dấu hai chấm): {near}" if near else ""))
    except (StorageError, NotFound) as exc:
        refused(exc, EXIT_USAGE)
    where = units.full_name(db, units.get_unit(db, user.scope_unit_id)) if user.scope_unit_id else EVERYWHERE
    say(f"user {user.id}: {user.username} ({user.role}, {user.scope_unit_id or 'all'})",
        f"tài khoản số {user.id}: {user.username} — {accounts.ROLE_NAMES[user.role]}, phạm vi: {where}")


@users_group.command("list")
@db_option
def users_list(db_path: str | None) -> None:
    """List accounts.

    Example: cfc users list
    """
    for u in accounts.overview(open_db(db_path)):
        state = ("active" if u["active"] else "disabled") + (", locked out for now" if u["throttled"] else "")
        trang_thai = ("đang dùng" if u["active"] else "đã khóa") + \
            (", tạm khóa vì đăng nhập sai nhiều lần" if u["throttled"] else "")
        say(f"{u['username']}\t{u['role']}\t{u['scope_name'] or '-'}\t{state}",
            f"{u['username']}\t{accounts.ROLE_NAMES[u['role']]}\t{u['scope_name'] or EVERYWHERE}\t{trang_thai}")
