"""Assessments and their review workflow, with locks and optimistic concurrency.

draft → submitted → (returned → resubmitted)* → verified → recognised | not_recognised;
recognised → revoked. Every refused action raises with the reason; every change is written
to the audit log in the same transaction; an edit based on a stale version is refused.
"""
from __future__ import annotations

import dataclasses
import json
import re
from dataclasses import dataclass
from typing import Any

import sqlite_utils

import criteria.validation
import scoring
from criteria import CriteriaSet
from scoring import InvalidInputs, ScoreResult, plausibility

from . import audit, changes, limits, threads
from .accounts import within
from .db import transaction
from .errors import N_, Locked, Msg, NotFound, StaleEdit, TransitionRefused
from .profiles import profiles
from .rounds import MAX_ID, criteria_for, get_round, is_recognising_authority
from .units import get_unit

COMMUNE_EDITABLE = ("draft", "returned")
UNDER_REVIEW = ("submitted", "resubmitted")
REVIEW_STATUSES = ("accepted", "needs_clarification", "adjusted")
TO_FIX = ("needs_clarification", "adjusted")  # review statuses that ask the commune to act (or answer)
ACTIONS = {  # what _require's callers try to do, as the refusal names it
    "attach evidence": N_("đính kèm minh chứng"), "delete evidence": N_("xóa tệp minh chứng"),
    "edit the declaration": N_("sửa hồ sơ tự đánh giá"),
    "edit evidence": N_("sửa ghi chú minh chứng"), "submit": N_("nộp hồ sơ tự đánh giá"), "review": N_("thẩm định"),
    "return the assessment": N_("trả lại hồ sơ"), "verify": N_("hoàn thành thẩm định"),
    "reopen": N_("mở lại thẩm định"), "decide": N_("quyết định công nhận"), "revoke": N_("thu hồi công nhận"),
    "answer": N_("trả lời ý kiến thẩm định"),
}
# The one wording of each status, for pages (through the catalogue), documents and exports alike.
REVIEW_NAMES = {"accepted": "Chấp nhận", "needs_clarification": "Cần giải trình, bổ sung",
                "adjusted": "Điều chỉnh số liệu"}
STATUS_NAMES = {
    "draft": "Bản nháp", "submitted": "Đã nộp", "returned": "Trả lại để bổ sung",
    "resubmitted": "Đã nộp lại", "verified": "Đã thẩm định", "recognised": "Được công nhận",
    "not_recognised": "Không được công nhận", "revoked": "Đã thu hồi công nhận",
}


@dataclass(frozen=True)
class Assessment:
    """One assessment read once, with everything a page or document needs around it: its row (values
    decoded), unit, round and pinned criteria set; each score is computed on first use, then kept."""

    row: dict[str, Any]
    unit: dict[str, Any]
    round: dict[str, Any]
    cset: CriteriaSet
    scores: dict[str, ScoreResult] = dataclasses.field(default_factory=dict, repr=False, compare=False)

    @property
    def id(self) -> int:
        return self.row["id"]

    def score(self, which: str = "declared") -> ScoreResult:
        """The declared or verified values scored with the round's own criteria version (a draft: partial)."""
        if which not in self.scores:
            self.scores[which] = scoring.scorer_for(self.cset).score(self.row[which], self.unit["category"],
                                                                     partial=True)
        return self.scores[which]

    @property
    def declared(self) -> ScoreResult:
        return self.score("declared")

    @property
    def verified(self) -> ScoreResult | None:
        """The verified values' score, None before the reviewer has any."""
        return self.score("verified") if self.row["verified"] else None


@dataclass(frozen=True)
class Evidence:
    """An assessment's evidence: the commune's notes by item, and the attached files not deleted (oldest first)."""

    notes: dict[str, str]
    files: list[dict[str, Any]]

    def files_by_item(self) -> dict[str | None, list[dict[str, Any]]]:
        """The files grouped by the item they support (None: the assessment as a whole)."""
        grouped: dict[str | None, list[dict[str, Any]]] = {}
        for f in self.files:
            grouped.setdefault(f["item_id"], []).append(f)
        return grouped


