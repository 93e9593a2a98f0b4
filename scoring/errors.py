"""Exceptions raised by the scoring engine."""
from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .inputs import InputProblem


class ScoringError(Exception):
    """Base class for every failure to score."""


class InvalidInputs(ScoringError):
    """Declared values that cannot be scored; ``problems`` lists every one of them."""

    def __init__(self, problems: list[InputProblem]):
        self.problems = problems
        super().__init__("; ".join(f"{p.field}: {p.message('en')}" for p in problems))


class UnknownCategory(ScoringError):
    """The unit's category is not one the criteria set defines."""
