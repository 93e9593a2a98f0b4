"""Rendered page content, reused while the data it shows has not changed (per process, bounded LRU).

The checklist, the review page and the dashboard cost 10–35 ms of CPU to render, and the
server is one Python process: rendered once and reused, they cost about as much as the layout.

What is cached is a page's own blocks (title, content, scripts), never the layout around
them: the navigation with the user's name, the flash messages and the language switch are
rendered on every request, and every CSRF token inside the cached blocks is a marker replaced
with the requesting session's token (masked anew at each place, see ``csrf``). Access checks
stay in the views, before the cache.

The key holds the template, the view's key (route ids, query parameters, anything else the
page depends on), the language, the user's role and jurisdiction, the script root, and the
*stamp*: the newest audit-log entry (id and time). Every change to what these pages show is
written to the audit log in the transaction of the change (workflow, attachments, rounds,
bulk, transfer, accounts, urban status), so a new stamp means something may have changed;
the time tells apart a restored backup's ids reused by later changes. The stamp is read
before the page's data, so a page is never stored under a stamp newer than its data.
"""
from __future__ import annotations

import secrets
import threading
from collections import ChainMap, OrderedDict
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from typing import Any, TypeVar

import sqlite_utils
from flask import Flask, current_app, request
from jinja2 import ChoiceLoader, DictLoader, Template, meta, nodes
from markupsafe import Markup

from .auth import current_user
from .csrf import masked_csrf
from .db import get_db
from .formatting import _lang

T = TypeVar("T")
LAYOUT = "base.html"
DEFAULT_ENTRIES = 256  # pages of 40–80 kB: at most ~20 MB per process

_MARK = secrets.token_hex(16)  # unguessable, so no stored text can contain the markers
_CSRF = f"csrf-{_MARK}"
_SPLIT = f"<!--{_MARK}-->"


class LRU:
    """A bounded, thread-safe map that forgets the least recently used entry first."""

    def __init__(self, size: int):
        self.size = size
        self._data: OrderedDict[Hashable, Any] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: Hashable) -> Any | None:
        with self._lock:
            value = self._data.get(key)
            if value is not None:
                self._data.move_to_end(key)
            return value

    def put(self, key: Hashable, value: Any) -> None:
        with self._lock:
            self._data[key] = value
            self._data.move_to_end(key)
            while len(self._data) > self.size:
                self._data.popitem(last=False)

    def __len__(self) -> int:
        return len(self._data)


@dataclass(frozen=True)
class Page:
    """A page's rendered blocks (CSRF tokens as a marker) and the variables the layout needs."""

    blocks: dict[str, str]
    layout: dict[str, Any]


class _State:
    """One app's cache and, read from the layout's source: its blocks, the page variables it
    reads, an environment where the layout is only the blocks, and the shell around them."""

    def __init__(self, app: Flask):
        self.pages = LRU(app.config.get("PAGE_CACHE_ENTRIES", 0 if app.debug else DEFAULT_ENTRIES))
        layout = app.jinja_env.parse(app.jinja_env.loader.get_source(app.jinja_env, LAYOUT)[0])
        self.blocks = tuple(block.name for block in layout.find_all(nodes.Block))
        self.layout_vars = meta.find_undeclared_variables(layout)  # e.g. "provisional"
        parts = _SPLIT.join(f"{{% block {name} %}}{{% endblock %}}" for name in self.blocks)
        self.parts_env = app.jinja_env.overlay(
            loader=ChoiceLoader([DictLoader({LAYOUT: parts}), app.jinja_env.loader]), cache_size=400)
        # Macros imported without the page's context (the post_form macro) see only the globals: there too
        # a CSRF token is the marker. (A ChainMap, as the app's globals may still change after this.)
        self.parts_env.globals = ChainMap({"csrf_token": lambda: _CSRF}, app.jinja_env.globals)
        self.shell: Template = app.jinja_env.from_string(f'{{% extends "{LAYOUT}" %}}' + "".join(
            f"{{% block {name} %}}{{% if '{name}' in page %}}{{{{ page['{name}'] }}}}{{% else %}}"
            f"{{{{ super() }}}}{{% endif %}}{{% endblock %}}" for name in self.blocks))


def init_app(app: Flask) -> None:
    """Give ``app`` its page cache (``PAGE_CACHE_ENTRIES`` pages; 0, the default in debug mode
    where templates change, turns caching off)."""
    app.extensions["pagecache"] = _State(app)


def stamp(db: sqlite_utils.Database) -> tuple[int, str] | None:
    """The newest audit entry's id and time: it moves with every change to the data (one index lookup)."""
    return db.execute("select id, at from audit_log order by id desc limit 1").fetchone()


def render(template: str, key: Hashable, build: Callable[[T], dict[str, Any]],
           load: Callable[[], T] = lambda: None) -> str:
    """The page ``template`` with ``build(load())``'s context, its blocks reused while nothing changed.

    ``key`` names everything the page depends on besides the data, language, role and
    jurisdiction. ``load`` runs on every request, after the stamp is taken and before the
    cache is looked up: the view's access check, which may read the data the page shows
    (read once, then handed to ``build``). ``build`` runs only for a page not cached yet;
    any other data it shows it reads itself (also after the stamp, so a page is never kept
    under a stamp newer than its data).
    """
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    state: _State = app.extensions["pagecache"]
    user = current_user()
    now = stamp(get_db())
    loaded = load()
    full_key = (template, key, now, _lang(), user.role, user.scope_unit_id, request.script_root)
    page: Page | None = state.pages.get(full_key)
    if page is None:
        page = _render_parts(app, state, template, build(loaded))
        state.pages.put(full_key, page)
    blocks = {name: Markup(_with_tokens(html)) for name, html in page.blocks.items()}
    context = {**page.layout, "page": blocks}
    app.update_template_context(context)
    return state.shell.render(context)


def _with_tokens(html: str) -> str:
    """``html`` with each CSRF marker replaced by the session's token, masked anew at each place."""
    first, *rest = html.split(_CSRF)
    return first + "".join(masked_csrf() + part for part in rest)


def _render_parts(app: Flask, state: _State, template: str, context: dict[str, Any]) -> Page:
    """The blocks the page template fills, rendered with a CSRF marker, and the layout's variables."""
    page = state.parts_env.get_template(template)
    layout = {name: context[name] for name in state.layout_vars if name in context}
    context = {**context, "csrf_token": lambda: _CSRF}
    app.update_template_context(context)
    parts = page.render(context).split(_SPLIT)
    return Page({name: html for name, html in zip(state.blocks, parts, strict=True) if name in page.blocks}, layout)
