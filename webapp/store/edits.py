"""The checklist's edits, one field at a time, merged with whatever was saved since.

An edit names a field of the checklist form (an input, or ``evidence-<item>`` for an item's evidence
note), the value the user chose, and what the user last saw stored there: the field's *revision* (the
audit entry of its last change, 0 for never) and, for clients that predate revisions, its *base* value.
It is saved when the field is still at that revision (or already holds the chosen value: the same edit
sent again); it is a conflict when someone, or the same user in another window, has changed the field
since — even back to the same value. Nothing is ever silently overwritten. A value that fails
validation is refused with its reason; the others are saved. Offline queues, two tabs and the plain
form post all go through :func:`apply`.
"""
from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import sqlite_utils

import scoring
from criteria import CriteriaSet
from scoring import InputProblem

from . import limits
from .db import transaction
from .errors import StorageError
from .workflow import Assessment, audit_declared, evidence_notes, load, record_evidence, require_editable, store_declaration

NOTE_FIELD = "evidence-"  # the form field of an item's evidence note: evidence-<item id>
MAX_EDITS = 1_000         # edits in one request: every field of a checklist several times over
DIGEST = "sha256:"        # a base given as the digest of a long note (the plain form keeps its body small)
UNKNOWN = "\x00"          # the base of a field whose shown value is unknown: matches nothing stored
SHORT = 200               # notes longer than this are named by their digest in a page's bases


@dataclass(frozen=True)
class Edit:
    """One field set to ``value`` by a user who last saw revision ``rev`` of it (or, without, ``base``)."""

    field: str
    value: str
    base: str
    rev: int | None = None


@dataclass(frozen=True)
class Outcome:
    """What became of one edit: ``saved``, ``conflict`` (``theirs``, by whom and when) or ``refused`` (why)."""

    field: str
    state: str
    theirs: str | None = None
    rev: int | None = None
    by: str | None = None
    by_name: str | None = None
    at: str | None = None
    problem: InputProblem | StorageError | None = None


@dataclass(frozen=True)
class Applied:
    """The assessment as stored after a batch of edits, and the outcome of each edit (in order)."""

    view: Assessment
    outcomes: list[Outcome]


def form_value(value: Any) -> str:
    """A stored value as the checklist form shows it (and as an edit's base names it)."""
    if value is True:
        return "có"
    if value is False:
        return "không"
    return "" if value is None else str(value)


def digest(text: str) -> str:
    """A base that stands for a long note without repeating it."""
    return DIGEST + hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def shows(base: str, text: str) -> bool:
    """Whether ``base`` (a text or a long note's digest) names ``text``."""
    return base.strip() == text.strip() or base == digest(text.strip())


def page_bases(fields: Mapping[str, str]) -> dict[str, str]:
    """The bases a plain form carries: each field as shown, a long note by its digest."""
    return {name: text if len(text) <= SHORT else digest(text.strip()) for name, text in fields.items()}


def form_values(view: Assessment, notes: Mapping[str, str]) -> dict[str, str]:
    """Every field of the checklist form as stored: inputs, then evidence notes."""
    declared = view.row["declared"]
    fields = {name: form_value(declared.get(name)) for name in view.cset.inputs}
    fields.update({NOTE_FIELD + item.id: notes.get(item.id, "") for _c, item in view.cset.items()})
    return fields


def revisions(db: sqlite_utils.Database, assessment_id: int, fields: Iterable[str]) -> dict[str, int]:
    """Each of ``fields``' revision: the id of the audit entry of its last change, or of the last bulk write of
    the whole assessment (``store.bulk`` audits one entry per assessment) if that came later; 0 for never."""
    rows = db.execute("select action, field, max(id) from audit_log where entity = 'assessment' and entity_id = ? "
                      "and action in ('declare', 'evidence', 'bulk') group by action, field", [str(assessment_id)])
    own, whole = {}, 0
    for action, field, rev in rows:
        if action == "bulk":
            whole = max(whole, rev)
        else:
            own[NOTE_FIELD + field if action == "evidence" else field] = rev
    return {name: max(own.get(name, 0), whole) for name in fields}


