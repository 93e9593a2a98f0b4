"""A criteria set (or an NTM set) written back as YAML: one canonical text per set, which its loader reads back
unchanged.

The text is the set's validated values in the schema's key order (defaults left out), so exporting,
loading and exporting again gives the same bytes; comments and layout of a hand-written file are not kept.
"""
from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import yaml

from .schema import Strict


class _Dumper(yaml.SafeDumper):
    """PyYAML's safe dumper with decimals written as plain numbers and lists indented under their key."""

    def increase_indent(self, flow: bool = False, indentless: bool = False) -> None:
        super().increase_indent(flow, False)


def _decimal(dumper: yaml.SafeDumper, value: Decimal) -> yaml.Node:
    text = format(value, "f")
    tag = "tag:yaml.org,2002:int" if "." not in text else "tag:yaml.org,2002:float"
    return dumper.represent_scalar(tag, text)


def _date(dumper: yaml.SafeDumper, value: dt.date) -> yaml.Node:
    return dumper.represent_scalar("tag:yaml.org,2002:timestamp", value.isoformat())


_Dumper.add_representer(Decimal, _decimal)
_Dumper.add_representer(dt.date, _date)


def plain_data(cset: Strict) -> dict[str, Any]:
    """The set as plain data (schema key order, defaults left out): what :func:`dump_yaml` writes."""
    return cset.model_dump(mode="python", exclude_defaults=True)


def dump_data(data: dict[str, Any]) -> str:
    """Plain criteria data as YAML text (UTF-8, no line folding)."""
    return yaml.dump(data, Dumper=_Dumper, allow_unicode=True, sort_keys=False, width=10_000,
                     default_flow_style=False)


def dump_yaml(cset: Strict) -> str:
    """The canonical YAML of ``cset``: ``load_text(dump_yaml(s)) == s`` and dumping that again is identical."""
    return dump_data(plain_data(cset))
