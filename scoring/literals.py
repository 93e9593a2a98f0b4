"""Read a declaration file (YAML or JSON) keeping every unquoted number as the text that was written.

YAML and JSON read ``children: 2.000`` as the float 2.0, and YAML 1.1 reads ``012`` as 10, ``0x10`` as 16,
``1_000`` as 1000 and ``1:20`` as 80: a count would pass silently as another number. The readers here hand
such a number to :mod:`scoring.inputs` as a :class:`NumberLiteral` — its raw text — which refuses the shapes
that can be misread and parses the rest exactly (a quoted ``"2.000"`` stays text and means 2,000, as in a CSV).
"""
from __future__ import annotations

import json
import re
from typing import Any

import yaml

GROUPED_DECIMAL = re.compile(r"^[+-]?\d{1,3}([.,]\d{3})+$")  # 2.000, 1.234.567, 2,000: a thousands separator?
_OCTAL = re.compile(r"^[+-]?0[0-9_]+$")  # YAML 1.1: 012 is octal 10
_BASED = re.compile(r"^[+-]?0[xXoObB]")  # 0x10, 0o17, 0b101
_SEXAGESIMAL = re.compile(r"^[+-]?\d[\d_]*(:[0-5]?\d)+(\.\d*)?$")  # YAML 1.1: 1:20 is 80


class NumberLiteral(str):
    """An unquoted number of a declaration file, as written (``"2.000"``, ``"0x10"``, ``"36"``)."""

    def hazard(self) -> str | None:
        """The problem code (see ``scoring.inputs``) of a shape that a YAML or JSON reader would misread, or None."""
        text = self.strip()
        if GROUPED_DECIMAL.match(text):
            return "grouped_decimal"
        if _BASED.match(text) or _OCTAL.match(text) or _SEXAGESIMAL.match(text):
            return "yaml_number_shape"
        if "_" in text:
            return "yaml_number_shape"
        return None


class _LiteralLoader(yaml.SafeLoader):
    """PyYAML's safe loader, except that ints and floats come back as :class:`NumberLiteral`."""


def _literal(loader: yaml.SafeLoader, node: yaml.ScalarNode) -> NumberLiteral:
    return NumberLiteral(loader.construct_scalar(node))


_LiteralLoader.add_constructor("tag:yaml.org,2002:int", _literal)
_LiteralLoader.add_constructor("tag:yaml.org,2002:float", _literal)


def load_yaml(text: str) -> Any:
    """``yaml.safe_load`` with every unquoted number kept as written."""
    return yaml.load(text, Loader=_LiteralLoader)  # noqa: S506 — a SafeLoader subclass


def load_json(text: str | bytes) -> Any:
    """``json.loads`` with every number that has a fraction or exponent kept as written (ints are exact)."""
    return json.loads(text, parse_float=NumberLiteral)
