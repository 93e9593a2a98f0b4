"""Attacks on forms (issue 11, items 1, 3, 4 and 13), each reproducing the defect found by the
attack run: the «Gửi lại» page resending a cross-site form with a fresh token and echoing
passwords; free text and bodies without bounds filling the disk through the append-only audit
log; a stale checklist form erasing a note saved since, and refused forms losing typed notes;
an attachment filed under an item outside the round's criteria set, hidden from the reviewer."""
from __future__ import annotations

import hashlib
import html
import io
import json
import re
from pathlib import Path
from typing import Any

import pytest

from webapp.store import accounts, attachments, audit, limits, rounds, workflow
from webapp.store.demo import DEMO_PASSWORD

from webhelpers import logged_in, opened

HERE, ELSEWHERE = "http://localhost", "http://evil.example"
HIDDEN = re.compile(r'<input type="hidden" name="([^"]+)" value="([^"]*)">')
PDF = b"%PDF-1.7\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"


@pytest.fixture()
def guarded(make_app, db_path: Path):
    """The app as it runs: CSRF protection on."""
    return make_app(db_path, WTF_CSRF_ENABLED=True)


def one(db_path: Path, query: str, params: list[Any] | None = None) -> Any:
    with opened(db_path) as db:
        return db.execute(query, params or []).fetchone()[0]


def own_assessment(db_path: Path) -> int:
    """The demo officer's assessment in the newest round (a draft)."""
    return one(db_path, "select a.id from assessments a join users u on u.scope_unit_id = a.unit_id "
                        "where u.username = 'canbo.xa' order by a.round_id desc")


def recognised_in_district(db_path: Path) -> int:
    return one(db_path, "select a.id from assessments a join units u on u.id = a.unit_id join users r "
                        "on r.scope_unit_id = u.parent_id where r.username = 'chutich.huyen' "
                        "and a.status = 'recognised' order by a.id")


def status_of(db_path: Path, aid: int) -> str:
    return one(db_path, "select status from assessments where id = ?", [aid])


def page_of(response) -> str:
    return html.unescape(response.get_data(as_text=True))


def flashes(response) -> list[str]:
    return [html.unescape(m) for m in re.findall(r'<p class="flash \w+"[^>]*>(.*?)</p>', response.get_data(as_text=True),
                                                 re.DOTALL)]


def resend_forms(page: str, action: str) -> list[str]:
    """The forms of ``page`` that post to ``action`` (a «Gửi lại» form would be one)."""
    return [f for f in re.findall(r"<form[^>]*>.*?</form>", page, re.DOTALL) if f'action="{action}"' in f]


# --- 1. the «Gửi lại» page -----------------------------------------------------------------------------

@pytest.mark.parametrize("headers", [{"Origin": ELSEWHERE}, {"Referer": f"{ELSEWHERE}/trap.html"}, {}],
                         ids=["cross-site-origin", "cross-site-referer", "no-origin"])
def test_a_tokenless_cross_site_revoke_gets_no_form_to_resend(guarded, db_path, headers) -> None:
    aid = recognised_in_district(db_path)
    victim = logged_in(guarded, "chutich.huyen")
    action = f"/assessments/{aid}/revoke"
    response = victim.post(action, data={"reason": "Kẻ tấn công muốn thu hồi"}, headers=headers)
    page = page_of(response)
    assert response.status_code == 400
    assert resend_forms(page, action) == [] and "Kẻ tấn công muốn thu hồi" not in page
    assert "không được gửi từ trang của hệ thống" in page and "Gửi lại" not in page
    assert status_of(db_path, aid) == "recognised"


@pytest.mark.parametrize("origin", [ELSEWHERE, HERE])
def test_a_tokenless_login_post_gets_no_form_to_resend(guarded, origin) -> None:
    """Login CSRF: one click on «Gửi lại» would log the victim in as the attacker."""
    client = guarded.test_client()
    response = client.post("/login", data={"username": "canbo.xa", "password": DEMO_PASSWORD},
                           headers={"Origin": origin})
    page = page_of(response)
    assert response.status_code == 400
    assert resend_forms(page, "/login") == [] and DEMO_PASSWORD not in page and "Gửi lại" not in page
    with client.session_transaction() as session:
        assert "user_id" not in session


