"""Review as a conversation: threads kept across resubmissions, what changed since the previous
submission, the keep-or-reset rule, the return banner, answers, bulk acceptance and confirmations.

Real SQLite files (copies of the demo database), the real web app through Flask's test client.
"""
from __future__ import annotations

import html
import re
from pathlib import Path
from typing import Any

import pytest

from certificates import contexts
from webapp.store import accounts, attachments, audit, changes, inbox, limits, threads, vietnamese, workflow
from webapp.store.errors import Locked, TransitionRefused

from webhelpers import opened

OFFICER, REVIEWER = "canbo.xa", "thamdinh.huyen"
PDF = b"%PDF-1.4\n%%EOF\n"


def text(response) -> str:
    return html.unescape(response.get_data(as_text=True))


def own_assessment(db: Any) -> int:
    scope = db.execute("select scope_unit_id from users where username = ?", [OFFICER]).fetchone()[0]
    return db.execute("select max(id) from assessments where unit_id = ?", [scope]).fetchone()[0]


def other_assessment(db: Any, aid: int) -> int:
    """An assessment of another commune of the same round (the officer may not see it)."""
    return db.execute("select a.id from assessments a where a.round_id = (select round_id from assessments "
                      "where id = ?) and a.id != ? order by a.id limit 1", [aid, aid]).fetchone()[0]


def returned(db: Any, aid: int, inputs: dict[str, Any]) -> None:
    """Submitted; criterion 2 adjusted to 38 registrations, criterion 9 to explain, 1 and 3 accepted; returned."""
    workflow.save_declared(db, aid, inputs, OFFICER)
    workflow.submit(db, aid, OFFICER)
    workflow.review_criterion(db, aid, 1, "accepted", REVIEWER)
    workflow.review_criterion(db, aid, 3, "accepted", REVIEWER)
    workflow.review_criterion(db, aid, 2, "adjusted", REVIEWER, "Sổ hộ tịch ghi 38 trẻ đăng ký đúng hạn.",
                              adjusted={"births_registered_on_time": 38})
    workflow.review_criterion(db, aid, 9, "needs_clarification", REVIEWER, "Gửi danh sách trẻ được khám.")
    workflow.return_for_clarification(db, aid, REVIEWER, "Bổ sung tiêu chí 2 và 9.")


@pytest.fixture()
def aid(db_path: Path, perfect_inputs: dict[str, Any]) -> int:
    """The demo officer's assessment, returned by the reviewer as :func:`returned` says."""
    with opened(db_path) as db:
        aid = own_assessment(db)
        returned(db, aid, perfect_inputs)
        return aid


# ---------------------------------------------------------------- store: threads, diffs, keep-or-reset

def test_a_thread_keeps_every_message_with_author_role_and_time_across_resubmissions(db_path, aid) -> None:
    with opened(db_path) as db:
        workflow.answer(db, aid, 9, OFFICER, "Đã bổ sung danh sách 490 trẻ.")
        workflow.answer(db, aid, None, OFFICER, "Xã đã bổ sung theo ý kiến.")
        workflow.save_declared(db, aid, {"health_checked": 490}, OFFICER)
        workflow.submit(db, aid, OFFICER)
        workflow.review_criterion(db, aid, 9, "needs_clarification", REVIEWER, "Danh sách chưa có chữ ký.")
        conversation = threads.of(db, aid)
        assert [(m["kind"], m["role"], m["author"], m["status"], m["body"]) for m in conversation[9]] == [
            ("review", "reviewer", REVIEWER, "needs_clarification", "Gửi danh sách trẻ được khám."),
            ("answer", "officer", OFFICER, None, "Đã bổ sung danh sách 490 trẻ."),
            ("review", "reviewer", REVIEWER, "needs_clarification", "Danh sách chưa có chữ ký."),
        ]
        assert [m["body"] for m in conversation[None]] == ["Bổ sung tiêu chí 2 và 9.", "Xã đã bổ sung theo ý kiến."]
        assert all(m["at"] for thread in conversation.values() for m in thread)
        logged = [(e["field"], e["new"]) for e in audit.entries(db, "assessment", aid) if e["action"] == "message"]
        assert ("criterion 9", "Đã bổ sung danh sách 490 trẻ.") in logged and len(logged) == 6


