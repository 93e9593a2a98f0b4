"""Criteria sets: the national standard and its revisions as versioned, checked YAML.

``get("qd06-2019")`` returns a shipped set; ``load_file(path)`` reads any file.
"""
from __future__ import annotations

from functools import cache
from pathlib import Path

from .errors import CriteriaError, CriteriaInvalid, CriteriaNotFound, CriteriaSyntaxError, Problem
from .hashing import content_hash
from .loader import load_file, load_text
from .schema import CriteriaSet

SHIPPED_DIR = Path(__file__).parent

__all__ = [
    "CriteriaError", "CriteriaInvalid", "CriteriaNotFound", "CriteriaSyntaxError", "CriteriaSet",
    "Problem", "content_hash", "get", "load_file", "load_text", "shipped", "SHIPPED_DIR",
]


def shipped_files() -> list[Path]:
    return sorted(SHIPPED_DIR.glob("*.yaml"))


@cache
def shipped() -> tuple[CriteriaSet, ...]:
    """Every criteria set shipped with the package, loaded and checked once."""
    return tuple(load_file(p, display_name=f"criteria/{p.name}") for p in shipped_files())


def get(set_id: str, version: str | None = None) -> CriteriaSet:
    """The shipped set with this id (and version, if given); the latest version otherwise."""
    matches = [s for s in shipped() if s.id == set_id and (version is None or s.version == version)]
    if not matches:
        known = ", ".join(sorted({f"{s.id} {s.version}" for s in shipped()})) or "none"
        wanted = f"{set_id} {version}" if version else set_id
        raise CriteriaNotFound(f"no criteria set {wanted!r} (known: {known})")
    return max(matches, key=lambda s: s.valid_from)