def get(db: sqlite_utils.Database, assessment_id: int) -> dict[str, Any]:
    row = next(db.query("select * from assessments where id = ?", [assessment_id]), None)
    if row is None:
        raise NotFound(f"no assessment {assessment_id}", N_("Không có hồ sơ số %(id)s."), id=assessment_id)
    row["declared"] = json.loads(row["declared"])
    row["verified"] = json.loads(row["verified"])
    return row


def load(db: sqlite_utils.Database, assessment_id: int) -> Assessment:
    """The assessment with its unit, round and criteria set, each read once (NotFound if there is none)."""
    row = get(db, assessment_id)
    return Assessment(row, get_unit(db, row["unit_id"]), get_round(db, row["round_id"]),
                      criteria_for(db, row["criteria_hash"]))


def find(db: sqlite_utils.Database, round_id: int, unit_id: str) -> dict[str, Any]:
    rows = list(db.query("select id from assessments where round_id = ? and unit_id = ?", [round_id, unit_id]))
    if not rows:
        raise NotFound(f"no assessment of unit {unit_id} in round {round_id}")
    return get(db, rows[0]["id"])


def evidence_notes(db: sqlite_utils.Database, assessment_id: int) -> dict[str, str]:
    """The commune's evidence notes by item."""
    return {r["item_id"]: r["note"] for r in db.query("select item_id, note from evidence where assessment_id = ?",
                                                      [assessment_id])}


def evidence(db: sqlite_utils.Database, assessment_id: int) -> Evidence:
    """The assessment's evidence notes and attached files, as the checklist, review page and report show them
    (a file the officer deleted is left out: it is kept for the audit trail only)."""
    return Evidence(evidence_notes(db, assessment_id),
                    list(db.query("select * from attachments where assessment_id = ? and deleted_at is null "
                                  "order by id", [assessment_id])))


def _write(db: sqlite_utils.Database, view: Assessment, changes: dict[str, Any], actor: str,
           base_version: int | None) -> Assessment:
    """Apply ``changes`` if the stored version is still ``base_version``; rescore; bump version.

    Returns the assessment as stored, with the scores computed here (no caller scores it again)."""
    row = view.row
    merged = Assessment({**row, **changes}, view.unit, view.round, view.cset)
    which = "verified" if merged.row["verified"] else "declared"
    result = merged.score(which)
    declared_total = merged.declared.total
    expected = row["version"] if base_version is None else base_version
    values = {
        **{k: (json.dumps(v, ensure_ascii=False, sort_keys=True) if k in ("declared", "verified") else v)
           for k, v in changes.items()},
        "declared_total": declared_total,
        "verified_total": result.total if merged.row["verified"] else None,
        "recognised": int(result.recognised),
        "result": result.summary_json(),
        "criteria_hash": result.criteria_hash,
        "version": expected + 1, "updated_at": audit.now(), "updated_by": actor,
    }
    assignments = ", ".join(f"{k} = ?" for k in values)
    cursor = db.execute(f"update assessments set {assignments} where id = ? and version = ?",
                        [*values.values(), row["id"], expected])
    if cursor.rowcount != 1:
        current = db.execute("select version from assessments where id = ?", [row["id"]]).fetchone()[0]
        raise StaleEdit(
            f"assessment {row['id']} was changed by someone else (version {current}, your edit was "
            f"based on version {expected}); nothing was saved — reload and apply your changes again",
            current, N_("Người khác vừa cập nhật hồ sơ này (phiên bản %(current)s, bạn sửa từ phiên bản "
                        "%(expected)s): chưa lưu gì — hãy tải lại trang và nhập lại thay đổi."),
            current=current, expected=expected)
    return Assessment(get(db, row["id"]), view.unit, view.round, view.cset, merged.scores)


