"""The dashboard's unit list on a phone (390 px wide) in Chromium: filter by district and search without
diacritics, then «Tải Excel» downloads exactly the rows on screen."""
from __future__ import annotations

import io
from pathlib import Path

import openpyxl

from webapp.store.demo import DEMO_PASSWORD


def test_filter_and_excel_on_a_phone(live_server, browser, shots) -> None:
    context = browser.new_context(viewport={"width": 390, "height": 844}, accept_downloads=True)
    page = context.new_page()
    page.goto(f"{live_server}/login")
    page.get_by_label("Tên đăng nhập").fill("theodoi.tinh")
    page.get_by_label("Mật khẩu").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Đăng nhập").click()
    page.goto(f"{live_server}/dashboard")
    page.get_by_label("Huyện, thành phố", exact=True).select_option(label="Huyện Hà Quảng")
    page.get_by_label("Tên đơn vị, huyện hoặc mã").fill("ha quang")
    page.get_by_role("button", name="Lọc").click()
    page.wait_for_url("**group=*")
    rows = page.locator("#units-table tbody tr.unit-row")
    count = rows.count()
    assert count > 5
    districts = {rows.nth(i).locator("td").first.inner_text().strip() for i in range(count)}
    assert districts == {"Huyện Hà Quảng"}
    names = [rows.nth(i).locator("th a").inner_text().strip() for i in range(count)]
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 390  # the table scrolls in its box
    shots(page, "filtered-list")
    with page.expect_download() as info:
        page.get_by_role("link", name="Tải Excel").click()
    download = info.value
    assert download.suggested_filename.endswith(".xlsx")
    ws = openpyxl.load_workbook(io.BytesIO(Path(download.path()).read_bytes())).active
    sheet = [[c.value for c in row] for row in ws.iter_rows(min_row=2)]
    assert [r[1] for r in sheet] == names and {r[2] for r in sheet} == {"Huyện Hà Quảng"}
    context.close()
