"""The page cache never serves stale or foreign content: after a save, a review, an upload or
a decision the pages show the new values at once; every role, jurisdiction and language has
its own rendering; access is checked before the cache; the user's name, flash messages and
CSRF token are the requesting session's; and every change to the data moves the stamp."""
from __future__ import annotations

import html
import io
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

import criteria
from webapp.store import accounts, attachments, bulk, rounds, units, urban, workflow
from webapp.store import db as webdb
from webapp.store.demo import DEMO_PASSWORD
from webapp.web import pagecache, review
from webapp.web.csrf import unmask
from webapp.web.db import get_db

from webhelpers import logged_in, opened

CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


@pytest.fixture()
def ids(db_path: Path) -> dict[str, Any]:
    """The officer's draft, a submitted and a verified assessment of the reviewer's district, and
    another commune and district (with an officer and a reviewer of their own)."""
    with opened(db_path, migrate=False) as db:
        scope = {r["username"]: r["scope_unit_id"] for r in accounts.list_users(db)}
        district = scope["thamdinh.huyen"]

        def first(sql: str, *params: Any) -> Any:
            return db.execute(sql, params).fetchone()[0]
        ids = {
            "own": first("select id from assessments where unit_id = ?", scope["canbo.xa"]),
            "submitted": first("select a.id from assessments a join units u on u.id = a.unit_id where u.parent_id = ? "
                               "and a.status in ('submitted', 'resubmitted') order by u.sort_key", district),
            "verified": first("select a.id from assessments a join units u on u.id = a.unit_id where u.parent_id = ? "
                              "and a.status = 'verified' order by u.sort_key", district),
            "district": district,
            "other_commune": first("select id from units where unit_set = ? and type = 'xa' and id != ? "
                                   "order by sort_key", units.CAO_BANG_2022, scope["canbo.xa"]),
            "other_district": first("select id from units where unit_set = ? and type = 'huyen' and id != ? "
                                    "order by sort_key", units.CAO_BANG_2022, district),
        }
        accounts.create_user(db, "canbo.khac", DEMO_PASSWORD, "officer", "Cán bộ xã khác", ids["other_commune"], "test")
        accounts.create_user(db, "thamdinh.khac", DEMO_PASSWORD, "reviewer", "Thẩm định huyện khác",
                             ids["other_district"], "test")
        accounts.create_user(db, "thamdinh.hai", DEMO_PASSWORD, "reviewer", "Người thẩm định thứ hai", district, "test")
        accounts.create_user(db, "xem.xa", DEMO_PASSWORD, "viewer", "Theo dõi tại xã", scope["canbo.xa"], "test")
    return ids


def page(response) -> str:
    assert response.status_code == 200, response.status_code
    return html.unescape(response.get_data(as_text=True))


def content(response) -> str:
    """The page's own content (what the cache holds) without the layout around it, nor the CSRF
    tokens (signed with the time, they differ from one second to the next)."""
    text = page(response)
    return CSRF.sub("csrf", text[text.index('<main id="main">'):text.index("</main>")])


def counted(monkeypatch: pytest.MonkeyPatch, module: Any, name: str) -> list[int]:
    """Count the calls of ``module.name`` (a page builder): one call is one rendering."""
    calls: list[int] = []
    original: Callable[..., Any] = getattr(module, name)

    def wrapper(*args: Any, **kwargs: Any) -> Any:
        calls.append(1)
        return original(*args, **kwargs)
    monkeypatch.setattr(module, name, wrapper)
    return calls


# --- the cache is used, and forgets nothing it should --------------------------------------------------

def test_a_page_is_rendered_once_while_nothing_changes(ids, monkeypatch, client_as):
    calls = counted(monkeypatch, review, "_context")
    reviewer = client_as("thamdinh.huyen")
    first = content(reviewer.get(f"/assessments/{ids['submitted']}/review"))
    second = content(reviewer.get(f"/assessments/{ids['submitted']}/review"))
    assert first == second and len(calls) == 1


