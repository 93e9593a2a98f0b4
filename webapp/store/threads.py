"""The review conversation: one thread per criterion and one for the whole assessment.

The reviewer's note (with the review status it came with), the comment sent back with a return,
and the commune's answers, each with author, role and time. Messages are only ever added (never
edited, never erased by a resubmission), each in the transaction of the action that wrote it and
audited there, so nothing a reviewer or an officer wrote is lost.
"""
from __future__ import annotations

from typing import Any

import sqlite_utils

from . import audit, limits
from .accounts import shown_name
from .errors import N_, TransitionRefused

KINDS = ("review", "return", "answer")
FIELD_NAMES = {"review": N_("Ý kiến thẩm định"), "return": N_("Ý kiến gửi xã khi trả lại"), "answer": N_("Trả lời")}
WHOLE = None  # the thread of the assessment as a whole, not of one criterion


def subject(criterion: int | None) -> str:
    """The audit field of a thread: ``criterion N`` or ``assessment``."""
    return "assessment" if criterion is WHOLE else f"criterion {criterion}"


def required_text(body: str | None, kind: str) -> str:
    """``body`` if it says something within the comment limit; refused naming the field otherwise (never cut)."""
    limits.bounded(body, "comment", limits.COMMENT)
    if not (body or "").strip():
        raise TransitionRefused(f"the {kind} needs a text; nothing was written",
                                N_("Chưa gửi: ô «%(field)s» đang để trống."), field=FIELD_NAMES[kind])
    return body or ""


def post(db: sqlite_utils.Database, assessment_id: int, criterion: int | None, author: str, role: str,
         kind: str, body: str, status: str | None = None) -> dict[str, Any]:
    """Add one message (call inside the transaction of the action it belongs to); audited."""
    if kind not in KINDS:
        raise ValueError(f"unknown message kind {kind!r}")
    text = required_text(body, kind)
    row = {"assessment_id": assessment_id, "criterion": criterion, "author": author, "role": role,
           "kind": kind, "status": status, "body": text, "at": audit.now()}
    row["id"] = db["messages"].insert(row).last_pk
    audit.record(db, author, "message", "assessment", assessment_id, subject(criterion), None, text, kind)
    return row


def of(db: sqlite_utils.Database, assessment_id: int) -> dict[int | None, list[dict[str, Any]]]:
    """Every thread of the assessment, by criterion (None: the whole assessment), oldest message first;
    each message also carries ``author_name``, its author as people are shown (:func:`accounts.shown_name`)."""
    threads: dict[int | None, list[dict[str, Any]]] = {}
    for row in db.query("select m.*, u.display_name from messages m left join users u on u.username = m.author "
                        "where m.assessment_id = ? order by m.id", [assessment_id]):
        row["author_name"] = shown_name(row["author"], row.pop("display_name"))
        threads.setdefault(row["criterion"], []).append(row)
    return threads


def last_note(thread: list[dict[str, Any]], kind: str = "review") -> dict[str, Any] | None:
    """The newest message of ``kind`` in a thread (the reviewer's current note), None if there is none."""
    return next((m for m in reversed(thread) if m["kind"] == kind), None)
