"""Exceptions raised while finding, parsing and validating criteria sets."""
from __future__ import annotations

from dataclasses import dataclass


class CriteriaError(Exception):
    """Base class for every failure to obtain a usable criteria set."""


class CriteriaNotFound(CriteriaError):
    """No shipped or installed criteria set has the requested id (and version)."""


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