def test_the_checklist_shows_a_saved_value_evidence_and_attachment_at_once(ids, db_path, client_as):
    officer = client_as("canbo.xa")
    url = f"/assessments/{ids['own']}"
    before = page(officer.get(url))
    version = int(re.search(r'name="version" value="(\d+)"', before).group(1))
    response = officer.post(url, data={"version": version, "children": "1234", "evidence-1.1": "Sổ theo dõi 2024"})
    assert response.status_code == 302
    after = page(officer.get(url))
    assert re.search(r'name="children"[^>]*value="1234"', after)
    assert "Sổ theo dõi 2024" in after and f'name="version" value="{version + 1}"' in after
    user = int(re.search(r'data-user="(\d+)"', after).group(1))
    saved = officer.post(f"{url}/edits", json={"user": user, "edits": [
        {"field": "children", "value": "2345", "base": "1234"}]})
    assert saved.get_json()["results"] == [{"field": "children", "state": "saved"}]
    assert re.search(r'name="children"[^>]*value="2345"', page(officer.get(url)))
    upload = officer.post(f"{url}/attachments", data={"file": (io.BytesIO(b"%PDF-1.4\n%%EOF\n"), "bien-ban-hop.pdf")},
                          content_type="multipart/form-data")
    assert upload.status_code == 302
    assert "bien-ban-hop.pdf" in page(officer.get(url))


def test_the_review_page_shows_a_new_review_at_once(ids, client_as):
    reviewer = client_as("thamdinh.huyen")
    url = f"/assessments/{ids['submitted']}/review"
    before = page(reviewer.get(url))
    assert "Đề nghị xã bổ sung biên bản" not in before
    version = int(re.search(r'name="version" value="(\d+)"', before).group(1))
    response = reviewer.post(f"{url}/3", data={"version": version, "status": "needs_clarification",
                                               "comment": "Đề nghị xã bổ sung biên bản"})
    assert response.status_code == 303
    after = page(reviewer.get(url))
    assert "Đề nghị xã bổ sung biên bản" in after
    assert f'name="version" value="{version + 1}"' in after


def test_a_decision_shows_on_the_dashboard_and_the_checklist_at_once(ids, client_as):
    viewer, reviewer = client_as("theodoi.tinh"), client_as("thamdinh.huyen")

    def not_recognised() -> int:
        shown = page(viewer.get("/dashboard?status=not_recognised"))
        return int(re.search(r'id="units-count">\D*(\d+)', shown).group(1))
    before = not_recognised()
    checklist = f"/assessments/{ids['verified']}"
    assert "status-verified" in content(reviewer.get(checklist))
    decided = client_as("chutich.huyen").post(f"/assessments/{ids['verified']}/decide",
                                               data={"outcome": "not_recognised", "reason": "Chưa đạt"})
    assert decided.status_code == 303
    assert not_recognised() == before + 1
    assert "status-not_recognised" in content(reviewer.get(checklist))


# --- foreign content: each role, jurisdiction, language and user its own ----------------------------

def test_each_role_gets_its_own_checklist(ids, client_as):
    """The commune's officer and a viewer scoped to the same commune: only the officer may edit."""
    url = f"/assessments/{ids['own']}"
    officer = content(client_as("canbo.xa").get(url))
    viewer = content(client_as("xem.xa").get(url))
    assert 'data-edits="/assessments/' in officer and ">Lưu</button>" in officer
    assert 'data-edits=""' in viewer and ">Lưu</button>" not in viewer


def test_each_jurisdiction_gets_its_own_dashboard(ids, db_path, client_as):
    def units_shown(user: str) -> int:
        return int(re.search(r'id="stat-units">([\d.]+)<', page(client_as(user).get("/dashboard"))).group(1))
    with opened(db_path, migrate=False) as db:
        in_district = db.execute("select count(*) from assessments a join units u on u.id = a.unit_id "
                                 "where u.parent_id = ?", [ids["district"]]).fetchone()[0]
        elsewhere = db.execute("select count(*) from assessments a join units u on u.id = a.unit_id "
                               "where u.parent_id = ?", [ids["other_district"]]).fetchone()[0]
    assert in_district != elsewhere
    assert units_shown("thamdinh.huyen") == in_district  # two reviewers: the same role, two districts
    assert units_shown("thamdinh.khac") == elsewhere
    assert units_shown("theodoi.tinh") == 161


def test_each_language_gets_its_own_rendering(ids, client_as):
    officer = client_as("canbo.xa")
    url = f"/assessments/{ids['own']}"
    vietnamese = content(officer.get(url))
    english = content(officer.get(f"{url}?lang=en"))
    assert "Điểm tạm tính" in vietnamese and "Provisional score" not in vietnamese
    assert "Provisional score" in english and "Điểm tạm tính" not in english
    assert content(officer.get(f"{url}?lang=vi")) == vietnamese