def test_no_password_is_ever_echoed_into_an_error_page(guarded) -> None:
    admin = logged_in(guarded, "admin")
    secret = "mat-khau-bi-lo-12345"
    changed = admin.post("/password", data={"old": DEMO_PASSWORD, "new": secret, "confirm": secret},
                         headers={"Origin": HERE})
    assert changed.status_code == 400 and secret not in page_of(changed) and DEMO_PASSWORD not in page_of(changed)
    assert resend_forms(page_of(changed), "/password") == []

    created = admin.post("/admin/users", data={"username": "moi.tao", "password": secret, "role": "viewer",
                                               "display_name": "Người mới", "scope_unit_id": ""},
                         headers={"Origin": HERE})
    page = page_of(created)
    assert created.status_code == 400 and secret not in page
    [form] = resend_forms(page, "/admin/users")  # the rest of the form is kept, visibly
    assert dict(HIDDEN.findall(form)).keys() == {"csrf_token", "username", "role", "display_name", "scope_unit_id"}
    assert re.search(r"<th scope=\"row\">Tên đăng nhập</th><td>moi.tao</td>", form)
    assert re.search(r"<th scope=\"row\">Vai trò</th><td>Theo dõi \(chỉ xem\)</td>", form)


@pytest.mark.parametrize("headers", [{"Origin": HERE}, {"Referer": f"{HERE}/assessments/1"}], ids=["origin", "referer"])
def test_an_expired_form_of_this_site_is_offered_again_with_what_it_sends_shown(guarded, db_path, headers) -> None:
    aid = own_assessment(db_path)
    officer = logged_in(guarded, "canbo.xa")
    version = str(one(db_path, "select version from assessments where id = ?", [aid]))
    form = {"csrf_token": "het-han", "version": version, "children": "1234", "evidence-1.1": "Sổ hộ tịch năm 2025"}
    response = officer.post(f"/assessments/{aid}", data=form, headers=headers)
    page = page_of(response)
    assert response.status_code == 400
    [resend] = resend_forms(page, f"/assessments/{aid}")
    kept = dict(HIDDEN.findall(resend))
    assert {k: v for k, v in kept.items() if k != "csrf_token"} == {k: v for k, v in form.items() if k != "csrf_token"}
    assert kept["csrf_token"] != "het-han"
    rows = dict(re.findall(r'<th scope="row">([^<]*)</th><td>([^<]*)</td>', resend))
    assert rows == {"Tổng số trẻ em (dưới 16 tuổi) trên địa bàn": "1234", "Minh chứng cho mục 1.1": "Sổ hộ tịch năm 2025"}

    saved = officer.post(f"/assessments/{aid}", data=kept, headers=headers)  # the click on «Gửi lại»
    assert saved.status_code == 302
    with opened(db_path) as db:
        assert workflow.get(db, aid)["declared"]["children"] == 1234
        assert db.execute("select note from evidence where assessment_id = ? and item_id = '1.1'",
                          [aid]).fetchone()[0] == "Sổ hộ tịch năm 2025"


@pytest.mark.parametrize("where, status", [("tab", 400), ("device", 401)])
def test_a_form_posted_after_the_session_ended_lists_what_was_typed_and_asks_to_log_in(guarded, db_path, where,
                                                                                       status) -> None:
    """Logged out in another tab (the browser's session and its token are gone: 400) or on another device
    (which ends every session: 401). A resend could only reach the login page and lose the input, so none is
    offered: the page lists what was typed and links to the login, back to the form."""
    aid = own_assessment(db_path)
    officer = logged_in(guarded, "canbo.xa")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page_of(officer.get(f"/assessments/{aid}"))).group(1)
    other = officer if where == "tab" else logged_in(guarded, "canbo.xa")
    other_token = re.search(r'name="csrf_token" value="([^"]+)"', page_of(other.get(f"/assessments/{aid}"))).group(1)
    assert other.post("/logout", data={"csrf_token": other_token}).status_code == 302
    form = {"csrf_token": token, "version": "1", "children": "1234", "evidence-1.1": "Sổ hộ tịch năm 2025"}
    response = officer.post(f"/assessments/{aid}", data=form, headers={"Origin": HERE})
    page = page_of(response)
    assert response.status_code == status and "Phiên đăng nhập đã kết thúc" in page
    assert resend_forms(page, f"/assessments/{aid}") == [] and "Gửi lại" not in page
    rows = dict(re.findall(r'<th scope="row">([^<]*)</th><td>([^<]*)</td>', page))
    assert rows == {"Tổng số trẻ em (dưới 16 tuổi) trên địa bàn": "1234", "Minh chứng cho mục 1.1": "Sổ hộ tịch năm 2025"}
    assert f'href="/login?next=/assessments/{aid}"' in page
    assert one(db_path, "select count(*) from evidence where assessment_id = ?", [aid]) == 0


