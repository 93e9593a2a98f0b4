"""A Hypothesis state machine over the review workflow, on a real SQLite file.

Each run copies a prepared database (Cao Bằng 2025 units, one round under QĐ 06) to a fresh
temporary directory and drives three assessments (one phường, two xã) through random
sequences of saves, submissions, reviews, returns, verifications, decisions, revocations
and reopenings — by different actors, on two connections, sometimes with a stale
``base_version`` and sometimes with invalid values. The machine predicts the outcome of
every call (success, or exactly which refusal), keeps a model of each assessment and checks
after every step that the stored state matches it, plus the workflow's invariants:

* a declaration does not change between submission and return;
* no ``recognised`` status without a ``verified`` status just before it;
* status ``recognised`` only with the stored ``recognised`` flag set to 1;
* the audit log only grows (earlier rows unchanged), and every successful change adds rows;
* a live recognition decision exists iff the status is ``recognised``;
* the version goes up by exactly one with each successful write, never otherwise;
* a refused action writes nothing at all: no audit row, no review row, no new version.
"""
from __future__ import annotations

import re
import shutil
import tempfile
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule, run_state_machine_as_test

import criteria
import scoring
from webapp.store import db as webdb
from webapp.store import rounds, units, workflow
from webapp.store.errors import Locked, StaleEdit, TransitionRefused

CSET = criteria.get("qd06-2019")
CRITERIA = tuple(c.number for c in CSET.criteria)
CRITERION_INPUTS = {c.number: tuple(sorted({n for i in c.items for n in i.rule.input_names}))
                    for c in CSET.criteria}
INPUT_NAMES = tuple(sorted(CSET.inputs))
BOOLEANS = tuple(n for n in INPUT_NAMES if CSET.inputs[n].type == "boolean")
COUNTS = tuple(n for n in INPUT_NAMES if CSET.inputs[n].type != "boolean")


def _pairs() -> dict[str, str]:
    """numerator (or count) → denominator (or population) of every ratio item."""
    out = {}
    for _crit, item in CSET.items():
        r = item.rule
        if r.kind == "rate_bands":
            out[r.numerator] = r.denominator
        elif r.kind == "incidence_bands":
            out[r.count] = r.population
    return out


NUMERATOR_OF = _pairs()
DENOMINATORS = frozenset(NUMERATOR_OF.values())
UNDER_REVIEW = ("submitted", "resubmitted")
EDITABLE = ("draft", "returned")
COMMUNE_ACTORS = ("xa.can-bo-lđtbxh", "xa.pho-chu-tich")
REVIEW_ACTORS = ("huyen.phong-lđtbxh.a", "huyen.phong-lđtbxh.b")
DECIDING_ACTORS = ("ubnd-huyen.chu-tich", "ubnd-tinh.pho-chu-tich")
ALL_ACTORS = COMMUNE_ACTORS + REVIEW_ACTORS + DECIDING_ACTORS
BASES = ("none", "none", "current", "current", "stale", "future")
#: Statuses reached by successful transitions across all runs (to see what the machine covers).
REACHED: Counter[str] = Counter()


@dataclass
class Model:
    """What the machine expects to be stored for one assessment."""

    id: int
    unit_id: str
    category: str
    status: str = "draft"
    declared: dict[str, Any] = field(default_factory=dict)
    verified: dict[str, Any] = field(default_factory=dict)
    version: int = 1
    updated_by: str = "admin"
    reviews: dict[int, str] = field(default_factory=dict)
    decision: tuple[str, bool] | None = None  # (outcome, revoked)
    declared_at_submission: dict[str, Any] | None = None
    statuses: list[str] = field(default_factory=lambda: ["draft"])

    @property
    def complete(self) -> bool:
        return set(self.declared) == set(INPUT_NAMES)

    def open_criteria(self) -> list[int]:
        return [n for n in CRITERIA if self.reviews.get(n) not in ("accepted", "adjusted")]

    def verdict(self) -> scoring.ScoreResult:
        return scoring.score(self.verified, CSET, self.category)


