"""The reviewer's queue and per-criterion review, and the authority's decisions, through the web.

One Cao Bằng demo database is built per module (slow: scoring 161 communes) and copied for
every test, so each test starts from the same data and may change it freely.
"""
from __future__ import annotations

import html
import json
import re
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from flask.testing import FlaskClient

import scoring
from certificates import contexts
from webapp.store import accounts, attachments, units, workflow
from webapp.store.rounds import criteria_for

from webhelpers import logged_in, opened

PENDING = ("submitted", "resubmitted")


def text(response) -> str:
    return html.unescape(response.get_data(as_text=True))


def flashes(response) -> list[str]:
    return [html.unescape(m) for m in re.findall(r'<p class="flash [a-z]+"[^>]*>(.*?)</p>',
                                                  response.get_data(as_text=True), re.DOTALL)]


def scope_of(db: Any, username: str) -> str:
    return db.execute("select scope_unit_id from users where username = ?", [username]).fetchone()[0]


def in_district(db: Any, district: str, statuses: tuple[str, ...], extra: str = "") -> list[int]:
    """Ids of assessments of communes under ``district`` in ``statuses``, in Vietnamese order."""
    marks = ", ".join("?" * len(statuses))
    return [r[0] for r in db.execute(
        f"select a.id from assessments a join units u on u.id = a.unit_id "
        f"where u.parent_id = ? and a.status in ({marks}) {extra} order by u.sort_key", [district, *statuses])]


def status_of(db_path: Path, aid: int) -> str:
    with opened(db_path) as db:
        return workflow.get(db, aid)["status"]


def version_on_page(page: str) -> int:
    return int(re.search(r'name="version" value="(\d+)"', page).group(1))


class FormFields(HTMLParser):
    """What a browser would send from the form posting to ``action`` (inputs, selects, textareas)."""

    def __init__(self, action: str):
        super().__init__()
        self.action, self.inside, self.fields = action, False, {}
        self._select: str | None = None
        self._textarea: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "form":
            self.inside = (a.get("action") or "").split("#")[0] == self.action  # the fragment: where the page reopens
        elif not self.inside:
            return
        elif tag == "input" and a.get("name"):
            if a.get("type") in ("radio", "checkbox"):
                if "checked" in a:
                    self.fields[a["name"]] = a.get("value", "on")
            else:
                self.fields[a["name"]] = a.get("value") or ""
        elif tag == "select":
            self._select = a.get("name")
        elif tag == "option" and self._select and "selected" in a:
            self.fields[self._select] = a.get("value") or ""
        elif tag == "textarea":
            self._textarea = a.get("name")
            self.fields[self._textarea] = ""

    def handle_data(self, data: str) -> None:
        if self.inside and self._textarea:
            self.fields[self._textarea] += data

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self.inside = False
        elif tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None


def form_on(page: str, action: str) -> dict[str, str]:
    parser = FormFields(action)
    parser.feed(page)
    assert parser.fields, f"no form posting to {action}"
    return parser.fields


@pytest.fixture()
def district(db_path: Path) -> str:
    with opened(db_path) as db:
        return scope_of(db, "thamdinh.huyen")


@pytest.fixture()
def other_district(db_path: Path, district: str) -> str:
    with opened(db_path) as db:
        return db.execute("select id from units where unit_set = ? and type in ('huyen', 'thanh_pho') "
                          "and id != ? order by sort_key limit 1", [units.CAO_BANG_2022, district]).fetchone()[0]


# --- the queue ------------------------------------------------------------------------------