# --- 3. bounded free text, bodies, writes and audit entries ------------------------------------------

def test_a_note_over_its_limit_is_refused_naming_the_field_and_keeping_the_text(db_path, client_as) -> None:
    """The note is refused beside its field with its text kept; the other fields of the form are saved."""
    aid = own_assessment(db_path)
    client = client_as("canbo.xa")
    bases = re.search(r'name="bases" value="([^"]*)"', client.get(f"/assessments/{aid}").get_data(as_text=True))
    entries = one(db_path, "select count(*) from audit_log")
    long_note = "Biên bản họp " + "x" * limits.NOTE
    response = client.post(f"/assessments/{aid}", data={
        "bases": html.unescape(bases.group(1)), "children": "1500", "evidence-1.1": long_note,
        "evidence-1.2": "Báo cáo số 7"})
    assert response.status_code == 422
    refused = re.search(r'id="e-evidence-1.1" role="alert">([^<]*)<', response.get_data(as_text=True)).group(1)
    assert "«Ghi chú minh chứng»" in html.unescape(refused) and "vượt giới hạn 4.000 ký tự" in html.unescape(refused)
    assert any("1 ô chưa lưu" in m for m in flashes(response))
    page = page_of(response)
    assert re.search(rf'name="evidence-1.1" rows="1" maxlength="{limits.NOTE}"\s+aria-describedby="e-evidence-1.1" >'
                     rf"{long_note}</textarea>", page)
    assert ">Báo cáo số 7</textarea>" in page and 'value="1500"' in page
    assert one(db_path, "select count(*) from audit_log") == entries + 2  # children and note 1.2, not note 1.1
    assert one(db_path, "select group_concat(item_id) from evidence where assessment_id = ?", [aid]) == "1.2"


@pytest.mark.parametrize("write", [
    lambda db, aid: workflow.review_criterion(db, aid, 1, "needs_clarification", "x", comment="c" * 4001),
    lambda db, aid: workflow.return_for_clarification(db, aid, "x", "c" * 4001),
    lambda db, aid: workflow.reopen(db, aid, "x", "r" * 4001),
    lambda db, aid: workflow.decide(db, aid, "x", False, "r" * 4001),
    lambda db, aid: workflow.revoke(db, aid, "x", "r" * 4001),
    lambda db, aid: workflow.set_evidence(db, aid, "1.1", "n" * 4001, "x"),
    lambda db, aid: accounts.create_user(db, "ten.dai", "mat-khau-du-dai", "admin", "h" * 201, None, "x"),
    lambda db, aid: rounds.create_round(db, name="k" * 201, year=2030, cset=workflow.criteria_for(
        db, workflow.get(db, aid)["criteria_hash"]), unit_set="cao-bang-2025", actor="x"),
], ids=["comment", "return", "reopen", "decide", "revoke", "note", "display_name", "round_name"])
def test_every_free_text_is_bounded_where_it_is_stored(db_path, write) -> None:
    aid = own_assessment(db_path)
    with opened(db_path) as db:
        before = db.execute("select count(*) from audit_log").fetchone()[0]
        with pytest.raises(limits.TextTooLong) as refused:
            write(db, aid)
        assert refused.value.length in (4001, 201) and refused.value.limit in (limits.NOTE, limits.NAME)
        assert db.execute("select count(*) from audit_log").fetchone()[0] == before


def test_a_reviewer_comment_too_long_is_refused_on_the_page_with_the_text_kept(db_path, client_as) -> None:
    aid = one(db_path, "select a.id from assessments a join units u on u.id = a.unit_id join users r "
                       "on r.scope_unit_id = u.parent_id where r.username = 'thamdinh.huyen' "
                       "and a.status in ('submitted', 'resubmitted') order by a.id")
    comment = "Thiếu hồ sơ " * 400
    response = client_as("thamdinh.huyen").post(f"/assessments/{aid}/return", data={"comment": comment})
    assert response.status_code == 422
    assert any("«Ý kiến»" in m and "vượt giới hạn" in m for m in flashes(response))
    assert comment.strip() in page_of(response)
    assert status_of(db_path, aid) in ("submitted", "resubmitted")


