"""An officer sees a data-quality warning on the checklist as the figure is saved and again before submitting; the
reviewer then sees the flag beside the value and explains it."""
from __future__ import annotations

import re

from playwright.sync_api import expect
from test_officer import login


def test_officer_is_warned_and_the_reviewer_sees_the_flag(live_server, browser, shots) -> None:
    officer = browser.new_context(viewport={"width": 1366, "height": 768})
    page = officer.new_page()
    login(page, live_server, "canbo.xa")
    page.wait_for_url(re.compile(r"/assessments/\d+$"))
    checklist = page.url
    children = int(page.locator("#f-children").input_value())
    page.locator("#f-lower_secondary_age").fill(str(children - 1))  # with the other age groups: above the children
    page.locator("#f-lower_secondary_attending").fill(str(children - 1))
    expect(page.locator("#save-status")).to_have_text(re.compile(r"^Đã lưu lúc \d\d:\d\d$"))
    live = page.locator("#quality-warnings")  # on the checklist as soon as the figure is saved
    expect(live).to_be_visible()
    expect(live).to_contain_text("Cảnh báo: Tổng số trẻ em dưới 1 tuổi, từ 3 đến 5 tuổi")
    shots(page, "warned-on-the-checklist")

    page.get_by_role("link", name="Nộp hồ sơ tự đánh giá…").click()
    warnings = page.locator("#quality-warnings")
    expect(warnings).to_contain_text("Kiểm tra số liệu trước khi nộp")
    expect(warnings).to_contain_text("Cảnh báo: Tổng số trẻ em dưới 1 tuổi, từ 3 đến 5 tuổi")
    assert "age-groups" not in warnings.inner_text()  # no internal names
    shots(page, "warned-before-submitting")
    page.get_by_role("button", name="Xác nhận nộp").click()  # a warning does not block
    page.wait_for_url(checklist)
    assert "Đã nộp" in page.locator(".status").inner_text()
    officer.close()

    reviewer = browser.new_context(viewport={"width": 1366, "height": 768})
    page = reviewer.new_page()
    login(page, live_server, "thamdinh.huyen")
    page.goto(checklist + "/review")
    beside = page.locator("#criterion-10 .values-compare .quality-flag").first
    expect(beside).to_contain_text("Cảnh báo")
    expect(page.locator("#quality")).to_contain_text("Tổng số trẻ em dưới 1 tuổi, từ 3 đến 5 tuổi")
    shots(page, "flag-beside-the-value")
    flag = page.locator("#quality li", has_text="Tổng số trẻ em dưới 1 tuổi, từ 3 đến 5 tuổi")
    flag.locator("textarea").fill("Số trẻ trong độ tuổi lấy từ danh sách của trường, gồm cả trẻ xã khác.")
    flag.get_by_role("button", name="Lưu giải trình").click()
    flag = page.locator("#quality li", has_text="Tổng số trẻ em dưới 1 tuổi, từ 3 đến 5 tuổi")
    expect(flag.locator(".explanation")).to_contain_text("Số trẻ trong độ tuổi lấy từ danh sách của trường")
    expect(page.locator("p.flash.ok")).to_contain_text("Đã lưu giải trình.")
    reviewer.close()
