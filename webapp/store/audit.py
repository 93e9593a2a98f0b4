"""The audit log: who changed what, when, from what to what, and why.

Append-only, enforced by triggers in the database (see ``db.m001_initial``).
"""
from __future__ import annotations

import datetime as dt
import json
from typing import Any

import sqlite_utils

from .limits import audit_value


def now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="microseconds")


def _text(value: Any) -> str | None:
    """A value as stored in an entry: text as is, anything else as JSON; bounded in length."""
    if value is not None and not isinstance(value, str):
        value = json.dumps(value, ensure_ascii=False, sort_keys=True)
    return audit_value(value)


def record(db: sqlite_utils.Database, actor: str, action: str, entity: str, entity_id: Any,
           field: str | None = None, old: Any = None, new: Any = None, reason: str | None = None) -> None:
    """Append one entry; call inside the transaction of the change it describes.

    A value longer than ``limits.AUDIT_TEXT`` is stored as its digest and length, so one entry
    (which can never be deleted) stays small whatever was typed."""
    db.execute(
        "insert into audit_log (at, actor, action, entity, entity_id, field, old, new, reason) "
        "values (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [now(), actor, action, entity, str(entity_id), field, _text(old), _text(new), _text(reason)],
    )


def entries(db: sqlite_utils.Database, entity: str | None = None, entity_id: Any = None) -> list[dict[str, Any]]:
    where, params = [], []
    if entity:
        where.append("entity = ?")
        params.append(entity)
    if entity_id is not None:
        where.append("entity_id = ?")
        params.append(str(entity_id))
    return list(db["audit_log"].rows_where(" and ".join(where) or None, params, order_by="id"))
