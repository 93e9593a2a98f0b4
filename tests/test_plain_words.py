"""Users read Vietnamese, never our names: every page each role can reach, every document and export
linked from them, every route of the authorization matrix, the API's error messages and the command
line's, read as text and checked for internal codes, digests, English and repeated sentences.

The pages are found by following the links of each demo account from its home page (as a person
clicking through would), on the product's own demo (``cfc demo``: the 2026 round on the 56 communes
and the 2024 round before the reform) and on the test demo (a 2024 round in progress, with the
district's accounts). Then every route the authorization matrix lists (so a new route is read as soon
as it has its line there) is opened, and posted to without data, by each role allowed to use it.
A document is rendered once per address shape: PDFs take seconds, and every role reads the same one.
"""
from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urljoin, urlsplit

import pytest
from click.testing import CliRunner

import criteria
from webapp.cli.main import cfc
from webapp.store import db as webdb
from webapp.store import demo

from plain_words import pdf_text, problems, visible_text, xlsx_text
from test_authorization import ACCESS, _allowed, _url, template  # noqa: F401 (template: the matrix's database)
from webhelpers import logged_in, needs_tools

HREF = re.compile(r'href="([^"#]+)')
SKIP = re.compile(r"^/(assets/|logout|sw\.js|favicon)|[?&]lang=")
DOCUMENT = re.compile(r"\.(pdf|xlsx|zip|csv)$")
PER_SHAPE = 2  # pages of one shape (/assessments/<n>) read per account
MAX_PAGES = 120


@pytest.fixture(scope="module")
def product_demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("words") / "cfc.db"
    db = webdb.connect(path)
    demo.build_demo_years(db, (2024,), last_open=False)
    demo.build_current_round(db)
    db.conn.close()
    return path


def shape_of(path: str) -> str:
    """/assessments/12/report.pdf → /assessments/N/report.pdf: pages of one kind."""
    return re.sub(r"\d+", "N", path)


def crawl(client, documents: set[str], start: str = "/") -> Iterator[tuple[str, str, bytes]]:
    """(url, content type, body) of every page reachable by links from ``start``, a few of each shape; a
    document shape already in ``documents`` (read for another account) is not rendered again."""
    queue, seen, shapes = [start], {start}, {}
    while queue and len(seen) <= MAX_PAGES:
        url = queue.pop(0)
        response = client.get(url, follow_redirects=True)
        kind = response.headers.get("Content-Type", "")
        body = response.get_data()
        response.close()  # a download streams from an open file
        yield url, kind, body
        if "text/html" not in kind:
            continue
        for href in HREF.findall(body.decode("utf-8", "replace")):
            target = urljoin(url, href.replace("&amp;", "&"))
            parts = urlsplit(target)
            if parts.netloc and parts.netloc != "localhost":
                continue
            path = parts.path + (f"?{parts.query}" if parts.query else "")
            shape = shape_of(parts.path)
            if SKIP.search(path) or path in seen or shapes.get(shape, 0) >= PER_SHAPE:
                continue
            if DOCUMENT.search(parts.path):
                if shape_of(path) in documents:
                    continue
                documents.add(shape_of(path))
            shapes[shape] = shapes.get(shape, 0) + 1
            seen.add(path)
            queue.append(path)


def read(kind: str, body: bytes) -> str | None:
    if "text/html" in kind:
        return visible_text(body.decode("utf-8"))
    if "pdf" in kind:
        return pdf_text(body)
    if "spreadsheetml" in kind:
        return xlsx_text(body)
    return None  # zip archives of certificates: their PDFs are the decision's, read through it


def report(found: dict[str, list[str]]) -> str:
    return "\n".join(f"{p}  ← {', '.join(where[:3])}" for p, where in sorted(found.items()))


ACCOUNTS = {
    "product": ("canbo.bachdang", "canbo.baolac", "thamdinh.tinh", "chutich.tinh", "theodoi.tinh", "admin"),
    "three-tier": ("canbo.xa", "thamdinh.huyen", "chutich.huyen"),
}


@needs_tools("pdftotext")
@pytest.mark.parametrize("which", ACCOUNTS)
def test_no_page_document_or_export_shows_our_internal_names(which: str, product_demo: Path, demo_db: Path,
                                                             make_app) -> None:
    app = make_app(product_demo if which == "product" else demo_db)
    found: dict[str, list[str]] = {}
    documents: set[str] = set()
    for account in ACCOUNTS[which]:
        client = logged_in(app, account)
        for url, kind, body in crawl(client, documents):
            text = read(kind, body)
            if text is None:
                continue
            for problem in problems(text, repeats="spreadsheetml" not in kind):
                found.setdefault(problem, []).append(f"{account} {url}")
    assert not found, f"{len(found)} problems:\n{report(found)}"


def _allowed_roles(rule: object) -> list[str]:
    """The roles that may use a route in their own jurisdiction (anonymous for a public one)."""
    if rule == "token":
        return []
    return [role for role in ("anonymous", "officer", "reviewer", "authority", "viewer", "admin")
            if (rule == "public" and role == "anonymous") or (rule != "public" and _allowed(rule, role, "own"))]


