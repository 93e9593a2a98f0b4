"""Evaluation rounds, each pinned to one criteria set by id, version and content hash.

The criteria set itself is stored in the database, so an old round is always shown and
re-scored with its own version even after a newer one is installed.
"""
from __future__ import annotations

from typing import Any

import sqlite_utils

import criteria
from criteria import CriteriaSet

from . import audit, limits
from .db import transaction
from .errors import N_, NotFound, StorageError
from .profiles import profiles
from .units import COMMUNE_TYPES, TIER_TYPES, get_unit

MAX_ID = 2**63 - 1  # SQLite's largest integer: a larger id names no row (and would not bind)


def install_criteria(db: sqlite_utils.Database, cset: CriteriaSet) -> str:
    """Store ``cset`` (idempotent) and return its content hash."""
    digest = criteria.content_hash(cset)
    if not db["criteria_sets"].count_where("hash = ?", [digest]):
        db["criteria_sets"].insert({"hash": digest, "id": cset.id, "version": cset.version,
                                    "content": cset.model_dump_json(), "installed_at": audit.now()})
    return digest


_LOADED: dict[str, CriteriaSet] = {}


def criteria_for(db: sqlite_utils.Database, digest: str) -> CriteriaSet:
    """The exact criteria set a round was pinned to (read once per process, checked by hash)."""
    cset = _LOADED.get(digest)
    if cset is None:
        rows = list(db["criteria_sets"].rows_where("hash = ?", [digest]))
        if not rows:
            raise NotFound(f"no stored criteria set with hash {digest}")
        cset = CriteriaSet.model_validate_json(rows[0]["content"])
        if criteria.content_hash(cset) != digest:
            raise StorageError(f"stored criteria set {digest} does not match its hash")
        _LOADED[digest] = cset
    return cset


def create_round(db: sqlite_utils.Database, *, name: str, year: int, cset: CriteriaSet, unit_set: str,
                 actor: str, submission_deadline: str | None = None,
                 review_deadline: str | None = None) -> int:
    """Create a round with one draft assessment for every commune of ``unit_set``."""
    limits.bounded(name, "name", limits.NAME)
    sets = list(db["unit_sets"].rows_where("id = ?", [unit_set]))
    if not sets:
        raise NotFound(f"no unit set {unit_set!r}")
    profile = sets[0]["profile"]
    if profile not in profiles():
        raise StorageError(f"unknown hierarchy profile {profile!r}")
    with transaction(db):
        digest = install_criteria(db, cset)
        stamp = audit.now()
        round_id = db["rounds"].insert({
            "name": name, "year": year, "criteria_id": cset.id, "criteria_version": cset.version,
            "criteria_hash": digest, "profile": profile, "unit_set": unit_set,
            "submission_deadline": submission_deadline, "review_deadline": review_deadline,
            "created_at": stamp,
        }).last_pk
        unit_ids = [r["id"] for r in db.query(
            f"select id from units where unit_set = ? and type in ({', '.join('?' * len(COMMUNE_TYPES))})",
            [unit_set, *COMMUNE_TYPES])]
        db["assessments"].insert_all(
            {"round_id": round_id, "unit_id": uid, "status": "draft", "criteria_hash": digest,
             "updated_at": stamp, "updated_by": actor} for uid in unit_ids)
        audit.record(db, actor, "create", "round", round_id,
                     new={"name": name, "year": year, "criteria": f"{cset.id} {cset.version}", "hash": digest,
                          "unit_set": unit_set, "units": len(unit_ids)})
    return round_id


def get_round(db: sqlite_utils.Database, round_id: int) -> dict[str, Any]:
    row = next(db.query("select * from rounds where id = ?", [round_id]), None) if abs(round_id) <= MAX_ID else None
    if row is None:
        raise NotFound(f"no round {round_id}", N_("Không có đợt đánh giá số %(id)s."), id=round_id)
    return row


def is_recognising_authority(db: sqlite_utils.Database, round_row: dict[str, Any], unit_id: str | None) -> bool:
    """Whether ``unit_id`` is of the round's recognising tier (district in a three-tier round, province
    in a two-tier one) in the round's unit set: the one rule for deciding, revoking and issuing."""
    if not unit_id:
        return False
    try:
        unit = get_unit(db, unit_id)
    except NotFound:
        return False
    tier = profiles()[round_row["profile"]].recognising_tier
    return unit["unit_set"] == round_row["unit_set"] and unit["type"] in TIER_TYPES[tier]


def round_summary(db: sqlite_utils.Database, round_id: int) -> dict[str, Any]:
    """Counts by status and recognition for one round."""
    by_status = {r["status"]: r["n"] for r in db.query(
        "select status, count(*) n from assessments where round_id = ? group by status", [round_id])}
    return {"round": get_round(db, round_id), "by_status": by_status,
            "units": sum(by_status.values())}
