"""The scoring engine: inputs + criteria set + unit category → explained result.

Pure functions with no I/O and no web framework: the same engine serves the CLI, the web
app, the reports and the benchmarks.
"""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from criteria import CriteriaSet, content_hash
from criteria.schema import Category

from .compiler import compile_set
from .errors import InvalidInputs, UnknownCategory
from .inputs import validate_inputs
from .result import ScoreResult


class Scorer:
    """A criteria set compiled for scoring many units quickly."""

    def __init__(self, cset: CriteriaSet):
        self.cset = cset
        self.hash = content_hash(cset)
        self.layout = tuple((crit.number, item) for crit in cset.criteria for item in crit.items)
        self.index = {item.id: i for i, (_, item) in enumerate(self.layout)}
        self._score = compile_set(cset)
        self._score_clean = compile_set(cset, checked=True)
        self._categories = {c.id: c for c in cset.categories}

    def category(self, category_id: str) -> Category:
        category = self._categories.get(category_id)
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
        packed = self._score_clean(raw, cat.threshold)  # clean, complete data skips the parser
        if packed is not None:
            return ScoreResult(self.cset, self.hash, self.layout, cat, dict(raw), packed)
        values, problems = validate_inputs(raw, self.cset, partial=partial)
        if problems:
            raise InvalidInputs(problems)
        return self.score_values(values, cat)

    def score_values(self, values: dict[str, Any], category: Category) -> ScoreResult:
        """Score already validated values."""
        return ScoreResult(self.cset, self.hash, self.layout, category, values,
                           self._score(values, category.threshold))


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