def test_the_queue_lists_exactly_the_submitted_and_resubmitted_of_the_district(db_path, district, client_as) -> None:
    with opened(db_path) as db:
        # one more in "resubmitted": a verified assessment reopened for review
        verified = in_district(db, district, ("verified",))
        workflow.reopen(db, verified[0], "test", "kiểm tra lại số liệu")
        expected = in_district(db, district, PENDING)
        province_wide = db.execute("select count(*) from assessments where status in (?, ?)", PENDING).fetchone()[0]
        totals = {aid: workflow.get(db, aid)["declared_total"] for aid in expected}
    assert len(expected) >= 2 and province_wide > len(expected)

    response = client_as("thamdinh.huyen").get("/review")
    assert response.status_code == 200
    page = text(response)
    listed = [int(a) for a in re.findall(r'<tr data-assessment="(\d+)">', page)]
    assert listed == expected  # exactly these, in Vietnamese unit order
    assert re.findall(r'href="/assessments/(\d+)/review"', page) == [str(a) for a in expected]
    assert "Đã nộp lại" in page and "Đã nộp" in page
    assert "30/11/2024" in page  # the round's review deadline, dd/mm/yyyy
    shown = [int(t.replace(".", "")) for t in re.findall(r'class="num declared-total">([\d.]+)<', page)]
    assert shown == [totals[a] for a in expected]
    assert "huyện" in page and "tỉnh Cao Bằng" in page  # full unit names


def test_a_review_past_its_deadline_says_so_and_one_in_time_does_not(db_path, district, client_as) -> None:
    """The demo round's review closed on 30/11/2024: each file waiting for review says «đã quá hạn», in the
    queue and on its page; a verified file (no longer waiting) and a round with a later deadline do not."""
    with opened(db_path) as db:
        pending = in_district(db, district, PENDING)
    reviewer = client_as("thamdinh.huyen")
    queue = text(reviewer.get("/review"))
    assert queue.count("<td>30/11/2024 — <strong class=\"overdue\">đã quá hạn</strong></td>") == len(pending)
    page = text(reviewer.get(f"/assessments/{pending[0]}/review"))
    assert re.search(r'id="deadline">Hạn thẩm định: 30/11/2024 — <strong class="overdue">đã quá hạn</strong>', page)
    verified = text(reviewer.get("/review?status=verified"))  # (the home box above still counts the waiting ones)
    assert "<td>30/11/2024</td>" in verified and "<td>30/11/2024 — " not in verified


def test_a_review_within_its_deadline_is_not_marked(db_path, district, client_as) -> None:
    with opened(db_path) as db:
        pending = in_district(db, district, PENDING)
        db.execute("update rounds set review_deadline = '2999-12-31'")
    reviewer = client_as("thamdinh.huyen")
    assert "đã quá hạn" not in text(reviewer.get("/review"))
    page = text(reviewer.get(f"/assessments/{pending[0]}/review"))
    assert 'id="deadline">Hạn thẩm định: 31/12/2999</span>' in page and "đã quá hạn" not in page


def test_the_queue_filter_shows_returned_or_verified(db_path, district, client_as) -> None:
    with opened(db_path) as db:
        verified = in_district(db, district, ("verified",))
    client = client_as("thamdinh.huyen")
    page = text(client.get("/review?status=verified"))
    assert [int(a) for a in re.findall(r'<tr data-assessment="(\d+)">', page)] == verified
    page = text(client.get("/review?status=nonsense"))  # an unknown filter falls back to pending
    assert 'value="pending" selected' in page


# --- reviewing ------------------------------------------------------------------------------

def pending_recognisable(db_path: Path, district: str) -> int:
    with opened(db_path) as db:
        ids = in_district(db, district, PENDING, "and a.recognised = 1")
    assert ids, "the demo data should have a submitted, recognisable assessment in the district"
    return ids[0]


