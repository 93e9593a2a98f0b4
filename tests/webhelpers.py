"""Small helpers shared by the web tests (pytest puts tests/ on the import path)."""
from __future__ import annotations

from flask import Flask
from flask.testing import FlaskClient

from webapp.demo import DEMO_PASSWORD


def login(app: Flask, username: str, password: str = DEMO_PASSWORD) -> FlaskClient:
    """A test client logged in as ``username`` (a demo account by default)."""
    client = app.test_client()
    response = client.post("/login", data={"username": username, "password": password})
    assert response.status_code == 302, response.get_data(as_text=True)
    return client
