"""Compiled evaluators for the closed vocabulary of rule kinds.

Each rule is compiled once into a function ``values -> Outcome``. Rates are compared by
integer cross-multiplication, so a rate of exactly 98% is ≥ 98% with no float drift.
"""
from __future__ import annotations

from collections.abc import Callable, Mapping
from fractions import Fraction
from typing import Any, NamedTuple

from criteria.schema import (
    Band,
    ChecklistRule,
    CountBandsRule,
    IncidenceBandsRule,
    ManualScoreRule,
    RateBandsRule,
    YesNoRule,
)


class Outcome(NamedTuple):
    """What a rule made of the values: points, how (status), which band, and the ratio."""

    points: int
    status: str  # band | otherwise | yes | no | zero_denominator | missing | checklist | manual
    band: int | None = None
    numerator: int = 0
    denominator: int = 1


Evaluator = Callable[[Mapping[str, Any]], Outcome]
Bound = tuple[int, int, bool] | None  # (p, q, inclusive) for the threshold p/q
MISSING = Outcome(0, "missing")


def band_bounds(band: Band) -> tuple[Bound, Bound]:
    """The band's lower and upper bounds as exact integer ratios."""
    def bound(inclusive: Any, exclusive: Any) -> Bound:
        value, incl = (inclusive, True) if inclusive is not None else (exclusive, False)
        if value is None:
            return None
        f = Fraction(value)
        return f.numerator, f.denominator, incl
    return bound(band.at_least, band.above), bound(band.at_most, band.below)


def band_matcher(bands: list[Band], otherwise: int) -> Callable[[int, int], tuple[int | None, int]]:
    """match(x, d) → (band index, points) for the value x/d (d > 0)."""
    table = tuple((*band_bounds(b), b.points) for b in bands)

    def match(x: int, d: int) -> tuple[int | None, int]:
        for i, (lo, hi, points) in enumerate(table):
            if lo is not None:
                a, b = x * lo[1], lo[0] * d
                if a < b or (a == b and not lo[2]):
                    continue
            if hi is not None:
                a, b = x * hi[1], hi[0] * d
                if a > b or (a == b and not hi[2]):
                    continue
            return i, points
        return None, otherwise

    return match


def _ratio(top: str, bottom: str, scale: int, bands: list[Band], otherwise: int,
           zero_policy: str, best: int) -> Evaluator:
    match = band_matcher(bands, otherwise)
    zero_points = best if zero_policy == "full_points" else 0

    def evaluate(values: Mapping[str, Any]) -> Outcome:
        n = values.get(top)
        d = values.get(bottom)
        if n is None or d is None:
            return MISSING
        if d == 0:
            return Outcome(zero_points, "zero_denominator", None, n, 0)
        band, points = match(n * scale, d)
        return Outcome(points, "otherwise" if band is None else "band", band, n, d)

    return evaluate


def compile_rule(rule: Any) -> Evaluator:
    """The evaluator for one rule of the closed vocabulary."""
    if isinstance(rule, YesNoRule):
        name, yes = rule.input, Outcome(rule.points, "yes")
        no = Outcome(0, "no")

        def yes_no(values: Mapping[str, Any]) -> Outcome:
            v = values.get(name)
            return MISSING if v is None else yes if v else no
        return yes_no
    if isinstance(rule, RateBandsRule):
        return _ratio(rule.numerator, rule.denominator, 100, rule.bands, rule.otherwise,
                      rule.zero_denominator.policy, rule.best)
    if isinstance(rule, IncidenceBandsRule):
        return _ratio(rule.count, rule.population, rule.per, rule.bands, rule.otherwise,
                      rule.zero_population.policy, rule.best)
    if isinstance(rule, CountBandsRule):
        match, name = band_matcher(rule.bands, rule.otherwise), rule.input

        def count(values: Mapping[str, Any]) -> Outcome:
            n = values.get(name)
            if n is None:
                return MISSING
            band, points = match(n, 1)
            return Outcome(points, "otherwise" if band is None else "band", band, n, 1)
        return count
    if isinstance(rule, ChecklistRule):
        elements = tuple((e.input, e.points) for e in rule.elements)

        def checklist(values: Mapping[str, Any]) -> Outcome:
            answers = [values.get(name) for name, _ in elements]
            if all(a is None for a in answers):
                return MISSING
            return Outcome(sum(p for a, (_, p) in zip(answers, elements) if a), "checklist")
        return checklist
    if isinstance(rule, ManualScoreRule):
        name, cap = rule.input, rule.max_points

        def manual(values: Mapping[str, Any]) -> Outcome:
            v = values.get(name)
            if v is None:
                return MISSING
            return Outcome(min(v, cap), "manual")
        return manual
    raise TypeError(f"no evaluator for rule kind {rule.kind!r}")
