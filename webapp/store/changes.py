"""What a commune changed between two submissions, criterion by criterion.

Each submission stores what it held (declared values, evidence notes, attached files) and the
review decisions in force just before it. A resubmission compares itself with the one before:
the reviewer sees old → new per criterion, and a criterion whose inputs and evidence did not
change keeps its earlier review instead of being reviewed again.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

import sqlite_utils

from criteria import CriteriaSet

from . import audit


@dataclass(frozen=True)
class Snapshot:
    """What one submission held: declared values, evidence notes by item, attached files by id."""

    declared: dict[str, Any]
    notes: dict[str, str]
    files: dict[int, dict[str, Any]]
    reviews: dict[int, str] = field(default_factory=dict)  # criterion → review status just before it


@dataclass(frozen=True)
class CriterionChange:
    """Old → new of one criterion's values, notes and files; ``changed`` when any of them moved."""

    values: list[tuple[str, Any, Any]]
    notes: list[tuple[str, str, str]]
    added: list[dict[str, Any]]
    removed: list[dict[str, Any]]

    @property
    def changed(self) -> bool:
        return bool(self.values or self.notes or self.added or self.removed)


def current(db: sqlite_utils.Database, assessment_id: int, declared: dict[str, Any]) -> Snapshot:
    """The assessment as it is now (``declared`` as read by the caller), notes and files read here."""
    notes = {r["item_id"]: r["note"] for r in db.query(
        "select item_id, note from evidence where assessment_id = ?", [assessment_id])}
    files = {r["id"]: r for r in db.query(
        "select id, item_id, filename, sha256 from attachments where assessment_id = ?", [assessment_id])}
    return Snapshot(dict(declared), notes, files)


def record(db: sqlite_utils.Database, assessment_id: int, snapshot: Snapshot, actor: str) -> int:
    """Store a submission (inside the submit's transaction); returns its number (1 for the first)."""
    number = db.execute("select coalesce(max(number), 0) + 1 from submissions where assessment_id = ?",
                        [assessment_id]).fetchone()[0]
    db["submissions"].insert({
        "assessment_id": assessment_id, "number": number, "at": audit.now(), "actor": actor,
        "declared": json.dumps(snapshot.declared, ensure_ascii=False, sort_keys=True),
        "notes": json.dumps(snapshot.notes, ensure_ascii=False, sort_keys=True),
        "files": json.dumps(list(snapshot.files.values()), ensure_ascii=False),
        "reviews": json.dumps({str(k): v for k, v in snapshot.reviews.items()}),
    })
    return number


def submissions(db: sqlite_utils.Database, assessment_id: int) -> list[Snapshot]:
    """The assessment's submissions, oldest first."""
    return [Snapshot(json.loads(r["declared"]), json.loads(r["notes"]),
                     {f["id"]: f for f in json.loads(r["files"])},
                     {int(k): v for k, v in json.loads(r["reviews"]).items()})
            for r in db.query("select * from submissions where assessment_id = ? order by number", [assessment_id])]


def compare(cset: CriteriaSet, old: Snapshot | None, new: Snapshot) -> dict[int, CriterionChange]:
    """Per criterion, what differs from ``old`` to ``new`` (no ``old``: every value counts as new)."""
    before = old or Snapshot({}, {}, {})
    out = {}
    for crit in cset.criteria:
        names = list(dict.fromkeys(n for item in crit.items for n in item.rule.input_names))
        items = [item.id for item in crit.items]
        values = [(n, before.declared.get(n), new.declared.get(n)) for n in names
                  if old is None or before.declared.get(n) != new.declared.get(n)]
        notes = [(i, before.notes.get(i, ""), new.notes.get(i, "")) for i in items
                 if (before.notes.get(i) or "") != (new.notes.get(i) or "")]
        added = [f for fid, f in sorted(new.files.items()) if fid not in before.files and f["item_id"] in items]
        removed = [f for fid, f in sorted(before.files.items()) if fid not in new.files and f["item_id"] in items]
        out[crit.number] = CriterionChange(values, notes, added, removed)
    return out


def since_last(db: sqlite_utils.Database, cset: CriteriaSet, assessment_id: int) -> dict[int, CriterionChange] | None:
    """What the latest submission changed since the one before (None: it is the first, nothing to compare)."""
    done = submissions(db, assessment_id)
    if len(done) < 2:
        return None
    return compare(cset, done[-2], done[-1])


def reviews_before_last(db: sqlite_utils.Database, assessment_id: int) -> dict[int, str]:
    """The review decisions in force just before the latest submission, by criterion."""
    done = submissions(db, assessment_id)
    return done[-1].reviews if done else {}
