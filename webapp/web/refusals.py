"""A refusal of the storage or workflow layer in the interface's language.

Those layers raise errors with an English message and the same text as a Vietnamese msgid
(``StorageError.vi``, ``params``); this translates the msgid and the fields that are catalogue
texts (``Msg``: state names, actions) with the request's catalogue; a user's text stays as typed.
"""
from __future__ import annotations

from typing import Any

from flask_babel import gettext

from criteria import CriteriaSet
from scoring import InvalidInputs
from webapp.store.errors import Msg

from .formatting import _lang, tr


def _field(value: Any) -> Any:
    if isinstance(value, Msg):
        return gettext(value)
    if isinstance(value, (list, tuple)):
        return ", ".join(_field(v) for v in value)
    return value


def refusal(exc: Exception) -> str:
    """``exc`` as the user should read it: its Vietnamese text translated, else its message."""
    vi = getattr(exc, "vi", None)
    if not vi:
        return str(exc)
    return gettext(vi, **{name: _field(value) for name, value in exc.params.items()})


def invalid_values(exc: InvalidInputs, cset: CriteriaSet) -> str:
    """Each invalid value as «<its label>: <why>», joined; a field the set does not know by its reason only."""
    lang = _lang()
    return "; ".join(f"«{tr(cset.inputs[p.field].label)}»: {p.message(lang)}" if p.field in cset.inputs
                     else p.message(lang) for p in exc.problems)
