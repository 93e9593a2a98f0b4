"""The validation-rule schema: relations between a criteria set's inputs that must hold, and the limits of
the outlier checks across rounds (as DHIS2's validation rules and outlier analysis).

A relation is a closed form, never an expression to evaluate: the sum of some inputs is at most (or at
least) a factor times the sum of others. Consistency with the criteria set lives in ``loader``.
"""
from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Literal

from pydantic import Field

from criteria.schema import InputName, Strict, Text

RuleId = Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9-]*$")]
SEVERITIES = ("block", "warn", "review")
"""``block``: refuses submission; ``warn``: a warning to the commune officer; ``review``: a flag to the reviewer."""
Severity = Literal["block", "warn", "review"]


class Relation(Strict):
    """``sum(left) ≤ factor × sum(right)`` (``at_most``) or ``≥`` (``at_least``), over inputs of the set.

    It is checked only when every input on both sides has a value, and ``minimum`` (if given) skips it while
    both sides are below it: small numbers vary by chance."""

    id: RuleId
    left: list[InputName] = Field(min_length=1)
    relation: Literal["at_most", "at_least"]
    right: list[InputName] = Field(min_length=1)
    factor: Decimal = Field(default=Decimal(1), gt=0)
    minimum: int = Field(default=0, ge=0)
    severity: Severity
    message: Text
    source: str


class Outliers(Strict):
    """The limits of the checks against the unit's previous round (flags to the reviewer, or warnings)."""

    jump_ratio: Decimal = Field(gt=1)
    """A count more than this many times its previous figure, or less than its inverse, is flagged."""
    jump_minimum: int = Field(ge=0)
    """Counts whose previous and current figures are both below this are not compared (small numbers)."""
    population: list[InputName] = Field(min_length=1)
    """The population counts, compared by ``population_change`` instead of ``jump_ratio``."""
    population_change: Decimal = Field(gt=0, lt=1)
    """A population that grows or shrinks by more than this share of its previous figure is flagged."""
    full_rate_minimum: int = Field(ge=1)
    """A rate of exactly 100% is flagged when its denominator is at least this."""
    copy_minimum: int = Field(ge=1)
    """Every count identical to the previous round is flagged when at least this many counts were given."""
    severity: Severity
    source: str


class ValidationSet(Strict):
    """The validation rules of one criteria set (``criteria_set`` names it)."""

    id: str
    version: str
    criteria_set: str
    title: Text
    rules: list[Relation]
    outliers: Outliers
    not_covered: list[Text] = []
    """Relations one would check that the set's inputs cannot express (said on the quality page)."""
