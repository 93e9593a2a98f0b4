"""Recognition conditions, judged one by one from the criteria set's data."""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Protocol

from criteria.schema import Category, CriteriaSet


class ScoredCriterion(Protocol):
    """What judging needs of a criterion's result (``result.CriterionResult`` has it; no import circle)."""

    number: int
    name_vi: str
    name_en: str
    points: int


@dataclass(slots=True, frozen=True)
class ConditionResult:
    """One recognition condition judged on its own, with the numbers behind it."""

    id: str
    kind: str
    text_vi: str
    text_en: str
    passed: bool
    actual: int
    required: str
    verified: bool

    def to_dict(self, lang: str = "vi") -> dict[str, Any]:
        return {"id": self.id, "kind": self.kind, "text": self.text_vi if lang == "vi" else self.text_en,
                "passed": self.passed, "actual": self.actual, "required": self.required,
                "verified": self.verified}


def condition_id(kind: str, number: int | None = None) -> str:
    """``criterion-3-above-zero`` or ``total-at-least-threshold``: stable ids for storage and APIs."""
    return f"criterion-{number}-above-zero" if kind == "every_criterion_above_zero" else "total-at-least-threshold"


def failed_ids(cset: CriteriaSet, criterion_points: Iterable[int], total: int, threshold: int) -> list[str]:
    """The ids of the failing conditions, without building their texts (for storage)."""
    failed = []
    for cond in cset.recognition:
        if cond.kind == "every_criterion_above_zero":
            failed += [condition_id(cond.kind, c.number) for c, points in zip(cset.criteria, criterion_points)
                       if points <= 0]
        elif total < threshold:
            failed.append(condition_id(cond.kind))
    return failed


def judge(cset: CriteriaSet, criteria: Iterable[ScoredCriterion], total: int,
          category: Category) -> tuple[ConditionResult, ...]:
    """Every condition of ``cset.recognition`` with pass/fail and the numbers behind it.

    ``every_criterion_above_zero`` becomes one condition per criterion, so a refusal names
    the criterion that scored 0.
    """
    out: list[ConditionResult] = []
    for cond in cset.recognition:
        if cond.kind == "every_criterion_above_zero":
            for crit in criteria:
                out.append(ConditionResult(
                    condition_id(cond.kind, crit.number), cond.kind,
                    f"Tiêu chí {crit.number} ({crit.name_vi}) đạt điểm (không bị 0 điểm)",
                    f"Criterion {crit.number} ({crit.name_en}) scores points (not 0)",
                    crit.points > 0, crit.points, "> 0", cond.verified))
        else:  # total_at_least_threshold
            out.append(ConditionResult(
                condition_id(cond.kind), cond.kind,
                f"{cond.text.vi} ({category.name.vi}): tổng điểm ≥ {category.threshold}",
                f"{cond.text.en} ({category.name.en}): total ≥ {category.threshold}",
                total >= category.threshold, total, f"≥ {category.threshold}",
                cond.verified and category.verified))
    return tuple(out)