def test_reviewing_all_criteria_then_verifying_changes_the_status(db_path, district, client_as) -> None:
    aid = pending_recognisable(db_path, district)
    client = client_as("thamdinh.huyen")
    page = text(client.get(f"/assessments/{aid}/review"))
    assert page.count('class="review-form"') == 13
    assert "Lưu ý:" in page  # the provisional-criteria notice

    refused = client.post(f"/assessments/{aid}/verify")  # nothing reviewed yet
    assert refused.status_code == 409
    assert any("1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13" in m for m in flashes(refused))
    assert status_of(db_path, aid) == "submitted"

    for number in range(1, 14):
        action = f"/assessments/{aid}/review/{number}"
        form = form_on(page, action)  # sent as a browser would: the prefilled verified values too
        assert "status" not in form and form["version"] == str(version_on_page(page))
        response = client.post(action, data={**form, "status": "accepted"})
        assert response.status_code == 303, flashes(client.get(f"/assessments/{aid}/review"))
        page = text(client.get(response.location))
        assert f"Đã lưu kết quả thẩm định tiêu chí {number}." in page
    assert page.count('<strong class="review-accepted">Chấp nhận</strong>') == 13

    response = client.post(f"/assessments/{aid}/verify")
    assert response.status_code == 303
    assert status_of(db_path, aid) == "verified"
    page = text(client.get(response.location))
    assert '<strong class="status status-verified" id="assessment-status">Đã thẩm định</strong>' in page
    assert 'class="review-form"' not in page  # read-only now
    assert f'<tr data-assessment="{aid}">' not in text(client.get("/review"))


def test_adjusting_a_value_changes_the_verified_total_shown(db_path, district, client_as) -> None:
    aid = pending_recognisable(db_path, district)
    with opened(db_path) as db:
        row = workflow.get(db, aid)
        cset = criteria_for(db, row["criteria_hash"])
        category = units.get_unit(db, row["unit_id"])["category"]
    adjusted = {**row["verified"], "abused_children": 2}
    expected = scoring.score(adjusted, cset, category).total
    assert expected < row["declared_total"]

    client = client_as("thamdinh.huyen")
    page = text(client.get(f"/assessments/{aid}/review"))
    assert f'value="{row["verified"]["children"]}"' in page  # prefilled with the verified values
    form = form_on(page, f"/assessments/{aid}/review/3")
    assert form["children"] == str(row["verified"]["children"]) and form["abused_children"] == "0"
    response = client.post(f"/assessments/{aid}/review/3", data={
        **form, "status": "adjusted", "comment": "Theo hồ sơ công an xã có 2 trường hợp.", "abused_children": "2"})
    assert response.status_code == 303
    page = text(client.get(response.location))
    assert re.search(r'<span id="verified-total">(\d+)</span>', page).group(1) == str(expected)
    assert re.search(r'<strong id="declared-total">(\d+)</strong>', page).group(1) == str(row["declared_total"])
    assert "đã điều chỉnh" in page and "Điều chỉnh số liệu" in page
    with opened(db_path) as db:
        stored = workflow.get(db, aid)
        audit = db.execute("select old, new, reason from audit_log where action = 'adjust' and entity_id = ?",
                           [str(aid)]).fetchall()
    assert stored["verified_total"] == expected and stored["verified"]["abused_children"] == 2
    assert stored["declared"]["abused_children"] == 0  # the declaration itself is untouched
    assert audit == [("0", "2", "Theo hồ sơ công an xã có 2 trường hợp.")]


def test_refused_reviews_are_flashed_and_keep_the_input(db_path, district, client_as) -> None:
    aid = pending_recognisable(db_path, district)
    client = client_as("thamdinh.huyen")
    page = text(client.get(f"/assessments/{aid}/review"))
    version = version_on_page(page)

    # an adjustment without a reason
    response = client.post(f"/assessments/{aid}/review/3", data={
        "status": "adjusted", "comment": "", "version": version, "abused_children": "7"})
    assert response.status_code == 409
    assert any("cần ý kiến nêu lý do" in m for m in flashes(response))
    assert 'id="c3-abused_children" name="abused_children" inputmode="numeric" value="7"' in text(response)
    assert "Traceback" not in text(response)

    # a changed value under the status "accepted"
    response = client.post(f"/assessments/{aid}/review/3", data={
        "status": "accepted", "comment": "ok", "version": version, "abused_children": "7"})
    assert response.status_code == 409
    assert any("Chỉ sửa được số liệu khi chọn «Điều chỉnh số liệu»" in m for m in flashes(response))

    # an invalid value: the reason next to the field, the value kept
    response = client.post(f"/assessments/{aid}/review/3", data={
        "status": "adjusted", "comment": "sửa", "version": version, "abused_children": "ba"})
    assert response.status_code == 422
    page = text(response)
    assert 'value="ba"' in page and "phải là một số" in page
    assert '<textarea id="comment-3" name="comment" rows="2">sửa</textarea>' in page

    # no status chosen
    response = client.post(f"/assessments/{aid}/review/3", data={"comment": "x", "version": version})
    assert response.status_code == 422

    # a stale version: someone else saved in between
    assert client.post(f"/assessments/{aid}/review/1", data={"status": "accepted", "version": version}
                       ).status_code == 303
    response = client.post(f"/assessments/{aid}/review/2", data={
        "status": "needs_clarification", "comment": "Thiếu sổ đăng ký khai sinh.", "version": version})
    assert response.status_code == 409
    assert any("phiên bản" in m for m in flashes(response))
    assert "Thiếu sổ đăng ký khai sinh." in text(response)
    with opened(db_path) as db:
        reviews = workflow.reviews(db, aid)
        stored = workflow.get(db, aid)
    assert set(reviews) == {1} and stored["verified"] == stored["declared"]

    assert client.post(f"/assessments/{aid}/review/99", data={"status": "accepted"}).status_code == 404