def test_an_unchanged_criterion_keeps_its_review_and_the_reviewers_value_a_changed_one_is_reset(db_path, aid) -> None:
    with opened(db_path) as db:
        workflow.save_declared(db, aid, {"health_checked": 490}, OFFICER)  # criterion 9 changes
        row = workflow.submit(db, aid, OFFICER).row
        kept = {n: r["status"] for n, r in workflow.reviews(db, aid).items()}
        assert kept == {1: "accepted", 2: "adjusted", 3: "accepted"}
        assert row["verified"]["births_registered_on_time"] == 38  # the reviewer's value still stands
        assert row["declared"]["births_registered_on_time"] == 40
        assert row["verified"]["health_checked"] == 490
        reset = [(e["field"], e["old"]) for e in audit.entries(db, "assessment", aid)
                 if e["action"] == "review" and e["new"] is None]
        assert reset == [("criterion 9", "needs_clarification")]
        assert threads.of(db, aid)[9][0]["body"] == "Gửi danh sách trẻ được khám."  # the note is not lost


def test_a_changed_evidence_note_or_file_alone_sends_the_criterion_back_to_review(db_path, aid, tmp_path) -> None:
    with opened(db_path) as db:
        workflow.set_evidence(db, aid, "1.1", "Quyết định kiện toàn ban bảo vệ trẻ em", OFFICER)
        attachments.add(db, tmp_path / "files", aid, "3.1", "bien-ban.pdf", PDF, OFFICER)
        workflow.submit(db, aid, OFFICER)
        assert sorted(workflow.reviews(db, aid)) == [2, 9]  # 2 and 9 kept as they were; 1 and 3 to review again
        diff = changes.since_last(db, workflow.load(db, aid).cset, aid)
        assert diff[1].notes == [("1.1", "", "Quyết định kiện toàn ban bảo vệ trẻ em")]
        assert [f["filename"] for f in diff[3].added] == ["bien-ban.pdf"] and diff[3].changed
        assert not diff[9].changed and not diff[2].changed
        assert changes.reviews_before_last(db, aid) == {1: "accepted", 2: "adjusted", 3: "accepted",
                                                        9: "needs_clarification"}


def test_the_diff_gives_old_and_new_values_per_criterion(db_path, aid) -> None:
    with opened(db_path) as db:
        workflow.save_declared(db, aid, {"health_checked": 490, "children": 1250}, OFFICER)
        workflow.submit(db, aid, OFFICER)
        diff = changes.since_last(db, workflow.load(db, aid).cset, aid)
        assert diff[9].values == [("health_checked", 480, 490)]
        assert {n for n, c in diff.items() if c.changed} == {3, 4, 5, 9}  # children counts in 3, 4 and 5
        assert diff[5].values == [("children", 1200, 1250)]


def test_the_first_submission_has_nothing_to_compare_and_nothing_to_accept_in_bulk(db_path, perfect_inputs) -> None:
    with opened(db_path) as db:
        aid = own_assessment(db)
        workflow.save_declared(db, aid, perfect_inputs, OFFICER)
        view = workflow.submit(db, aid, OFFICER)
        assert changes.since_last(db, view.cset, aid) is None
        assert workflow.unchanged_unreviewed(db, view) == []
        with pytest.raises(TransitionRefused):
            workflow.accept_unchanged(db, aid, REVIEWER)


def test_accepting_the_unchanged_criteria_in_bulk_accepts_only_those_not_yet_reviewed(db_path, aid) -> None:
    with opened(db_path) as db:
        workflow.save_declared(db, aid, {"health_checked": 490}, OFFICER)
        view = workflow.submit(db, aid, OFFICER)
        expected = [4, 5, 6, 7, 8, 10, 11, 12, 13]
        assert workflow.unchanged_unreviewed(db, view) == expected
        assert workflow.accept_unchanged(db, aid, REVIEWER, base_version=view.row["version"]) == expected
        statuses = {n: r["status"] for n, r in workflow.reviews(db, aid).items()}
        assert statuses == {1: "accepted", 2: "adjusted", 3: "accepted", **dict.fromkeys(expected, "accepted")}
        assert 9 not in statuses  # changed: the reviewer looks at it


def test_answers_refuse_blank_and_too_long_text_and_a_locked_assessment_writing_nothing(db_path, aid) -> None:
    with opened(db_path) as db:
        before = len(audit.entries(db))
        with pytest.raises(TransitionRefused) as blank:
            workflow.answer(db, aid, 9, OFFICER, "   \n ")
        assert blank.value.params["field"] == "Trả lời"
        with pytest.raises(limits.TextTooLong):
            workflow.answer(db, aid, 9, OFFICER, "x" * (limits.COMMENT + 1))
        workflow.submit(db, aid, OFFICER)
        with pytest.raises(Locked):
            workflow.answer(db, aid, 9, OFFICER, "Trả lời muộn")
        assert len(threads.of(db, aid)[9]) == 1
        assert len(audit.entries(db)) > before  # only the submission wrote


