"""Validation rules and outlier limits of a criteria set, as versioned, checked YAML beside it.

``for_set(cset)`` returns the shipped rules of ``cset`` (named by its id: ``qd06-2019.yaml``), checked
against its inputs, or None when the set has none. The files live in this sub-folder so that
``criteria.shipped_files()`` never mistakes them for criteria sets.
"""
from __future__ import annotations

from pathlib import Path

from criteria.schema import CriteriaSet

from .loader import check_set, load_file, load_text, ratio_pairs
from .schema import SEVERITIES, Outliers, Relation, ValidationSet

VALIDATION_DIR = Path(__file__).parent

__all__ = ["SEVERITIES", "Outliers", "Relation", "VALIDATION_DIR", "ValidationSet", "check_set", "for_set",
           "load_file", "load_text", "ratio_pairs"]


_LOADED: dict[tuple[str, str, tuple[tuple[str, str], ...]], ValidationSet | None] = {}


def for_set(cset: CriteriaSet) -> ValidationSet | None:
    """The shipped validation rules of ``cset``, checked against its inputs (None if it has none); read once
    per set id, version and inputs (a round's pinned version may lack an input the rules name: then it fails)."""
    key = (cset.id, cset.version, tuple(sorted((n, s.type) for n, s in cset.inputs.items())))
    if key not in _LOADED:
        path = VALIDATION_DIR / f"{cset.id}.yaml"
        _LOADED[key] = load_file(path, cset, display_name=f"criteria/validation/{path.name}") if path.exists() else None
    return _LOADED[key]
