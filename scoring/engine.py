"""The scoring engine: inputs + criteria set + unit category → explained result.

Pure functions with no I/O and no web framework: the same engine serves the CLI, the web
app, the reports and the benchmarks.
"""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from criteria import CriteriaSet, content_hash
from criteria.schema import Category, Criterion, Item

from .errors import InvalidInputs, UnknownCategory
from .inputs import validate_inputs
from .recognition import judge
from .result import CriterionResult, ItemResult, ScoreResult
from .rules import Evaluator, compile_rule


class Scorer:
    """A criteria set compiled for scoring many units quickly."""

    def __init__(self, cset: CriteriaSet):
        self.cset = cset
        self.hash = content_hash(cset)
        self.plan: tuple[tuple[Criterion, tuple[tuple[Item, Evaluator], ...]], ...] = tuple(
            (crit, tuple((item, compile_rule(item.rule)) for item in crit.items))
            for crit in cset.criteria
        )

    def category(self, category_id: str) -> Category:
        category = self.cset.category(category_id)
        if category is None:
            known = ", ".join(c.id for c in self.cset.categories)
            raise UnknownCategory(f"unknown category {category_id!r} for {self.cset.id} (known: {known})")
        return category

    def score(self, raw: Mapping[str, Any], category: str, partial: bool = False) -> ScoreResult:
        """Validate ``raw`` and score it; raises :class:`InvalidInputs` listing every problem.

        With ``partial`` (a draft), missing required values score 0 and the result is
        marked incomplete (never recognised) instead of being refused.
        """
        cat = self.category(category)
        values, problems = validate_inputs(raw, self.cset, partial=partial)
        if problems:
            raise InvalidInputs(problems)
        return self.score_values(values, cat)

    def score_values(self, values: dict[str, Any], category: Category) -> ScoreResult:
        """Score already validated values."""
        items: dict[str, ItemResult] = {}
        criteria: dict[int, CriterionResult] = {}
        total = 0
        complete = True
        for crit, plan in self.plan:
            number = crit.number
            results = []
            points = 0
            for item, evaluate in plan:
                o = evaluate(values)
                r = ItemResult(item, number, o.points, o.status, o.band, o.numerator, o.denominator)
                if o.status == "missing" and item.rule.missing == "required":
                    complete = False
                results.append(r)
                items[item.id] = r
                points += o.points
            criteria[number] = CriterionResult(number, crit.name_vi, crit.name_en, points,
                                               crit.max_points, tuple(results))
            total += points
        conditions = judge(self.cset, criteria.values(), total, category)
        return ScoreResult(self.cset, self.hash, category, values, items, criteria, total,
                           conditions, complete)


_SCORERS: dict[int, Scorer] = {}


def scorer_for(cset: CriteriaSet) -> Scorer:
    """The compiled scorer of ``cset`` (compiled once per set object)."""
    scorer = _SCORERS.get(id(cset))
    if scorer is None or scorer.cset is not cset:
        scorer = _SCORERS[id(cset)] = Scorer(cset)
    return scorer


def score(inputs: Mapping[str, Any], cset: CriteriaSet, category: str, partial: bool = False) -> ScoreResult:
    """Score one unit's ``inputs`` under ``cset`` for a unit of ``category``."""
    return scorer_for(cset).score(inputs, category, partial=partial)
