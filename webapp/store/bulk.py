"""Writing the assessments of many units of a round at once: one transaction, one bulk insert.

For imports of a finished round, demo data and benchmarks. ``write_round_results`` scores
each unit's values with the round's pinned criteria set and stores exactly what
``workflow`` stores after an edit — declared and verified values as JSON with sorted keys,
the declared and verified totals, the verdict, the compact ``ScoreResult.summary()`` and
the criteria hash — plus one ``bulk`` audit entry per assessment.

* A unit without an assessment in the round gets a new one (version 1).
* A unit whose assessment is still an untouched draft (as ``rounds.create_round`` leaves
  it) is filled in place: same id, version + 1.
* Anything else is refused: a unit outside the round's unit set or not a commune, a unit
  given twice, an assessment already worked on (that goes through ``workflow``), an
  unknown status, invalid values. Every problem is listed and nothing is written.

Only the statuses that need no reviews or decisions are accepted: ``draft`` (values may be
incomplete), ``submitted`` and ``verified`` (declared and verified values complete; the
verified values default to the declared ones, as ``workflow.submit`` copies them).
"""
from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from functools import lru_cache
from json.encoder import encode_basestring
from operator import itemgetter
from typing import Any

import sqlite_utils

import scoring
from scoring import ScoringError

from . import audit
from .db import transaction
from .errors import StorageError
from .rounds import criteria_for, get_round
from .units import COMMUNE_TYPES

BULK_STATUSES = ("draft", "submitted", "verified")
ACTION = "bulk"
COLUMNS = ("status", "declared", "verified", "declared_total", "verified_total", "recognised", "result",
           "criteria_hash")  # what assessment_columns returns, in this order
_COLUMN_VALUES = itemgetter(*COLUMNS)


