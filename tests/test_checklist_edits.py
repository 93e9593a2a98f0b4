"""The checklist's save path over HTTP (Flask test client, real SQLite copies of the demo).

The script's JSON endpoint (``/assessments/<id>/edits``): each edit saved, refused with its reason or
in conflict, and every way a batch is turned away (locked, another user's queue, malformed, session
ended, token expired); the token endpoint; and the plain form post without the script, which saves
only what its page changed, merged with what was saved since, and shows a conflict with both values.
"""
from __future__ import annotations

import html
import json
import re
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest

import criteria
from webapp.store import accounts, workflow
from webapp.store.demo import DEMO_PASSWORD

from webhelpers import ClientAs, MakeApp, logged_in, opened, send, user_id

QD06 = criteria.get("qd06-2019")
COLLEAGUE, COLLEAGUE_NAME = "canbo.xa2", "Phó chủ tịch UBND xã"
MESSAGE = re.compile(r'<span class="error" id="e-([^"]+)" role="alert">([^<]*)</span>|'
                     r'<div class="conflict" id="c-([^"]+)" >\s*<p>(.*?)</p>|'
                     r'<p class="flash (\w+)"[^>]*>(.*?)</p>', re.DOTALL)


@pytest.fixture()
def aid(db_path: Path) -> int:
    """canbo.xa's draft assessment; a colleague officer of the same commune is added."""
    with opened(db_path) as db:
        unit = db.execute("select scope_unit_id from users where username = 'canbo.xa'").fetchone()[0]
        accounts.create_user(db, COLLEAGUE, DEMO_PASSWORD, "officer", COLLEAGUE_NAME, unit, "test")
        return db.execute("select id from assessments where unit_id = ?", [unit]).fetchone()[0]


def stored(db_path: Path, aid: int) -> tuple[dict[str, Any], dict[str, str], int, int]:
    """The declaration, evidence notes, version and the audit log's length."""
    with opened(db_path, migrate=False) as db:
        row = workflow.get(db, aid)
        return (row["declared"], workflow.evidence_notes(db, aid), row["version"],
                db.execute("select count(*) from audit_log").fetchone()[0])


class _Form(HTMLParser):
    """The fields the checklist form would post, as a browser sends them (selected options, textareas)."""

    def __init__(self) -> None:
        super().__init__()
        self.fields: dict[str, str] = {}
        self.inside = False
        self.select: str | None = None
        self.textarea: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "form":
            self.inside = a.get("id") == "checklist"
        elif not self.inside:
            return
        elif tag == "input" and "name" in a:
            self.fields[a["name"]] = a.get("value", "")
        elif tag == "select":
            self.select = a["name"]
        elif tag == "option" and self.select and "selected" in a:
            self.fields[self.select] = a.get("value", "")
        elif tag == "textarea":
            self.textarea = a["name"]
            self.fields[a["name"]] = ""

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self.inside = False
        elif tag == "select":
            self.select = None
        elif tag == "textarea":
            self.textarea = None

    def handle_data(self, data: str) -> None:
        if self.textarea:
            self.fields[self.textarea] += data


def form_of(page: str) -> dict[str, str]:
    """The checklist form's fields as the page holds them (what pressing «Lưu» posts)."""
    parser = _Form()
    parser.feed(page)
    return parser.fields


def page_of(response: Any) -> str:
    return response.get_data(as_text=True)


def messages(page: str) -> list[str]:
    """Every message a checklist page shows: beside fields, in conflict boxes, in flashes."""
    found = (m[1] or m[3] or m[5] for m in MESSAGE.findall(page))
    return [" ".join(html.unescape(re.sub(r"<[^>]+>", "", text)).split()) for text in found if text.strip()]


def assert_no_input_ids(*texts: str) -> None:
    """Users never see our internal names: no input id in what they are told."""
    for text in texts:
        named = [name for name in QD06.inputs if re.search(rf"\b{name}\b", text)]
        assert not named, (named, text)


# --------------------------------------------------------------------------- the JSON endpoint