@needs_tools("pdftotext")
def test_every_route_of_the_matrix_speaks_plain_vietnamese(make_app, request: pytest.FixtureRequest,
                                                           tmp_path: Path) -> None:
    """Each route of the authorization matrix, opened (GET) and sent an empty form (POST) by each role allowed
    to use it: the page, document or refusal it answers with. A document is read for one role."""
    authorization_world = request.getfixturevalue("template")  # the matrix's own database, with its ids
    path = tmp_path / "cfc.db"
    shutil.copy(authorization_world["path"], path)
    app = make_app(path, ATTACHMENTS=str(authorization_world["store"]))
    clients: dict[str, Any] = {}
    found: dict[str, list[str]] = {}
    for method in ("GET", "POST"):  # reading first: the posts may change what later pages show
        for endpoint, methods in ACCESS.items():
            if method not in methods or endpoint in ("auth.logout", "assets.file", "assets.favicon", "offline.worker",
                                                     "commune.download", "workbench.scan",
                                                     "workbench.ntm_scan"):  # files, not ours to word
                continue
            for role in _allowed_roles(methods[method]):
                if role not in clients:
                    clients[role] = app.test_client() if role == "anonymous" else logged_in(app, role)
                url = _url(endpoint, "own", role, authorization_world)
                response = clients[role].open(url, method=method, data={} if method == "POST" else None,
                                              follow_redirects=True)
                kind = response.headers.get("Content-Type", "")
                text = read(kind, response.get_data())
                response.close()
                for problem in problems(text or "", repeats="spreadsheetml" not in kind):
                    found.setdefault(problem, []).append(f"{role} {method} {url}")
                if text is not None and "text/html" not in kind:
                    break  # a document: the same for every role
    assert not found, f"{len(found)} problems:\n{report(found)}"


BAD_SCORE_REQUESTS = [
    {"inputs": {}},                                             # no category
    {"category": "thanh-pho", "inputs": {}},                    # unknown category
    {"category": "mountain-island", "inputs": []},              # inputs not an object
    {"category": "mountain-island", "inputs": {}, "partial": "có"},
    {"category": "mountain-island", "inputs": {}, "criteria_set": "qd-khong-co"},
    {"category": "mountain-island", "inputs": {}, "lang": "fr"},
    {"category": "mountain-island", "inputs": {"births": -1, "births_registered_on_time": 50, "children": "nhiều",
                                               "play_area": "có lẽ", "infants": 2.5}},
]


@pytest.mark.parametrize("body", BAD_SCORE_REQUESTS, ids=lambda b: ",".join(sorted(b)))
def test_the_api_error_messages_are_plain_vietnamese(app, body: dict[str, Any]) -> None:
    """Each ``message`` of an API error (what a person reads; ``field`` and ``code`` are for programs)."""
    response = app.test_client().post("/api/score", json=body)
    assert response.status_code == 422
    messages = [p["message"] for p in response.get_json()["error"]["problems"]]
    assert messages and not [m for m in messages if problems(m)], messages
    if "births" in body["inputs"]:  # a value is named by its label, as the checklist names it
        assert any(m.startswith("«Số trẻ em sinh ra trong năm»: ") for m in messages), messages


CLI_ALLOWED = [re.compile(r"--set [a-z0-9-]+"),                   # the set ids --set takes
               re.compile(r"(?:apt-get install|thư viện) [\w.+-]+|\blib[\w.+-]+\.so\.\d+"),  # Debian's package names
               re.compile(re.escape(demo.DEMO_PASSWORD)),             # what the demo's accounts log in with
               re.compile(r"--?[a-z][a-z-]*"),                   # the options the user types
               re.compile(r"cao-bang-\d{4}(?::[\w-]+)?"),         # unit ids, which --unit accepts
               re.compile(r"(?<![\w-])/[^\s:;,)]+"),               # file paths
               re.compile(r"«cfc(?: [a-z-]+)*"),                     # the commands it tells to run
               re.compile("|".join(c.id for c in criteria.get("qd06-2019").categories))]  # --category values


def _cli_cases(folder: Path) -> list[list[str]]:
    bad = folder / "xa.yaml"
    bad.write_text("category: mountain-island\ninputs: {births: -1, births_registered_on_time: 50}\n", encoding="utf-8")
    odd = folder / "loai.yaml"
    odd.write_text("category: thanh-pho\ninputs: {}\n", encoding="utf-8")
    broken = folder / "hong.yaml"
    broken.write_text("category: [\n", encoding="utf-8")
    return [["score", str(bad)], ["score", str(odd)], ["score", str(broken)], ["score", str(folder / "khong-co.yaml")],
            ["score", str(bad), "--set", "khong-co"], ["score", str(bad), "--bo-tieu-chi", "x"],
            ["khong-co-lenh"], ["users", "add", "x", "--role", "chu-tich"], ["round", "create"],
            ["users", "add", "canbo.moi", "--role", "officer", "--name", "Cán bộ", "--unit", "Bảo Lạc",
             "--password", "mat-khau-dai-du"],
            ["users", "add", "canbo.moi", "--role", "officer", "--name", "Cán bộ", "--unit", "Không Có Tên",
             "--password", "mat-khau-dai-du"],
            ["report-period", "99", "-o", str(folder / "bao-cao.pdf")]]


