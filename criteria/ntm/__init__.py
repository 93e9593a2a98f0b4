"""NTM (nông thôn mới, new-rural) commune criteria sets as versioned, checked YAML.

``get("ntm-qd318-2022")`` returns a shipped set, checked against the child-friendly set's
inputs. The YAML files live in this sub-folder so ``criteria.shipped_files()`` (which globs
``criteria/*.yaml`` only) never mistakes them for child-friendly sets.
"""
from __future__ import annotations

from functools import cache
from pathlib import Path

from criteria.errors import by_id

from .loader import check_set, load_file, load_text
from .schema import Indicator, NtmSet

NTM_DIR = Path(__file__).parent
CF_SET_ID = "qd06-2019"
"""The child-friendly set whose inputs the shipped NTM mappings read."""

__all__ = ["CF_SET_ID", "Indicator", "NTM_DIR", "NtmSet", "check_set", "get", "load_file", "load_text", "shipped",
           "shipped_files"]


def shipped_files() -> list[Path]:
    return sorted(NTM_DIR.glob("*.yaml"))


@cache
def shipped() -> tuple[NtmSet, ...]:
    """Every shipped NTM set, loaded once and checked against the child-friendly inputs."""
    import criteria

    cf_set = criteria.get(CF_SET_ID)
    return tuple(load_file(p, cf_set=cf_set, display_name=f"criteria/ntm/{p.name}") for p in shipped_files())


def get(set_id: str) -> NtmSet:
    return by_id(shipped(), set_id, "NTM criteria set")