def test_edits_are_answered_one_by_one_with_the_stored_state(client_as: ClientAs, db_path: Path, aid: int) -> None:
    officer = client_as("canbo.xa")
    page = page_of(officer.get(f"/assessments/{aid}"))
    _declared, _notes, version, _audit = stored(db_path, aid)
    answer = send(officer, aid, user_id(page), ("children", "3600", "3534"), ("evidence-1.1", "Sổ hộ tịch", ""),
                  ("births_registered_on_time", "45", "39"), ("nonsense", "1", ""))
    assert answer.status_code == 200
    body = answer.get_json()
    assert [(r["field"], r["state"]) for r in body["results"]] == [
        ("children", "saved"), ("evidence-1.1", "saved"), ("births_registered_on_time", "refused"),
        ("nonsense", "refused")]
    assert body["results"][2]["message"] == "lớn hơn «Số trẻ em sinh ra trong năm» (40)"
    assert body["results"][3]["message"] == "không phải là chỉ số của bộ tiêu chí"
    assert "message" not in body["results"][0]
    declared, notes, now, _audit = stored(db_path, aid)
    assert body["version"] == now == version + 1 and declared["children"] == 3600
    assert body["values"]["children"] == "3600" and body["values"]["evidence-1.1"] == "Sổ hộ tịch"
    assert body["values"]["births_registered_on_time"] == "39" and notes == {"1.1": "Sổ hộ tịch"}
    with opened(db_path, migrate=False) as db:
        assert body["live"]["total"] == db.execute("select declared_total from assessments where id = ?",
                                                   [aid]).fetchone()[0]
    assert re.fullmatch(r"\d\d:\d\d", body["saved_at"])
    assert_no_input_ids(*(r.get("message", "") for r in body["results"]))
    state = officer.get(f"/assessments/{aid}/edits")
    assert state.status_code == 200
    assert state.get_json() == {k: body[k] for k in ("version", "values", "revs", "live", "saved_at", "quality")}
    with opened(db_path) as db:  # each field's revision: the audit entry of its last change
        last = db.execute("select max(id) from audit_log where field = 'children'").fetchone()[0]
    assert body["revs"]["children"] == last and body["revs"]["evidence-2.1"] == 0


def test_a_conflict_says_who_changed_the_field_when_and_what_is_stored(client_as: ClientAs, aid: int) -> None:
    officer, colleague = client_as("canbo.xa"), client_as(COLLEAGUE)
    me = user_id(page_of(officer.get(f"/assessments/{aid}")))
    other = user_id(page_of(colleague.get(f"/assessments/{aid}")))
    assert send(colleague, aid, other, ("children", "3600", "3534")).get_json()["results"][0]["state"] == "saved"
    theirs = send(officer, aid, me, ("children", "3700", "3534")).get_json()["results"][0]
    assert theirs["state"] == "conflict" and theirs["theirs"] == "3600" and theirs["same_user"] is False
    assert re.fullmatch(r"\d\d:\d\d \d\d/\d\d/\d{4}", theirs["at"])
    assert theirs["message"] == f"{COLLEAGUE_NAME} đã sửa ô này lúc {theirs['at']}."
    mine = send(officer, aid, me, ("children", "3800", "3534"), ("infants", "72", "71")).get_json()
    assert [r["state"] for r in mine["results"]] == ["conflict", "saved"] and mine["values"]["children"] == "3600"
    again = send(officer, aid, me, ("infants", "73", "71")).get_json()["results"][0]  # another window of mine
    assert again == {"field": "infants", "state": "conflict", "theirs": "72", "same_user": True, "at": again["at"],
                     "rev": again["rev"], "message": f"Bạn đã sửa ô này ở một cửa sổ/thiết bị khác lúc {again['at']}."}