def apply(db: sqlite_utils.Database, assessment_id: int, edits: Iterable[Edit], actor: str) -> Applied:
    """Save the edits that do not conflict and are valid, in one transaction; say what became of each.

    A field edited twice in one batch ends with the later value. Locked assessments refuse the whole
    batch (``Locked``); unknown fields are refused one by one."""
    edits = list(edits)
    with transaction(db):
        view = load(db, assessment_id)
        require_editable(view.row, "edit the declaration")
        notes = evidence_notes(db, assessment_id)
        stored = form_values(view, notes)
        revs = revisions(db, assessment_id, stored)
        pending: dict[str, str] = {}
        outcomes: dict[int, Outcome] = {}
        for index, edit in enumerate(edits):
            if edit.field not in stored:
                outcomes[index] = Outcome(edit.field, "refused", problem=InputProblem(edit.field, "unknown_input"))
                continue
            current = pending.get(edit.field, stored[edit.field])
            if _same(view.cset, edit.field, edit.value, current):
                outcomes[index] = Outcome(edit.field, "saved")
            elif (edit.rev == revs[edit.field] if edit.rev is not None
                  else _same(view.cset, edit.field, edit.base, current) or shows(edit.base, current)):
                pending[edit.field] = edit.value
            else:
                outcomes[index] = _conflict(db, edit.field, current, revs[edit.field])
        refused = _refusals(db, view, pending)
        for index, edit in enumerate(edits):
            if index not in outcomes:
                problem = refused.get(edit.field)
                outcomes[index] = Outcome(edit.field, "refused", problem=problem) if problem \
                    else Outcome(edit.field, "saved")
        accepted = {f: v for f, v in pending.items() if f not in refused}
        view = _store(db, view, accepted, notes, actor)
        return Applied(view, [outcomes[i] for i in range(len(edits))])


def _typed(cset: CriteriaSet, field: str, text: str) -> Any:
    """A form value as the engine reads it; an unreadable one stays as its text (it equals nothing stored)."""
    if field.startswith(NOTE_FIELD):
        return text.strip()
    values, problems = scoring.validate_inputs({field: text}, cset, partial=True)
    return ("invalid", text) if problems else values.get(field)


def _same(cset: CriteriaSet, field: str, a: str, b: str) -> bool:
    return _typed(cset, field, a) == _typed(cset, field, b)


def _conflict(db: sqlite_utils.Database, field: str, current: str, rev: int) -> Outcome:
    """The conflict of an edit with what is stored (at revision ``rev``), naming who stored it and when."""
    last = next(db.query("select a.actor, a.at, u.display_name from audit_log a left join users u "
                         "on u.username = a.actor where a.id = ?", [rev]), None)
    return Outcome(field, "conflict", theirs=current, rev=rev, by=last["actor"] if last else None,
                   by_name=last["display_name"] if last else None, at=last["at"] if last else None)


def _refusals(db: sqlite_utils.Database, view: Assessment,
              pending: Mapping[str, str]) -> dict[str, InputProblem | StorageError]:
    """Why each refused pending value is refused: its own problem, or a clash with another value
    (a numerator above its denominator is refused on whichever of the two was just edited)."""
    refused: dict[str, InputProblem | StorageError] = {}
    for field, text in pending.items():
        if field.startswith(NOTE_FIELD):
            try:
                limits.bounded(text.strip(), "note", limits.NOTE, field[len(NOTE_FIELD):])
            except limits.TextTooLong as exc:
                refused[field] = exc
    values = {f: t for f, t in pending.items() if not f.startswith(NOTE_FIELD)}
    while values:
        merged = ({f: v for f, v in view.row["declared"].items() if f not in values}
                  | {f: t for f, t in values.items() if t.strip()})
        _typed_values, problems = scoring.validate_inputs(merged, view.cset, partial=True)
        blamed = {}
        for problem in problems:
            mirror = problem.mirrored()
            if problem.field in values:
                blamed.setdefault(problem.field, problem)
            elif mirror is not None and mirror.field in values:
                blamed.setdefault(mirror.field, mirror)
        if not blamed:
            break
        refused.update(blamed)
        values = {f: t for f, t in values.items() if f not in blamed}
    return refused


def _store(db: sqlite_utils.Database, view: Assessment, accepted: Mapping[str, str],
           notes: Mapping[str, str], actor: str) -> Assessment:
    """Write the accepted values and notes under one new version, with one audit entry each in the order
    they were edited (an offline queue replayed is audited as it was typed)."""
    if not accepted:
        return view
    declared = dict(view.row["declared"])
    for field, text in accepted.items():
        if field.startswith(NOTE_FIELD):
            item_id = field[len(NOTE_FIELD):]
            record_evidence(db, view.id, item_id, notes.get(item_id), text.strip(), actor)
            continue
        value = _typed(view.cset, field, text) if text.strip() else None
        if value != declared.get(field):
            audit_declared(db, view, field, value, actor)
        if value is None:
            declared.pop(field, None)
        else:
            declared[field] = value
    return store_declaration(db, view, declared, actor, view.row["version"])
