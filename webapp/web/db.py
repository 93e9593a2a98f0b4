"""The request's database connection, as in Flask's tutorial: ``get_db``, ``close_db``, ``init_app``."""
from __future__ import annotations

import sqlite_utils
from flask import Flask, current_app, g

from webapp.store import db as database


def get_db() -> sqlite_utils.Database:
    """The request's database connection (opened on first use, closed at teardown).

    The schema is brought up to date on the app's first connection to a database, not on
    every request (checking costs about as much as a cached page).
    """
    if "db" not in g:
        path = current_app.config["DATABASE"]
        migrated = current_app.extensions.setdefault("cfc_migrated", set())
        g.db = database.connect(path, migrate=path not in migrated)
        migrated.add(path)
    return g.db


def close_db(_exc: BaseException | None = None) -> None:
    """Close the request's connection, if it opened one."""
    db = g.pop("db", None)
    if db is not None:
        db.conn.close()


def init_app(app: Flask) -> None:
    """Close the connection when each request ends."""
    app.teardown_appcontext(close_db)