def test_a_locked_assessment_refuses_the_batch(client_as: ClientAs, db_path: Path, aid: int) -> None:
    officer = client_as("canbo.xa")
    me = user_id(page_of(officer.get(f"/assessments/{aid}")))
    with opened(db_path, migrate=False) as db:
        db.execute("update assessments set status = 'submitted' where id = ?", [aid])
    before = stored(db_path, aid)
    answer = send(officer, aid, me, ("children", "3600", "3534"))
    assert answer.status_code == 409 and answer.get_json()["locked"] is True
    assert answer.get_json()["message"].startswith("Không thể sửa hồ sơ tự đánh giá: hồ sơ đang ở trạng thái «Đã nộp»")
    assert stored(db_path, aid) == before


def test_edits_queued_under_another_user_are_not_saved(client_as: ClientAs, db_path: Path, aid: int) -> None:
    """A queue left in a shared browser by one officer is never sent as another's edits."""
    officer, colleague = client_as("canbo.xa"), client_as(COLLEAGUE)
    other = user_id(page_of(colleague.get(f"/assessments/{aid}")))
    before = stored(db_path, aid)
    for body in ({"user": other, "edits": [{"field": "children", "value": "1", "base": "3534"}]},
                 {"user": str(other), "edits": []}, {"edits": []}):
        answer = officer.post(f"/assessments/{aid}/edits", json=body)
        assert answer.status_code == 409 and answer.get_json()["other_user"] is True
        assert answer.get_json()["message"] == "Các thay đổi này được nhập dưới một tài khoản khác; chưa lưu gì."
    assert stored(db_path, aid) == before


@pytest.mark.parametrize("body", [
    "[]", "null", '"edits"', "not json", json.dumps({"edits": "children=1"}),
    json.dumps({"edits": [{"field": "children", "value": 1, "base": "3534"}]}),
    json.dumps({"edits": [{"field": "children", "value": "1"}]}),
    json.dumps({"edits": [["children", "1", "3534"]]}),
    json.dumps({"edits": [{"field": "children", "value": "1", "base": "3534"}] * 1001}),
])
def test_a_malformed_body_is_refused_with_a_message(client_as: ClientAs, db_path: Path, aid: int, body: str) -> None:
    officer = client_as("canbo.xa")
    me = user_id(page_of(officer.get(f"/assessments/{aid}")))
    if body.startswith("{"):
        body = json.dumps({"user": me, **json.loads(body)})
    before = stored(db_path, aid)
    answer = officer.post(f"/assessments/{aid}/edits", data=body, content_type="application/json")
    assert answer.status_code == 400 and answer.get_json()["message"].startswith("Yêu cầu không đúng dạng")
    assert stored(db_path, aid) == before


def test_only_the_officer_of_the_commune_may_send_edits(client_as: ClientAs, db_path: Path, aid: int) -> None:
    before = stored(db_path, aid)
    for who in ("thamdinh.huyen", "theodoi.tinh"):
        client = client_as(who)
        assert client.get(f"/assessments/{aid}/edits").status_code == 200  # may see
        me = user_id(page_of(client.get(f"/assessments/{aid}")))
        assert send(client, aid, me, ("children", "1", "3534")).status_code == 403
    assert stored(db_path, aid) == before


@pytest.fixture()
def guarded(make_app: MakeApp, db_path: Path, aid: int) -> Any:
    """The app with CSRF tokens checked, as it runs for real."""
    return make_app(db_path, WTF_CSRF_ENABLED=True)


def test_an_ended_session_is_told_in_json(guarded: Any, db_path: Path, aid: int) -> None:
    officer = logged_in(guarded, "canbo.xa")
    page = page_of(officer.get(f"/assessments/{aid}"))
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    before = stored(db_path, aid)
    officer.post("/logout", data={"csrf_token": token})  # this browser logged out (another tab of it)
    answer = send(officer, aid, user_id(page), ("children", "3600", "3534"), **{"X-CSRFToken": token})
    assert answer.status_code == 401 and answer.is_json and answer.get_json()["saved"] is False
    assert answer.get_json()["message"].startswith("Phiên đăng nhập đã kết thúc")
    assert stored(db_path, aid) == before


