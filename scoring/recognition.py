"""Recognition conditions, judged one by one from the criteria set's data."""
from __future__ import annotations

from collections.abc import Iterable

from criteria.schema import Category, CriteriaSet

from .result import ConditionResult, CriterionResult


def judge(cset: CriteriaSet, criteria: Iterable[CriterionResult], total: int,
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
                    f"criterion-{crit.number}-above-zero", cond.kind,
                    f"Tiêu chí {crit.number} ({crit.name_vi}) trên 0 điểm",
                    f"Criterion {crit.number} ({crit.name_en}) above 0 points",
                    crit.points > 0, crit.points, "> 0", cond.verified))
        else:  # total_at_least_threshold
            out.append(ConditionResult(
                "total-at-least-threshold", cond.kind,
                f"{cond.text.vi} ({category.name.vi}): tổng điểm ≥ {category.threshold}",
                f"{cond.text.en} ({category.name.en}): total ≥ {category.threshold}",
                total >= category.threshold, total, f"≥ {category.threshold}",
                cond.verified and category.verified))
    return tuple(out)