def test_return_requires_a_comment(db_path, district, client_as) -> None:
    aid = pending_recognisable(db_path, district)
    client = client_as("thamdinh.huyen")
    response = client.post(f"/assessments/{aid}/return", data={"comment": "   "})
    assert response.status_code == 422
    assert any("cần có ý kiến gửi xã" in m for m in flashes(response))
    assert status_of(db_path, aid) == "submitted"

    response = client.post(f"/assessments/{aid}/return", data={"comment": "Bổ sung minh chứng tiêu chí 9."})
    assert response.status_code == 303
    assert status_of(db_path, aid) == "returned"
    assert f'<tr data-assessment="{aid}">' not in text(client.get("/review"))
    assert f'<tr data-assessment="{aid}">' in text(client.get("/review?status=returned"))
    with opened(db_path) as db:
        reason = db.execute("select reason from audit_log where action = 'status' and entity_id = ? "
                            "order by id desc limit 1", [str(aid)]).fetchone()[0]
    assert reason == "Bổ sung minh chứng tiêu chí 9."

    response = client.post(f"/assessments/{aid}/return", data={"comment": "lần hai"})  # no longer under review
    assert response.status_code == 409 and any("Trả lại để bổ sung" in m for m in flashes(response))


def test_reopen_requires_a_reason(db_path, district, client_as) -> None:
    with opened(db_path) as db:
        aid = in_district(db, district, ("verified",))[0]
    client = client_as("thamdinh.huyen")
    response = client.post(f"/assessments/{aid}/reopen", data={"reason": ""})
    assert response.status_code == 422 and any("Mở lại thẩm định cần có lý do" in m for m in flashes(response))
    assert status_of(db_path, aid) == "verified"
    assert client.post(f"/assessments/{aid}/reopen", data={"reason": "Phát hiện sai sót"}).status_code == 303
    assert status_of(db_path, aid) == "resubmitted"


