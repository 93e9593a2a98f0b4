"""Small helpers shared by the web tests (pytest puts tests/ on the import path)."""
from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from flask import Flask
from flask.testing import FlaskClient

from webapp import db as webdb
from webapp.demo import DEMO_PASSWORD


@contextmanager
def opened(path: Path, migrate: bool = True) -> Iterator[Any]:
    """The database at ``path``, closed afterwards."""
    db = webdb.connect(path, migrate=migrate)
    try:
        yield db
    finally:
        db.conn.close()


def login(app: Flask, username: str, password: str = DEMO_PASSWORD) -> FlaskClient:
    """A test client logged in as ``username`` (a demo account by default)."""
    client = app.test_client()
    response = client.post("/login", data={"username": username, "password": password})
    assert response.status_code == 302, response.get_data(as_text=True)
    return client
