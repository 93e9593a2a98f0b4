"""The main journey across roles, in a real browser against the real server:
officer submits → reviewer returns criterion 9 → officer fixes it → reviewer verifies →
authority recognises → the dashboard shows the commune as recognised."""
from __future__ import annotations

import re

from playwright.sync_api import expect

from webapp.store.demo import DEMO_PASSWORD

PERFECT = {
    "children": 1200, "births": 40, "births_registered_on_time": 40, "abused_children": 0,
    "law_breaking_children": 0, "drug_addicted_children": 0, "accident_deaths": 0, "injured_children": 2,
    "special_children": 30, "special_children_supported": 30, "severe_cases": 0, "severe_cases_with_plan": 0,
    "infants": 38, "infants_fully_immunised": 38, "under5_weighed": 200, "under5_underweight": 6,
    "under5_measured": 200, "under5_stunted": 14, "health_check_due": 500, "health_checked": 480,
    "children_3_5": 120, "preschool_attending": 118, "primary_age": 300, "primary_attending": 300,
    "lower_secondary_age": 250, "lower_secondary_attending": 245, "survey_respondents": 100,
    "survey_satisfied": 93,
}


def fill_perfect(officer) -> None:
    """Answer «Có» everywhere and type the perfect values, then wait until the page says all is saved."""
    for select in officer.locator("select[name]").all():
        select.select_option("có")
    for name, value in PERFECT.items():
        officer.locator(f"#f-{name}").fill(str(value))
    officer.get_by_role("button", name="Lưu", exact=True).click()  # sends what is queued, then says so
    expect(officer.locator("#save-status")).to_have_text(re.compile(r"^Đã lưu lúc \d\d:\d\d$"), timeout=20_000)


def resubmit_with_health_checks(officer, count: str) -> None:
    """The returned commune's fix: the children checked, saved, then resubmitted."""
    officer.locator("#f-health_checked").fill(count)
    officer.get_by_role("button", name="Lưu", exact=True).click()  # sends what is queued, then says so
    expect(officer.locator("#save-status")).to_have_text(re.compile(r"^Đã lưu lúc \d\d:\d\d$"), timeout=20_000)
    officer.get_by_role("link", name="Nộp hồ sơ tự đánh giá…").click()
    officer.get_by_role("button", name="Xác nhận nộp").click()
    expect(officer.locator(".status")).to_have_text("Đã nộp lại")


def accept_all_and_verify(reviewer) -> None:
    """On the review page: accept every criterion not yet accepted, then complete the review."""
    for n in range(1, 14):
        if reviewer.locator(f"#s{n}-accepted").is_checked():
            continue
        reviewer.locator(f"#s{n}-accepted").check()
        reviewer.get_by_role("button", name=f"Lưu thẩm định tiêu chí {n}", exact=True).click()
    reviewer.locator("#confirm-verify summary").click()
    reviewer.get_by_role("button", name="Xác nhận hoàn thành thẩm định").click()
    expect(reviewer.locator(".flash.ok").first).to_be_visible()


def session(browser, base: str, username: str, password: str = DEMO_PASSWORD,
            viewport: dict[str, int] | None = None):
    """A new browser window (desktop size unless ``viewport``) logged in as ``username``."""
    context = browser.new_context(viewport=viewport or {"width": 1366, "height": 768})
    page = context.new_page()
    page.goto(f"{base}/login")
    page.get_by_label("Tên đăng nhập").fill(username)
    page.get_by_label("Mật khẩu").fill(password)
    page.get_by_role("button", name="Đăng nhập").click()
    page.wait_for_load_state()
    return page


def test_submit_return_fix_verify_recognise(live_server, browser, shots) -> None:
    officer = session(browser, live_server, "canbo.xa")
    officer.wait_for_url(re.compile(r"/assessments/\d+$"))
    checklist_url = officer.url
    unit_name = officer.locator("h1").inner_text()
    fill_perfect(officer)
    expect(officer.locator("#live-total")).to_have_text("1000")
    shots(officer, "officer-filled")
    officer.get_by_role("link", name="Nộp hồ sơ tự đánh giá…").click()
    officer.get_by_role("button", name="Xác nhận nộp").click()
    expect(officer.locator(".status")).to_have_text("Đã nộp")
    shots(officer, "officer-submitted")

    reviewer = session(browser, live_server, "thamdinh.huyen")
    reviewer.get_by_role("link", name=re.compile(re.escape(unit_name.split(",")[0]))).first.click()
    reviewer.locator("#s9-needs_clarification").check()
    reviewer.locator("#comment-9").fill("Đề nghị gửi danh sách trẻ được khám sức khỏe.")
    reviewer.get_by_role("button", name="Lưu thẩm định tiêu chí 9").click()
    reviewer.locator("#return-comment").fill("Bổ sung minh chứng tiêu chí 9.")
    reviewer.get_by_role("button", name="Trả lại để bổ sung").click()
    shots(reviewer, "reviewer-returned")

    officer.goto(checklist_url)
    expect(officer.locator(".status")).to_have_text("Trả lại để bổ sung")
    expect(officer.locator("#return-banner")).to_contain_text("Đề nghị gửi danh sách")
    resubmit_with_health_checks(officer, "490")
    shots(officer, "officer-resubmitted")

    reviewer.goto(f"{live_server}/review")
    reviewer.get_by_role("link", name=re.compile(re.escape(unit_name.split(",")[0]))).first.click()
    accept_all_and_verify(reviewer)
    shots(reviewer, "reviewer-verified")

    authority = session(browser, live_server, "chutich.huyen")
    row = authority.locator("tr", has_text=unit_name.split(",")[0]).first
    row.locator(".confirm-recognise summary").click()
    row.get_by_role("button", name="Xác nhận công nhận").click()
    expect(authority.locator(".flash.ok").first).to_be_visible()
    shots(authority, "authority-recognised")

    authority.goto(f"{live_server}/dashboard?q={unit_name.split(',')[0].split(' ', 1)[1]}")
    unit_row = authority.locator("table tr", has_text=unit_name.split(",")[0]).last
    expect(unit_row).to_contain_text("Được công nhận")
    expect(unit_row).to_contain_text("1.000")
    shots(authority, "dashboard")