def base_version(raw: Any, current: int) -> int | None:
    """The version an edit is based on (None: not sent); a garbled one is refused as stale, so it
    never skips the concurrency check (nor reaches SQLite as an out-of-range integer)."""
    if raw is None or raw == "":
        return None
    if isinstance(raw, str) and raw.isascii() and raw.isdigit() and len(raw) <= len(str(MAX_ID)):
        raw = int(raw)
    if type(raw) is int and 0 <= raw <= MAX_ID:
        return raw
    raise StaleEdit(f"the edit names version {str(raw)[:40]!r}, which is not a version of this assessment "
                    f"(now {current}); nothing was saved — reload and apply your changes again", current,
                    N_("Phiên bản «%(version)s» không phải là phiên bản của hồ sơ này (hiện là %(current)s): "
                       "chưa lưu gì — hãy tải lại trang."), version=str(raw)[:40], current=current)


def _require(row: dict[str, Any], allowed: tuple[str, ...], action: str, locked: bool = False) -> None:
    if row["status"] not in allowed:
        names = ", ".join(STATUS_NAMES[s] for s in allowed)
        message = (f"cannot {action}: the assessment is «{STATUS_NAMES[row['status']]}» "
                   f"({row['status']}); allowed only when: {names}")
        raise (Locked if locked else TransitionRefused)(
            message, N_("Không thể %(action)s: hồ sơ đang ở trạng thái «%(status)s»; chỉ được khi: %(allowed)s."),
            action=ACTIONS[action], status=Msg(STATUS_NAMES[row["status"]]),
            allowed=[Msg(STATUS_NAMES[s]) for s in allowed])


def require_editable(row: dict[str, Any], action: str) -> None:
    """Refuse ``action`` unless the commune may still edit the assessment."""
    _require(row, COMMUNE_EDITABLE, action, locked=True)


def _validated(cset: CriteriaSet, values: dict[str, Any], partial: bool) -> dict[str, Any]:
    typed, problems = scoring.validate_inputs(values, cset, partial=partial)
    if problems:
        raise InvalidInputs(problems)
    return typed


def save_declared(db: sqlite_utils.Database, assessment_id: int, values: dict[str, Any], actor: str,
                  base_version: int | None = None, evidence: dict[str, str] | None = None) -> Assessment:
    """The commune saves (part of) its declaration and evidence notes; blanks clear a value.

    Values and notes are written in one transaction under one version check, so a form based on
    an older version never overwrites (or erases) a note saved since. Returns the assessment as saved,
    with the score computed for the save.
    """
    notes = evidence or {}
    with transaction(db):
        view = load(db, assessment_id)
        row = view.row
        require_editable(row, "edit the declaration" if values or not notes else "edit evidence")
        blanks = {k for k, v in values.items() if v is None or (isinstance(v, str) and not v.strip())}
        kept = {k: v for k, v in row["declared"].items() if k not in blanks}
        declared = _validated(view.cset, kept | {k: v for k, v in values.items() if k not in blanks}, partial=True)
        changed_notes = _changed_evidence(db, row, notes)
        if declared == row["declared"] and not changed_notes:
            return view
        for item_id, (old, note) in changed_notes.items():
            record_evidence(db, assessment_id, item_id, old, note, actor)
        return record_declaration(db, view, declared, actor, base_version, force=bool(changed_notes))


def record_evidence(db: sqlite_utils.Database, assessment_id: int, item_id: str, old: str | None, note: str,
                    actor: str) -> None:
    """Store one item's evidence note, audited (the caller holds the transaction and moves the version)."""
    db["evidence"].upsert({"assessment_id": assessment_id, "item_id": item_id, "note": note,
                           "updated_by": actor, "updated_at": audit.now()}, pk=("assessment_id", "item_id"))
    audit.record(db, actor, "evidence", "assessment", assessment_id, item_id, old, note)


def require_item(db: sqlite_utils.Database, row: dict[str, Any], item_id: str) -> None:
    """Refuse an item id that is not an item of the assessment's criteria set (evidence would be hidden)."""
    if item_id not in {item.id for _c, item in criteria_for(db, row["criteria_hash"]).items()}:
        raise NotFound(f"no item {item_id[:40]!r} in the criteria set of assessment {row['id']}",
                       N_("Mục minh chứng «%(item)s» không có trong bộ tiêu chí của hồ sơ này."), item=item_id[:40])