def test_the_evaluation_report_prints_every_thread(db_path, aid) -> None:
    with opened(db_path) as db:
        workflow.answer(db, aid, 9, OFFICER, "Đã bổ sung danh sách 490 trẻ.")
        report = contexts.report_context(db, workflow.load(db, aid))
        nine = next(c for c in report["criteria"] if c["number"] == 9)
        assert [m["body"] for m in nine["thread"]] == ["Gửi danh sách trẻ được khám.", "Đã bổ sung danh sách 490 trẻ."]
        assert nine["thread"][1]["role"] == "Cán bộ xã"
        assert [m["body"] for m in report["general_thread"]] == ["Bổ sung tiêu chí 2 và 9."]


# ---------------------------------------------------------------- the officer: banner and answers

def test_the_returned_checklist_opens_with_what_to_fix(aid, client_as) -> None:
    page = text(client_as("officer").get(f"/assessments/{aid}"))
    banner = page[page.index('id="return-banner"'):page.index('<div class="layout">')]
    assert "Bị trả lại — cần bổ sung 2 tiêu chí" in banner and "Hạn nộp" in banner
    assert "Bổ sung tiêu chí 2 và 9." in banner
    assert "Sổ hộ tịch ghi 38 trẻ đăng ký đúng hạn." in banner and "Gửi danh sách trẻ được khám." in banner
    two = banner[banner.index('id="fix-2"'):banner.index('id="fix-9"')]
    assert re.search(r'own-value">40<.*reviewer-value">38<', two, re.DOTALL)
    assert 'href="#criterion-2"' in two and "Trả lời" in two
    assert 'id="fix-1"' not in banner  # accepted: nothing to do


def test_an_answer_is_stored_and_shown_once_in_the_return_banner(db_path, aid, client_as) -> None:
    officer = client_as("officer")
    response = officer.post(f"/assessments/{aid}/answers", data={"criterion": "9", "body": " Đã bổ sung <b>490</b> "})
    assert response.status_code == 303 and response.headers["Location"].endswith(f"/assessments/{aid}#fix-9")
    page = officer.get(f"/assessments/{aid}").get_data(as_text=True)
    banner = page[page.index('id="fix-9"'):page.index('id="thread-9"')]
    assert "Đã bổ sung &lt;b&gt;490&lt;/b&gt;" in banner and "<b>490</b>" not in page  # HTML shown as text
    assert page.count("Đã bổ sung &lt;b&gt;490&lt;/b&gt;") == 1  # the criterion links to the banner, no copy
    assert 'href="#fix-9"' in page[page.index('id="thread-9"'):]
    with opened(db_path) as db:
        assert threads.of(db, aid)[9][-1]["body"] == "Đã bổ sung <b>490</b>"


@pytest.mark.parametrize("body, field", [("   ", "«Trả lời» đang để trống"), ("y" * (limits.COMMENT + 1), "«Ý kiến» dài")])
def test_a_refused_answer_names_the_field_keeps_the_text_and_writes_nothing(db_path, aid, client_as, body, field) -> None:
    with opened(db_path) as db:
        before = len(audit.entries(db))
    response = client_as("officer").post(f"/assessments/{aid}/answers", data={"criterion": "9", "body": body})
    page = text(response)
    assert response.status_code == 422 and field in page
    if body.strip():
        assert f">{body}</textarea>" in page  # kept as typed, not cut
    with opened(db_path) as db:
        assert len(audit.entries(db)) == before


def test_answering_on_an_assessment_the_officer_may_not_see_is_refused_and_writes_nothing(db_path, aid,
                                                                                          client_as) -> None:
    with opened(db_path) as db:
        other = other_assessment(db, aid)
        before = len(audit.entries(db))
    response = client_as("officer").post(f"/assessments/{other}/answers", data={"criterion": "9", "body": "Xin chào"})
    assert response.status_code == 403
    with opened(db_path) as db:
        assert len(audit.entries(db)) == before


# ---------------------------------------------------------------- the reviewer: diff, progress, bulk, confirmations

