"""The authorization matrix: every route × every role × own / other jurisdiction.

Each route states who may use it; the test logs in as each role and asserts "allowed"
(anything but 403 and the login redirect) or "refused" (403; anonymous users are sent to
the login page, or, for a form they post, told that their session has ended: 401).
A route missing from ``ACCESS`` fails the test, so new routes get a line.
"""
from __future__ import annotations

import shutil
import sqlite3
from collections.abc import Callable
from pathlib import Path

import pytest
from flask import Flask

import criteria
from criteria.export import plain_data
from webapp.store import accounts, attachments, criteria_drafts, criteria_values, lineage, ntm_drafts, ntm_values, rounds, units
from webapp.store import db as database
from webapp.store.demo import DEMO_PASSWORD
from webapp.web.assets import STATIC, Assets

from webhelpers import ClientAs, MakeApp, logged_in

ROLES = ("anonymous", "officer", "reviewer", "authority", "viewer", "legal", "admin")
VIEW = {"officer", "reviewer", "authority", "viewer", "admin"}  # read access, own jurisdiction
ANYONE = VIEW | {"legal"}  # every account (a legal officer reads no commune's file)
WORKERS = {"legal", "admin"}  # the criteria workbench
STYLE = Assets(STATIC).files["style.css"].hashed  # the stylesheet's address in this release

