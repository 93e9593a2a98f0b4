"""Impact of a criteria revision: every unit re-scored under two criteria sets, side by side.

``compare(units, base_set, other_set)`` scores each unit's values under both sets (drafts
score as incomplete, never recognised) and says, for each unit whose verdict changes, which
recognition conditions changed and why ("criterion 3 now 0", "total 845 < new threshold 850").
Pure and deterministic: no I/O, units kept in the order given.
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from criteria import CriteriaSet, content_hash

from .engine import scorer_for
from .errors import InvalidInputs, UnknownCategory
from .result import ScoreResult

UnitInput = tuple[str, str, str, Mapping[str, Any]]
"""(unit_id, name, category, values)."""


@dataclass(frozen=True)
class Reason:
    """Why one recognition condition turned out differently under the other set."""

    condition: str
    text_en: str
    text_vi: str

    def to_dict(self) -> dict[str, str]:
        return {"condition": self.condition, "text_en": self.text_en, "text_vi": self.text_vi}


@dataclass(frozen=True)
class Side:
    """One unit's result under one criteria set (``error`` when it could not be scored)."""

    recognised: bool
    total: int | None
    threshold: int | None
    complete: bool
    failed: tuple[str, ...]
    criteria: tuple[tuple[int, int], ...]
    error: str | None = None
    error_vi: str | None = None
    """The error as a person reads it: labels, not input ids."""

    def to_dict(self) -> dict[str, Any]:
        return {"recognised": self.recognised, "total": self.total, "threshold": self.threshold,
                "complete": self.complete, "failed_conditions": list(self.failed),
                "criteria": {str(n): p for n, p in self.criteria}, "error": self.error}


@dataclass(frozen=True)
class UnitImpact:
    unit_id: str
    name: str
    category: str
    base: Side
    other: Side
    reasons: tuple[Reason, ...]
    criterion_changes: tuple[tuple[int, int, int], ...]
    """(criterion number, points under base, points under other) for every criterion that moved."""

    @property
    def changed(self) -> bool:
        return self.base.recognised != self.other.recognised

    @property
    def gained(self) -> bool:
        return self.other.recognised and not self.base.recognised

    @property
    def lost(self) -> bool:
        return self.base.recognised and not self.other.recognised

    @property
    def total_delta(self) -> int | None:
        if self.base.total is None or self.other.total is None:
            return None
        return self.other.total - self.base.total

    def to_dict(self) -> dict[str, Any]:
        return {"unit_id": self.unit_id, "name": self.name, "category": self.category,
                "base": self.base.to_dict(), "other": self.other.to_dict(),
                "changed": self.changed, "gained": self.gained, "lost": self.lost,
                "total_delta": self.total_delta,
                "reasons": [r.to_dict() for r in self.reasons],
                "criterion_changes": [{"criterion": n, "base": b, "other": o}
                                      for n, b, o in self.criterion_changes]}


@dataclass(frozen=True)
class ImpactReport:
    base_set: dict[str, str]
    other_set: dict[str, str]
    units: tuple[UnitImpact, ...]
    counts: dict[str, int] = field(default_factory=dict)

    @property
    def changed(self) -> list[UnitImpact]:
        """Units whose verdict differs between the two sets, in input order."""
        return [u for u in self.units if u.changed]

    def rows(self, only_changed: bool = True) -> list[dict[str, Any]]:
        """Table-ready rows: one per unit (by default only those whose verdict changes)."""
        return [{"unit_id": u.unit_id, "name": u.name, "category": u.category,
                 "base_recognised": u.base.recognised, "other_recognised": u.other.recognised,
                 "base_total": u.base.total, "other_total": u.other.total,
                 "base_threshold": u.base.threshold, "other_threshold": u.other.threshold,
                 "change": "gained" if u.gained else "lost" if u.lost else "unchanged",
                 "reasons_en": [r.text_en for r in u.reasons], "reasons_vi": [r.text_vi for r in u.reasons]}
                for u in self.units if u.changed or not only_changed]

    def to_dict(self) -> dict[str, Any]:
        return {"base_set": self.base_set, "other_set": self.other_set, "counts": dict(self.counts),
                "changed": [u.to_dict() for u in self.changed],
                "units": [u.to_dict() for u in self.units]}


def _describe(cset: CriteriaSet) -> dict[str, str]:
    return {"id": cset.id, "version": cset.version, "hash": content_hash(cset), "title": cset.title.vi}


