"""Statistics on children (Thông tư 13/2021/TT-BLĐTBXH) as a versioned, checked YAML set.

``get("tt13-2021")`` returns the shipped set, checked against the inputs of the criteria set it reads.
The files live in this sub-folder so ``criteria.shipped_files()`` never mistakes them for criteria sets.
"""
from __future__ import annotations

from functools import cache
from pathlib import Path

from criteria.errors import by_id
from criteria.yamlsource import read_yaml

from .loader import check_set, load_file, load_source, load_text
from .schema import Indicator, NotCovered, StatisticsSet

STATISTICS_DIR = Path(__file__).parent

__all__ = ["Indicator", "NotCovered", "STATISTICS_DIR", "StatisticsSet", "check_set", "get", "load_file", "load_text",
           "shipped", "shipped_files"]


def shipped_files() -> list[Path]:
    return sorted(STATISTICS_DIR.glob("*.yaml"))


@cache
def shipped() -> tuple[StatisticsSet, ...]:
    """Every shipped statistics set, loaded once and checked against its criteria set's inputs."""
    import criteria

    out = []
    for path in shipped_files():
        source = read_yaml(path, display_name=f"criteria/statistics/{path.name}")
        reads = source.data.get("criteria_set") if isinstance(source.data, dict) else None
        out.append(load_source(source, criteria.get(reads) if isinstance(reads, str) else None))
    return tuple(out)


def get(set_id: str) -> StatisticsSet:
    return by_id(shipped(), set_id, "statistics set")