# endpoint → method → who may: "public", "token", a set of roles (no jurisdiction), or
# ("own", roles): those roles, and only within their jurisdiction.
ACCESS: dict[str, dict[str, object]] = {
    "index": {"GET": ANYONE},
    "healthz": {"GET": "public"},
    "assets.file": {"GET": "public"},
    "assets.favicon": {"GET": "public"},
    "offline.worker": {"GET": "public"},
    "offline.page": {"GET": "public"},
    "auth.login": {"GET": "public", "POST": "public"},
    "auth.logout": {"POST": "public"},
    "auth.password": {"GET": ANYONE, "POST": ANYONE},
    "admin.users": {"GET": {"admin"}, "POST": {"admin"}},
    "admin.set_active": {"POST": {"admin"}},
    "admin.user": {"GET": {"admin"}},
    "admin.change_role": {"POST": {"admin"}},
    "admin.reset_password": {"POST": {"admin"}},
    "admin.unlock": {"POST": {"admin"}},
    "admin.unit_search": {"GET": {"admin"}},
    "api.score": {"POST": "public"},
    "api.unit_result": {"GET": "token"},
    "api.round_statistics": {"GET": "token"},
    "commune.mine": {"GET": {"officer"}},
    "commune.checklist": {"GET": ("own", VIEW), "POST": ("own", {"officer"})},
    "commune.edits": {"GET": ("own", VIEW), "POST": ("own", {"officer"})},
    "commune.token": {"GET": ANYONE},
    "commune.submit": {"GET": ("own", {"officer"}), "POST": ("own", {"officer"})},
    "commune.upload": {"POST": ("own", {"officer"})},
    "commune.download": {"GET": ("own", VIEW)},
    "commune.delete_attachment": {"POST": ("own", {"officer"})},
    "answers.answer": {"POST": ("own", {"officer"})},
    "review.queue": {"GET": {"reviewer"}},
    "review.review": {"GET": ("own", {"reviewer"})},
    "review.review_criterion": {"POST": ("own", {"reviewer"})},
    "review.accept_unchanged": {"POST": ("own", {"reviewer"})},
    "review.return_assessment": {"POST": ("own", {"reviewer"})},
    "review.verify": {"POST": ("own", {"reviewer"})},
    "review.reopen": {"POST": ("own", {"reviewer"})},
    "decisions.index": {"GET": {"authority"}},
    "decisions.decide": {"POST": ("own", {"authority"})},
    "decisions.revoke": {"POST": ("own", {"authority"})},
    "dashboard.index": {"GET": {"reviewer", "authority", "viewer", "admin"}},
    "dashboard.units_xlsx": {"GET": {"reviewer", "authority", "viewer", "admin"}},
    "documents.verify_form": {"GET": "public"},
    "documents.verify": {"GET": "public"},
    "documents.issue": {"GET": {"authority"}, "POST": {"authority"}},
    "documents.decision_pdf": {"GET": {"authority", "admin"}},
    "documents.certificates_zip": {"GET": {"authority", "admin"}},
    "documents.report_pdf": {"GET": ("own", VIEW)},
    "period.period_xlsx": {"GET": {"reviewer", "authority", "viewer", "admin"}},
    "period.period_pdf": {"GET": {"reviewer", "authority", "viewer", "admin"}},
    "impact.index": {"GET": {"authority", "viewer", "admin"}},
    "ntm.unit": {"GET": ("own", VIEW)},
    "ntm.province": {"GET": {"reviewer", "authority", "viewer", "admin"}},
    "statistics.page": {"GET": {"reviewer", "authority", "viewer", "admin"}},
    "statistics.xlsx": {"GET": {"reviewer", "authority", "viewer", "admin"}},
    "statistics.pdf": {"GET": {"reviewer", "authority", "viewer", "admin"}},
    "quality.province": {"GET": {"reviewer", "authority", "viewer", "admin"}},
    "quality.explain": {"POST": ("own", {"reviewer"})},
    "urban.index": {"GET": {"admin"}, "POST": {"admin"}},
    "urban.import_file": {"POST": {"admin"}},
    "urban.template": {"GET": {"admin"}},
    "workbench.index": {"GET": WORKERS},
    "workbench.show_set": {"GET": WORKERS},
    "workbench.new_draft": {"POST": WORKERS},
    "workbench.export_set": {"GET": WORKERS},
    "workbench.show_ntm": {"GET": WORKERS},
    "workbench.export_ntm": {"GET": WORKERS},
    "workbench.new_ntm_draft": {"POST": WORKERS},
    "workbench.show_ntm_draft": {"GET": WORKERS},
    "workbench.edit_ntm_part": {"GET": WORKERS, "POST": WORKERS},
    "workbench.ntm_scan": {"GET": WORKERS},
    "workbench.ntm_changes": {"GET": WORKERS},
    "workbench.ntm_impact": {"GET": WORKERS},
    "workbench.ntm_values_xlsx": {"GET": WORKERS, "POST": WORKERS},
    "workbench.prepare_ntm": {"POST": WORKERS},
    "workbench.confirm_ntm": {"POST": WORKERS},
    "workbench.show_draft": {"GET": WORKERS},
    "workbench.edit_part": {"GET": WORKERS, "POST": WORKERS},
    "workbench.scan": {"GET": WORKERS},
    "workbench.changes": {"GET": WORKERS},
    "workbench.impact": {"GET": WORKERS},
    "workbench.prepare": {"POST": WORKERS},
    "workbench.confirm": {"POST": WORKERS},
    "workbench.export_draft": {"GET": WORKERS},
    "workbench.upload_yaml": {"POST": WORKERS},
    "workbench.values_xlsx": {"GET": WORKERS, "POST": WORKERS},
    "workbench.repin": {"GET": {"admin"}, "POST": {"admin"}},
    "authority.index": {"GET": WORKERS},
    "authority.propose": {"POST": WORKERS},
    "authority.decide": {"POST": WORKERS},
}


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory, demo_copy: Callable[[Path], int]) -> dict[str, object]:
    """A demo database plus a 2025 round (outside the 2022 province) and two attachments."""
    folder = tmp_path_factory.mktemp("authz")
    path = folder / "cfc.db"
    demo_copy(path)
    db = database.connect(path)
    rounds.create_round(db, name="Vòng 2027", year=2027, cset=criteria.get("qd06-2019"),
                        unit_set=units.CAO_BANG_2025, actor="test")
    officer = accounts.list_users(db)
    scope = {u["username"]: u["scope_unit_id"] for u in officer}
    own = db.execute("select id from assessments where unit_id = ? and round_id = 1",
                     [scope["canbo.xa"]]).fetchone()[0]
    other = db.execute("select a.id from assessments a join units u on u.id = a.unit_id "
                       "where a.round_id = 1 and u.parent_id != ? order by a.id limit 1",
                       [scope["thamdinh.huyen"]]).fetchone()[0]
    far = db.execute("select id from assessments where round_id = 2 limit 1").fetchone()[0]
    lineage = _lineage_accounts(db, scope["canbo.xa"], own, other)
    store = folder / "attachments"
    pdf = b"%PDF-1.4\n%%EOF\n"
    files = {}
    for aid in (own, other, far):
        db.execute("update assessments set status = 'draft' where id = ?", [aid])  # attachable
        files[aid] = attachments.add(db, store, aid, None, "bien-ban.pdf", pdf, "test")["id"]
    draft = criteria_drafts.create(db, criteria.content_hash(criteria.get("qd06-2019")), "2019.2", "2019-01-03", "test")
    cset = criteria_drafts.draft_set(criteria_drafts.get(db, draft))
    part = criteria_values.find(cset, "criteria[1].items[0]")
    criteria_drafts.edit_part(db, draft, part.key, criteria_values.form_values(plain_data(cset), part),
                              criteria_drafts.Citation("QĐ 06/QĐ-TTg", "Điều 2"), "test",
                              scan=("trang.pdf", pdf), store=store)
    scan = criteria_drafts.edits(db, draft)[0]["id"]
    ntm_draft = ntm_drafts.create(db, "ntm-qd318-2022", "2022.2", "test")
    nset = ntm_drafts.draft_set(ntm_drafts.get(db, ntm_draft))
    ntm_part = ntm_values.find(nset, "groups[0]") if nset.groups else ntm_values.find(nset, "regions[0]")
    ntm_drafts.edit_part(db, ntm_draft, ntm_part.key, ntm_values.form_values(nset, ntm_part),
                         criteria_drafts.Citation("QĐ 318/QĐ-TTg", "Phụ lục"), "test", scan=("trang.pdf", pdf), store=store)
    ntm_scan = ntm_drafts.edits(db, ntm_draft)[0]["id"]
    db.conn.close()
    return {"path": path, "store": store, "own": own, "other": other, "far": far, "files": files, "scan": scan,
            "ntm_scan": ntm_scan, **lineage}


