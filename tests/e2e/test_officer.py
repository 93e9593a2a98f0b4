"""An officer logs in, edits the checklist, watches the live score, and submits."""
from __future__ import annotations

import re

from playwright.sync_api import expect

from webapp.store.demo import DEMO_PASSWORD


def login(page, base: str, username: str) -> None:
    page.goto(f"{base}/login")
    page.get_by_label("Tên đăng nhập").fill(username)
    page.get_by_label("Mật khẩu").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Đăng nhập").click()


def test_officer_fills_the_checklist_and_submits(live_server, browser, shots) -> None:
    page = browser.new_page(viewport={"width": 1366, "height": 768})
    login(page, live_server, "canbo.xa")
    page.wait_for_url(re.compile(r"/assessments/\d+$"))
    assert page.locator("h1").inner_text().startswith("Xã ")
    assert "giá trị TẠM" in page.locator(".notice.provisional").inner_text()
    shots(page, "checklist")

    before = int(page.locator("#live-total").inner_text())
    page.locator("#f-play_area").select_option("không")
    expect(page.locator("#live-total")).to_have_text(str(before - 35))  # item 12.1 no longer met
    expect(page.locator("#save-status")).to_have_text(re.compile(r"^Đã lưu lúc \d\d:\d\d$"))
    after = before - 35
    expected = "Đủ điều kiện công nhận" if after >= 800 else "Chưa đủ điều kiện công nhận"
    expect(page.locator("#live-verdict")).to_have_text(expected)
    shots(page, "live-score")

    page.locator("#f-births").fill("-4")
    expect(page.locator("#e-births")).to_have_text("không được là số âm")
    expect(page.locator("#live-verdict")).to_have_text("Chưa đủ số liệu hợp lệ để kết luận")  # withheld
    page.locator("#f-births").fill("40")
    page.locator("#f-births_registered_on_time").fill("40")
    page.locator("#f-play_area").select_option("có")
    expect(page.locator("#live-total")).not_to_have_text(str(after))
    expect(page.locator("#e-births")).to_have_text("")
    shots(page, "fixed")

    page.get_by_role("link", name="Nộp hồ sơ tự đánh giá…").click()  # waits until every change is saved
    total = page.locator("#confirm-total").inner_text()
    shots(page, "confirm")
    page.get_by_role("button", name="Xác nhận nộp").click()
    page.wait_for_url(re.compile(r"/assessments/\d+$"))
    assert "Đã nộp" in page.locator(".status").inner_text()
    assert page.locator("#f-births").get_attribute("readonly") is not None
    assert page.locator("#live-total").inner_text() == total
    shots(page, "submitted")
    page.close()


def test_checklist_fits_a_phone(live_server, browser, shots) -> None:
    context = browser.new_context(viewport={"width": 375, "height": 740}, is_mobile=True)
    page = context.new_page()
    login(page, live_server, "canbo.xa")
    page.wait_for_url(re.compile(r"/assessments/\d+$"))
    for selector in ("main", "form.checklist", "aside.score", "#f-births"):
        box = page.locator(selector).bounding_box()
        assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= 375, (selector, box)
    shots(page, "phone")
    page.keyboard.press("Tab")  # the first stop is the skip link, for keyboard users
    expect(page.locator("a.skip")).to_be_focused()
    context.close()
