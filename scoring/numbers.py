"""Vietnamese number formatting: "1.234", "98,5" (dot groups thousands, comma is decimal)."""
from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction


def format_number(value: int | Decimal | Fraction, places: int = 2, lang: str = "vi") -> str:
    """Round half up to ``places`` decimals, drop trailing zeros, group thousands."""
    if isinstance(value, Fraction):
        value = Decimal(value.numerator) / Decimal(value.denominator)
    quantum = Decimal(1).scaleb(-places)
    rounded = Decimal(value).quantize(quantum, rounding=ROUND_HALF_UP)
    text = f"{rounded:,f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    if lang == "vi":
        text = text.replace(",", "\0").replace(".", ",").replace("\0", ".")
    return text