NEW_OFFICER, NEW_REVIEWER = "canbo.xamoi.kiemtra", "thamdinh.tinhmoi.kiemtra"  # accounts of the 2025 units


def _lineage_accounts(db, old_commune: str, own: int, other: int) -> dict[str, object]:
    """An officer of the new commune that the demo officer's commune merged into and a reviewer of the new
    province; the assessment of a 2022 commune that merged into nothing (its lineage row removed), and the
    new commune's 2027 assessment. ``own`` is a predecessor's (draft) assessment of 2024, ``other`` is not."""
    new_commune = lineage.successors(db, old_commune)[0]["id"]
    province = db.execute("select id from units where unit_set = ? and type = 'tinh'", [units.CAO_BANG_2025]).fetchone()[0]
    accounts.create_user(db, NEW_OFFICER, DEMO_PASSWORD, "officer", "Cán bộ xã mới", new_commune, "test")
    accounts.create_user(db, NEW_REVIEWER, DEMO_PASSWORD, "reviewer", "Thẩm định cấp tỉnh", province, "test")
    orphan = db.execute("select id, unit_id from assessments where round_id = 1 and id not in (?, ?) "
                        "order by id desc limit 1", [own, other]).fetchone()
    db.execute("delete from unit_lineage where from_id = ?", [orphan[1]])
    assert new_commune not in {u["id"] for u in lineage.successors(db, _unit_of(db, other))}
    successor = db.execute("select a.id from assessments a where a.round_id = 2 and a.unit_id = ?",
                           [new_commune]).fetchone()[0]
    return {"orphan": orphan[0], "successor": successor}


def _unit_of(db, assessment_id: int) -> str:
    return db.execute("select unit_id from assessments where id = ?", [assessment_id]).fetchone()[0]


@pytest.fixture()
def db_path(template, tmp_path: Path) -> Path:
    """A copy of the template for one test (the ``app`` fixture's database)."""
    path = tmp_path / "cfc.db"
    shutil.copy(template["path"], path)
    return path


@pytest.fixture()
def app_config(template) -> dict[str, object]:
    return {"ATTACHMENTS": str(template["store"]), "TESTING": True}


def _cases() -> list[tuple[str, str, str, str]]:
    out = []
    for endpoint, methods in ACCESS.items():
        for method, rule in methods.items():
            for role in ROLES:
                scopes = ("own", "other") if isinstance(rule, tuple) else ("-",)
                out += [(endpoint, method, role, scope) for scope in scopes]
    return out