def _changed_evidence(db: sqlite_utils.Database, row: dict[str, Any],
                      notes: dict[str, str]) -> dict[str, tuple[str | None, str]]:
    """The notes that differ from the stored ones, as (stored, new); an item outside the set, or a note
    over its length limit, is refused."""
    if not notes:
        return {}
    for item_id in sorted(notes):
        require_item(db, row, item_id)
        limits.bounded(notes[item_id], "note", limits.NOTE, item_id)
    stored = evidence_notes(db, row["id"])
    return {item: (stored.get(item), note) for item, note in sorted(notes.items())
            if note != (stored.get(item) or "")}


def record_declaration(db: sqlite_utils.Database, view: Assessment, declared: dict[str, Any],
                       actor: str, base_version: int | None = None, force: bool = False) -> Assessment:
    """Store a validated declaration with one audit entry per changed field (no change: no write,
    unless ``force``: something else of the assessment changed and its version must move)."""
    row = view.row
    if declared == row["declared"] and not force:
        return view
    for field in sorted(set(declared) | set(row["declared"])):
        if declared.get(field) != row["declared"].get(field):
            audit_declared(db, view, field, declared.get(field), actor)
    return store_declaration(db, view, declared, actor, base_version)


def audit_declared(db: sqlite_utils.Database, view: Assessment, field: str, value: Any, actor: str) -> None:
    """The audit entry of one declared value changed (from what the assessment holds)."""
    audit.record(db, actor, "declare", "assessment", view.id, field, view.row["declared"].get(field), value)


def store_declaration(db: sqlite_utils.Database, view: Assessment, declared: dict[str, Any], actor: str,
                      base_version: int | None) -> Assessment:
    """Write a validated declaration whose changes the caller has audited; rescore; move the version."""
    return _write(db, view, {"declared": declared}, actor, base_version)


def set_evidence(db: sqlite_utils.Database, assessment_id: int, item_id: str, note: str, actor: str,
                 base_version: int | None = None) -> Assessment:
    """The commune's evidence note for one item (what document supports the value); bumps the version."""
    return save_declared(db, assessment_id, {}, actor, base_version, evidence={item_id: note})


def _transition(db: sqlite_utils.Database, view: Assessment, new_status: str, actor: str,
                reason: str | None = None, extra: dict[str, Any] | None = None) -> Assessment:
    audit.record(db, actor, "status", "assessment", view.id, "status", view.row["status"], new_status, reason)
    return _write(db, view, {"status": new_status, **(extra or {})}, actor, None)


def submit(db: sqlite_utils.Database, assessment_id: int, actor: str) -> Assessment:
    """Submit (or resubmit) a complete, valid declaration; it is then locked for the commune.

    What the submission holds is stored (values, notes, files, the reviews in force), so the
    reviewer can see what changed. The reviewer starts from the declared values; on a
    resubmission a criterion whose inputs and evidence did not change keeps its review (and the
    reviewer's adjusted values), any other is reviewed again.
    """
    with transaction(db):
        view = load(db, assessment_id)
        row = view.row
        _require(row, COMMUNE_EDITABLE, "submit")
        _validated(view.cset, row["declared"], partial=False)
        _require_plausible(view)
        held = changes.current(db, assessment_id, row["declared"])
        in_force = {n: r["status"] for n, r in reviews(db, assessment_id).items()}
        verified = _reset_reviews(db, view, actor, held) if row["status"] == "returned" else row["declared"]
        changes.record(db, assessment_id, dataclasses.replace(held, reviews=in_force), actor)
        new = "submitted" if row["status"] == "draft" else "resubmitted"
        return _transition(db, view, new, actor, extra={"verified": verified})


def _require_plausible(view: Assessment) -> None:
    """Refuse a submission that breaks a blocking validation rule of the criteria set, naming the figures."""
    vset = criteria.validation.for_set(view.cset)
    blocked = plausibility.blocking(vset, view.cset, view.row["declared"]) if vset else []
    if blocked:
        raise TransitionRefused(f"cannot submit: {'; '.join(f.en for f in blocked)}",
                                N_("Chưa nộp được vì số liệu chưa hợp lý: %(problems)s. Hãy sửa rồi nộp lại."),
                                problems="; ".join(f.vi for f in blocked))