def test_the_reviewer_sees_what_changed_the_answers_and_which_decisions_stand(db_path, aid, client_as) -> None:
    with opened(db_path) as db:
        workflow.answer(db, aid, 2, OFFICER, "Xã đồng ý số liệu 38.")
        workflow.save_declared(db, aid, {"health_checked": 490}, OFFICER)
        workflow.submit(db, aid, OFFICER)
    page = text(client_as("reviewer").get(f"/assessments/{aid}/review"))
    nine = page[page.index('id="changes-9"'):page.index('id="criterion-10"')]
    assert "<del>480</del> → <ins>490</ins>" in nine and "cần thẩm định lại" in nine
    two = page[page.index('id="changes-2"'):page.index('id="criterion-3"')]
    assert "Không thay đổi" in two and "vẫn giữ nguyên" in two and "Xã đồng ý số liệu 38." in two
    assert "Đã thẩm định 3/13 tiêu chí" in page
    assert "Chấp nhận tất cả tiêu chí chưa thay đổi (9)" in page
    assert "Bổ sung tiêu chí 2 và 9." in page  # the overall return comment


def test_bulk_acceptance_through_the_page(db_path, aid, client_as) -> None:
    with opened(db_path) as db:
        workflow.submit(db, aid, OFFICER)
    reviewer = client_as("reviewer")
    page = reviewer.get(f"/assessments/{aid}/review").get_data(as_text=True)
    version = re.search(r'name="version" value="(\d+)"', page).group(1)
    response = reviewer.post(f"/assessments/{aid}/review/unchanged", data={"version": version})
    assert response.status_code == 303
    assert "Đã chấp nhận 9 tiêu chí chưa thay đổi" in text(reviewer.get(response.headers["Location"]))
    again = reviewer.post(f"/assessments/{aid}/review/unchanged", data={"version": version})
    assert again.status_code == 409
    with opened(db_path) as db:
        assert len(workflow.reviews(db, aid)) == 13


def test_a_refused_review_comes_back_at_its_criterion(db_path, aid, client_as) -> None:
    with opened(db_path) as db:
        workflow.submit(db, aid, OFFICER)
    page = client_as("reviewer").get(f"/assessments/{aid}/review").get_data(as_text=True)
    assert f'action="/assessments/{aid}/review/9#criterion-9"' in page  # the browser lands back on it


def test_completing_a_review_is_confirmed_with_its_consequences(db_path, aid, client_as) -> None:
    with opened(db_path) as db:
        workflow.submit(db, aid, OFFICER)
    page = text(client_as("reviewer").get(f"/assessments/{aid}/review"))
    confirm = page[page.index('id="confirm-verify"'):]
    confirm = confirm[:confirm.index("</details>")]
    assert "Hồ sơ bị khóa" in confirm and "Tổng điểm thẩm định" in confirm and "mở lại thẩm định" in confirm
    assert "Xác nhận hoàn thành thẩm định" in confirm


def test_recognising_and_revoking_are_confirmed_with_what_happens(db_path, client_as, perfect_inputs) -> None:
    with opened(db_path) as db:
        verified = own_assessment(db)
        workflow.save_declared(db, verified, perfect_inputs, OFFICER)
        workflow.submit(db, verified, OFFICER)
        for n in range(1, 14):
            workflow.review_criterion(db, verified, n, "accepted", REVIEWER)
        workflow.verify(db, verified, REVIEWER)
        scope = db.execute("select scope_unit_id from users where username = 'chutich.huyen'").fetchone()[0]
        recognised = db.execute("select a.id from assessments a join units u on u.id = a.unit_id "
                                "where u.parent_id = ? and a.status = 'recognised' order by a.id limit 1",
                                [scope]).fetchone()[0]
    authority = client_as("authority")
    page = text(authority.get("/decisions"))
    recognise = page[page.index(f'id="a-{verified}"'):]
    recognise = recognise[:recognise.index("</tr>")]
    assert "Công nhận 1 đơn vị:" in recognise and "tổng điểm thẩm định 1.000" in recognise
    assert "Xác nhận công nhận" in recognise
    revoke = page[page.index(f'id="a-{recognised}"'):]
    revoke = revoke[:revoke.index("</details>")]
    assert "chưa được cấp giấy công nhận" in revoke and "Xác nhận thu hồi công nhận" in revoke
    round_id = page[page.index("/rounds/"):].split("/")[2]
    issue = text(authority.get(f"/rounds/{round_id}/decision"))
    listed = issue[issue.index('id="waiting"'):]
    waiting = listed[:listed.index("</table>")].count("<tr><td>")
    assert f"Công nhận {waiting} đơn vị; tạo {waiting} giấy công nhận; không thể sửa sau khi ký." in issue
    response = authority.post(f"/rounds/{round_id}/decision", data={
        "number": "125/QĐ-UBND", "signed_on": vietnamese.today().isoformat(),
        "valid_until": "2030-12-31", "signer_title": "CHỦ TỊCH", "signer_name": "Nông Văn A"})
    assert response.status_code == 303
    with opened(db_path) as db:
        code, serial, total = db.execute("select code, serial, total from certificates where assessment_id = ?",
                                         [recognised]).fetchone()
    revoke = text(authority.get("/decisions"))
    revoke = revoke[revoke.index(f'id="a-{recognised}"'):]
    assert f"Giấy công nhận số {serial}/{total} theo Quyết định số 125/QĐ-UBND" in revoke and code in revoke