def _url(endpoint: str, scope: str, role: str, t: dict[str, object]) -> str:
    target = t["own"] if scope in ("own", "-") else (t["far"] if role in ("viewer", "admin") else t["other"])
    paths = {
        "index": "/", "healthz": "/healthz", "assets.file": f"/assets/{STYLE}", "assets.favicon": "/favicon.ico",
        "offline.worker": "/sw.js", "offline.page": "/offline", "auth.login": "/login",
        "auth.logout": "/logout", "auth.password": "/password", "admin.users": "/admin/users",
        "admin.set_active": "/admin/users/99999/active", "admin.user": "/admin/users/99999",
        "admin.change_role": "/admin/users/99999/role", "admin.reset_password": "/admin/users/99999/password",
        "admin.unlock": "/admin/users/99999/unlock", "admin.unit_search": "/admin/units?q=ha+quang",
        "api.score": "/api/score",
        "api.unit_result": "/api/rounds/1/units/00001", "api.round_statistics": "/api/rounds/1/statistics",
        "commune.mine": "/mine", "statistics.page": "/rounds/1/statistics",
        "statistics.xlsx": "/rounds/1/statistics.xlsx", "statistics.pdf": "/rounds/1/statistics.pdf",
        "commune.checklist": f"/assessments/{target}", "commune.edits": f"/assessments/{target}/edits",
        "commune.token": "/session/token", "commune.submit": f"/assessments/{target}/submit",
        "commune.upload": f"/assessments/{target}/attachments",
        "commune.download": f"/attachments/{t['files'][target]}",
        "commune.delete_attachment": f"/attachments/{t['files'][target]}/delete", "review.queue": "/review",
        "answers.answer": f"/assessments/{target}/answers",
        "review.accept_unchanged": f"/assessments/{target}/review/unchanged",
        "review.review": f"/assessments/{target}/review",
        "review.review_criterion": f"/assessments/{target}/review/1",
        "review.return_assessment": f"/assessments/{target}/return",
        "review.verify": f"/assessments/{target}/verify", "review.reopen": f"/assessments/{target}/reopen",
        "decisions.index": "/decisions", "decisions.decide": f"/assessments/{target}/decide",
        "decisions.revoke": f"/assessments/{target}/revoke", "dashboard.index": "/dashboard",
        "dashboard.units_xlsx": "/dashboard/units.xlsx?round=1", "ntm.province": "/rounds/1/ntm",
        "quality.province": "/rounds/1/quality", "quality.explain": f"/assessments/{target}/quality",
        "documents.verify_form": "/verify", "documents.verify": "/verify/ZZZZZ-ZZZZZ",
        "documents.issue": "/rounds/1/decision", "documents.decision_pdf": "/rounds/1/decision.pdf",
        "documents.certificates_zip": "/rounds/1/certificates.zip",
        "documents.report_pdf": f"/assessments/{target}/report.pdf",
        "period.period_xlsx": "/rounds/1/period.xlsx", "period.period_pdf": "/rounds/1/period.pdf",
        "impact.index": "/rounds/1/impact", "ntm.unit": f"/assessments/{target}/ntm",
        "urban.index": "/urban", "urban.import_file": "/urban/import", "urban.template": "/urban/template.xlsx",
        "workbench.index": "/criteria", "workbench.show_set": "/criteria/qd06-2019/2019.1",
        "workbench.new_draft": "/criteria/qd06-2019/2019.1/drafts",
        "workbench.export_set": "/criteria/qd06-2019/2019.1/export.yaml", "workbench.show_draft": "/criteria/drafts/1",
        "workbench.show_ntm": "/criteria/ntm/ntm-qd318-2022", "workbench.export_ntm": "/criteria/ntm/ntm-qd318-2022/export.yaml",
        "workbench.edit_part": "/criteria/drafts/1/part?part=criteria[1].items[0]",
        "workbench.scan": f"/criteria/edits/{t['scan']}/scan", "workbench.changes": "/criteria/drafts/1/changes",
        "workbench.impact": "/criteria/drafts/1/impact", "workbench.prepare": "/criteria/drafts/1/prepare",
        "workbench.confirm": "/criteria/drafts/1/confirm", "workbench.export_draft": "/criteria/drafts/1/export.yaml",
        "workbench.upload_yaml": "/criteria/upload", "workbench.values_xlsx": "/criteria/drafts/1/values.xlsx",
        "workbench.repin": "/rounds/1/criteria",
        "workbench.new_ntm_draft": "/criteria/ntm/ntm-qd318-2022/drafts", "workbench.show_ntm_draft": "/criteria/ntm/drafts/1",
        "workbench.edit_ntm_part": "/criteria/ntm/drafts/1/part?part=indicators[2]",
        "workbench.ntm_scan": f"/criteria/ntm/edits/{t['ntm_scan']}/scan",
        "workbench.ntm_changes": "/criteria/ntm/drafts/1/changes", "workbench.ntm_impact": "/criteria/ntm/drafts/1/impact",
        "workbench.ntm_values_xlsx": "/criteria/ntm/drafts/1/values.xlsx",
        "workbench.prepare_ntm": "/criteria/ntm/drafts/1/prepare", "workbench.confirm_ntm": "/criteria/ntm/drafts/1/confirm",
        "authority.index": "/authority", "authority.propose": "/authority/two-tier/reviewing_body",
        "authority.decide": "/authority/changes/99999/confirm",
    }
    return paths[endpoint]