def criterion_inputs(crit: Any) -> list[str]:
    """The input names a criterion's items read, in order, each once."""
    return list(dict.fromkeys(n for item in crit.items for n in item.rule.input_names))


def _reset_reviews(db: sqlite_utils.Database, view: Assessment, actor: str, held: changes.Snapshot) -> dict[str, Any]:
    """Keep or reset each review on a resubmission; returns the verified values to start from.

    A criterion whose values, notes and files are as in the previous submission keeps its review
    and the reviewer's values; any other is reviewed again (its review removed, audited; what the
    reviewer wrote stays in its thread). Without a stored previous submission everything changed.
    """
    row = view.row
    done = reviews(db, row["id"])
    before = changes.submissions(db, row["id"])
    diff = changes.compare(view.cset, before[-1] if before else None, held)
    verified = dict(row["declared"])
    for crit in view.cset.criteria:
        review = done.get(crit.number)
        if review is None:
            continue
        if diff[crit.number].changed:
            db.execute("delete from reviews where assessment_id = ? and criterion = ?", [row["id"], crit.number])
            audit.record(db, actor, "review", "assessment", row["id"], f"criterion {crit.number}",
                         review["status"], None, "resubmitted with changed values or evidence: to be reviewed again")
        else:
            verified.update({n: row["verified"][n] for n in criterion_inputs(crit) if n in row["verified"]})
    return verified


def review_criterion(db: sqlite_utils.Database, assessment_id: int, criterion: int, status: str,
                     actor: str, comment: str | None = None, adjusted: dict[str, Any] | None = None,
                     base_version: int | None = None) -> Assessment:
    """The reviewer's status for one criterion; ``adjusted`` values need a reason (comment)."""
    limits.bounded(comment, "comment", limits.COMMENT)
    if status not in REVIEW_STATUSES:
        raise TransitionRefused(f"unknown review status {status!r} (expected: {', '.join(REVIEW_STATUSES)})",
                                N_("Hãy chọn một kết quả thẩm định: %(allowed)s."),
                                allowed=[Msg(name) for name in REVIEW_NAMES.values()])
    if status != "accepted" and not (comment or "").strip():
        raise TransitionRefused(f"a review status «{status}» needs a comment giving the reason",
                                N_("Kết quả «%(status)s» cần ý kiến nêu lý do."), status=Msg(REVIEW_NAMES[status]))
    with transaction(db):
        view = load(db, assessment_id)
        row, cset = view.row, view.cset
        _require(row, UNDER_REVIEW, "review", locked=True)
        numbers = {c.number: c for c in cset.criteria}
        if criterion not in numbers:
            raise NotFound(f"no criterion {criterion} in {cset.id} {cset.version}")
        verified = dict(row["verified"])
        if adjusted:
            if status != "adjusted":
                raise TransitionRefused("values can only be changed with the status «adjusted»",
                                        N_("Chỉ sửa được số liệu khi chọn «%(adjusted)s»."),
                                        adjusted=Msg(REVIEW_NAMES["adjusted"]))
            allowed = {n for i in numbers[criterion].items for n in i.rule.input_names}
            outside = sorted(set(adjusted) - allowed)
            if outside:
                raise TransitionRefused(f"inputs {', '.join(outside)} do not belong to criterion {criterion}")
            typed = _validated(cset, {**verified, **adjusted}, partial=True)
            for field in sorted(adjusted):
                if typed.get(field) != verified.get(field):
                    audit.record(db, actor, "adjust", "assessment", assessment_id, field,
                                 verified.get(field), typed.get(field), comment)
            verified = typed
        earlier = reviews(db, assessment_id).get(criterion)
        if (comment or "").strip() and comment != (earlier or {}).get("comment"):
            threads.post(db, assessment_id, criterion, actor, "reviewer", "review", comment or "", status)
        db["reviews"].upsert({"assessment_id": assessment_id, "criterion": criterion, "status": status,
                              "comment": comment, "reviewer": actor, "at": audit.now()},
                             pk=("assessment_id", "criterion"))
        audit.record(db, actor, "review", "assessment", assessment_id, f"criterion {criterion}",
                     None, status, comment)
        return _write(db, view, {"verified": verified}, actor, base_version)