@dataclass
class Attempt:
    """One call to the workflow with its predicted outcome."""

    expect: type[Exception] | None


class WorkflowMachine(RuleBasedStateMachine):
    #: set by the tests before running (fixtures cannot reach a state machine directly)
    TEMPLATE: Path
    TARGETS: tuple[tuple[int, str, str], ...]
    PERFECT: dict[str, Any]

    def __init__(self) -> None:
        super().__init__()
        self.dir = Path(tempfile.mkdtemp(prefix="cfc-machine-"))
        path = self.dir / "cfc.db"
        shutil.copy(self.TEMPLATE, path)
        # two connections, as two browser sessions / workers would have
        self.conns = [webdb.connect(path), webdb.connect(path)]
        for db in self.conns:
            db.conn.execute("PRAGMA busy_timeout = 2000")
        self.db = self.conns[0]
        self.models = [Model(aid, uid, cat) for aid, uid, cat in self.TARGETS]
        self.audit_snapshot = self._audit_rows()
        self.seen_versions = {m.id: 1 for m in self.models}
        self._strategies: dict[str, st.SearchStrategy] = {}

    def teardown(self) -> None:
        for db in self.conns:
            db.conn.close()
        shutil.rmtree(self.dir, ignore_errors=True)

    # ------------------------------------------------------------------ helpers

    def _audit_rows(self) -> list[tuple]:
        return [tuple(r) for r in self.db.execute("select * from audit_log order by id").fetchall()]

    def _audit_count(self) -> int:
        return self.db.execute("select count(*) from audit_log").fetchone()[0]

    def _valid(self, name: str) -> st.SearchStrategy[tuple[Any, Any]]:
        """(raw value as a form might send it, the typed value it means), all mutually consistent.

        Denominators stay at or above their perfect value and numerators at or below the
        perfect denominator, so no mix of valid values breaks a numerator ≤ denominator rule.
        """
        if name in self._strategies:
            return self._strategies[name]
        if name in BOOLEANS:
            s = st.sampled_from([(True, True), ("có", True), ("x", True), (1, True), (True, True),
                                 (False, False), ("không", False), ("0", False)])
        else:
            p = self.PERFECT[name]
            if name in DENOMINATORS:
                ints = st.one_of(st.just(p), st.integers(p, p + 20))
            elif name in NUMERATOR_OF:
                ints = st.one_of(st.just(p), st.integers(0, self.PERFECT[NUMERATOR_OF[name]]))
            else:
                ints = st.one_of(st.just(p), st.integers(0, 3))
            s = st.tuples(ints, st.sampled_from(["int", "str", "float", "grouped"])).map(_raw_count)
        self._strategies[name] = s
        return s

    def _base(self, data: st.DataObject, m: Model) -> tuple[int | None, bool]:
        """A base_version for an edit and whether it is stale."""
        kind = data.draw(st.sampled_from(BASES), label="base")
        if kind == "none":
            return None, False
        if kind == "current":
            return m.version, False
        if kind == "future":
            return m.version + 1, True
        return m.version - data.draw(st.integers(1, 3), label="behind"), True

    def _stored(self, m: Model) -> dict[str, Any]:
        return workflow.get(self.db, m.id)

    def _attempt(self, m: Model, attempt: Attempt, call: Callable[[], workflow.Assessment], actor: str,
                 audit_rows: int = 1, writes: bool = True) -> dict[str, Any] | pytest.ExceptionInfo:
        """Run ``call``; check it did what was predicted and (if refused) wrote nothing."""
        before = self._stored(m)
        before_reviews = workflow.reviews(self.db, m.id)
        before_decisions = list(self.db.query("select * from decisions where assessment_id = ?", [m.id]))
        before_count = self._audit_count()
        before_last_id = self.db.execute("select coalesce(max(id), 0) from audit_log").fetchone()[0]
        if attempt.expect is None:
            row = call().row
            if not writes:  # nothing changed: nothing written, the version stays
                assert row == before and self._audit_count() == before_count
                return row
            assert row["version"] == before["version"] + 1 == m.version + 1, "a write bumps the version by 1"
            m.version = row["version"]
            added = self._audit_count() - before_count
            assert added >= audit_rows, f"a successful change added {added} audit rows, expected ≥ {audit_rows}"
            new = self.db.execute("select actor, entity, entity_id from audit_log where id > ?",
                                  [before_last_id]).fetchall()
            assert set(new) <= {(actor, "assessment", str(m.id))}, new
            return row
        with pytest.raises(Exception) as info:
            call()
        assert type(info.value) is attempt.expect, (
            f"expected {attempt.expect.__name__}, got {type(info.value).__name__}: {info.value}")
        after = self._stored(m)
        for key in ("status", "declared", "verified", "version", "updated_by", "updated_at", "recognised"):
            assert after[key] == before[key], f"a refused action changed {key}"
        new_rows = self.db.execute("select action from audit_log where id > ? order by id",
                                   [before_last_id]).fetchall()
        actions = [r[0] for r in new_rows]
        assert not actions, f"a refused action ({type(info.value).__name__}: {info.value}) wrote audit rows {actions}"
        assert workflow.reviews(self.db, m.id) == before_reviews, "a refused action changed a review"
        assert list(self.db.query("select * from decisions where assessment_id = ?", [m.id])) == before_decisions
        return info

    def _succeeded(self, m: Model, row: dict[str, Any], actor: str) -> None:
        m.updated_by = actor
        assert row["updated_by"] == actor

    def _set_status(self, m: Model, status: str) -> None:
        m.status = status
        m.statuses.append(status)
        REACHED[status] += 1

    # ------------------------------------------------------------------ actions

    def _save(self, m: Model, db, actor: str, values: dict[str, Any], typed: dict[str, Any],
              invalid: bool, stale: bool, base: int | None) -> None:
        blanks = {k for k, v in values.items() if v is None or (isinstance(v, str) and not v.strip())}
        new_declared = {k: v for k, v in m.declared.items() if k not in blanks} | typed
        changed = [k for k in set(new_declared) | set(m.declared) if new_declared.get(k) != m.declared.get(k)]
        if m.status not in EDITABLE:
            attempt = Attempt(Locked)
        elif invalid:
            attempt = Attempt(scoring.InvalidInputs)
        elif stale and changed:  # a save that changes nothing loses nothing, stale or not
            attempt = Attempt(StaleEdit)
        else:
            attempt = Attempt(None)
        out = self._attempt(m, attempt, lambda: workflow.save_declared(db, m.id, values, actor, base_version=base),
                            actor, audit_rows=len(changed), writes=bool(changed))
        if attempt.expect is None and changed:
            m.declared = new_declared
            self._succeeded(m, out, actor)
        elif attempt.expect is Locked:
            assert m.status in str(out.value), "the refusal names the status"
        elif attempt.expect is StaleEdit:
            message = str(out.value)
            assert f"version {m.version}" in message and f"based on version {base}" in message, message
            assert out.value.current_version == m.version

    def _submit(self, m: Model, db, actor: str) -> None:
        if m.status not in EDITABLE:
            attempt = Attempt(TransitionRefused)
        elif not m.complete:
            attempt = Attempt(scoring.InvalidInputs)
        else:
            attempt = Attempt(None)
        out = self._attempt(m, attempt, lambda: workflow.submit(db, m.id, actor), actor)
        if attempt.expect is scoring.InvalidInputs:
            missing = {p.field for p in out.value.problems if p.code == "missing"}
            assert missing == set(INPUT_NAMES) - set(m.declared)
        if attempt.expect is None:
            verified = dict(m.declared)
            if m.status == "returned":  # criteria changed since the last submission are reviewed again;
                previous = m.declared_at_submission or {}  # the others keep their review and verified values
                m.reviews = {c: st_ for c, st_ in m.reviews.items() if all(
                    m.declared.get(n) == previous.get(n) for n in CRITERION_INPUTS[c])}
                verified |= {n: m.verified[n] for c in m.reviews for n in CRITERION_INPUTS[c] if n in m.verified}
            self._set_status(m, "submitted" if m.status == "draft" else "resubmitted")
            m.verified = verified
            m.declared_at_submission = dict(m.declared)
            self._succeeded(m, out, actor)

    def _review(self, m: Model, db, actor: str, criterion: int, status: str, comment: str | None,
                adjusted: dict[str, Any] | None, typed: dict[str, Any], outside: bool, invalid: bool,
                stale: bool, base: int | None) -> None:
        if status not in workflow.REVIEW_STATUSES:
            attempt = Attempt(TransitionRefused)
        elif status != "accepted" and not (comment or "").strip():
            attempt = Attempt(TransitionRefused)
        elif m.status not in UNDER_REVIEW:
            attempt = Attempt(Locked)
        elif adjusted and status != "adjusted":
            attempt = Attempt(TransitionRefused)
        elif adjusted and outside:
            attempt = Attempt(TransitionRefused)
        elif adjusted and invalid:
            attempt = Attempt(scoring.InvalidInputs)
        elif stale:
            attempt = Attempt(StaleEdit)
        else:
            attempt = Attempt(None)
        new_verified = m.verified | typed
        changed = sum(1 for k in typed if typed[k] != m.verified.get(k))
        out = self._attempt(m, attempt, lambda: workflow.review_criterion(
            db, m.id, criterion, status, actor, comment=comment, adjusted=adjusted, base_version=base),
            actor, audit_rows=changed + 1)
        if attempt.expect is None:
            m.verified = new_verified
            m.reviews[criterion] = status
            self._succeeded(m, out, actor)
        elif attempt.expect is Locked:
            assert m.status in str(out.value)

    def _return(self, m: Model, db, actor: str, comment: str) -> None:
        if not comment.strip() or m.status not in UNDER_REVIEW:
            attempt = Attempt(TransitionRefused)
        else:
            attempt = Attempt(None)
        out = self._attempt(m, attempt, lambda: workflow.return_for_clarification(db, m.id, actor, comment),
                            actor)
        if attempt.expect is None:
            self._set_status(m, "returned")
            self._succeeded(m, out, actor)

    def _verify(self, m: Model, db, actor: str) -> None:
        open_ = m.open_criteria()
        attempt = Attempt(TransitionRefused if m.status not in UNDER_REVIEW or open_ else None)
        out = self._attempt(m, attempt, lambda: workflow.verify(db, m.id, actor), actor)
        if attempt.expect is None:
            self._set_status(m, "verified")
            self._succeeded(m, out, actor)
        elif m.status in UNDER_REVIEW:
            listed = re.search(r"criteria ([\d, ]+) are not yet", str(out.value))
            assert listed, str(out.value)
            assert [int(n) for n in listed.group(1).split(",")] == open_

    def _decide(self, m: Model, db, actor: str, recognised: bool, reason: str | None) -> None:
        failing: list[str] = []
        if m.status != "verified":
            attempt = Attempt(TransitionRefused)
        elif recognised and not m.verdict().recognised:
            failing = [c.id for c in m.verdict().failed_conditions]
            attempt = Attempt(TransitionRefused)
        elif not recognised and not (reason or "").strip():
            attempt = Attempt(TransitionRefused)
        else:
            attempt = Attempt(None)
        out = self._attempt(m, attempt, lambda: workflow.decide(db, m.id, actor, recognised, reason), actor)
        if attempt.expect is None:
            outcome = "recognised" if recognised else "not_recognised"
            self._set_status(m, outcome)
            m.decision = (outcome, False)
            self._succeeded(m, out, actor)
        else:
            for condition in failing:
                assert condition in str(out.value), (condition, str(out.value))

    def _reopen(self, m: Model, db, actor: str, reason: str) -> None:
        ok = reason.strip() and m.status in ("verified", "not_recognised")
        attempt = Attempt(None if ok else TransitionRefused)
        out = self._attempt(m, attempt, lambda: workflow.reopen(db, m.id, actor, reason), actor)
        if attempt.expect is None:
            self._set_status(m, "resubmitted")
            m.decision = None
            self._succeeded(m, out, actor)

    def _revoke(self, m: Model, db, actor: str, reason: str) -> None:
        ok = reason.strip() and m.status == "recognised"
        attempt = Attempt(None if ok else TransitionRefused)
        out = self._attempt(m, attempt, lambda: workflow.revoke(db, m.id, actor, reason), actor)
        if attempt.expect is None:
            self._set_status(m, "revoked")
            m.decision = ("recognised", True)
            self._succeeded(m, out, actor)

    # ------------------------------------------------------------------ rules

    def _pick(self, data: st.DataObject, actors: tuple[str, ...] = ALL_ACTORS):
        # mostly the first two, so that a run takes them far along the workflow
        m = self.models[data.draw(st.sampled_from([0, 0, 1, 1, 2]), label="assessment")]
        db = self.conns[data.draw(st.integers(0, 1), label="connection")]
        return m, db, data.draw(st.sampled_from(actors), label="actor")

    @rule(data=st.data())
    def save_declared(self, data: st.DataObject) -> None:
        m, db, actor = self._pick(data, COMMUNE_ACTORS + REVIEW_ACTORS[:1])
        fields = data.draw(st.lists(st.sampled_from(INPUT_NAMES), min_size=1, max_size=8, unique=True),
                           label="fields")
        values, typed = {}, {}
        for name in fields:
            if data.draw(st.integers(0, 7), label="blank?") == 0:
                values[name] = data.draw(st.sampled_from([None, "", "   "]), label="blank")
            else:
                values[name], typed[name] = data.draw(self._valid(name), label=name)
        invalid = False
        kind = data.draw(st.sampled_from(["none"] * 5 + ["negative", "text", "fraction", "bool-count",
                                                           "not-boolean", "unknown", "pair", "exceeds"]),
                         label="invalid")
        if kind == "exceeds":
            stored = [n for n, d in NUMERATOR_OF.items() if d in m.declared and d not in values]
            if stored:
                num = data.draw(st.sampled_from(sorted(stored)), label="numerator")
                values[num] = m.declared[NUMERATOR_OF[num]] + 1
                typed.pop(num, None)
                invalid = True
            else:
                kind = "negative"
        if kind != "none" and not invalid:
            invalid = True
            if kind in ("negative", "text", "fraction", "bool-count"):
                name = data.draw(st.sampled_from(COUNTS), label="bad field")
                values[name] = {"negative": -1, "text": "mười", "fraction": 2.5, "bool-count": True}[kind]
                typed.pop(name, None)
            elif kind == "not-boolean":
                name = data.draw(st.sampled_from(BOOLEANS), label="bad field")
                values[name] = "có lẽ"
                typed.pop(name, None)
            elif kind == "unknown":
                values["khong_phai_chi_so"] = 1
            else:  # numerator above its denominator in the same save
                num = data.draw(st.sampled_from(sorted(NUMERATOR_OF)), label="numerator")
                den = NUMERATOR_OF[num]
                values[den], values[num] = 10, 11
                typed.pop(den, None)
                typed.pop(num, None)
        base, stale = self._base(data, m)
        self._save(m, db, actor, values, typed, invalid, stale, base)

    @rule(data=st.data())
    def save_whole_declaration(self, data: st.DataObject) -> None:
        """Fill in the whole form (mostly the perfect values: recognition stays reachable)."""
        m, db, actor = self._pick(data, COMMUNE_ACTORS)
        values, typed = dict(self.PERFECT), dict(self.PERFECT)
        for name in data.draw(st.lists(st.sampled_from(INPUT_NAMES), max_size=3, unique=True), label="varied"):
            values[name], typed[name] = data.draw(self._valid(name), label=name)
        base, stale = self._base(data, m)
        self._save(m, db, actor, values, typed, False, stale, base)

    @rule(data=st.data())
    def submit(self, data: st.DataObject) -> None:
        m, db, actor = self._pick(data, COMMUNE_ACTORS + DECIDING_ACTORS[:1])
        self._submit(m, db, actor)

    @rule(data=st.data())
    def review_criterion(self, data: st.DataObject) -> None:
        m, db, actor = self._pick(data, REVIEW_ACTORS + COMMUNE_ACTORS[:1])
        criterion = data.draw(st.sampled_from(CRITERIA), label="criterion")
        status = data.draw(st.sampled_from(["accepted", "accepted", "adjusted", "adjusted",
                                            "needs_clarification", "rejected"]), label="status")
        comment = data.draw(st.sampled_from([None, "", "  ", "Đã đối chiếu hồ sơ", "Số liệu chưa khớp sổ"]),
                            label="comment")
        adjusted: dict[str, Any] | None = None
        typed: dict[str, Any] = {}
        outside = invalid = False
        if data.draw(st.booleans(), label="adjust?"):
            names = data.draw(st.lists(st.sampled_from(CRITERION_INPUTS[criterion]), min_size=1, unique=True),
                              label="adjusted fields")
            adjusted = {}
            for name in names:
                adjusted[name], typed[name] = data.draw(self._valid(name), label=name)
            twist = data.draw(st.sampled_from(["none", "none", "none", "outside", "invalid"]), label="twist")
            if twist == "outside":
                others = sorted(set(INPUT_NAMES) - set(CRITERION_INPUTS[criterion]))
                name = data.draw(st.sampled_from(others), label="outside field")
                adjusted[name] = self.PERFECT[name]
                outside = True
            elif twist == "invalid":
                name = data.draw(st.sampled_from(names), label="invalid field")
                adjusted[name] = -1 if name in COUNTS else "có lẽ"
                invalid = True
        if status != "adjusted" or outside or invalid:
            typed = {}
        base, stale = self._base(data, m)
        self._review(m, db, actor, criterion, status, comment, adjusted, typed, outside, invalid, stale, base)

    @rule(data=st.data())
    def review_all_accepted(self, data: st.DataObject) -> None:
        m, db, actor = self._pick(data, REVIEW_ACTORS)
        for criterion in CRITERIA:
            self._review(m, db, actor, criterion, "accepted", None, None, {}, False, False, False, None)
            if m.status not in UNDER_REVIEW:
                break

    @rule(data=st.data())
    def return_for_clarification(self, data: st.DataObject) -> None:
        m, db, actor = self._pick(data, REVIEW_ACTORS)
        comment = data.draw(st.sampled_from(["", "   ", "Bổ sung biên bản họp ban bảo vệ trẻ em"]), label="comment")
        self._return(m, db, actor, comment)

    @rule(data=st.data())
    def verify(self, data: st.DataObject) -> None:
        m, db, actor = self._pick(data, REVIEW_ACTORS)
        self._verify(m, db, actor)

    @rule(data=st.data())
    def decide(self, data: st.DataObject) -> None:
        m, db, actor = self._pick(data, DECIDING_ACTORS)
        recognised = data.draw(st.booleans(), label="recognised")
        reason = data.draw(st.sampled_from([None, "", "Chưa đạt tiêu chí 2", "Đạt chuẩn"]), label="reason")
        self._decide(m, db, actor, recognised, reason)

    @rule(data=st.data())
    def reopen(self, data: st.DataObject) -> None:
        m, db, actor = self._pick(data, DECIDING_ACTORS + REVIEW_ACTORS)
        reason = data.draw(st.sampled_from(["", " ", "Phát hiện sai sót số liệu"]), label="reason")
        self._reopen(m, db, actor, reason)

    @rule(data=st.data())
    def revoke(self, data: st.DataObject) -> None:
        m, db, actor = self._pick(data, DECIDING_ACTORS)
        reason = data.draw(st.sampled_from(["", "  ", "Kết quả kiểm tra lại không đạt"]), label="reason")
        self._revoke(m, db, actor, reason)

    @rule(data=st.data())
    def advance(self, data: st.DataObject) -> None:
        """The natural next transitions of one assessment, so that later states are reached often."""
        m, db, _ = self._pick(data)
        for _ in range(data.draw(st.integers(1, 8), label="steps")):
            self._advance_once(data, m, db)

    def _advance_once(self, data: st.DataObject, m: Model, db) -> None:
        detour = data.draw(st.integers(0, 3), label="detour") == 0
        if m.status in EDITABLE and (not m.complete or (detour and m.status == "returned")):
            values = dict(self.PERFECT)
            if detour:  # the commune corrects something before resubmitting
                name = data.draw(st.sampled_from(INPUT_NAMES), label="corrected")
                values[name] = data.draw(self._valid(name), label=name)[1]
            self._save(m, db, COMMUNE_ACTORS[0], values, dict(values), False, False, None)
        elif m.status in EDITABLE:
            self._submit(m, db, COMMUNE_ACTORS[1])
        elif m.status in UNDER_REVIEW and detour:
            self._return(m, db, REVIEW_ACTORS[1], "Đề nghị bổ sung minh chứng tiêu chí 6")
        elif m.status in UNDER_REVIEW and m.open_criteria():
            for criterion in m.open_criteria():
                self._review(m, db, REVIEW_ACTORS[0], criterion, "accepted", None, None, {},
                             False, False, False, m.version)
        elif m.status in UNDER_REVIEW:
            self._verify(m, db, REVIEW_ACTORS[1])
        elif m.status == "verified":
            ok = m.verdict().recognised and data.draw(st.booleans(), label="recognise?")
            self._decide(m, db, DECIDING_ACTORS[0], ok, None if ok else "Không đạt điều kiện")
        elif m.status == "recognised":
            self._revoke(m, db, DECIDING_ACTORS[1], "Thu hồi theo kết quả hậu kiểm")
        elif m.status == "not_recognised":
            self._reopen(m, db, REVIEW_ACTORS[0], "Xem xét lại")
        else:  # revoked: nothing more can happen to it
            self._submit(m, db, COMMUNE_ACTORS[0])

    @rule(data=st.data())
    def advance_another(self, data: st.DataObject) -> None:
        """The same as ``advance`` (a second rule doubles how often it is chosen)."""
        self.advance(data)

    # ------------------------------------------------------------------ invariants

    @invariant()
    def invariants(self) -> None:
        """All the checks, after every step (one read of each assessment, to keep runs fast)."""
        self._audit_log_only_grows()
        for m in self.models:
            row = self._stored(m)
            decisions = list(self.db.query("select * from decisions where assessment_id = ?", [m.id]))
            self._stored_state_matches_model(m, row)
            self._declaration_frozen_from_submission_until_return(m, row)
            self._recognised_only_after_verified_and_with_flag(m, row)
            self._live_recognition_iff_recognised(m, decisions)
            self._versions_never_go_back(m, row)

    def _stored_state_matches_model(self, m: Model, row: dict[str, Any]) -> None:
        assert row["status"] == m.status
        assert row["declared"] == m.declared
        assert row["verified"] == m.verified
        assert row["version"] == m.version
        assert row["updated_by"] == m.updated_by
        assert {c: r["status"] for c, r in workflow.reviews(self.db, m.id).items()} == m.reviews
        if m.version == 1:  # as the round created it: never scored
            assert (row["declared_total"], row["verified_total"], row["recognised"]) == (None, None, None)
            return
        declared = scoring.score(m.declared, CSET, m.category, partial=True)
        assert row["declared_total"] == declared.total
        if m.verified:
            verified = scoring.score(m.verified, CSET, m.category, partial=True)
            assert (row["verified_total"], row["recognised"]) == (verified.total, int(verified.recognised))
        else:
            assert (row["verified_total"], row["recognised"]) == (None, int(declared.recognised))

    @staticmethod
    def _declaration_frozen_from_submission_until_return(m: Model, row: dict[str, Any]) -> None:
        if m.status not in EDITABLE:
            assert m.declared_at_submission is not None
            assert row["declared"] == m.declared_at_submission, "the declaration changed after submission"

    def _recognised_only_after_verified_and_with_flag(self, m: Model, row: dict[str, Any]) -> None:
        if row["status"] == "recognised":
            assert row["recognised"] == 1
        changes = [(r["old"], r["new"]) for r in self.db.query(
            "select old, new from audit_log where entity = 'assessment' and entity_id = ? "
            "and action = 'status' order by id", [str(m.id)])]
        assert [new for _old, new in changes] == m.statuses[1:], "status history (audit log) differs"
        for old, new in changes:
            if new == "recognised":
                assert old == "verified", "recognised without being verified just before"
        if row["status"] in ("recognised", "not_recognised", "revoked"):
            assert "verified" in m.statuses

    def _audit_log_only_grows(self) -> None:
        rows = self._audit_rows()
        old = self.audit_snapshot
        assert len(rows) >= len(old), "the audit log shrank"
        assert rows[: len(old)] == old, "an earlier audit row changed or disappeared"
        ids = [r[0] for r in rows]
        assert ids == sorted(set(ids))
        self.audit_snapshot = rows

    @staticmethod
    def _live_recognition_iff_recognised(m: Model, decisions: list[dict[str, Any]]) -> None:
        live = [d for d in decisions if d["outcome"] == "recognised" and d["revoked_at"] is None]
        assert bool(live) == (m.status == "recognised"), "a live recognition exists iff recognised"
        stored = None if not decisions else (decisions[0]["outcome"], decisions[0]["revoked_at"] is not None)
        assert stored == m.decision

    def _versions_never_go_back(self, m: Model, row: dict[str, Any]) -> None:
        assert row["version"] >= self.seen_versions[m.id]
        self.seen_versions[m.id] = row["version"]