def test_one_review_status_has_one_name_for_the_reviewer_the_officer_and_the_report(app, db_path, district) -> None:
    """«Cần giải trình, bổ sung» on the review page, the commune's checklist and the evaluation report alike."""
    aid = pending_recognisable(db_path, district)
    reviewer = logged_in(app, "thamdinh.huyen")
    page = text(reviewer.get(f"/assessments/{aid}/review"))
    action = f"/assessments/{aid}/review/9"
    response = reviewer.post(action, data={**form_on(page, action), "status": "needs_clarification",
                                           "comment": "Thiếu danh sách trẻ."})
    assert response.status_code == 303
    shown = '<strong class="review-needs_clarification">{}</strong>'
    assert shown.format("Cần giải trình, bổ sung") in text(reviewer.get(f"/assessments/{aid}/review"))
    english = text(reviewer.get(f"/assessments/{aid}/review?lang=en"))
    assert shown.format("Explanation or additional information needed") in english
    assert "> Explanation or additional information needed</label>" in english  # the choice offered
    no_status = reviewer.post(action, data={"comment": "x", "version": version_on_page(english)})  # still English
    assert flashes(no_status) == ["Review of criterion 9 not saved: Choose a review result: Accepted, "
                                  "Explanation or additional information needed, Figures adjusted."]
    assert reviewer.post(f"/assessments/{aid}/return", data={"comment": "Bổ sung tiêu chí 9."}).status_code == 303
    with opened(db_path) as db:
        unit_id = workflow.get(db, aid)["unit_id"]
        accounts.create_user(db, "canbo.thu", "mat-khau-dai-1", "officer", "Cán bộ thử", unit_id, "test")
        report = contexts.report_context(db, workflow.load(db, aid))
    checklist = text(logged_in(app, "canbo.thu", "mat-khau-dai-1").get(f"/assessments/{aid}"))
    criterion = checklist[checklist.index('id="thread-9"'):]
    assert re.search(r'<p class="review review-needs_clarification">Thẩm định:\s*<strong>Cần giải trình, bổ sung</strong>',
                     criterion)
    banner = checklist[checklist.index('id="fix-9"'):checklist.index('id="thread-9"')]  # the note, shown once
    assert '<span class="review-needs_clarification">Cần giải trình, bổ sung</span>' in banner  # its note's status
    assert "Thiếu danh sách trẻ." in banner
    assert [c["review"]["status"] for c in report["criteria"] if c["number"] == 9] == ["Cần giải trình, bổ sung"]


# --- decisions ------------------------------------------------------------------------------

def verify_through_the_web(client: FlaskClient, aid: int) -> None:
    """Accept every criterion of ``aid`` and verify it, as the reviewer logged in on ``client``."""
    for number in range(1, 14):
        assert client.post(f"/assessments/{aid}/review/{number}", data={"status": "accepted"}).status_code == 303
    assert client.post(f"/assessments/{aid}/verify").status_code == 303


def test_the_authority_recognises_a_passing_assessment_and_is_refused_a_failing_one(db_path, district,
                                                                                    client_as) -> None:
    passing = pending_recognisable(db_path, district)
    verify_through_the_web(client_as("thamdinh.huyen"), passing)
    with opened(db_path) as db:
        failing = in_district(db, district, ("verified",), "and a.recognised = 0")[0]
        failed_ids = json.loads(workflow.get(db, failing)["result"])["failed_conditions"]
        verified_total = workflow.get(db, passing)["verified_total"]
    assert failed_ids

    client = client_as("chutich.huyen")
    page = text(client.get("/decisions"))
    pending = [int(a) for a in re.findall(r'<tr id="a-\d+" data-assessment="(\d+)">', page)]
    assert passing in pending and failing in pending
    row = page[page.index(f'data-assessment="{passing}"'):]
    assert re.search(r'class="num verified-total">([\d.]+)<', row).group(1).replace(".", "") == str(verified_total)
    row = page[page.index(f'data-assessment="{failing}"'):]
    row = row[:row.index("</tr>")]
    assert re.findall(r'data-condition="([^"]+)"', row) == failed_ids
    assert 'value="recognised"' not in row  # no recognise button for a failing one

    response = client.post(f"/assessments/{failing}/decide", data={"outcome": "recognised", "reason": ""})
    assert response.status_code == 409
    said = " ".join(flashes(response))  # the conditions in words, never their ids
    assert "Không thể công nhận: theo kết quả thẩm định, " in said and failed_ids[0] not in said, said
    assert status_of(db_path, failing) == "verified"

    response = client.post(f"/assessments/{passing}/decide", data={"outcome": "recognised", "reason": ""})
    assert response.status_code == 303
    assert status_of(db_path, passing) == "recognised"
    page = text(client.get("/decisions"))
    decided = page[page.index('id="decided"'):]
    assert f'data-assessment="{passing}" data-status="recognised"' in decided
    assert 'href="/rounds/1/decision.pdf">Quyết định công nhận (PDF)</a>' in page

    # not recognising needs the reasons
    response = client.post(f"/assessments/{failing}/decide", data={"outcome": "not_recognised", "reason": ""})
    assert response.status_code == 409
    assert any("Quyết định không công nhận cần nêu lý do" in m for m in flashes(response))
    response = client.post(f"/assessments/{failing}/decide",
                           data={"outcome": "not_recognised", "reason": "Tiêu chí 2 được 0 điểm."})
    assert response.status_code == 303 and status_of(db_path, failing) == "not_recognised"
    assert client.post(f"/assessments/{failing}/decide", data={"outcome": "maybe"}).status_code == 422


