"""SQL injection through every query-string parameter a route reads (filters, sort, search,
language, redirect target, report scope and kind, criteria set and version, document), the
path parameters that reach a query, and the text filters of the command line.

Each answer is a page, a redirect, a refusal or a 404 — never a 5xx —; a page shows nothing
outside the user's jurisdiction and no password hash; and afterwards every table, index and
trigger is still there with the same rows. (No route takes a paging parameter.)
"""
from __future__ import annotations

import hashlib
import io
import re
import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from click.testing import CliRunner
from flask.testing import FlaskClient

from webapp.cli.main import cfc
from webapp.store import accounts, demo
from webapp.store import db as webdb

from webhelpers import MakeApp, logged_in

PAYLOADS = [
    "' OR 1=1 --",
    "' OR '1'='1",
    "1; DROP TABLE units",
    "1); DROP TABLE units; --",
    "name desc, (select password_hash from users limit 1)",
    "unit_id) union select password_hash from users --",
    "x' union select username, password_hash, 1, 1, 1 from users --",
    "‘ OR ‘1’=‘1’ --",  # typographic quotes
    "＇ OR 1=1 --",  # a full-width apostrophe
    '" OR ""="',
    "%' OR u.parent_id LIKE '%",
    "%", "_", "*", "\\", "\x00", "' OR 1=1\x00",
    "99999999999999999999999", "-1", "1e309",
    "a" * 5000,
]
NUMERIC = [p for p in PAYLOADS if p.lstrip("-").isdigit()]
DISTRICT_USERS = ("thamdinh.huyen", "chutich.huyen")


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory, demo_copy: Callable[[Path], int],
         make_app: MakeApp) -> dict[str, Any]:
    """The demo database (built once) and the app on it; the same data for every payload."""
    tmp = tmp_path_factory.mktemp("injection")
    path = tmp / "cfc.db"
    round_id = demo_copy(path)
    app = make_app(path)
    return {"app": app, "path": path, "round": round_id, "tmp": tmp,
            "clients": {name: logged_in(app, name) for name in (*DISTRICT_USERS, "admin")}}


@pytest.fixture(scope="module")
def sql(site: dict[str, Any]) -> Iterator[Any]:
    db = webdb.connect(site["path"], migrate=False)
    yield db
    db.conn.close()


def contents(sql: Any) -> dict[str, Any]:
    """Every schema object, and a digest and count of every table's rows (login attempts only
    by existence: each login records one, by design)."""
    out: dict[str, Any] = {}
    for kind, name, definition in sql.execute("select type, name, sql from sqlite_master order by name"):
        out[(kind, name)] = definition
        if kind == "table" and name != "login_attempts":
            rows = sorted(repr(tuple(r)) for r in sql.execute(f"select * from [{name}]"))
            out[("rows", name)] = (len(rows), hashlib.sha256("\n".join(rows).encode()).hexdigest())
    return out


@pytest.fixture
def unchanged(sql: Any) -> Iterator[None]:
    before = contents(sql)
    assert ("table", "units") in before and ("table", "users") in before
    yield
    assert contents(sql) == before


@pytest.fixture(scope="module")
def secrets_and_scopes(sql: Any) -> dict[str, Any]:
    """The stored password hashes, and per district user the unit codes and assessment ids it may see."""
    scopes = {}
    for username in DISTRICT_USERS:
        scope = sql.execute("select scope_unit_id from users where username = ?", [username]).fetchone()[0]
        ids = [r["id"] for r in sql.query("select id from units") if accounts.within(sql, r["id"], scope)]
        marks = ", ".join("?" * len(ids))
        scopes[username] = {
            "codes": {r[0] for r in sql.execute(f"select code from units where id in ({marks})", ids)},
            "assessments": {str(r[0]) for r in sql.execute(
                f"select id from assessments where unit_id in ({marks})", ids)},
        }
    hashes = [r[0] for r in sql.execute("select password_hash from users")]
    return {"hashes": hashes, "scopes": scopes}


XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def workbook_text(data: bytes) -> str:
    """Every XML part of an .xlsx file (a zip), as text: what the checks below read in a spreadsheet."""
    with zipfile.ZipFile(io.BytesIO(data)) as book:
        return "\n".join(book.read(name).decode("utf-8") for name in book.namelist() if name.endswith(".xml"))


def assert_safe(response: Any, allowed: set[int], who: str, facts: dict[str, Any]) -> None:
    """An expected status; no password hash; on a page, only units and assessments in scope."""
    assert response.status_code in allowed, (response.status_code, response.request.url[:200])
    text = response.get_data(as_text=True) if response.mimetype != XLSX else workbook_text(response.data)
    assert "Traceback" not in text
    assert not any(h in text for h in facts["hashes"]) and "scrypt:" not in text and "pbkdf2:" not in text
    scope = facts["scopes"].get(who)
    if scope and response.status_code == 200 and response.mimetype == "text/html":
        codes = set(re.findall(r"(?<![\w.,-])\d{5}(?![\w.,-])", text))
        assert codes <= scope["codes"], codes - scope["codes"]
        linked = set(re.findall(r'href="/assessments/(\d+)', text))
        assert linked <= scope["assessments"], linked - scope["assessments"]


# (user, path, parameter, other parameters, statuses a hostile value may get)
QUERY_PARAMETERS = [
    ("thamdinh.huyen", "/dashboard", "lang", {}, {200}),
    ("thamdinh.huyen", "/dashboard", "round", {}, {200, 404}),
    ("thamdinh.huyen", "/dashboard", "sort", {}, {200}),
    ("thamdinh.huyen", "/dashboard", "dir", {"sort": "total"}, {200}),
    ("thamdinh.huyen", "/dashboard", "status", {}, {200}),
    ("thamdinh.huyen", "/dashboard", "q", {}, {200}),
    ("chutich.huyen", "/dashboard", "q", {"sort": "status", "dir": "desc"}, {200}),
    ("thamdinh.huyen", "/dashboard", "group", {}, {200}),
    ("thamdinh.huyen", "/dashboard/units.xlsx", "q", {}, {200}),
    ("chutich.huyen", "/dashboard/units.xlsx", "group", {"sort": "total"}, {200}),
    ("chutich.huyen", "/dashboard/units.xlsx", "round", {}, {200, 404}),
    ("thamdinh.huyen", "/rounds/{round}/ntm", "lang", {}, {200}),
    ("thamdinh.huyen", "/review", "status", {}, {200}),
    ("thamdinh.huyen", "/rounds/{round}/period.xlsx", "kind", {}, {400}),
    ("thamdinh.huyen", "/rounds/{round}/period.xlsx", "scope", {"kind": "six-month"}, {403, 404}),
    ("chutich.huyen", "/rounds/{round}/period.pdf", "scope", {}, {403, 404}),
    ("chutich.huyen", "/rounds/{round}/impact", "base", {}, {404}),
    ("chutich.huyen", "/rounds/{round}/impact", "other", {}, {404}),
    ("admin", "/urban", "unit_set", {}, {200}),
    ("admin", "/urban", "year", {"unit_set": "cao-bang-2022"}, {200}),
    (None, "/verify", "code", {}, {303}),
]


@pytest.mark.parametrize("who, path, name, others, allowed", QUERY_PARAMETERS,
                         ids=[f"{p}?{n}" for _w, p, n, _o, _a in QUERY_PARAMETERS])
def test_hostile_query_parameters_are_harmless(site, secrets_and_scopes, unchanged, who: str | None, path: str,
                                               name: str, others: dict[str, str], allowed: set[int]) -> None:
    client: FlaskClient = site["clients"][who] if who else site["app"].test_client()
    url = path.format(round=site["round"])
    for payload in PAYLOADS:
        response = client.get(url, query_string={**others, name: payload})
        assert_safe(response, allowed, who or "", secrets_and_scopes)


def test_a_hostile_document_number_is_harmless(site, secrets_and_scopes, unchanged) -> None:
    """``?document=`` is read as an integer; only numbers reach the lookup (text is dropped
    before it, and would only render the whole decision again)."""
    client = site["clients"]["chutich.huyen"]
    for payload in NUMERIC:
        response = client.get(f"/rounds/{site['round']}/decision.pdf", query_string={"document": payload})
        assert_safe(response, {404}, "chutich.huyen", secrets_and_scopes)


