"""The web tests' shared fixtures (conftest.py): ``client_as`` logs in the demo account of a role,
with or without CSRF tokens, and the app is built in one place only."""
from __future__ import annotations

import re
from pathlib import Path

import pytest
from flask import Flask

from webhelpers import ACCOUNTS, ClientAs, MakeApp, logged_in, opened

TESTS = Path(__file__).parent
CREATE_APP = re.compile(r"\bcreate_app\(")


def user_of(path: str, client) -> str:
    """The user name of the account ``client``'s session is logged in as."""
    with client.session_transaction() as session:
        user_id = session["user_id"]
    with opened(Path(path)) as db:
        return db.execute("select username from users where id = ?", [user_id]).fetchone()[0]


@pytest.mark.parametrize("role", sorted(ACCOUNTS))
def test_client_as_a_role_or_a_user_name_is_that_demo_account(app: Flask, client_as: ClientAs, role: str) -> None:
    assert user_of(app.config["DATABASE"], client_as(role)) == ACCOUNTS[role]
    assert user_of(app.config["DATABASE"], client_as(ACCOUNTS[role])) == ACCOUNTS[role]


def test_logging_in_sends_the_forms_csrf_token_when_the_app_checks_them(make_app: MakeApp, db_path: Path) -> None:
    guarded = make_app(db_path, WTF_CSRF_ENABLED=True)
    client = logged_in(guarded, "officer")
    assert user_of(str(db_path), client) == "canbo.xa"
    assert client.post("/logout").status_code == 400  # a form without its token is still refused


def test_only_conftest_builds_the_app() -> None:
    """Settings a test needs go to ``make_app`` or ``app_config``, not to a create_app call of its own."""
    callers = sorted(p.relative_to(TESTS).as_posix() for p in TESTS.rglob("*.py")
                     if CREATE_APP.search(p.read_text(encoding="utf-8")))
    assert callers == ["conftest.py"]
