"""Band bounds as exact integer ratios, for explanations and what-if advice."""
from __future__ import annotations

from fractions import Fraction
from typing import Any

from criteria.schema import Band

Bound = tuple[int, int, bool] | None  # (p, q, inclusive) for the threshold p/q


def band_bounds(band: Band) -> tuple[Bound, Bound]:
    """The band's lower and upper bounds as exact integer ratios."""
    def bound(inclusive: Any, exclusive: Any) -> Bound:
        value, incl = (inclusive, True) if inclusive is not None else (exclusive, False)
        if value is None:
            return None
        f = Fraction(value)
        return f.numerator, f.denominator, incl
    return bound(band.at_least, band.above), bound(band.at_most, band.below)