def reviews(db: sqlite_utils.Database, assessment_id: int) -> dict[int, dict[str, Any]]:
    """The review decisions in force, by criterion (a resubmission removes those to be made again)."""
    return {r["criterion"]: r for r in db.query("select * from reviews where assessment_id = ?", [assessment_id])}


def to_fix(db: sqlite_utils.Database, assessment_id: int) -> list[int]:
    """The criteria whose review asks the commune to explain, add or accept an adjusted value, in order."""
    return sorted(n for n, r in reviews(db, assessment_id).items() if r["status"] in TO_FIX)


def unchanged_unreviewed(db: sqlite_utils.Database, view: Assessment) -> list[int]:
    """On a resubmission, the criteria not changed since the previous submission and not yet reviewed."""
    diff = changes.since_last(db, view.cset, view.id)
    done = reviews(db, view.id)
    return [] if diff is None else [n for n, c in diff.items() if not c.changed and n not in done]


def accept_unchanged(db: sqlite_utils.Database, assessment_id: int, actor: str,
                     base_version: int | None = None) -> list[int]:
    """Accept at once every criterion :func:`unchanged_unreviewed` names; returns their numbers."""
    with transaction(db):
        view = load(db, assessment_id)
        _require(view.row, UNDER_REVIEW, "review", locked=True)
        numbers = unchanged_unreviewed(db, view)
        if not numbers:
            raise TransitionRefused("no unchanged criterion waits for a review",
                                    N_("Không có tiêu chí nào chưa thay đổi mà còn chờ thẩm định."))
        for n in numbers:
            review_criterion(db, assessment_id, n, "accepted", actor, base_version=base_version)
            base_version = None
        return numbers


def answer(db: sqlite_utils.Database, assessment_id: int, criterion: int | None, actor: str,
           body: str) -> dict[str, Any]:
    """The commune's answer in a criterion's thread (None: the assessment's), while it may edit the assessment."""
    threads.required_text(body, "answer")
    with transaction(db):
        view = load(db, assessment_id)
        _require(view.row, COMMUNE_EDITABLE, "answer", locked=True)
        if criterion is not None and criterion not in {c.number for c in view.cset.criteria}:
            raise NotFound(f"no criterion {criterion} in {view.cset.id} {view.cset.version}")
        return threads.post(db, assessment_id, criterion, actor, "officer", "answer", body)


def return_for_clarification(db: sqlite_utils.Database, assessment_id: int, actor: str, comment: str) -> Assessment:
    """Send the assessment back to the commune with comments."""
    limits.bounded(comment, "comment", limits.COMMENT)
    if not (comment or "").strip():
        raise TransitionRefused("returning an assessment needs a comment for the commune",
                                N_("Trả lại hồ sơ cần có ý kiến gửi xã."))
    with transaction(db):
        view = load(db, assessment_id)
        _require(view.row, UNDER_REVIEW, "return the assessment")
        threads.post(db, assessment_id, threads.WHOLE, actor, "reviewer", "return", comment)
        return _transition(db, view, "returned", actor, comment)


def verify(db: sqlite_utils.Database, assessment_id: int, actor: str) -> Assessment:
    """Close the review: every criterion accepted or adjusted, verified values complete."""
    with transaction(db):
        view = load(db, assessment_id)
        _require(view.row, UNDER_REVIEW, "verify")
        done = reviews(db, assessment_id)
        open_ = [c.number for c in view.cset.criteria
                 if done.get(c.number, {}).get("status") not in ("accepted", "adjusted")]
        if open_:
            raise TransitionRefused(
                f"cannot verify: criteria {', '.join(map(str, open_))} are not yet accepted or adjusted",
                N_("Chưa thể hoàn thành thẩm định: các tiêu chí %(criteria)s chưa được chấp nhận hoặc điều chỉnh."),
                criteria=", ".join(map(str, open_)))
        _validated(view.cset, view.row["verified"], partial=False)
        return _transition(db, view, "verified", actor)


