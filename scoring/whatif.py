"""What-if advice for a unit that is not recognised: what fails and the cheapest fixes.

For every item below its maximum the next band up is computed exactly, with the input
change it needs ("2 more percentage points, i.e. 2 more children fully immunised").
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

from criteria.schema import Band, Item, Text

from .engine import scorer_for
from .numbers import format_number
from .result import ConditionResult, ItemResult, ScoreResult, band_label, unit_symbol
from .rules import band_bounds


@dataclass(frozen=True)
class Suggestion:
    """Reaching the next band of one item: the points gained and the input change needed."""

    item: Item
    criterion: int
    points: int
    target_points: int
    lifts_zero_criterion: bool
    input: str | None = None
    input_label: Text | None = None
    current: int | None = None
    required: int | None = None
    target_band: Band | None = None
    current_value: Fraction | None = None
    target_value: Fraction | None = None

    @property
    def gain(self) -> int:
        return self.target_points - self.points

    def message(self, lang: str = "vi") -> str:
        """``Tiêu chí 7, mục 7.1: cần tăng 2 điểm phần trăm (96% → ≥ 98%; …) → 50 điểm (+15)``."""
        rule, unit = self.item.rule, unit_symbol(self.item)
        name = self.input_label and self.input_label.of(lang)
        target = band_label(self.target_band, unit, lang) if self.target_band else ""
        head = (f"Tiêu chí {self.criterion}, mục {self.item.id}" if lang == "vi"
                else f"Criterion {self.criterion}, item {self.item.id}")
        gain = f"{self.target_points} {'điểm' if lang == 'vi' else 'points'} (+{self.gain})"
        if self.required is None:
            what = ("chuyển sang «Có»" if lang == "vi" else "change to Yes") if rule.kind in ("yes_no", "checklist") \
                else ("chấm thêm điểm" if lang == "vi" else "award more points")
            return f"{head}: {what} → {gain}"
        change = self.required - (self.current or 0)
        verb = ("thêm" if change > 0 else "giảm") if lang == "vi" else ("more" if change > 0 else "fewer")
        count = f"{name}: {verb} {abs(change)}" if lang == "vi" else f"{name}: {abs(change)} {verb}"
        if self.current_value is None or self.target_value is None:
            return f"{head}: {count} ({target}) → {gain}"
        distance = abs(self.target_value - self.current_value)
        shown = format_number(self.current_value, 2, lang) + unit
        vi = lang == "vi"
        if rule.kind == "rate_bands":
            pp = format_number(distance, 2, lang)
            how = (f"cần {'tăng' if change > 0 else 'giảm'} {pp} điểm phần trăm" if vi
                   else f"needs {pp} {'more' if change > 0 else 'fewer'} percentage points")
            now = f"hiện {shown}, cần {target}" if vi else f"now {shown}, needs {target}"
        else:  # «cần giảm xuống 0‰ (hiện 0,36‰; …)»
            goal = target.removeprefix("bằng ").removeprefix("= ")
            how = (f"cần {'tăng lên' if change > 0 else 'giảm xuống'} {goal}" if vi
                   else f"needs to {'rise' if change > 0 else 'fall'} to {goal}")
            now = f"hiện {shown}" if vi else f"now {shown}"
        return f"{head}: {how} ({now}; {count}) → {gain}"


@dataclass(frozen=True)
class GapAnalysis:
    """Failing conditions, points still needed, and suggestions ordered cheapest first."""

    recognised: bool
    failing: tuple[ConditionResult, ...]
    points_needed: int
    available: dict[int, int]
    suggestions: tuple[Suggestion, ...] = field(default_factory=tuple)

    def to_dict(self, lang: str = "vi") -> dict[str, Any]:
        return {
            "recognised": self.recognised,
            "failing_conditions": [c.to_dict(lang) for c in self.failing],
            "points_needed": self.points_needed,
            "points_available": {str(k): v for k, v in self.available.items()},
            "suggestions": [
                {"item": s.item.id, "criterion": s.criterion, "points": s.points,
                 "target_points": s.target_points, "gain": s.gain, "input": s.input,
                 "current": s.current, "required": s.required, "message": s.message(lang)}
                for s in self.suggestions
            ],
        }


def gap_analysis(result: ScoreResult) -> GapAnalysis:
    """What stands between ``result`` and recognition, with the next band of every item."""
    needed = max(0, result.category.threshold - result.total)
    zero = {n for n, c in result.criteria.items() if c.points == 0}
    labels = {name: spec.label for name, spec in result.criteria_set.inputs.items()}
    suggestions = [s for r in result.items.values()
                   if (s := _next_step(r, result, labels, r.criterion in zero)) is not None]

    def order(s: Suggestion) -> tuple[int, int, int]:
        effort = abs((s.required or 0) - (s.current or 0))  # how much an input must change
        if s.lifts_zero_criterion:
            return (0, -s.gain, effort)
        if needed and s.gain >= needed:
            return (1, s.gain, effort)  # closes the gap alone: the smallest sufficient step first
        return (2, -s.gain, effort)

    suggestions.sort(key=order)
    available = {n: c.max_points - c.points for n, c in result.criteria.items()}
    return GapAnalysis(result.recognised, tuple(result.failed_conditions), needed, available,
                       tuple(suggestions))


def _next_step(r: ItemResult, result: ScoreResult, labels: dict[str, Text],
               lifts_zero: bool) -> Suggestion | None:
    item, rule, inputs = r.item, r.item.rule, result.inputs
    if r.points >= item.max_points:
        return None
    base = dict(item=item, criterion=r.criterion, points=r.points, lifts_zero_criterion=lifts_zero)
    if rule.kind == "yes_no":
        return Suggestion(target_points=rule.points, input=rule.input, input_label=labels[rule.input], **base)
    if rule.kind == "checklist":
        gains = [e for e in rule.elements if not inputs.get(e.input)]
        return Suggestion(target_points=r.points + gains[0].points, input=gains[0].input,
                          input_label=labels[gains[0].input], **base) if gains else None
    if rule.kind == "manual_score":
        return Suggestion(target_points=rule.max_points, input=rule.input, input_label=labels[rule.input], **base)
    if r.status not in ("band", "otherwise"):
        return None  # missing data or a zero-denominator policy: no band to move to
    target = (r.band if r.band is not None else len(rule.bands)) - 1
    band = rule.bands[target]
    higher = getattr(rule, "better", "lower") == "higher"
    scale = 100 if rule.kind == "rate_bands" else getattr(rule, "per", 1)
    top = rule.numerator if rule.kind == "rate_bands" else rule.count if rule.kind == "incidence_bands" else rule.input
    p, q, inclusive = _edge(band, higher)
    limit = Fraction(p * r.denominator, q * scale)  # the numerator at the band's edge
    if higher:
        required = math.ceil(limit) if inclusive else math.floor(limit) + 1
    else:
        required = math.floor(limit) if inclusive else math.ceil(limit) - 1
    if required < 0 or (rule.kind == "rate_bands" and required > r.denominator):
        return None
    # Score the changed input: with a small denominator a band may be unreachable, and the
    # step then lands in a better one.
    scorer = scorer_for(result.criteria_set)
    trial = scorer.score_values({**inputs, top: required}, result.category)
    points, landed = trial.points[scorer.index[item.id]], trial.statuses[scorer.index[item.id]]
    if 0 <= landed < target:
        band = rule.bands[landed]
        p, q, _ = _edge(band, higher)
    return Suggestion(target_points=points, input=top, input_label=labels[top], current=r.numerator,
                      required=required, target_band=band, current_value=r.value,
                      target_value=Fraction(p, q), **base)


def _edge(band: Band, higher: bool) -> tuple[int, int, bool]:
    """The bound a value must cross to enter ``band`` from the worse side."""
    lo, hi = band_bounds(band)
    edge = lo if higher else hi
    assert edge is not None  # the loader makes every band but the best bounded on its worse side
    return edge
