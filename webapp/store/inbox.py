"""What waits for each person, shown on their role's home page: what to fix, to review, to recognise.

Read from the assessments on each visit, so it is always true; counted with the deadline that
applies (submission for the commune, review for the reviewer), an item past it marked overdue.
No e-mail server is assumed; the same items could be sent by one later.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import sqlite_utils

from . import workflow
from .accounts import User, within
from .rounds import is_recognising_authority
from .vietnamese import as_date, is_past


@dataclass(frozen=True)
class Waiting:
    """One line of a home page: ``kind`` (fix, draft, review, recognise), how many, where, by when."""

    kind: str
    count: int
    round_name: str
    deadline: dt.date | None
    assessment_id: int | None = None

    @property
    def overdue(self) -> bool:
        return is_past(self.deadline)


def _rows(db: sqlite_utils.Database, statuses: tuple[str, ...]) -> list[dict[str, Any]]:
    marks = ", ".join("?" * len(statuses))
    return list(db.query(
        f"select a.id, a.unit_id, a.status, r.id round_id, r.name round_name, r.profile, r.unit_set, "
        f"r.submission_deadline, r.review_deadline from assessments a join rounds r on r.id = a.round_id "
        f"where a.status in ({marks}) order by r.year desc, r.id desc, a.id", list(statuses)))


def _by_round(kind: str, rows: list[dict[str, Any]], deadline: str | None) -> list[Waiting]:
    counted: dict[int, Waiting] = {}
    for row in rows:
        seen = counted.get(row["round_id"])
        counted[row["round_id"]] = Waiting(kind, (seen.count if seen else 0) + 1, row["round_name"],
                                           as_date(row[deadline]) if deadline else None)
    return list(counted.values())


def waiting(db: sqlite_utils.Database, user: User) -> list[Waiting]:
    """What waits for ``user`` in their jurisdiction, by the work their role does."""
    scope = user.scope_unit_id
    if user.role == "officer":
        return [Waiting("fix" if r["status"] == "returned" else "draft",
                        len(workflow.to_fix(db, r["id"])) if r["status"] == "returned" else 1,
                        r["round_name"], as_date(r["submission_deadline"]), r["id"])
                for r in _rows(db, workflow.COMMUNE_EDITABLE) if r["unit_id"] == scope]
    if user.role == "reviewer":
        return _by_round("review", [r for r in _rows(db, workflow.UNDER_REVIEW) if within(db, r["unit_id"], scope)],
                         "review_deadline")
    if user.role == "authority":
        return _by_round("recognise", [r for r in _rows(db, ("verified",)) if within(db, r["unit_id"], scope)
                                       and is_recognising_authority(db, r, scope)], None)
    return []
