"""The review conversation across roles, in a real browser against the real server: the reviewer
returns with an overall comment, an adjusted figure (38) and a question → the officer lands on the
banner, sees the adjusted value beside its own, answers per criterion and resubmits → the reviewer
sees what changed and the answers, accepts the unchanged criteria in bulk, verifies after a
confirmation → the authority confirms the recognition. A screenshot of each step is kept."""
from __future__ import annotations

import re

from playwright.sync_api import expect
from test_journey import fill_perfect, resubmit_with_health_checks, session


def test_return_answer_resubmit_diff_bulk_verify_recognise(live_server, browser, shots) -> None:
    officer = session(browser, live_server, "canbo.xa")
    officer.wait_for_url(re.compile(r"/assessments/\d+$"))
    checklist_url = officer.url
    unit = officer.locator("h1").inner_text().split(",")[0]
    fill_perfect(officer)
    officer.get_by_role("link", name="Nộp hồ sơ tự đánh giá…").click()
    officer.get_by_role("button", name="Xác nhận nộp").click()
    expect(officer.locator(".status")).to_have_text("Đã nộp")

    reviewer = session(browser, live_server, "thamdinh.huyen")
    expect(reviewer.locator("#waiting")).to_contain_text("Chờ thẩm định")
    reviewer.get_by_role("link", name=re.compile(re.escape(unit))).first.click()
    review_url = reviewer.url
    reviewer.locator("#s1-accepted").check()
    reviewer.get_by_role("button", name="Lưu thẩm định tiêu chí 1", exact=True).click()
    reviewer.locator("#s2-adjusted").check()
    reviewer.locator("#c2-births_registered_on_time").fill("38")
    reviewer.get_by_role("button", name="Lưu thẩm định tiêu chí 2", exact=True).click()
    expect(reviewer.locator(".flash.error")).to_contain_text("cần ý kiến nêu lý do")  # refused in place
    assert reviewer.url.endswith("#criterion-2")
    expect(reviewer.locator("#c2-births_registered_on_time")).to_have_value("38")  # kept as typed
    reviewer.locator("#comment-2").fill("Sổ hộ tịch ghi 38 trẻ đăng ký đúng hạn.")
    reviewer.get_by_role("button", name="Lưu thẩm định tiêu chí 2", exact=True).click()
    reviewer.locator("#s9-needs_clarification").check()
    reviewer.locator("#comment-9").fill("Gửi danh sách trẻ được khám <b>sức khỏe</b>.")
    reviewer.get_by_role("button", name="Lưu thẩm định tiêu chí 9", exact=True).click()
    expect(reviewer.locator("#review-progress")).to_have_text("Đã thẩm định 3/13 tiêu chí")
    reviewer.locator("#return-comment").fill("Đề nghị xã bổ sung tiêu chí 2 và 9.")
    reviewer.get_by_role("button", name="Trả lại để bổ sung").click()
    expect(reviewer.locator(".flash.ok")).to_be_visible()
    shots(reviewer, "reviewer-returned")

    officer.goto(checklist_url)
    banner = officer.locator("#return-banner")
    expect(banner.locator("h2")).to_have_text("Bị trả lại — cần bổ sung 2 tiêu chí")
    expect(banner).to_contain_text("Đề nghị xã bổ sung tiêu chí 2 và 9.")
    expect(banner.locator("#fix-2 .own-value")).to_have_text("40")
    expect(banner.locator("#fix-2 .reviewer-value")).to_have_text("38")
    expect(banner.locator("#fix-9")).to_contain_text("Gửi danh sách trẻ được khám <b>sức khỏe</b>.")  # as text
    shots(officer, "officer-banner")
    banner.locator("#answer-9").fill("   ")
    banner.locator("#fix-9").get_by_role("button", name="Trả lời").click()
    expect(officer.locator("#e-answer-9")).to_contain_text("«Trả lời» đang để trống")
    officer.locator("#answer-2").fill("Xã đồng ý với số liệu 38.")
    officer.locator("#fix-2").get_by_role("button", name="Trả lời").click()
    expect(officer.locator(".flash.ok")).to_have_text("Đã gửi trả lời.")
    officer.locator("#answer-9").fill("Đã bổ sung danh sách 490 trẻ được khám.")
    officer.locator("#fix-9").get_by_role("button", name="Trả lời").click()
    expect(officer.locator("#fix-9")).to_contain_text("Đã bổ sung danh sách 490 trẻ được khám.")
    shots(officer, "officer-answered")
    resubmit_with_health_checks(officer, "490")

    reviewer.goto(review_url)
    expect(reviewer.locator("#changes-9 .changed-value")).to_contain_text("480 → 490")
    expect(reviewer.locator("#changes-9")).to_contain_text("cần thẩm định lại")
    expect(reviewer.locator("#changes-2")).to_contain_text("vẫn giữ nguyên")
    expect(reviewer.locator("#thread-2")).to_contain_text("Xã đồng ý với số liệu 38.")
    expect(reviewer.locator("#review-progress")).to_have_text("Đã thẩm định 2/13 tiêu chí")
    reviewer.locator("#changes-9").scroll_into_view_if_needed()
    shots(reviewer, "reviewer-diff")
    reviewer.locator("#bulk-accept summary").click()
    expect(reviewer.locator("#bulk-accept")).to_contain_text("tiêu chí 3, 4, 5, 6, 7, 8, 10, 11, 12, 13")
    shots(reviewer, "reviewer-bulk-confirmation")
    reviewer.get_by_role("button", name="Xác nhận chấp nhận 10 tiêu chí").click()
    expect(reviewer.locator(".flash.ok")).to_have_text(
        "Đã chấp nhận 10 tiêu chí chưa thay đổi: 3, 4, 5, 6, 7, 8, 10, 11, 12, 13.")
    reviewer.locator("#s9-accepted").check()
    reviewer.locator("#comment-9").fill("Đã đối chiếu danh sách.")
    reviewer.get_by_role("button", name="Lưu thẩm định tiêu chí 9", exact=True).click()
    expect(reviewer.locator("#review-progress")).to_have_text("Đã thẩm định 13/13 tiêu chí")
    reviewer.locator("#confirm-verify summary").click()
    expect(reviewer.locator("#confirm-verify")).to_contain_text("Hồ sơ bị khóa")
    shots(reviewer, "reviewer-verify-confirmation")
    reviewer.get_by_role("button", name="Xác nhận hoàn thành thẩm định").click()
    expect(reviewer.locator("#assessment-status")).to_have_text("Đã thẩm định")

    authority = session(browser, live_server, "chutich.huyen")
    expect(authority.locator("#waiting")).to_contain_text("Chờ quyết định công nhận")
    row = authority.locator("#pending tr", has_text=unit).first
    row.locator(".confirm-recognise summary").click()
    expect(row).to_contain_text("Công nhận 1 đơn vị")
    shots(authority, "authority-recognition-confirmation")
    row.get_by_role("button", name="Xác nhận công nhận").click()
    expect(authority.locator(".flash.ok").first).to_have_text("Đã công nhận đơn vị đạt chuẩn phù hợp với trẻ em.")
    shots(authority, "authority-recognised")