def test_revoke_requires_a_reason(db_path, district, client_as) -> None:
    with opened(db_path) as db:
        aid = in_district(db, district, ("recognised",))[0]
    client = client_as("chutich.huyen")
    response = client.post(f"/assessments/{aid}/revoke", data={"reason": " "})
    assert response.status_code == 422
    assert any("Thu hồi công nhận cần có lý do" in m for m in flashes(response))
    assert status_of(db_path, aid) == "recognised"

    response = client.post(f"/assessments/{aid}/revoke", data={"reason": "Phát hiện kê khai không trung thực."})
    assert response.status_code == 303
    assert status_of(db_path, aid) == "revoked"
    page = text(client.get("/decisions"))
    assert f'data-assessment="{aid}" data-status="revoked"' in page
    assert "Phát hiện kê khai không trung thực." in page
    with opened(db_path) as db:
        row = db.execute("select revoke_reason, revoked_by from decisions where assessment_id = ?", [aid]).fetchone()
    assert row == ("Phát hiện kê khai không trung thực.", "chutich.huyen")
    assert client.post(f"/assessments/{aid}/revoke", data={"reason": "lần hai"}).status_code == 409


# --- roles and jurisdictions -----------------------------------------------------------------

def test_a_reviewer_of_another_district_gets_403(db_path, district, other_district, client_as) -> None:
    aid = pending_recognisable(db_path, district)
    with opened(db_path) as db:
        accounts.create_user(db, "thamdinh.khac", "mat-khau-dai-1", "reviewer", "Huyện khác", other_district, "test")
        accounts.create_user(db, "chutich.khac", "mat-khau-dai-1", "authority", "Huyện khác", other_district, "test")
        verified = in_district(db, district, ("verified",))[0]
        recognised = in_district(db, district, ("recognised",))[0]
        before = {a: workflow.get(db, a)["version"] for a in (aid, verified, recognised)}
    client = client_as("thamdinh.khac", "mat-khau-dai-1")
    assert client.get(f"/assessments/{aid}/review").status_code == 403
    assert client.post(f"/assessments/{aid}/review/1", data={"status": "accepted"}).status_code == 403
    assert client.post(f"/assessments/{aid}/return", data={"comment": "x"}).status_code == 403
    assert client.post(f"/assessments/{aid}/verify").status_code == 403
    assert client.post(f"/assessments/{verified}/reopen", data={"reason": "x"}).status_code == 403
    assert f'data-assessment="{aid}"' not in text(client.get("/review"))

    client = client_as("chutich.khac", "mat-khau-dai-1")
    assert client.post(f"/assessments/{verified}/decide", data={"outcome": "not_recognised",
                                                                 "reason": "x"}).status_code == 403
    assert client.post(f"/assessments/{recognised}/revoke", data={"reason": "x"}).status_code == 403
    assert f'data-assessment="{verified}"' not in text(client.get("/decisions"))
    with opened(db_path) as db:
        assert {a: workflow.get(db, a)["version"] for a in before} == before


def test_an_officer_gets_403_on_the_review_and_decision_pages(db_path, client_as) -> None:
    with opened(db_path) as db:
        own = db.execute("select a.id from assessments a join users u on u.scope_unit_id = a.unit_id "
                         "where u.username = 'canbo.xa'").fetchone()[0]
    client = client_as("canbo.xa")
    assert client.get("/review").status_code == 403
    assert client.get("/decisions").status_code == 403
    assert client.get(f"/assessments/{own}/review").status_code == 403
    assert client.post(f"/assessments/{own}/review/1", data={"status": "accepted"}).status_code == 403
    # the reviewer's own role does not make them an authority, nor the reverse
    assert client_as("thamdinh.huyen").get("/decisions").status_code == 403
    assert client_as("chutich.huyen").get("/review").status_code == 403