def _raw_count(pair: tuple[int, str]) -> tuple[Any, int]:
    value, form = pair
    raw: Any = {"int": value, "str": str(value), "float": float(value),
                "grouped": f"{value:,}".replace(",", ".")}[form]
    return raw, value


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, tuple[tuple[int, str, str], ...]]:
    """A database with Cao Bằng's units and a 2025 round; targets: one phường and two xã."""
    path = tmp_path_factory.mktemp("machine-template") / "template.db"
    db = webdb.connect(path)
    try:
        units.load_cao_bang(db)
        round_id = rounds.create_round(db, name="Đánh giá 2025", year=2025, cset=CSET,
                                       unit_set=units.CAO_BANG_2025, actor="admin")
        rows = list(db.query(
            "select a.id, a.unit_id, u.type, u.category from assessments a join units u on u.id = a.unit_id "
            "where a.round_id = ? order by a.id", [round_id]))
        phuong = [r for r in rows if r["type"] == "phuong"][:1]
        xa = [r for r in rows if r["type"] == "xa"][:2]
        targets = tuple((r["id"], r["unit_id"], r["category"]) for r in phuong + xa)
    finally:
        db.conn.close()
    assert not path.with_name(path.name + "-wal").exists() or path.with_name(path.name + "-wal").stat().st_size == 0
    assert {cat for _i, _u, cat in targets} == {"other", "mountain-island"}
    return path, targets


MACHINE_SETTINGS = settings(max_examples=30, stateful_step_count=25, deadline=None,
                            suppress_health_check=[HealthCheck.too_slow])


def _configure(machine: type[WorkflowMachine], template, perfect_inputs) -> None:
    machine.TEMPLATE, machine.TARGETS = template
    machine.PERFECT = dict(perfect_inputs)


def test_workflow_machine(template, perfect_inputs) -> None:
    _configure(WorkflowMachine, template, perfect_inputs)
    REACHED.clear()
    run_state_machine_as_test(WorkflowMachine, settings=MACHINE_SETTINGS)
    # the machine must actually get deep into the workflow, not only bounce off refusals
    for status in ("submitted", "returned", "resubmitted", "verified", "recognised", "revoked"):
        assert REACHED[status] > 0, (status, REACHED)
