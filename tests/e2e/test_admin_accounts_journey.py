"""Administering accounts by names, in a real browser against the real server: the administrator (on a phone,
390 px wide) creates a reviewer by typing «ha quang» and picking «Huyện Hà Quảng», and an authority of the
province by name; resets the officer's password (the officer logs in with the temporary one and must change
it before anything else); unlocks the viewer whom five wrong passwords locked out (the viewer then logs in)."""
from __future__ import annotations

import re

from playwright.sync_api import expect
from test_journey import session

from webapp.store.demo import DEMO_PASSWORD

PHONE = {"width": 390, "height": 844}


def fits_the_screen(page) -> None:
    """Nothing wider than the screen: the page never scrolls sideways (wide tables scroll in their own box)."""
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")


def create(admin, base: str, username: str, name: str, role: str, typed: str, group: str, unit: str) -> None:
    """Fill the create form, choosing the jurisdiction by typing part of its name and picking it in a group."""
    admin.goto(f"{base}/admin/users")
    form = admin.locator("form.account-form")
    form.locator("#username").fill(username)
    form.locator("#display_name").fill(name)
    form.locator("#role").select_option(role)
    form.locator("#scope_q").fill(typed)
    choices = form.locator("fieldset.scope-group", has=admin.locator("legend", has_text=group))
    choices.get_by_label(unit, exact=True).check()  # listed by scope.js while typing
    form.locator("#password").fill("tam-thoi-2026")
    form.get_by_role("button", name="Tạo tài khoản").click()
    expect(admin.locator(".flash.ok")).to_contain_text(f"Đã tạo tài khoản «{username}»")


def row(admin, username: str):
    return admin.locator("#users tbody tr", has=admin.locator("td", has_text=re.compile(f"^{re.escape(username)}$")))


def test_admin_creates_by_names_resets_a_password_and_unlocks(live_server, browser, shots) -> None:
    admin = session(browser, live_server, "admin", viewport=PHONE)
    admin.goto(f"{live_server}/admin/users")
    fits_the_screen(admin)
    admin.locator("#scope_q").fill("ha quang")
    admin.locator("#role").select_option("reviewer")
    expect(admin.locator(".scope-results legend")).to_have_text(["Cao Bằng (trước 01/7/2025) — Huyện, thành phố"])
    shots(admin, "phone-scope-search")
    fits_the_screen(admin)

    create(admin, live_server, "thamdinh.haquang", "Phòng Văn hóa huyện Hà Quảng", "reviewer", "ha quang",
           "Huyện, thành phố", "Huyện Hà Quảng, tỉnh Cao Bằng")
    expect(row(admin, "thamdinh.haquang").locator("td").nth(2)).to_have_text("Cán bộ thẩm định")
    expect(row(admin, "thamdinh.haquang").locator("td").nth(3)).to_have_text("Huyện Hà Quảng, tỉnh Cao Bằng")
    create(admin, live_server, "chutich.tinh2025", "Chủ tịch UBND tỉnh", "authority", "tinh cao bang",
           "Cao Bằng (từ 01/7/2025) — Tỉnh", "Tỉnh Cao Bằng")
    expect(row(admin, "chutich.tinh2025").locator("td").nth(3)).to_have_text("Tỉnh Cao Bằng")
    assert "cao-bang-20" not in admin.locator("main").inner_text()
    shots(admin, "phone-users-list")

    # The officer's password, reset: the temporary one works once, and only to set a new one.
    row(admin, "canbo.xa").get_by_role("link", name=re.compile("Quản lý")).click()
    fits_the_screen(admin)
    admin.locator("#temporary").fill("tam-thoi-canbo-1")
    admin.get_by_role("button", name="Đặt mật khẩu tạm thời").click()
    expect(admin.locator(".flash.ok")).to_contain_text("Đã đặt mật khẩu tạm thời cho «canbo.xa»")
    shots(admin, "phone-account-page")
    officer = session(browser, live_server, "canbo.xa", "tam-thoi-canbo-1")
    expect(officer).to_have_url(re.compile(r"/password$"))
    expect(officer.locator("#must-change")).to_contain_text("mật khẩu tạm thời")
    officer.goto(f"{live_server}/mine")
    expect(officer).to_have_url(re.compile(r"/password$"))
    officer.get_by_label("Mật khẩu tạm thời").fill("tam-thoi-canbo-1")
    officer.get_by_label("Mật khẩu mới (ít nhất 10 ký tự)").fill("mat-khau-cua-toi-1")
    officer.get_by_label("Nhập lại mật khẩu mới").fill("mat-khau-cua-toi-1")
    officer.get_by_role("button", name="Đổi mật khẩu").click()
    expect(officer).to_have_url(re.compile(r"/assessments/\d+$"))

    # Five wrong passwords lock the viewer out; the administrator unlocks; the viewer logs in.
    viewer = browser.new_context().new_page()
    for _ in range(5):
        viewer.goto(f"{live_server}/login")
        viewer.get_by_label("Tên đăng nhập").fill("theodoi.tinh")
        viewer.get_by_label("Mật khẩu").fill("sai-mat-khau-roi")
        viewer.get_by_role("button", name="Đăng nhập").click()
    viewer.get_by_label("Tên đăng nhập").fill("theodoi.tinh")
    viewer.get_by_label("Mật khẩu").fill(DEMO_PASSWORD)
    viewer.get_by_role("button", name="Đăng nhập").click()
    expect(viewer.locator("main")).to_contain_text("Đăng nhập sai quá nhiều lần")
    admin.goto(f"{live_server}/admin/users")
    expect(row(admin, "theodoi.tinh").locator("td.state")).to_contain_text("Đang bị khóa tạm thời")
    row(admin, "theodoi.tinh").get_by_role("link", name=re.compile("Quản lý")).click()
    admin.get_by_role("button", name="Mở khóa đăng nhập").click()
    expect(admin.locator(".flash.ok")).to_contain_text("Đã mở khóa đăng nhập cho «theodoi.tinh»")
    expect(admin.locator("#account-state")).not_to_contain_text("Đang bị khóa tạm thời")
    viewer.get_by_label("Tên đăng nhập").fill("theodoi.tinh")
    viewer.get_by_label("Mật khẩu").fill(DEMO_PASSWORD)
    viewer.get_by_role("button", name="Đăng nhập").click()
    expect(viewer).to_have_url(re.compile(r"/dashboard"))