def test_anonymous_visitors_are_sent_to_the_login(app) -> None:
    response = app.test_client().get("/review")
    assert response.status_code == 302 and "/login" in response.location
    refused = app.test_client().post("/assessments/1/decide")  # a form: refused with its content listed, not dropped
    assert refused.status_code == 401 and "Đăng nhập lại" in refused.get_data(as_text=True)


def test_the_review_page_is_read_only_outside_review_and_renders_in_both_languages(db_path, district,
                                                                                   tmp_path, client_as) -> None:
    with opened(db_path) as db:
        recognised = in_district(db, district, ("recognised",))[0]
        draft = in_district(db, district, ("draft",))[0]
        row = workflow.get(db, recognised)
        workflow.set_evidence(db, draft, "3.1", "Báo cáo của công an xã số 12/BC-CA", "canbo")
        attachments.add(db, tmp_path / "attachments", draft, "3.1", "bao-cao.pdf", b"%PDF-1.4\n%%EOF\n", "canbo")
        attachments.add(db, tmp_path / "attachments", draft, None, "ke-hoach.pdf", b"%PDF-1.4\n%%EOF\n", "canbo")
    client = client_as("thamdinh.huyen")
    page = text(client.get(f"/assessments/{recognised}/review"))
    assert 'class="review-form"' not in page and "/verify" not in page and "/reopen" not in page
    assert re.search(r'<span id="verified-total">(\d+)</span>', page).group(1) == str(row["verified_total"])
    assert page.count('<strong class="review-accepted">Chấp nhận</strong>') == 13
    page = text(client.get(f"/assessments/{draft}/review"))  # nothing verified yet
    assert '<span id="verified-total">—</span>' in page
    item = page[page.index('<span class="item-id">3.1</span>'):]
    item = item[:item.index("</tr>")]
    assert "Báo cáo của công an xã số 12/BC-CA" in item and ">bao-cao.pdf</a>" in item
    assert ">ke-hoach.pdf</a>" in page[page.index("Tệp minh chứng chung"):]
    link = re.search(r'href="(/attachments/\d+)">bao-cao.pdf', page).group(1)
    download = client.get(link)  # the reviewer may open the commune's evidence
    try:
        assert download.status_code == 200 and download.data.startswith(b"%PDF")
    finally:
        download.close()
    response = client.get(f"/assessments/{recognised}/review?lang=en")
    assert response.status_code == 200 and "points (" in text(response)  # explanations follow the language
    assert client.get("/review?lang=en").status_code == 200
    assert client.get("/assessments/999999/review").status_code == 404


# --- refusals say what is wrong once, by labels ----------------------------------------------------

def test_a_refused_verification_says_why_once(app, db_path, district) -> None:
    aid = pending_recognisable(db_path, district)
    response = logged_in(app, "thamdinh.huyen").post(f"/assessments/{aid}/verify", follow_redirects=True)
    [message] = [m for m in flashes(response) if "thẩm định" in m]
    assert message.startswith("Chưa thể hoàn thành thẩm định: các tiêu chí 1, 2,")
    assert message.count("hoàn thành thẩm định") == 1


def test_a_refused_submission_names_the_values_by_their_labels(app, db_path) -> None:
    with opened(db_path) as db:
        aid = db.execute("select a.id from assessments a join users u on u.scope_unit_id = a.unit_id "
                         "where u.username = 'canbo.xa'").fetchone()[0]
        db.execute("update assessments set declared = json_set(declared, '$.births_registered_on_time', 999) "
                   "where id = ?", [aid])
        db.conn.commit()
    response = logged_in(app, "canbo.xa").post(f"/assessments/{aid}/submit", follow_redirects=True)
    [message] = [m for m in flashes(response) if m.startswith("Chưa nộp được")]
    assert "«Số trẻ em được đăng ký khai sinh đúng hạn»" in message
    assert "births" not in message and "_" not in message
