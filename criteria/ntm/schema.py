"""The NTM (nông thôn mới) criteria-set schema: regions or groups, criteria, child-related indicators.

Mappings from the child-friendly raw inputs come from a closed vocabulary (``kind``);
nothing in a file is executed. Consistency checks that need the whole set live in ``loader``.
"""
from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Annotated, Literal

from pydantic import Field

from criteria.schema import InputName, LegalReference, Strict, Text

AreaId = Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9-]*$")]
Percent = Annotated[Decimal, Field(ge=0, le=100)]


class Area(Strict):
    """A region (QĐ 318: seven regions) or a commune group (QĐ 51: three groups)."""

    id: AreaId
    name: Text
    note: str | None = None
    verified: bool
    source: str


class NtmCriterion(Strict):
    number: int = Field(ge=1)
    name_vi: str
    name_en: str | None = None


class _RateMapping(Strict):
    """Numerator ÷ denominator as a percentage, compared with a level per region/group."""

    numerator: InputName
    denominator: InputName
    levels: dict[str, Percent]
    levels_verified: bool
    verified: bool
    note: str | None = None

    @property
    def input_names(self) -> tuple[str, ...]:
        return (self.numerator, self.denominator)


class RateAtMost(_RateMapping):
    kind: Literal["rate_at_most"]


class RateAtLeast(_RateMapping):
    kind: Literal["rate_at_least"]


class AllYes(Strict):
    """Met when every listed yes/no input is yes."""

    kind: Literal["all_yes"]
    inputs: list[InputName] = Field(min_length=1)
    verified: bool
    note: str | None = None

    @property
    def input_names(self) -> tuple[str, ...]:
        return tuple(self.inputs)


class CountZero(Strict):
    """Met when the count is 0 (e.g. no child abused this year)."""

    kind: Literal["count_zero"]
    input: InputName
    verified: bool
    note: str | None = None

    @property
    def input_names(self) -> tuple[str, ...]:
        return (self.input,)


Mapping = Annotated[RateAtMost | RateAtLeast | AllYes | CountZero, Field(discriminator="kind")]
MAPPING_KINDS = ("rate_at_most", "rate_at_least", "all_yes", "count_zero")
INPUT_TYPES = {"rate_at_most": "count", "rate_at_least": "count", "all_yes": "boolean", "count_zero": "count"}
"""The child-friendly input type each mapping kind reads."""


class Indicator(Strict):
    """An NTM indicator that shares raw inputs with the child-friendly standard.

    ``verified`` is about the indicator (number, wording); ``mapping.verified`` is about how
    this project computes it. ``mapping: null`` means no child-friendly input measures it.
    """

    id: AreaId
    criterion: int = Field(ge=1)
    number: str | None = None
    wording_vi: str
    wording_en: str | None = None
    verified: bool
    source: str
    overlaps_cf: list[int] = Field(default_factory=list, description="child-friendly criteria numbers")
    mapping: Mapping | None
    mapping_note: str | None = None


class NtmSet(Strict):
    id: str = Field(pattern=r"^[a-z0-9][a-z0-9-]*$")
    version: str
    title: Text
    legal_basis: list[LegalReference] = Field(min_length=1)
    period: str
    valid_from: dt.date
    valid_until: dt.date | None
    validity_verified: bool
    regions: list[Area] | None = None
    groups: list[Area] | None = None
    criteria: list[NtmCriterion] = Field(min_length=1)
    indicators: list[Indicator] = Field(min_length=1)

    @property
    def area_kind(self) -> Literal["regions", "groups"]:
        return "regions" if self.regions is not None else "groups"

    @property
    def areas(self) -> list[Area]:
        return self.regions if self.regions is not None else (self.groups or [])

    def area(self, area_id: str) -> Area | None:
        return next((a for a in self.areas if a.id == area_id), None)

    def criterion(self, number: int) -> NtmCriterion | None:
        return next((c for c in self.criteria if c.number == number), None)

    def indicator(self, indicator_id: str) -> Indicator | None:
        return next((i for i in self.indicators if i.id == indicator_id), None)

    def provisional_parts(self) -> list[str]:
        """Every unverified part (area scope, indicator, mapping, levels), for banners."""
        parts = [f"{self.area_kind[:-1]} {a.id}" for a in self.areas if not a.verified]
        for ind in self.indicators:
            if not ind.verified:
                parts.append(f"indicator {ind.id}")
            if ind.mapping is not None and not ind.mapping.verified:
                parts.append(f"mapping {ind.id}")
            if isinstance(ind.mapping, (RateAtMost, RateAtLeast)) and not ind.mapping.levels_verified:
                parts.append(f"levels {ind.id}")
        return parts
