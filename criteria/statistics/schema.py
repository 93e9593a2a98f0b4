"""The statistics-set schema: indicators of Thông tư 13/2021/TT-BLĐTBXH computed from the checklist's inputs.

A formula is a numerator over a denominator, each a term from a closed vocabulary (``kind``): the sum of a
count input over the communes, the number of communes answering «Có» to a yes/no input, or the number of
communes reporting. Nothing in a file is executed. Consistency checks live in ``loader``.
"""
from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from pydantic import Field

from criteria.schema import InputName, LegalReference, Strict, Text

IndicatorId = Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9-]*$")]
Unit = Literal["%", "‰", "số"]
PER: dict[str, int] = {"%": 100, "‰": 1000}
"""What a rate is multiplied by; a count («số») has no denominator."""
Level = Literal["commune", "district", "province"]
LEVEL_NAMES: dict[str, str] = {"commune": "Xã, phường, thị trấn", "district": "Huyện, thành phố (trước 01/7/2025)",
                               "province": "Tỉnh"}
ANNEXES: dict[str, str] = {"te": "Phụ lục I (tình hình trẻ em)", "xh": "Phụ lục II (tình hình xâm hại trẻ em)"}


class SumOf(Strict):
    """The sum of a count input over the reporting communes."""

    kind: Literal["sum"]
    input: InputName


class YesCount(Strict):
    """The number of reporting communes answering «Có» to a yes/no input (1 or 0 for one commune)."""

    kind: Literal["answered_yes"]
    input: InputName


class Communes(Strict):
    """The number of reporting communes (1 for one commune)."""

    kind: Literal["communes"]


Term = Annotated[SumOf | YesCount | Communes, Field(discriminator="kind")]
TERM_KINDS = ("sum", "answered_yes", "communes")
TERM_TYPES = {"sum": "count", "answered_yes": "boolean"}
"""The checklist input type each term reads."""


def term_inputs(term: SumOf | YesCount | Communes | None) -> tuple[str, ...]:
    return (term.input,) if isinstance(term, (SumOf, YesCount)) else ()


class Indicator(Strict):
    """One indicator: its code in the circular (when known), its name, its formula over the checklist's inputs.

    ``code`` is printed as ``TT13-TE-0101`` (annex ``te``: Phụ lục I) or ``TT13-XH-0101`` (``xh``: Phụ lục II),
    since both lists number from 0101; ``code_verified`` says the code was read in the circular's text.
    ``verified`` says the name and content were; ``false`` is the project's reading of a summary.
    """

    id: IndicatorId
    annex: Literal["te", "xh"]
    code: Annotated[str, Field(pattern=r"^[0-9]{4}$")] | None
    code_verified: bool
    group: str
    name: Text
    numerator: Term
    denominator: Term | None
    unit: Unit
    breakdowns: list[Level] = Field(min_length=1)
    circular_breakdowns: str | None = None
    source: str
    verified: bool
    note: Text | None = None

    @property
    def input_names(self) -> tuple[str, ...]:
        return term_inputs(self.numerator) + term_inputs(self.denominator)

    @property
    def per(self) -> int | None:
        return PER.get(self.unit)

    @property
    def full_code(self) -> str | None:
        """``TT13-TE-0101``: the project's qualified form (a bare code is ambiguous between the two lists)."""
        return f"TT13-{self.annex.upper()}-{self.code}" if self.code else None

    @property
    def provisional(self) -> bool:
        return not self.verified or (self.code is not None and not self.code_verified)


class NotCovered(Strict):
    """An indicator of the circular the product cannot compute, and why."""

    annex: Literal["te", "xh"]
    code: Annotated[str, Field(pattern=r"^[0-9]{4}$")] | None
    code_verified: bool
    name: Text
    reason: Text
    source: str
    verified: bool

    @property
    def full_code(self) -> str | None:
        return f"TT13-{self.annex.upper()}-{self.code}" if self.code else None


class StatisticsSet(Strict):
    id: str = Field(pattern=r"^[a-z0-9][a-z0-9-]*$")
    version: str
    title: Text
    legal_basis: list[LegalReference] = Field(min_length=1)
    valid_from: dt.date
    criteria_set: str
    """The criteria set whose inputs the formulas read."""
    indicators: list[Indicator] = Field(min_length=1)
    not_covered: list[NotCovered] = Field(default_factory=list)

    def indicator(self, indicator_id: str) -> Indicator | None:
        return next((i for i in self.indicators if i.id == indicator_id), None)

    def provisional_parts(self) -> list[str]:
        """Every indicator whose code, name or content is not confirmed against the circular."""
        return [f"indicator {i.id}" for i in self.indicators if i.provisional]