def test_an_expired_token_is_renewed_from_the_token_endpoint(guarded: Any, db_path: Path, aid: int) -> None:
    officer = logged_in(guarded, "canbo.xa")
    me = user_id(page_of(officer.get(f"/assessments/{aid}")))
    before = stored(db_path, aid)
    for token in ("stale-token", None):
        answer = send(officer, aid, me, ("children", "3600", "3534"), **({"X-CSRFToken": token} if token else {}))
        assert answer.status_code == 400 and answer.get_json() == {
            "message": "Mã bảo mật của trang đã hết hạn; chưa lưu gì.", "token_expired": True}
    assert stored(db_path, aid) == before
    fresh = officer.get("/session/token")
    assert fresh.status_code == 200 and fresh.is_json
    token = fresh.get_json()["token"]
    assert isinstance(token, str) and len(token) > 20
    answer = send(officer, aid, me, ("children", "3600", "3534"), **{"X-CSRFToken": token})
    assert answer.status_code == 200 and answer.get_json()["results"][0]["state"] == "saved"
    assert stored(db_path, aid)[0]["children"] == 3600


def test_the_token_endpoint_needs_a_session(client_as: ClientAs, app: Any) -> None:
    anonymous = app.test_client().get("/session/token")
    assert anonymous.status_code == 302 and "/login" in anonymous.headers["Location"]
    assert client_as("theodoi.tinh").get("/session/token").get_json()["token"]


# --------------------------------------------------------------------------- the plain form (no script)

def test_two_pages_changing_different_fields_both_save(client_as: ClientAs, db_path: Path, aid: int) -> None:
    officer, colleague = client_as("canbo.xa"), client_as(COLLEAGUE)
    first = form_of(page_of(officer.get(f"/assessments/{aid}")))
    second = form_of(page_of(colleague.get(f"/assessments/{aid}")))
    assert first["version"] == second["version"]
    _declared, _notes, version, audit_before = stored(db_path, aid)
    assert officer.post(f"/assessments/{aid}", data={**first, "children": "3600"}).status_code == 302
    answer = colleague.post(f"/assessments/{aid}", data={**second, "infants": "72", "play_area": "không"})
    assert answer.status_code == 302
    assert "Đã lưu." in page_of(colleague.get(answer.headers["Location"]))
    declared, _notes, now, audit_after = stored(db_path, aid)
    assert (declared["children"], declared["infants"], declared["play_area"]) == (3600, 72, False)
    assert now == version + 2 and audit_after == audit_before + 3  # the untouched fields are not written


def test_the_same_field_from_two_pages_shows_both_values_and_keeps_the_typed_one(
        client_as: ClientAs, db_path: Path, aid: int) -> None:
    officer, colleague = client_as("canbo.xa"), client_as(COLLEAGUE)
    first = form_of(page_of(officer.get(f"/assessments/{aid}")))
    second = form_of(page_of(colleague.get(f"/assessments/{aid}")))
    assert colleague.post(f"/assessments/{aid}", data={**second, "children": "3600"}).status_code == 302
    answer = officer.post(f"/assessments/{aid}", data={**first, "children": "3700", "infants": "72"})
    assert answer.status_code == 422
    page = page_of(answer)
    shown = form_of(page)
    assert shown["children"] == "3700" and shown["infants"] == "72"  # typed; the other field was saved
    conflict = re.search(r'<div class="conflict" id="c-children" >(.*?)</div>', page, re.DOTALL).group(1)
    assert re.search(rf"{COLLEAGUE_NAME} đã sửa ô này lúc \d\d:\d\d \d\d/\d\d/\d{{4}}\. "
                     r"Giá trị đang lưu: <strong>3600</strong>\.", " ".join(html.unescape(conflict).split()))
    assert "1 ô chưa lưu" in html.unescape(page)
    assert json.loads(html.unescape(shown["bases"]))["children"] == "3600"  # the page's base: what is stored now
    declared, *_rest = stored(db_path, aid)
    assert (declared["children"], declared["infants"]) == (3600, 72)
    assert_no_input_ids(*messages(page))
    again = officer.post(f"/assessments/{aid}", data=shown)  # «Lưu» again: the user keeps their value
    assert again.status_code == 302
    declared, *_rest = stored(db_path, aid)
    assert (declared["children"], declared["infants"]) == (3700, 72)