class BulkRejected(StorageError):
    """Rows that cannot be written; ``problems`` lists each as ``"<unit id>: <reason>"``."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        shown = "; ".join(problems[:5]) + (f"; … and {len(problems) - 5} more" if len(problems) > 5 else "")
        super().__init__(f"{len(problems)} row(s) refused, nothing was written: {shown}")


_PLAIN = frozenset((int, bool))  # value types that are never blank
_SORTED_JSON = json.JSONEncoder(ensure_ascii=False, sort_keys=True).encode  # as json.dumps(..., sort_keys=True)
_DRAFT_OLD = _SORTED_JSON({"status": "draft", "version": 1})  # the audited old state of every filled-in draft
_NEW_ENTRY = ('{"declared_total": %d, "recognised": %d, "status": %s, "unit_id": %s, "verified_total": %s, '
              '"version": %d}')  # the audited new state, as audit.record encodes it (sorted keys)


@lru_cache(maxsize=256)
def _values_layout(keys: tuple[str, ...]) -> tuple[Callable[[Mapping[str, Any]], tuple[Any, ...]], str] | None:
    """For a mapping with these keys in this order: a getter of its values in sorted key order and
    the ``%``-format of its sorted-key JSON; None unless there are two or more identifier keys.

    Cached per key order: a round's rows usually all come with the same keys, in the same order.
    """
    if len(keys) < 2 or not all(type(k) is str and k.isidentifier() for k in keys):
        return None
    ordered = sorted(keys)
    return itemgetter(*ordered), "{" + ", ".join(f'"{k}": %s' for k in ordered) + "}"


def _values_json(values: Mapping[str, Any]) -> str:
    """``values`` as ``workflow._write`` stores them (JSON, sorted keys): the same text, faster.

    When every value is a plain ``int`` or ``bool`` (a clean declaration) they go into a
    cached format per key order; ``%`` writes ints as JSON does and bools as ``True`` /
    ``False``, which only ever follow a key's ``": "`` (keys are identifiers), so two
    replacements make them JSON. Anything else goes through the generic encoder.
    """
    layout = _values_layout(tuple(values))
    if layout is not None:
        getter, template = layout
        ordered = getter(values)
        if _PLAIN.issuperset(map(type, ordered)):
            return (template % ordered).replace(": True", ": true").replace(": False", ": false")
    return _SORTED_JSON(values)


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())  # as workflow.save_declared


def _filled(values: Mapping[str, Any]) -> dict[str, Any]:
    """``values`` without blanks (as ``workflow.save_declared``); plain int/bool values skip the test."""
    if _PLAIN.issuperset(map(type, values.values())):
        return dict(values)
    return {k: v for k, v in values.items() if not _blank(v)}


def assessment_columns(scorer: scoring.Scorer, category: str, declared: Mapping[str, Any],
                       verified: Mapping[str, Any] | None = None, status: str = "draft") -> dict[str, Any]:
    """The stored columns of one assessment (status, values, totals, verdict, summary, hash).

    The same figures ``workflow._write`` stores: the verified values are scored when there
    are any, the declared ones otherwise. Raises ``scoring.InvalidInputs`` or
    ``scoring.UnknownCategory``, or ``ValueError`` for a status this module does not write.
    """
    if status not in BULK_STATUSES:
        raise ValueError(f"status {status!r} cannot be written in bulk (allowed: {', '.join(BULK_STATUSES)})")
    declared = _filled(declared)
    if status == "draft":
        if verified:
            raise ValueError("a draft has no verified values")
        result = scorer.score(declared, category, partial=True)
        declared_result = result
    else:
        declared_result = scorer.score(declared, category)
        if verified is None or verified == declared:
            result = declared_result
        else:
            result = scorer.score(_filled(verified), category)
    has_verified = status != "draft"
    declared_json = _values_json(declared_result.inputs)
    return {
        "status": status,
        "declared": declared_json,
        "verified": (declared_json if result is declared_result else _values_json(result.inputs))
                    if has_verified else _values_json({}),
        "declared_total": declared_result.total,
        "verified_total": result.total if has_verified else None,
        "recognised": int(result.recognised),
        "result": result.summary_json(),
        "criteria_hash": result.criteria_hash,
    }


def write_round_results(db: sqlite_utils.Database, round_id: int, rows: Iterable[Mapping[str, Any]],
                        actor: str, reason: str | None = None) -> dict[str, int]:
    """Store one assessment per row in one transaction; returns unit id → assessment id.

    Each row is a mapping with ``unit_id``, ``declared`` (input id → value) and optionally
    ``status`` (default ``draft``) and ``verified``. Values are validated and scored before
    the write lock is taken; raises :class:`BulkRejected` listing every bad row.
    """
    rnd = get_round(db, round_id)
    scorer = scoring.scorer_for(criteria_for(db, rnd["criteria_hash"]))
    categories = {r[0]: r[1] for r in db.execute(
        f"select id, category from units where unit_set = ? and type in ({', '.join('?' * len(COMMUNE_TYPES))})",
        [rnd["unit_set"], *COMMUNE_TYPES])}
    rows = list(rows)
    problems = [f"{uid}: given {n} times" for uid, n in Counter(r["unit_id"] for r in rows).items() if n > 1]
    prepared: list[tuple[str, dict[str, Any]]] = []
    for row in rows:
        uid = row["unit_id"]
        if uid not in categories:
            problems.append(f"{uid}: not a commune of unit set {rnd['unit_set']}")
            continue
        try:
            prepared.append((uid, assessment_columns(scorer, categories[uid], row["declared"],
                                                     row.get("verified"), row.get("status", "draft"))))
        except (ScoringError, ValueError) as exc:
            problems.append(f"{uid}: {exc}")
    if problems:
        raise BulkRejected(problems)

    stamp = audit.now()
    ids: dict[str, int] = {}
    with transaction(db):
        existing = {r[0]: r[1:] for r in db.execute(
            "select unit_id, id, status, version, declared, verified from assessments where round_id = ?",
            [round_id])}
        next_id = db.execute("select coalesce(max(id), 0) + 1 from assessments").fetchone()[0]
        inserts, updates, entries = [], [], []
        for uid, cols in prepared:
            old = existing.get(uid)
            if old is not None and old[1:] != ("draft", 1, "{}", "{}"):
                problems.append(f"{uid}: already has assessment {old[0]} ({old[1]}, version {old[2]}); "
                                "change it through the workflow")
                continue
            new_version = 1 if old is None else 2
            if old is None:
                aid, next_id = next_id, next_id + 1
                inserts.append((aid, round_id, uid, *_COLUMN_VALUES(cols), new_version, stamp, actor))
            else:
                aid = old[0]
                updates.append((*_COLUMN_VALUES(cols), new_version, stamp, actor, aid))
            ids[uid] = aid
            verified_total = cols["verified_total"]
            entries.append((stamp, actor, ACTION, "assessment", str(aid), None if old is None else _DRAFT_OLD,
                            _NEW_ENTRY % (cols["declared_total"], cols["recognised"],
                                          encode_basestring(cols["status"]), encode_basestring(uid),
                                          "null" if verified_total is None else verified_total, new_version),
                            reason))
        if problems:
            raise BulkRejected(problems)
        names = (*COLUMNS, "version", "updated_at", "updated_by")
        if inserts:
            db.conn.executemany(
                f"insert into assessments (id, round_id, unit_id, {', '.join(names)}) "
                f"values ({', '.join('?' * (len(names) + 3))})", inserts)
        if updates:
            db.conn.executemany(
                f"update assessments set {', '.join(f'{n} = ?' for n in names)} where id = ?", updates)
        db.conn.executemany(  # as audit.record, one entry per assessment
            "insert into audit_log (at, actor, action, entity, entity_id, old, new, reason) "
            "values (?, ?, ?, ?, ?, ?, ?, ?)", entries)
    return ids