def _score(cset: CriteriaSet, values: Mapping[str, Any], category: str) -> tuple[Side, ScoreResult | None]:
    scorer = scorer_for(cset)
    try:
        threshold = scorer.category(category).threshold
        result = scorer.score(dict(values), category, partial=True)
    except UnknownCategory as exc:
        return Side(False, None, None, False, (), (), str(exc), "loại đơn vị không có trong bộ tiêu chí này"), None
    except InvalidInputs as exc:
        problems = "; ".join(f"{p.field}: {p.message('en')}" for p in exc.problems)
        problems_vi = "; ".join(f"«{_label(cset, p.field)}» {p.message('vi')}" for p in exc.problems)
        return Side(False, None, threshold, False, (), (), f"invalid inputs: {problems}",
                    f"số liệu không hợp lệ: {problems_vi}"), None
    summary = result.summary()
    crit = tuple((c.number, p) for c, p in zip(cset.criteria, result.criterion_points))
    return Side(bool(result.recognised), result.total, threshold, bool(result.complete),
                tuple(summary["failed_conditions"]), crit), result


def _label(cset: CriteriaSet, field: str) -> str:
    spec = cset.inputs.get(field)
    return spec.label.vi if spec is not None else field


def _reasons(base: Side, other: Side, rb: ScoreResult | None, ro: ScoreResult | None) -> tuple[Reason, ...]:
    """The conditions whose outcome differs, each said in English and Vietnamese."""
    out: list[Reason] = []
    if other.error and not base.error:
        return (Reason("error", f"cannot be scored: {other.error}", f"không chấm được: {other.error_vi}"),)
    if base.error and not other.error:
        out.append(Reason("error", f"could not be scored before: {base.error}",
                          f"trước đây không chấm được: {base.error_vi}"))
    if rb is None or ro is None:
        return tuple(out)
    if base.complete != other.complete:
        out.append(Reason("complete", "data now complete" if other.complete else "data now incomplete",
                          "số liệu nay đủ" if other.complete else "số liệu nay thiếu"))
    conds_b = {c.id: c for c in rb.conditions}
    conds_o = {c.id: c for c in ro.conditions}
    order = list(conds_b) + [cid for cid in conds_o if cid not in conds_b]
    for cid in order:
        cb, co = conds_b.get(cid), conds_o.get(cid)
        passed_b = cb.passed if cb is not None else True
        passed_o = co.passed if co is not None else True
        if passed_b == passed_o:
            continue
        if co is None:  # the condition does not exist in the other set
            out.append(Reason(cid, f"condition {cid} no longer applies",
                              f"điều kiện «{cb.text_vi if cb is not None else cid}» không còn áp dụng"))
            continue
        if co.kind == "every_criterion_above_zero":
            number = cid.split("-")[1]
            if passed_o:
                out.append(Reason(cid, f"criterion {number} now {co.actual} > 0",
                                  f"tiêu chí {number} nay {co.actual} điểm > 0"))
            else:
                out.append(Reason(cid, f"criterion {number} now 0", f"tiêu chí {number} nay 0 điểm"))
            continue
        new_thr, old_thr = other.threshold, base.threshold
        word_en = "new threshold" if new_thr != old_thr else "threshold"
        word_vi = "ngưỡng mới" if new_thr != old_thr else "ngưỡng"
        sign = "≥" if passed_o else "<"
        out.append(Reason(cid, f"total {co.actual} {sign} {word_en} {new_thr}",
                          f"tổng điểm {co.actual} {sign} {word_vi} {new_thr}"))
    return tuple(out)


def compare(units: Iterable[UnitInput], base_set: CriteriaSet, other_set: CriteriaSet) -> ImpactReport:
    """Re-score every unit under ``base_set`` and ``other_set`` and explain each changed verdict."""
    impacts = []
    for unit_id, name, category, values in units:
        base, rb = _score(base_set, values, category)
        other, ro = _score(other_set, values, category)
        b_points, o_points = dict(base.criteria), dict(other.criteria)
        moved = tuple((n, b_points[n], o_points[n]) for n in sorted(set(b_points) & set(o_points))
                      if b_points[n] != o_points[n])
        differs = (base.recognised, base.failed, base.error, base.complete) != \
            (other.recognised, other.failed, other.error, other.complete)
        reasons = _reasons(base, other, rb, ro) if differs else ()
        impacts.append(UnitImpact(unit_id, name, category, base, other, reasons, moved))
    counts = {
        "units": len(impacts),
        "recognised_base": sum(u.base.recognised for u in impacts),
        "recognised_other": sum(u.other.recognised for u in impacts),
        "gained": sum(u.gained for u in impacts),
        "lost": sum(u.lost for u in impacts),
        "errors": sum(bool(u.base.error or u.other.error) for u in impacts),
    }
    return ImpactReport(_describe(base_set), _describe(other_set), tuple(impacts), counts)