def test_a_refused_value_is_shown_again_with_its_reason_in_words(client_as: ClientAs, db_path: Path, aid: int) -> None:
    officer = client_as("canbo.xa")
    form = form_of(page_of(officer.get(f"/assessments/{aid}")))
    answer = officer.post(f"/assessments/{aid}", data={**form, "births": "30", "children": "nhiều"})
    assert answer.status_code == 422
    page = page_of(answer)
    assert form_of(page)["births"] == "30" and form_of(page)["children"] == "nhiều"
    said = messages(page)
    assert "nhỏ hơn «Số trẻ em được đăng ký khai sinh đúng hạn» (39)" in said
    assert_no_input_ids(*said)
    declared, *_rest = stored(db_path, aid)
    assert (declared["births"], declared["children"]) == (40, 3534)


def test_an_evidence_note_is_saved_through_the_form(client_as: ClientAs, db_path: Path, aid: int) -> None:
    officer = client_as("canbo.xa")
    form = form_of(page_of(officer.get(f"/assessments/{aid}")))
    note = "Sổ đăng ký khai sinh 2024 <b>bản gốc</b>"
    assert officer.post(f"/assessments/{aid}", data={**form, "evidence-1.1": note}).status_code == 302
    assert stored(db_path, aid)[1] == {"1.1": note}
    page = page_of(officer.get(f"/assessments/{aid}"))
    assert form_of(page)["evidence-1.1"] == note and "<b>bản gốc</b>" not in page
    long_note = "Biên bản họp hội đồng xã về công tác trẻ em. " * 10  # named by its digest in the page's bases
    form = form_of(page)
    assert officer.post(f"/assessments/{aid}", data={**form, "evidence-1.2": long_note}).status_code == 302
    form = form_of(page_of(officer.get(f"/assessments/{aid}")))
    assert json.loads(form["bases"])["evidence-1.2"].startswith("sha256:")
    assert officer.post(f"/assessments/{aid}", data={**form, "evidence-1.2": "Ngắn lại"}).status_code == 302
    assert stored(db_path, aid)[1] == {"1.1": note, "1.2": "Ngắn lại"}


def test_a_page_without_bases_counts_as_showing_the_stored_values_only_at_its_version(
        client_as: ClientAs, db_path: Path, aid: int) -> None:
    officer = client_as("canbo.xa")
    form = {k: v for k, v in form_of(page_of(officer.get(f"/assessments/{aid}"))).items() if k != "bases"}
    assert officer.post(f"/assessments/{aid}", data={**form, "children": "3600"}).status_code == 302
    stale = officer.post(f"/assessments/{aid}", data={**form, "infants": "72"})  # version now one behind
    assert stale.status_code == 422
    declared, *_rest = stored(db_path, aid)
    assert (declared["children"], declared["infants"]) == (3600, 71)  # nothing overwritten from an unknown page


def test_a_conflict_never_says_someone_changed_a_field_nobody_changed(
        client_as: ClientAs, db_path: Path, aid: int) -> None:
    """A page from an older version (no bases) cannot know what it showed; its typed note is not saved, but
    the notice must not claim another person changed an evidence note that was never written."""
    officer = client_as("canbo.xa")
    answer = officer.post(f"/assessments/{aid}", data={"version": "1", "evidence-1.1": "Sổ hộ tịch"})
    assert answer.status_code == 422 and stored(db_path, aid)[1] == {}
    said = dict(re.findall(r'<div class="conflict" id="c-([^"]+)" >\s*<p>(.*?)</p>', page_of(answer), re.DOTALL))
    assert "Người khác đã sửa" not in said["evidence-1.1"] and "lúc ." not in said["evidence-1.1"]
