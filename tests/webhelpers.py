"""Small helpers shared by the web tests (pytest puts tests/ on the import path)."""
from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

import scoring
from criteria import CriteriaSet
from webapp.store import db as webdb
from webapp.store.demo import DEMO_PASSWORD

INSTALL_HINT = "install it with: scripts/install-system-deps --test"
ACCOUNTS = {"officer": "canbo.xa", "reviewer": "thamdinh.huyen", "authority": "chutich.huyen",
            "viewer": "theodoi.tinh", "legal": "phapche.tinh", "admin": "admin"}  # the demo account of each role
ClientAs = Callable[..., FlaskClient]  # the types of the client_as and make_app fixtures
MakeApp = Callable[..., Flask]
CSRF_TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')


def needs_tools(*tools: str) -> pytest.MarkDecorator:
    """Skip, saying why, when a system tool is missing; under CI (``CI`` set) run and fail instead."""
    missing = [tool for tool in tools if shutil.which(tool) is None]
    return pytest.mark.skipif(bool(missing) and not os.environ.get("CI"),
                              reason=f"system tool missing: {', '.join(missing)} ({INSTALL_HINT})")


@contextmanager
def opened(path: Path, migrate: bool = True) -> Iterator[Any]:
    """The database at ``path``, closed afterwards."""
    db = webdb.connect(path, migrate=migrate)
    try:
        yield db
    finally:
        db.conn.close()


def same_value(cset: CriteriaSet, field: str, a: str, b: str) -> bool:
    """Whether two texts of a checklist field name the same value: as the engine reads them (both valid),
    trimmed for evidence notes; the tests' own reading, to judge what the save path stored."""
    if field.startswith("evidence-"):
        return a.strip() == b.strip()
    read = [scoring.validate_inputs({field: text}, cset, partial=True) for text in (a, b)]
    return a == b or (not read[0][1] and not read[1][1] and read[0][0].get(field) == read[1][0].get(field))


def logged_in(app: Flask, who: str, password: str = DEMO_PASSWORD, lang: str | None = None,
              base_url: str = "http://localhost") -> FlaskClient:
    """A test client logged in through the login form as a demo role ("officer") or a user name ("canbo.xa").

    As a browser does, it first opens the login page when it needs the form's CSRF token (the app
    checks them) or a language (``lang``, chosen there); ``base_url`` names the host it logs in through.
    """
    client = app.test_client()
    data = {"username": ACCOUNTS.get(who, who), "password": password}
    if lang or app.config["WTF_CSRF_ENABLED"]:
        page = client.get("/login", query_string={"lang": lang} if lang else None, base_url=base_url)
        token = CSRF_TOKEN.search(page.get_data(as_text=True))
        if token:
            data["csrf_token"] = token.group(1)
    response = client.post("/login", data=data, base_url=base_url)
    assert response.status_code == 302, response.get_data(as_text=True)
    return client


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def serve(database: Path, folder: Path, env: dict[str, str] | None = None) -> Iterator[str]:
    """A real ``cfc serve`` (waitress) on a free port, on a copy of ``database``; yields the base URL."""
    instance = folder / "instance"
    instance.mkdir()
    db_path = instance / "cfc.db"
    shutil.copy(database, db_path)
    port = _free_port()
    env = {**(env or os.environ), "CFC_DB": str(db_path), "CFC_INSTANCE": str(instance)}
    cfc = Path(sys.executable).with_name("cfc")
    proc = subprocess.Popen([str(cfc), "serve", "--host", "127.0.0.1", "--port", str(port)], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
                break
            except OSError:
                if proc.poll() is not None:
                    raise RuntimeError(proc.stdout.read().decode()) from None
                if time.monotonic() > deadline:
                    raise RuntimeError("the server did not start within 30 s") from None
                time.sleep(0.2)
        yield f"http://127.0.0.1:{port}"
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        proc.stdout.close()


def user_id(page: str) -> int:
    return int(re.search(r'data-user="(\d+)"', page).group(1))


def send(client: FlaskClient, aid: int, user: int, *changes: tuple[str, str, str], **headers: str):
    """The checklist script's request: the edits (field, value, base) queued under ``user``."""
    return client.post(f"/assessments/{aid}/edits", headers=headers,
                       json={"user": user, "edits": [{"field": f, "value": v, "base": b} for f, v, b in changes]})