def test_a_body_over_its_bound_is_refused_in_vietnamese_and_the_script_gets_json(db_path, client_as) -> None:
    aid = own_assessment(db_path)
    client = client_as("canbo.xa")
    body = {"version": "", "evidence-1.1": "x" * (limits.FORM_BODY + 1)}
    response = client.post(f"/assessments/{aid}", data=body)
    assert response.status_code == 413
    assert "Nội dung gửi lên quá lớn (tối đa 256 KB một lần lưu): chưa lưu gì" in page_of(response)
    as_multipart = client.post(f"/assessments/{aid}", data=body, content_type="multipart/form-data")
    assert as_multipart.status_code == 413  # the bound is the form's, however it is encoded
    edit = {"field": "children", "value": "1" * limits.FORM_BODY, "base": ""}
    for sent in ({"json": {"user": 2, "edits": [edit]}},  # the script's edits, as JSON or whatever it is labelled
                 {"data": json.dumps({"user": 2, "edits": [edit]}), "content_type": "text/plain"}):
        refused = client.post(f"/assessments/{aid}/edits", **sent)
        assert refused.status_code == 413 and refused.get_json()["saved"] is False
        assert "quá lớn" in refused.get_json()["message"]
    upload = client.post(f"/assessments/{aid}/attachments", data={"file": (io.BytesIO(PDF), "a.pdf")},
                         content_type="multipart/form-data")
    assert upload.status_code == 302  # an upload keeps its own limit
    assert one(db_path, "select count(*) from evidence") == 0


def test_a_users_writes_beyond_the_budget_are_refused_and_kept_to_send_again(db_path, client_as) -> None:
    aid = own_assessment(db_path)
    client = client_as("canbo.xa")
    note = "y" * 260_000  # each save is refused as too long, but its body still counts (4 of them: 1,040,120 bytes)
    answers = [client.post(f"/assessments/{aid}", data={"version": "", "evidence-1.1": note},
                           headers={"Origin": HERE}).status_code for _ in range(5)]
    assert answers == [422, 422, 422, 422, 429]
    refused = client.post(f"/assessments/{aid}", headers={"Origin": HERE},
                          data={"version": "", "evidence-1.2": "Sổ theo dõi", "evidence-1.3": "z" * 9_000})
    page = page_of(refused)
    assert refused.status_code == 429 and "Bạn đã gửi quá nhiều dữ liệu trong một phút" in page
    [resend] = resend_forms(page, f"/assessments/{aid}")
    assert "<td>Sổ theo dõi</td>" in resend
    other = client_as("thamdinh.huyen")  # the budget is each user's own
    assert other.post("/assessments/1/return", data={"comment": ""}).status_code != 429


def test_one_audit_entry_is_bounded(db_path) -> None:
    text = "ghi chú " * 50_000
    with opened(db_path) as db:
        audit.record(db, "x", "evidence", "assessment", 1, "1.1", None, text, reason=text)
        entry = audit.entries(db, "assessment", 1)[-1]
    assert entry["new"] == entry["reason"] == f"[sha256:{hashlib.sha256(text.encode()).hexdigest()} length:{len(text)}]"


def test_the_disk_filling_attack_is_refused(db_path, client_as) -> None:
    """The attack run: 25 notes of 400 KB, saved 5 times (it grew the database by 100 MB)."""
    aid = own_assessment(db_path)
    client = client_as("canbo.xa")
    items = re.findall(r'name="evidence-([^"]+)"', client.get(f"/assessments/{aid}").get_data(as_text=True))[:25]
    size = sum(p.stat().st_size for p in db_path.parent.glob("cfc.db*"))
    for i in range(5):
        form = {"version": "", **{f"evidence-{item}": chr(97 + i) * 400_000 for item in items}}
        assert client.post(f"/assessments/{aid}", data=form).status_code == 413
    grown = sum(p.stat().st_size for p in db_path.parent.glob("cfc.db*")) - size
    assert grown < 1_000_000
    assert len(client.get(f"/assessments/{aid}").get_data()) < 1_000_000


# --- 4. evidence under the version check ----------------------------------------------------------------

