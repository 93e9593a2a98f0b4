"""Number, date and name filters for templates: Vietnamese formats, English numbers when the user chooses it,
people by their names (never their account names).

Dates are dd/mm/yyyy in Vietnam time in both languages (:func:`webapp.store.vietnamese.short_date`).
"""
from __future__ import annotations

from typing import Any

from flask import Flask, g, has_request_context
from flask_babel import get_locale

from scoring.numbers import format_number
from webapp.store import accounts
from webapp.store.vietnamese import short_date, short_time

from .db import get_db


def _lang() -> str:
    """"en" or "vi"; kept on ``g`` for the request, as templates ask hundreds of times a page."""
    if not has_request_context():
        return _locale_lang()
    lang = g.get("cfc_lang")
    if lang is None:
        lang = g.cfc_lang = _locale_lang()
    return lang


def _locale_lang() -> str:
    locale = get_locale()
    return "en" if locale is not None and locale.language == "en" else "vi"


def tr(value: Any, field: str | None = None) -> str:
    """The side of a bilingual value in the request's language, so pages need not test the language:
    ``text|tr`` reads ``text.vi`` or ``text.en``, ``crit|tr("name")`` reads ``crit.name_vi`` or ``crit.name_en``."""
    return getattr(value, f"{field}_{_lang()}" if field else _lang())


def number(value: Any, places: int = 2) -> str:
    """1.234,5 in Vietnamese, 1,234.5 in English; an empty string for None."""
    return "" if value is None else format_number(value, places, _lang())


def percent(value: Any, places: int = 1) -> str:
    return "" if value is None else number(value, places) + "%"


def person(username: str | None) -> str:
    """The name an account's holder is shown by (read once per request and account)."""
    if not username:
        return ""
    known = g.setdefault("cfc_people", {})
    if username not in known:
        known.update(accounts.names_of(get_db(), {username}))
    return known[username]


def register_filters(app: Flask) -> None:
    app.jinja_env.filters.update(number=number, percent=percent, vndate=short_date, vntime=short_time, tr=tr,
                                 person=person)
    app.jinja_env.globals.update(current_lang=_lang)