def test_the_users_name_and_flash_messages_are_not_cached(ids, monkeypatch, client_as):
    calls = counted(monkeypatch, review, "_context")
    url = f"/assessments/{ids['submitted']}/review"
    first, second = client_as("thamdinh.huyen"), client_as("thamdinh.hai")
    mine = page(first.get(url))
    theirs = page(second.get(url))
    assert len(calls) == 1  # same role and district: one rendering for both
    assert "Phòng Văn hóa – Xã hội huyện" in mine and "Người thẩm định thứ hai" not in mine
    assert "Người thẩm định thứ hai" in theirs and "Phòng Văn hóa – Xã hội huyện" not in theirs
    version = int(re.search(r'name="version" value="(\d+)"', mine).group(1))
    first.post(f"{url}/1", data={"version": version, "status": "accepted"})
    assert "Đã lưu kết quả thẩm định tiêu chí 1." in page(first.get(url))
    assert "Đã lưu kết quả thẩm định tiêu chí 1." not in page(first.get(url))
    assert "Đã lưu kết quả thẩm định tiêu chí 1." not in page(second.get(url))


# --- one read of the assessment per request ------------------------------------------------------------

def statements(app) -> list[str]:
    """Every SQL statement the app's requests run from now on, as SQLite runs them (values filled in)."""
    seen: list[str] = []

    @app.before_request
    def trace() -> None:
        get_db().conn.set_trace_callback(seen.append)
    return seen


@pytest.mark.parametrize("username, which, url", [("canbo.xa", "own", "/assessments/{}"),
                                                  ("thamdinh.huyen", "submitted", "/assessments/{}/review")])
def test_the_checklist_and_review_page_read_their_assessment_once(app, ids, db_path, username, which, url):
    """The access check's read is the page's read: the assessment and its unit are read once per request,
    whether the page is rendered (the first request) or comes from the cache (the second)."""
    with opened(db_path, migrate=False) as db:
        unit_id = workflow.get(db, ids[which])["unit_id"]
    seen = statements(app)
    client = logged_in(app, username)
    for _request in ("rendered", "cached"):
        seen.clear()
        assert page(client.get(url.format(ids[which])))
        # (the unit's assessment of an earlier year, read for the data-quality flags, is another assessment)
        assert len([s for s in seen if re.search(r"\bassessments\b", s) and "r.year <" not in s]) == 1, seen
        assert len([s for s in seen if re.search(r"\bfrom units where id = ", s) and f"'{unit_id}'" in s]) == 1, seen


# --- access is checked before the cache ----------------------------------------------------------------

def test_forbidden_users_get_403_even_when_the_page_is_cached(app, ids, client_as):
    checklist, review_page = f"/assessments/{ids['own']}", f"/assessments/{ids['submitted']}/review"
    assert page(client_as("canbo.xa").get(checklist))
    assert page(client_as("thamdinh.huyen").get(review_page))
    assert page(client_as("theodoi.tinh").get("/dashboard"))
    other_officer, other_reviewer = client_as("canbo.khac"), client_as("thamdinh.khac")
    assert other_officer.get(checklist).status_code == 403
    assert other_officer.get(review_page).status_code == 403
    assert other_officer.get("/dashboard").status_code == 403
    assert other_reviewer.get(checklist).status_code == 403
    assert other_reviewer.get(review_page).status_code == 403
    assert app.test_client().get(checklist).status_code == 302  # anonymous: to the login page


# --- the CSRF token ------------------------------------------------------------------------------------

def test_the_csrf_tokens_of_a_cached_page_are_the_requesting_sessions(make_app, db_path, ids):
    app = make_app(db_path, WTF_CSRF_ENABLED=True)
    url = f"/assessments/{ids['own']}"
    first, second = logged_in(app, "canbo.xa"), logged_in(app, "canbo.xa")
    first_page = page(first.get(url))
    second_page = page(second.get(url))
    assert pagecache._MARK not in first_page + second_page
    first_fields, second_fields = CSRF.findall(first_page), CSRF.findall(second_page)
    assert len(set(second_fields)) == len(second_fields) >= 3  # each field masked anew (BREACH)
    first_tokens, second_tokens = {unmask(t) for t in first_fields}, {unmask(t) for t in second_fields}
    assert len(first_tokens) == len(second_tokens) == 1 and first_tokens != second_tokens
    version = re.search(r'name="version" value="(\d+)"', second_page).group(1)
    refused = second.post(url, data={"csrf_token": first_fields[0], "version": version, "children": "1500"})
    assert refused.status_code == 400  # the other session's token is no good here
    saved = second.post(url, data={"csrf_token": second_fields[0], "version": version, "children": "1500"})
    assert saved.status_code == 302


