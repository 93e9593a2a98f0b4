"""Exceptions of the storage and workflow layer (no web framework involved)."""
from __future__ import annotations


class StorageError(Exception):
    """Base class for failures of the stored data layer."""


class NotFound(StorageError):
    """The unit, round or assessment asked for does not exist."""


class TransitionRefused(StorageError):
    """A workflow action is not allowed in the assessment's current state; says why."""


class Locked(TransitionRefused):
    """The assessment is locked against this edit (submitted, verified or recognised)."""


class StaleEdit(StorageError):
    """The edit was based on an older version than the stored one; nothing was written."""

    def __init__(self, message: str, current_version: int):
        self.current_version = current_version
        super().__init__(message)


class ImportRejected(StorageError):
    """An import file has bad rows; ``problems`` lists each (row, column, value, reason)."""

    def __init__(self, problems: list[dict]):
        self.problems = problems
        super().__init__(f"{len(problems)} problem(s) in the import file; nothing was written")


class InvalidRecord(StorageError):
    """A value given for a record is unusable; ``field`` names it and the message says why."""

    def __init__(self, field: str, message: str):
        self.field = field
        super().__init__(message)