def _allowed(rule: object, role: str, scope: str) -> bool:
    if rule == "public":
        return True
    if rule == "token":
        return False
    if isinstance(rule, tuple):
        _own, roles = rule
        return role in roles and (scope == "own" or role == "admin")
    return role in rule


def test_every_route_is_in_the_matrix(app: Flask) -> None:
    routes = {(r.endpoint, m) for r in app.url_map.iter_rules() for m in r.methods - {"HEAD", "OPTIONS"}}
    listed = {(e, m) for e, methods in ACCESS.items() for m in methods}
    assert routes == listed


@pytest.mark.parametrize("endpoint, method, role, scope", _cases())
def test_access(app: Flask, client_as: ClientAs, template, endpoint: str, method: str, role: str,
                scope: str) -> None:
    rule = ACCESS[endpoint][method]
    client = app.test_client() if role == "anonymous" else client_as(role)
    url = _url(endpoint, scope, role, template)
    response = client.open(url, method=method, data={} if method == "POST" else None)
    response.close()  # downloads stream from open files
    login_redirect = response.status_code == 302 and "/login" in response.headers.get("Location", "")
    if rule == "public":  # logging out ends at the login page, as it should
        assert response.status_code != 403 and response.status_code < 500
    elif _allowed(rule, role, scope):
        assert response.status_code != 403 and not login_redirect, (response.status_code, url)
        assert response.status_code < 500
    elif rule == "token":
        assert response.status_code == 401
        assert response.get_json()["error"]["status"] == 401
    elif role == "anonymous" and method == "POST":  # refused without losing the form: it lists what was sent
        assert response.status_code == 401 and "Phiên đăng nhập đã kết thúc" in response.get_data(as_text=True)
    elif role == "anonymous":
        assert login_redirect, (response.status_code, url)
    else:
        assert response.status_code == 403, (response.status_code, url)
        assert "Không có quyền truy cập" in response.get_data(as_text=True)


def _posts() -> list[str]:
    return [e for e, methods in ACCESS.items() if "POST" in methods and not e.startswith("api.")]


@pytest.mark.parametrize("endpoint", _posts())
def test_every_form_needs_a_csrf_token(make_app: MakeApp, template, db_path: Path, endpoint: str) -> None:
    """Without the token a POST changes nothing and gets the friendly expiry page, which (for a
    form of this site, other than login and password) shows the typed input and offers to resend it."""
    app = make_app(db_path, ATTACHMENTS=str(template["store"]), WTF_CSRF_ENABLED=True)
    rule = ACCESS[endpoint]["POST"]
    roles = {"admin"} if rule == "public" else rule[1] if isinstance(rule, tuple) else rule
    role = sorted(roles)[0]  # someone allowed to use the route
    client = app.test_client() if endpoint == "auth.login" else logged_in(app, role)  # with the login form's token
    before = sqlite3.connect(db_path).execute("select count(*) from audit_log").fetchone()[0]
    response = client.post(_url(endpoint, "own", role, template), data={"note": "Số liệu <b>giữ nguyên</b>"},
                           headers={"Origin": "http://localhost"})
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "Phiên làm việc đã hết hạn" in html
    kept = 'name="note" value="Số liệu &lt;b&gt;giữ nguyên&lt;/b&gt;"' in html
    assert kept is (endpoint not in ("auth.login", "auth.password"))
    conn = sqlite3.connect(db_path)
    assert conn.execute("select count(*) from audit_log").fetchone()[0] == before
    conn.close()