def test_a_hostile_redirect_target_at_login_stays_on_the_site(site, secrets_and_scopes, unchanged) -> None:
    """Each login costs a password hash: a dozen targets, not every payload."""
    for payload in PAYLOADS[:8] + ["\x00", "a" * 5000] + [f"/dashboard?q={quote(p)}" for p in PAYLOADS[:3]]:
        response = site["app"].test_client().post(
            "/login", query_string={"next": payload}, data={"username": "theodoi.tinh",
                                                              "password": demo.DEMO_PASSWORD})
        assert_safe(response, {302}, "", secrets_and_scopes)
        location = response.headers["Location"]
        assert location.startswith("/") and not location.replace("\\", "/").startswith("//")


def test_hostile_path_parameters_are_harmless(site, secrets_and_scopes, unchanged) -> None:
    reviewer, anonymous = site["clients"]["thamdinh.huyen"], site["app"].test_client()
    for payload in PAYLOADS:
        assert_safe(anonymous.get(f"/verify/{quote(payload, safe='')}"), {404}, "", secrets_and_scopes)
    for number in ("99999999999999999999999", "9223372036854775808", "9" * 5000):
        for path in (f"/assessments/{number}", f"/assessments/{number}/edits", f"/assessments/{number}/review",
                     f"/rounds/{number}/impact", f"/rounds/{number}/ntm",
                     f"/rounds/{number}/period.xlsx"):
            assert_safe(reviewer.get(path), {403, 404}, "thamdinh.huyen", secrets_and_scopes)
        assert_safe(reviewer.post(f"/assessments/{number}/edits", json={}), {403, 404}, "thamdinh.huyen",
                    secrets_and_scopes)


def test_the_injection_payloads_did_reach_the_pages(site) -> None:
    """The payloads above really arrive: the search box shows the typed text back, escaped."""
    page = site["clients"]["thamdinh.huyen"].get("/dashboard", query_string={"q": PAYLOADS[0]})
    assert 'value="&#39; OR 1=1 --"' in page.get_data(as_text=True)


# the command line around a payload (options first; "--" keeps a payload like "-1" positional),
# and the exit codes a hostile value may get
CLI_FILTERS = {
    "units list UNIT_SET": ("units list --db {db} -- {p}", {0}),
    "report-period --scope": ("report-period {round} --kind annual -o {tmp}/bc.xlsx --db {db} --scope {p}", {2}),
    "report UNIT": ("report -o {tmp}/bc.pdf --db {db} -- {p} {round}", {2}),
    "decision --issuer": ("decision {round} -o {tmp}/qd.pdf --db {db} --issuer {p}", {2}),
    "certificates --issuer": ("certificates {round} --public-url http://127.0.0.1:8080 -o {tmp}/gcn.zip "
                              "--db {db} --issuer {p}", {2}),
    "impact --set": ("impact {round} --db {db} --set {p}", {3}),
    "impact --version": ("impact {round} --set qd06-2019 --db {db} --version {p}", {3}),
}


@pytest.mark.parametrize("command", CLI_FILTERS)
def test_hostile_cli_filters_are_harmless(site, secrets_and_scopes, unchanged, command: str) -> None:
    line, codes = CLI_FILTERS[command]
    tmp: Path = site["tmp"]
    for payload in [p for p in PAYLOADS if "\x00" not in p]:  # no NUL in a command line
        args = [payload if word == "{p}" else word.format(round=site["round"], tmp=tmp, db=site["path"])
                for word in line.split()]
        result = CliRunner().invoke(cfc, args)
        assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
        assert result.exit_code in codes, (payload, result.output)
        assert not any(h in result.output for h in secrets_and_scopes["hashes"])
        if command.startswith("units"):
            assert result.output == ""  # no unit set is called that
    assert not [p.name for p in tmp.iterdir() if p.suffix in (".xlsx", ".pdf", ".zip", ".part")]