# --- the stamp and the LRU -----------------------------------------------------------------------------

def test_every_change_the_pages_show_moves_the_stamp(db_path, ids, tmp_path):
    """Values, evidence, attachments, reviews, adjustments, statuses (and the reviews reset on a
    resubmission), decisions, revocations, rounds, bulk imports, urban status, accounts."""
    with opened(db_path, migrate=False) as db:
        own, submitted, verified = ids["own"], ids["submitted"], ids["verified"]

        def first(sql: str, *params: Any) -> Any:
            return db.execute(sql, params).fetchone()[0]
        other = first("select id from assessments where status = 'submitted' and id != ?", submitted)
        recognised = first("select id from assessments where status = 'recognised'")
        ward = first("select id from units where unit_set = ? and type = 'phuong'", units.CAO_BANG_2022)
        commune = first("select unit_id from assessments where id = ?", own)
        staff = first("select id from users where role != 'admin' order by id")
        made: dict[str, int] = {}

        def new_round() -> None:
            made["round"] = rounds.create_round(db, name="Vòng thử", year=2030, cset=criteria.get("qd06-2019"),
                                                unit_set=units.CAO_BANG_2022, actor="t")

        def accept_all_then_verify() -> None:
            for number in range(1, 14):
                workflow.review_criterion(db, other, number, "accepted", "t")
            before = pagecache.stamp(db)
            workflow.verify(db, other, "t")
            assert pagecache.stamp(db) != before
        changes: list[tuple[str, Callable[[], Any]]] = [
            ("declare", lambda: workflow.save_declared(db, own, {"children": 999}, "t")),
            ("evidence", lambda: workflow.set_evidence(db, own, "1.1", "Ghi chú", "t")),
            ("attach", lambda: attachments.add(db, tmp_path / "files", own, None, "a.pdf", b"%PDF-1.4", "t")),
            ("review", lambda: workflow.review_criterion(db, submitted, 1, "needs_clarification", "t", "Bổ sung")),
            ("adjust", lambda: workflow.review_criterion(db, submitted, 1, "adjusted", "t", "Sửa",
                                                         adjusted={"cp_officer_assigned": False})),
            ("return", lambda: workflow.return_for_clarification(db, submitted, "t", "Bổ sung")),
            ("resubmit", lambda: workflow.submit(db, submitted, "t")),
            ("verify", accept_all_then_verify),
            ("decide", lambda: workflow.decide(db, verified, "t", False, "Chưa đạt")),
            ("reopen", lambda: workflow.reopen(db, verified, "t", "Xem lại")),
            ("revoke", lambda: workflow.revoke(db, recognised, "t", "Sai sót")),
            ("round", new_round),
            ("bulk", lambda: bulk.write_round_results(db, made["round"], [{"unit_id": commune,
                                                                           "declared": {"children": 900}}], "t")),
            ("urban", lambda: urban.record(db, ward, {"year": 2031, "status": "dat"}, "t")),
            ("account", lambda: accounts.set_active(db, staff, False, "t")),  # (never the last administrator)
        ]
        for name, change in changes:
            before = pagecache.stamp(db)
            change()
            assert pagecache.stamp(db) != before, name


def test_a_restored_backup_does_not_bring_back_a_stamp_for_other_data(db_path, ids, tmp_path):
    backup = tmp_path / "backup.db"
    webdb.backup(db_path, backup)
    with opened(db_path, migrate=False) as db:
        workflow.set_evidence(db, ids["own"], "1.1", "trước khi khôi phục", "t")
        lost = pagecache.stamp(db)
    webdb.backup(backup, db_path)  # cfc restore
    with opened(db_path, migrate=False) as db:
        workflow.set_evidence(db, ids["own"], "1.1", "sau khi khôi phục", "t")
        again = pagecache.stamp(db)
    assert again[0] == lost[0] and again != lost  # the same id, another change: another stamp


def test_the_lru_forgets_the_least_recently_used_page_first():
    lru = pagecache.LRU(2)
    lru.put("a", 1)
    lru.put("b", 2)
    assert lru.get("a") == 1
    lru.put("c", 3)
    assert (lru.get("a"), lru.get("b"), lru.get("c"), len(lru)) == (1, None, 3, 2)
    off = pagecache.LRU(0)
    off.put("a", 1)
    assert off.get("a") is None
