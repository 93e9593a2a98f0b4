"""The criteria-set schema: what an administrator may write in a criteria YAML file.

Rules come from a closed vocabulary (``kind``); nothing in a criteria file is executed.
Structural checks live here; consistency checks that need the whole set live in ``checks``.
"""
from __future__ import annotations

import datetime as dt
from decimal import Decimal
from functools import cached_property
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator


class Strict(BaseModel):
    """Base for every criteria model: unknown keys are errors, models are immutable."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class Text(Strict):
    """A text in Vietnamese (authoritative) and English."""

    vi: str
    en: str

    def of(self, lang: str) -> str:
        """The text in ``lang`` ("en"; anything else is Vietnamese, the authoritative one)."""
        return self.en if lang == "en" else self.vi


class LegalReference(Strict):
    document: str
    date: dt.date
    issuer: str | None = None
    title: str | None = None
    article: str | None = None
    url: str | None = None


class Category(Strict):
    """A kind of unit, which fixes the total needed for recognition."""

    id: str
    name: Text
    threshold: int = Field(ge=0)
    verified: bool
    source: str


class InputSpec(Strict):
    """One value the commune declares: a count, a yes/no answer or a manual score."""

    type: Literal["count", "boolean", "score"]
    label: Text
    unit: Text | None = None
    help: Text | None = None
    max: int | None = Field(default=None, ge=0, description="upper limit of a manual score")


InputName = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]*$", max_length=64)]
"""Input ids are snake_case identifiers: they become form fields, CSV columns and XLSX headers."""

MissingPolicy = Literal["required", "zero_points"]
"""``required``: a blank is a validation error; ``zero_points``: a blank earns 0 and is valid."""


class ZeroPolicy(Strict):
    """What a rate earns when its denominator is 0 (e.g. no such case this year)."""

    policy: Literal["full_points", "zero_points", "reject"]
    verified: bool
    note: Text | None = None


class Band(Strict):
    """An interval of the computed value and the points it earns.

    At most one lower bound (``at_least`` inclusive, ``above`` exclusive) and one upper
    bound (``at_most`` inclusive, ``below`` exclusive). ``verified`` overrides the item's.
    """

    at_least: Decimal | None = None
    above: Decimal | None = None
    at_most: Decimal | None = None
    below: Decimal | None = None
    points: int = Field(ge=0)
    verified: bool | None = None

    @field_validator("at_least", "above", "at_most", "below")
    @classmethod
    def _canonical(cls, value: Decimal | None) -> Decimal | None:
        """100 and 100.0 are the same bound (and hash the same)."""
        if value is None:
            return None
        return Decimal(int(value)) if value == value.to_integral_value() else value.normalize()


class YesNoRule(Strict):
    kind: Literal["yes_no"]
    input: str
    points: int = Field(ge=0)
    missing: MissingPolicy

    @property
    def best(self) -> int:
        return self.points

    @property
    def input_names(self) -> tuple[str, ...]:
        return (self.input,)


class RateBandsRule(Strict):
    """Numerator ÷ denominator as a percentage, scored by bands listed best first."""

    kind: Literal["rate_bands"]
    numerator: str
    denominator: str
    better: Literal["higher", "lower"]
    bands: list[Band] = Field(min_length=1)
    otherwise: int = Field(default=0, ge=0)
    missing: MissingPolicy
    zero_denominator: ZeroPolicy

    @property
    def best(self) -> int:
        return max(b.points for b in self.bands)

    @property
    def input_names(self) -> tuple[str, ...]:
        return (self.numerator, self.denominator)


class IncidenceBandsRule(Strict):
    """Count ÷ population × ``per`` (e.g. per 1,000 children); lower is better."""

    kind: Literal["incidence_bands"]
    count: str
    population: str
    per: int = Field(gt=0)
    bands: list[Band] = Field(min_length=1)
    otherwise: int = Field(default=0, ge=0)
    missing: MissingPolicy
    zero_population: ZeroPolicy

    @property
    def best(self) -> int:
        return max(b.points for b in self.bands)

    @property
    def input_names(self) -> tuple[str, ...]:
        return (self.count, self.population)


class CountBandsRule(Strict):
    """A plain count (e.g. "no case" → full points); lower is better."""

    kind: Literal["count_bands"]
    input: str
    bands: list[Band] = Field(min_length=1)
    otherwise: int = Field(default=0, ge=0)
    missing: MissingPolicy

    @property
    def best(self) -> int:
        return max(b.points for b in self.bands)

    @property
    def input_names(self) -> tuple[str, ...]:
        return (self.input,)


class ChecklistElement(Strict):
    input: str
    text: Text
    points: int = Field(ge=0)


class ChecklistRule(Strict):
    """Points for each ticked element."""

    kind: Literal["checklist"]
    elements: list[ChecklistElement] = Field(min_length=1)
    missing: MissingPolicy

    @property
    def best(self) -> int:
        return sum(e.points for e in self.elements)

    @property
    def input_names(self) -> tuple[str, ...]:
        return tuple(e.input for e in self.elements)


class ManualScoreRule(Strict):
    """A score given by the assessors, capped at ``max_points``."""

    kind: Literal["manual_score"]
    input: str
    max_points: int = Field(ge=0)
    missing: MissingPolicy

    @property
    def best(self) -> int:
        return self.max_points

    @property
    def input_names(self) -> tuple[str, ...]:
        return (self.input,)


Rule = Annotated[
    YesNoRule | RateBandsRule | IncidenceBandsRule | CountBandsRule | ChecklistRule | ManualScoreRule,
    Field(discriminator="kind"),
]
RULE_KINDS = ("yes_no", "rate_bands", "incidence_bands", "count_bands", "checklist", "manual_score")


class Item(Strict):
    id: str
    text: Text
    source: str
    verified: bool
    rule: Rule

    @property
    def max_points(self) -> int:
        """The most this item can earn: its best band, its yes points, its checklist sum."""
        return self.rule.best


class Criterion(Strict):
    number: int = Field(ge=1)
    name_vi: str
    name_en: str
    max_points: int = Field(ge=0)
    items: list[Item] = Field(min_length=1)


class RecognitionCondition(Strict):
    """A condition of recognition, from a closed vocabulary.

    ``every_criterion_above_zero`` is reported as one condition per criterion;
    ``total_at_least_threshold`` compares the total with the unit's category threshold.
    """

    kind: Literal["every_criterion_above_zero", "total_at_least_threshold"]
    text: Text
    source: str
    verified: bool


class CriteriaSet(Strict):
    id: str = Field(pattern=r"^[a-z0-9][a-z0-9-]*$")
    version: str
    title: Text
    legal_basis: list[LegalReference] = Field(min_length=1)
    valid_from: dt.date
    valid_until: dt.date | None
    total_points: int = Field(gt=0)
    categories: list[Category] = Field(min_length=1)
    recognition: list[RecognitionCondition] = Field(min_length=1)
    inputs: dict[InputName, InputSpec]
    criteria: list[Criterion] = Field(min_length=1)

    @cached_property
    def has_provisional_values(self) -> bool:
        """True when any threshold, item, band, policy or condition is not verified law."""
        return bool(self.provisional_parts())

    def provisional_parts(self) -> list[str]:
        """Human-readable names of every unverified value (empty when all is verified)."""
        parts = [f"category {c.id}" for c in self.categories if not c.verified]
        parts += [f"recognition {c.kind}" for c in self.recognition if not c.verified]
        parts += [f"item {i.id}" for c in self.criteria for i in c.items if not i.verified]
        return parts

    def category(self, category_id: str) -> Category | None:
        return next((c for c in self.categories if c.id == category_id), None)

    def items(self) -> list[tuple[Criterion, Item]]:
        return [(c, i) for c in self.criteria for i in c.items]