def test_a_stale_form_does_not_erase_a_note_saved_since(db_path, client_as) -> None:
    """Tab A's page showed no note 1.1; tab B saves one; A's «Lưu» saves what A changed, not the empty note."""
    aid = own_assessment(db_path)
    tab_a, tab_b = client_as("canbo.xa"), client_as("canbo.xa")
    bases = html.unescape(re.search(r'name="bases" value="([^"]*)"',
                                    tab_a.get(f"/assessments/{aid}").get_data(as_text=True)).group(1))
    version = str(one(db_path, "select version from assessments where id = ?", [aid]))
    saved = tab_b.post(f"/assessments/{aid}", data={"version": version, "evidence-1.1": "Quyết định 12/QĐ-UBND"})
    assert saved.status_code == 302
    assert one(db_path, "select version from assessments where id = ?", [aid]) == int(version) + 1

    old_page = tab_a.post(f"/assessments/{aid}", data={"version": version, "children": "1300", "evidence-1.1": "",
                                                       "evidence-1.2": "Sổ đăng ký khai sinh"})
    assert old_page.status_code == 422  # a page without bases, from an older version: nothing it holds is a base
    page = page_of(old_page)
    assert 'value="1300"' in page and ">Sổ đăng ký khai sinh</textarea>" in page  # A's typing is kept
    with opened(db_path) as db:
        assert workflow.get(db, aid)["declared"].get("children") != 1300

    merged = tab_a.post(f"/assessments/{aid}", data={"bases": bases, "version": version, "children": "1300",
                                                     "evidence-1.1": "", "evidence-1.2": "Sổ đăng ký khai sinh"})
    assert merged.status_code == 302
    with opened(db_path) as db:
        notes = dict(db.execute("select item_id, note from evidence where assessment_id = ?", [aid]).fetchall())
        erased = db.execute("select count(*) from audit_log where entity_id = ? and action = 'evidence' "
                            "and new = ''", [str(aid)]).fetchone()[0]
        assert workflow.get(db, aid)["declared"].get("children") == 1300
    assert notes == {"1.1": "Quyết định 12/QĐ-UBND", "1.2": "Sổ đăng ký khai sinh"} and erased == 0


def test_set_evidence_goes_through_the_version_check(db_path) -> None:
    aid = own_assessment(db_path)
    with opened(db_path) as db:
        version = workflow.get(db, aid)["version"]
        assert workflow.set_evidence(db, aid, "1.1", "Báo cáo", "x", base_version=version).row["version"] == version + 1
        with pytest.raises(workflow.StaleEdit):
            workflow.set_evidence(db, aid, "1.1", "", "x", base_version=version)
        assert db.execute("select note from evidence where assessment_id = ?", [aid]).fetchone()[0] == "Báo cáo"


def test_a_refused_checklist_keeps_every_typed_note(db_path, client_as) -> None:
    aid = own_assessment(db_path)
    response = client_as("canbo.xa").post(f"/assessments/{aid}", data={
        "version": "", "children": "ba", "evidence-1.1": "Công văn số 5", "evidence-2.1": "Danh sách trẻ"})
    assert response.status_code == 422
    page = page_of(response)
    assert 'value="ba"' in page and ">Công văn số 5</textarea>" in page and ">Danh sách trẻ</textarea>" in page
    assert one(db_path, "select count(*) from evidence where assessment_id = ?", [aid]) == 0


# --- 13. attachments filed under an item of the round's criteria set -------------------------------------

def test_an_upload_for_an_item_outside_the_criteria_set_is_refused(db_path, tmp_path, client_as) -> None:
    aid = own_assessment(db_path)
    client = client_as("canbo.xa")
    pages = []
    for item_id, stored in (("zz-not-an-item", 0), ("1.1", 1)):
        response = client.post(f"/assessments/{aid}/attachments", follow_redirects=True,
                               data={"file": (io.BytesIO(PDF), "bien-ban.pdf"), "item_id": item_id},
                               content_type="multipart/form-data")
        pages.append(flashes(response))
        assert one(db_path, "select count(*) from attachments where assessment_id = ?", [aid]) == stored
    assert pages == [["Mục minh chứng «zz-not-an-item» không có trong bộ tiêu chí của hồ sơ này."],
                     ["Đã tải lên tệp minh chứng."]]
    with opened(db_path) as db:
        with pytest.raises(workflow.NotFound) as refused:
            attachments.add(db, tmp_path / "store", aid, "zz-not-an-item", "a.pdf", PDF, "x")
    assert "Mục minh chứng «%(item)s»" in refused.value.vi
    assert not (tmp_path / "store").exists() or list((tmp_path / "store").iterdir()) == []
