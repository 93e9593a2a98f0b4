"""Exceptions of the storage and workflow layer (no web framework involved).

A refusal a user sees carries, besides its English message (logs, CLI, tests), its text in
the interface's source language: ``vi``, a Vietnamese msgid with ``%(name)s`` fields, and
``params``; fields that are catalogue texts themselves (state names, actions) are ``Msg``.
The web app translates them with the catalogue (``webapp.web.refusals``).
"""
from __future__ import annotations

from typing import Any


class Msg(str):
    """A Vietnamese text from the catalogue, translated where it is shown (unlike a user's text)."""


def N_(text: str) -> Msg:
    """Mark a Vietnamese message for the catalogue; it is translated where it is shown."""
    return Msg(text)


class StorageError(Exception):
    """Base class for failures of the stored data layer."""

    def __init__(self, message: str, vi: str | None = None, **params: Any):
        self.vi, self.params = vi, params
        super().__init__(message)

    def said_vi(self) -> str | None:
        """The Vietnamese text with its values filled in, untranslated (the command line's words); None if none."""
        if not self.vi:
            return None
        return str(self.vi % self.params if self.params else self.vi)


class NotFound(StorageError):
    """The unit, round or assessment asked for does not exist."""


class TransitionRefused(StorageError):
    """A workflow action is not allowed in the assessment's current state; says why."""


class Locked(TransitionRefused):
    """The assessment is locked against this edit (submitted, verified or recognised)."""


class StaleEdit(StorageError):
    """The edit was based on an older version than the stored one; nothing was written."""

    def __init__(self, message: str, current_version: int, vi: str | None = None, **params: Any):
        self.current_version = current_version
        super().__init__(message, vi, **params)


class ImportRejected(StorageError):
    """An import file has bad rows; ``problems`` lists each (row, column, value, reason)."""

    def __init__(self, problems: list[dict]):
        self.problems = problems
        super().__init__(f"{len(problems)} problem(s) in the import file; nothing was written",
                         N_("Tệp có %(n)s lỗi; chưa ghi dữ liệu nào."), n=len(problems))


class UnreadableImport(ImportRejected):
    """The import file cannot be read at all (damaged, not XLSX or CSV, beyond a size limit): one problem."""


class InvalidRecord(StorageError):
    """A value given for a record is unusable; ``field`` names it and the message says why."""

    def __init__(self, field: str, message: str):
        self.field = field
        super().__init__(message)  # already in Vietnamese