def test_the_command_line_speaks_vietnamese_in_vietnamese_mode(db_path: Path, tmp_path: Path) -> None:
    """Common mistakes with ``cfc`` (a bad value, an unknown option, command, set, unit or round, a missing
    file) answered in Vietnamese when ``CFC_LANG=vi``, with labels, not input names."""
    runner = CliRunner()
    found: dict[str, list[str]] = {}
    for args in _cli_cases(tmp_path):
        result = runner.invoke(cfc, args, env={"CFC_LANG": "vi", "CFC_DB": str(db_path)})
        said = result.output
        assert result.exit_code != 0 and said.strip(), (args, said)
        for pattern in CLI_ALLOWED:
            said = pattern.sub(" ", said)
        for problem in problems(said):
            found.setdefault(problem, []).append(" ".join(args))
    assert not found, f"{len(found)} problems:\n{report(found)}"


def _said_in_vietnamese(runner: CliRunner, env: dict[str, str], *args: str) -> str:
    """What ``cfc ARGS`` printed, with what the user types (options, paths, ids) taken out; the command must work."""
    result = runner.invoke(cfc, list(args), env=env)
    assert result.exit_code == 0, (args, result.output)
    said = result.output
    for pattern in CLI_ALLOWED:
        said = pattern.sub(" ", said)
    return said


def test_the_command_line_reports_its_work_in_vietnamese(tmp_path: Path) -> None:
    """What the commands print when they work (a new database, the demo, rounds, accounts, criteria sets, the
    checks, an impact, a scored file) is Vietnamese in Vietnamese mode: labels and names, a set by its title,
    statuses by their names, the hash only after its label."""
    runner = CliRunner()
    env = {"CFC_LANG": "vi", "CFC_DB": str(tmp_path / "cfc.db"), "CFC_INSTANCE": str(tmp_path / "instance")}
    unit = tmp_path / "xa.yaml"
    unit.write_text("category: mountain-island\ninputs: {births: 40}\n", encoding="utf-8")
    commands = [["db", "init"], ["units", "import"], ["units", "list", "cao-bang-2022"], ["demo", "--years", "2024"],
                ["demo"], ["round", "list"], ["round", "create", "--name", "Đánh giá năm 2027", "--year", "2027"],
                ["users", "add", "thamdinh.moi", "--role", "reviewer", "--name", "Phòng Văn hóa – Xã hội",
                 "--unit", "cao-bang-2025:04", "--password", "mat-khau-dai-du"], ["users", "list"], ["criteria", "list"],
                ["criteria", "check", str(Path(criteria.__file__).parent / "qd06-2019.yaml")],
                ["criteria", "show", "qd06-2019"], ["check"], ["backup", str(tmp_path / "sao-luu.db")],
                ["doctor", "--backups", str(tmp_path)], ["impact", "1", "--set", "qd06-2019"],
                ["score", str(unit), "--partial"], ["urban", "list", "2024", "--unit-set", "cao-bang-2022"]]
    found: dict[str, list[str]] = {}
    for args in commands:
        said = _said_in_vietnamese(runner, env, *args) if args[0] != "doctor" else \
            runner.invoke(cfc, args, env=env).output  # the doctor may find this machine lacking: exit 5 is fine
        for pattern in CLI_ALLOWED if args[0] == "doctor" else ():
            said = pattern.sub(" ", said)
        assert said.strip(), args
        for problem in problems(said):
            found.setdefault(problem, []).append(" ".join(args))
    assert not found, f"{len(found)} problems:\n{report(found)}"
    listing = runner.invoke(cfc, ["round", "list"], env=env).output
    assert "Tiêu chuẩn xã, phường, thị trấn phù hợp với trẻ em, phiên bản 2019.1, còn giá trị tạm, chưa xác minh" \
        in listing and "Bản nháp: 56" in listing
    created = runner.invoke(cfc, ["round", "create", "--name", "Đợt thử", "--year", "2028"], env=env).output
    assert re.fullmatch(r"đợt đánh giá số 4: Đợt thử — Tiêu chuẩn .*, phiên bản 2019\.1, còn giá trị tạm, chưa xác minh "
                        r"\(Mã kiểm tra nội dung bộ tiêu chí: sha256:[0-9a-f]{64}\)\n", created), created


def test_the_officer_home_names_the_commune_and_says_a_deadline_has_passed(app) -> None:
    """The officer lands on their commune's page, named in full, with the round's deadline and «đã quá hạn»
    while the file is a draft past it (the demo's 2024 round closed on 15/11/2024)."""
    page = visible_text(logged_in(app, "canbo.xa").get("/", follow_redirects=True).get_data(as_text=True))
    lines = [" ".join(line.split()) for line in page.splitlines() if line.strip()]
    assert "Xã Lũng Nặm, huyện Hà Quảng, tỉnh Cao Bằng" in lines
    assert "Hạn nộp 15/11/2024 — đã quá hạn" in lines
