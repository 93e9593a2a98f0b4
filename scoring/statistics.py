"""TT 13/2021 statistics from the communes' checklist values: each commune's numerator and denominator,
and their sums over any group of communes (a district, the province).

A commune whose values lack an input of an indicator is *not reporting* for it: it adds nothing to the
numerator, the denominator or the count of communes reporting — never a 0. Arithmetic is exact (Fraction).
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from criteria.statistics.schema import Communes, Indicator, SumOf, YesCount


@dataclass(frozen=True)
class Figure:
    """One commune's part of an indicator: its numerator and (for a rate) its denominator."""

    numerator: int
    denominator: int | None


@dataclass(frozen=True)
class Aggregate:
    """An indicator over a group of communes: the sums over those reporting, and how many report of how many."""

    numerator: int
    denominator: int | None
    reporting: int
    communes: int
    per: int | None
    """100 for %, 1000 for ‰, None for a count."""

    @property
    def value(self) -> Fraction | None:
        """The count, or numerator ÷ denominator × per; None when no commune reports or the denominator is 0."""
        if not self.reporting:
            return None
        if self.per is None:
            return Fraction(self.numerator)
        if not self.denominator:
            return None
        return Fraction(self.numerator * self.per, self.denominator)


def _term(term: SumOf | YesCount | Communes, values: Mapping[str, Any]) -> int | None:
    """A term's value for one commune; None when the input is missing (or not of the input's type)."""
    if isinstance(term, Communes):
        return 1
    value = values.get(term.input)
    if isinstance(term, YesCount):
        return int(value) if isinstance(value, bool) else None
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        return None
    return value


def commune_figure(indicator: Indicator, values: Mapping[str, Any]) -> Figure | None:
    """The commune's numerator and denominator, or None when it is not reporting (an input missing)."""
    numerator = _term(indicator.numerator, values)
    if numerator is None:
        return None
    if indicator.denominator is None:
        return Figure(numerator, None)
    denominator = _term(indicator.denominator, values)
    return None if denominator is None else Figure(numerator, denominator)


def aggregate(indicator: Indicator, figures: Iterable[Figure | None]) -> Aggregate:
    """The sums over the communes whose figure is not None; ``communes`` counts them all."""
    numerator = denominator = reporting = communes = 0
    for figure in figures:
        communes += 1
        if figure is None:
            continue
        reporting += 1
        numerator += figure.numerator
        denominator += figure.denominator or 0
    return Aggregate(numerator, denominator if indicator.denominator is not None else None, reporting, communes,
                     indicator.per)