# ---- access across the 2025 reform: reading follows the lineage, acting never does ----------------------

READ_PAST = ("/assessments/{a}", "/assessments/{a}/edits", "/assessments/{a}/report.pdf", "/assessments/{a}/ntm",
             "/attachments/{file}")
ACT_ON_PAST = [("GET", "/assessments/{a}/submit"), ("POST", "/assessments/{a}/submit"), ("POST", "/assessments/{a}"),
               ("POST", "/assessments/{a}/edits"), ("POST", "/assessments/{a}/attachments"),
               ("POST", "/assessments/{a}/answers"), ("POST", "/attachments/{file}/delete")]
REVIEW_PAST = [("GET", "/assessments/{a}/review"), ("POST", "/assessments/{a}/review/1"),
               ("POST", "/assessments/{a}/return"), ("POST", "/assessments/{a}/verify"),
               ("POST", "/assessments/{a}/reopen"), ("POST", "/assessments/{a}/review/unchanged")]


def _fill(url: str, t: dict[str, object], which: str) -> str:
    aid = t[which]
    return url.format(a=aid, file=t["files"].get(aid, 0))


@pytest.mark.parametrize("who", [NEW_OFFICER, NEW_REVIEWER])
@pytest.mark.parametrize("url", READ_PAST)
def test_new_units_read_their_predecessors(app: Flask, template, who: str, url: str) -> None:
    """An officer of a new commune, and a reviewer of the new province, read the 2024 assessment of a commune
    that merged into theirs: the checklist (read only), its state, the report PDF, the NTM page, its files."""
    response = logged_in(app, who).get(_fill(url, template, "own"))
    response.close()
    assert response.status_code == 200, url


def test_a_predecessor_page_is_read_only(app: Flask, template) -> None:
    html = logged_in(app, NEW_OFFICER).get(f"/assessments/{template['own']}").get_data(as_text=True)
    assert 'id="read-only-past"' in html and "Chỉ xem" in html
    assert 'id="submit-link"' not in html and "checklist.js" not in html and "Lưu</button>" not in html
    own = logged_in(app, "canbo.xa").get(f"/assessments/{template['own']}").get_data(as_text=True)
    assert 'id="submit-link"' in own and 'id="read-only-past"' not in own  # its own officer still edits it


@pytest.mark.parametrize(("method", "url"), ACT_ON_PAST)
def test_new_officer_cannot_act_on_a_predecessor(app: Flask, template, db_path: Path, method: str, url: str) -> None:
    before = sqlite3.connect(db_path).execute("select count(*) from audit_log").fetchone()[0]
    response = logged_in(app, NEW_OFFICER).open(_fill(url, template, "own"), method=method,
                                                data={"body": "x", "note": "x"} if method == "POST" else None)
    assert response.status_code == 403, url
    assert sqlite3.connect(db_path).execute("select count(*) from audit_log").fetchone()[0] == before


@pytest.mark.parametrize(("method", "url"), REVIEW_PAST)
def test_new_reviewer_cannot_review_a_predecessor(app: Flask, template, method: str, url: str) -> None:
    response = logged_in(app, NEW_REVIEWER).open(_fill(url, template, "own"), method=method,
                                                 data={"status": "accepted", "comment": "x", "reason": "x"})
    assert response.status_code == 403, url


@pytest.mark.parametrize(("who", "which"), [(NEW_OFFICER, "other"), (NEW_OFFICER, "orphan"),
                                            (NEW_REVIEWER, "orphan")])
@pytest.mark.parametrize("url", READ_PAST[:4])
def test_no_reading_beyond_the_lineage(app: Flask, template, who: str, which: str, url: str) -> None:
    """A commune that did not merge into the user's units stays closed: for the new officer another district's
    commune; for both, a commune whose lineage is missing."""
    response = logged_in(app, who).get(_fill(url, template, which))
    assert response.status_code == 403, url


def test_old_district_sees_its_old_units_only(app: Flask, template) -> None:
    """The other way round: an account of a 2022 district does not reach the new units its communes merged into."""
    for who in ("canbo.xa", "thamdinh.huyen", "chutich.huyen"):
        assert logged_in(app, who).get(f"/assessments/{template['successor']}").status_code == 403, who
    assert logged_in(app, NEW_OFFICER).get(f"/assessments/{template['successor']}").status_code == 200