def reopen(db: sqlite_utils.Database, assessment_id: int, actor: str, reason: str) -> Assessment:
    """Reopen a verified (or refused) assessment for review; needs a reason."""
    limits.bounded(reason, "reason", limits.REASON)
    if not (reason or "").strip():
        raise TransitionRefused("reopening needs a reason", N_("Mở lại thẩm định cần có lý do."))
    with transaction(db):
        view = load(db, assessment_id)
        _require(view.row, ("verified", "not_recognised"), "reopen")
        db.execute("delete from decisions where assessment_id = ?", [assessment_id])
        return _transition(db, view, "resubmitted", actor, reason)


def _require_authority(db: sqlite_utils.Database, view: Assessment, authority: str | None, action: str) -> None:
    """Refuse ``action`` unless ``authority`` is the round's recognising tier over the assessment's unit
    (``None``: trusted set-up code such as the demo, not a person's request)."""
    if authority is None:
        return
    round_row = view.round
    if not (is_recognising_authority(db, round_row, authority) and within(db, view.unit["id"], authority)):
        title = profiles()[round_row["profile"]].recognising_title_vi
        raise TransitionRefused(
            f"cannot {action}: {authority} is not the recognising authority of this assessment's round "
            f"({title} of its unit)",
            N_("Không thể %(action)s: hồ sơ của đợt đánh giá này do %(authority)s nơi có đơn vị quyết định."),
            action=ACTIONS[action], authority=title)


def failing_in_words(condition_ids: list[str]) -> str:
    """The failed recognition conditions of a stored result (``criterion-3-above-zero``…) as a person reads them."""
    words = []
    for cid in condition_ids:
        zero = re.fullmatch(r"criterion-(\d+)-above-zero", cid)
        words.append(f"tiêu chí {zero.group(1)} được 0 điểm" if zero else
                     "tổng điểm thấp hơn mức tối thiểu của loại đơn vị" if cid == "total-at-least-threshold" else
                     "một điều kiện công nhận chưa đạt")
    return "; ".join(words) or "một điều kiện công nhận chưa đạt"


def decide(db: sqlite_utils.Database, assessment_id: int, actor: str, recognised: bool,
           reason: str | None = None, *, authority: str | None = None) -> Assessment:
    """The recognising authority's decision on a verified assessment (``authority``: the unit it acts for)."""
    limits.bounded(reason, "reason", limits.REASON)
    with transaction(db):
        view = load(db, assessment_id)
        row = view.row
        _require_authority(db, view, authority, "decide")
        _require(row, ("verified",), "decide")
        if recognised and not row["recognised"]:
            failing = json.loads(row["result"])["failed_conditions"]
            raise TransitionRefused(
                f"cannot recognise: the verified result fails {', '.join(failing) or 'a condition'}",
                N_("Không thể công nhận: theo kết quả thẩm định, %(conditions)s."),
                conditions=failing_in_words(failing))
        if not recognised and not (reason or "").strip():
            raise TransitionRefused("a decision not to recognise needs the reasons",
                                    N_("Quyết định không công nhận cần nêu lý do."))
        outcome = "recognised" if recognised else "not_recognised"
        db["decisions"].upsert({"assessment_id": assessment_id, "outcome": outcome, "reason": reason,
                                "decided_by": actor, "decided_at": audit.now()}, pk="assessment_id")
        return _transition(db, view, outcome, actor, reason)


def revoke(db: sqlite_utils.Database, assessment_id: int, actor: str, reason: str, *,
           authority: str | None = None) -> Assessment:
    """Revoke a recognition, the only change a recognised assessment allows (``authority`` as in :func:`decide`)."""
    limits.bounded(reason, "reason", limits.REASON)
    if not (reason or "").strip():
        raise TransitionRefused("revoking a recognition needs a reason", N_("Thu hồi công nhận cần có lý do."))
    with transaction(db):
        view = load(db, assessment_id)
        _require_authority(db, view, authority, "revoke")
        _require(view.row, ("recognised",), "revoke")
        db.execute("update decisions set revoked_at = ?, revoked_by = ?, revoke_reason = ? "
                   "where assessment_id = ?", [audit.now(), actor, reason, assessment_id])
        return _transition(db, view, "revoked", actor, reason)
