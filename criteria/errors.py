"""Exceptions raised while finding, parsing and validating criteria sets."""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Protocol, TypeVar


class CriteriaError(Exception):
    """Base class for every failure to obtain a usable criteria set."""


class CriteriaNotFound(CriteriaError):
    """No shipped or installed criteria set has the requested id (and version)."""


class _Identified(Protocol):
    @property
    def id(self) -> str: ...


S = TypeVar("S", bound=_Identified)


def by_id(sets: Iterable[S], set_id: str, kind: str) -> S:
    """The set of ``sets`` whose id is ``set_id``; :class:`CriteriaNotFound` naming ``kind`` and the known ids."""
    sets = tuple(sets)
    for found in sets:
        if found.id == set_id:
            return found
    raise CriteriaNotFound(f"no {kind} {set_id!r} (known: {', '.join(s.id for s in sets) or 'none'})")


@dataclass(frozen=True)
class Problem:
    """One thing wrong in a criteria file, located by file, line and key path."""

    file: str
    line: int | None
    path: str
    message: str

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        return f"{where} {self.path}: {self.message}" if self.path else f"{where}: {self.message}"


class CriteriaSyntaxError(CriteriaError):
    """The file is not well-formed YAML (or repeats a key), so it cannot be read at all."""

    def __init__(self, problem: Problem):
        self.problem = problem
        super().__init__(str(problem))


class CriteriaInvalid(CriteriaError):
    """The YAML is well-formed but breaks the schema or a consistency rule."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))