def test_each_home_page_lists_what_waits_with_counts_deadlines_and_overdue(db_path, aid, client_as) -> None:
    with opened(db_path) as db:
        db.execute("update rounds set review_deadline = '2000-01-01'")
        pending = db.execute("select count(*) from assessments a join units u on u.id = a.unit_id where u.parent_id = "
                             "(select scope_unit_id from users where username = ?) and a.status in "
                             "('submitted', 'resubmitted')", [REVIEWER]).fetchone()[0]
    queue = text(client_as("reviewer").get("/review"))
    waiting = queue[queue.index('id="waiting"'):queue.index("</section>", queue.index('id="waiting"'))]
    assert f"Chờ thẩm định: {pending} hồ sơ" in waiting and "01/01/2000" in waiting and "quá hạn" in waiting
    decisions = text(client_as("authority").get("/decisions"))
    assert "Chờ quyết định công nhận:" in decisions
    with opened(db_path) as db:
        officer = accounts.get_user(db, db.execute("select id from users where username = ?", [OFFICER]).fetchone()[0])
        assert [(w.kind, w.count, w.overdue) for w in inbox.waiting(db, officer)] == [("fix", 2, True)]


def test_an_older_database_gets_its_submissions_and_earlier_comments_on_upgrade(db_path) -> None:
    """m008 on a database from before it: what is under review or decided gets its declaration as a first
    submission, a returned one none; reviewers' comments and return comments become the first messages."""
    with opened(db_path) as db:
        db.executescript("DROP TABLE messages; DROP TABLE submissions;")
        db.execute("delete from _sqlite_migrations where name = 'm008_threads_and_submissions'")
    with opened(db_path) as db:  # connecting applies the migration again, as on an installed database
        back, ahead = {}, {}
        for row in db.query("select id, status, declared from assessments"):
            (back if row["status"] in ("draft", "returned") else ahead)[row["id"]] = row
        assert back and ahead
        stored = {r["assessment_id"]: r for r in db.query("select * from submissions")}
        assert set(stored) == set(ahead) and not set(stored) & set(back)
        some = next(iter(ahead))
        assert changes.submissions(db, some)[0].declared == workflow.get(db, some)["declared"]
        returned_id = next(i for i, r in back.items() if r["status"] == "returned")
        conversation = threads.of(db, returned_id)
        assert [(m["kind"], m["body"]) for m in conversation[9]] == [
            ("review", "Đề nghị bổ sung danh sách trẻ em được khám sức khỏe định kỳ.")]
        assert [(m["kind"], m["body"]) for m in conversation[None]] == [("return", "Bổ sung minh chứng tiêu chí 9.")]


def test_authors_are_shown_by_their_names_never_by_internal_ones(db_path, aid) -> None:
    with opened(db_path) as db:
        assert accounts.names_of(db, {"thamdinh.huyen", "demo-officer-7", "cli:root", "gone.user"}) == {
            "thamdinh.huyen": "Phòng Văn hóa – Xã hội huyện", "demo-officer-7": "Dữ liệu mẫu",
            "cli:root": "Quản trị hệ thống (dòng lệnh)", "gone.user": "gone.user"}
        with db.conn:
            threads.post(db, aid, 9, "thamdinh.huyen", "reviewer", "review", "Thiếu danh sách.")
        assert threads.of(db, aid)[9][-1]["author_name"] == "Phòng Văn hóa – Xã hội huyện"
