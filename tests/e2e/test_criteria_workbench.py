"""The criteria workbench in a real browser against the real server: a legal officer of the province verifies
C2's bands against the official text (a value that overlaps is refused at its field first), with a citation and a
photo of the page; the impact on the latest round shows whose totals move; a second legal officer confirms (the
first could not); a round created afterwards uses the new version, the old round keeps its own."""
from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

from playwright.sync_api import expect
from test_journey import session

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64  # a photo of the gazette page, as far as the type check reads


def moved_rows(page):
    """From a page of the draft, its impact: some units move, one row each; the rows."""
    page.get_by_role("link", name="Quay lại bản dự thảo").click()
    page.get_by_role("link", name="Tác động đến đợt đánh giá gần nhất").click()
    moved = int(page.locator("#impact-moved").inner_text())
    assert moved > 0
    expect(page.locator("#impact-table tbody tr")).to_have_count(moved)
    return page.locator("#impact-table tbody tr")


def publish_with_four_eyes(first, browser, base: str, version: str):
    """On the draft's page the first officer prepares it and cannot confirm it; a second officer confirms it:
    the second officer's window."""
    first.get_by_role("button", name="Trình xác nhận").click()
    expect(first.locator("#draft-state")).to_have_text("Chờ người thứ hai xác nhận")
    first.get_by_role("button", name="Xác nhận và ban hành").click()
    expect(first.locator(".flash.error")).to_contain_text("Người trình không thể tự xác nhận")
    second = session(browser, base, "phapche2.tinh")
    second.goto(first.url)
    second.get_by_role("button", name="Xác nhận và ban hành").click()
    expect(second.locator(".flash.ok")).to_contain_text(f"Đã ban hành phiên bản {version}")
    return second


def test_legal_officers_verify_c2_see_the_impact_and_publish_with_four_eyes(live_server, browser, shots,
                                                                             tmp_path: Path) -> None:
    first = session(browser, live_server, "phapche.tinh")
    first.wait_for_url(re.compile(r"/criteria$"))
    first.get_by_role("link", name="Tiêu chuẩn xã, phường, thị trấn phù hợp với trẻ em").first.click()
    first.get_by_role("link", name="Chỉ xem giá trị chưa xác minh").click()
    c2 = first.locator("tr.part", has_text="Mục 2.1. Tỷ lệ trẻ em được đăng ký khai sinh đúng hạn")
    expect(c2).to_contain_text("từ 98% đến dưới 100%: 35 điểm")
    expect(c2).to_contain_text("Chưa xác minh")
    assert "criteria[" not in first.locator("main").inner_text()
    shots(first, "unverified")

    first.locator("#draft-version").fill("2019.2")
    first.get_by_role("button", name="Tạo bản dự thảo").click()
    expect(first.locator(".flash.ok")).to_contain_text("Đã tạo bản dự thảo phiên bản 2019.2")
    first.locator("tr.part", has_text="Mục 2.1.").get_by_role("link", name="Xác minh, sửa").click()
    form = first.locator("#part-form")
    form.locator('input[name="band1.lo"]').fill("96")  # overlaps the next band (95 to below 98)
    form.locator("#c-document").fill("Quyết định 06/QĐ-TTg ngày 03/01/2019")
    form.locator("#c-clause").fill("Quy định kèm theo, Điều 2 khoản 2")
    form.locator("#c-page").fill("5")
    form.get_by_role("button", name="Lưu và đánh dấu đã xác minh").click()
    expect(first.locator("#band-2")).to_contain_text("Chồng lấn với mức trước: khoảng từ 96 đến 98 thuộc cả hai mức.")
    expect(form.locator('input[name="band1.lo"]')).to_have_value("96")  # what was typed is kept
    expect(form.locator("#c-document")).to_have_value("Quyết định 06/QĐ-TTg ngày 03/01/2019")
    shots(first, "refused-at-the-field")
    form.locator('input[name="band1.lo"]').fill("97")
    form.locator('input[name="band2.hi"]').fill("97")
    form.locator('input[name="band2.lo"]').fill("90")
    form.locator("#c-scan").set_input_files(files=[{"name": "cong-bao-trang-5.png", "mimeType": "image/png",
                                                    "buffer": PNG}])
    form.get_by_role("button", name="Lưu và đánh dấu đã xác minh").click()
    expect(first.locator(".flash.ok")).to_contain_text("Đã lưu và đánh dấu đã xác minh: Mục 2.1.")
    expect(first.locator("tr.part", has_text="Mục 2.1.")).to_contain_text("từ 97% đến dưới 100%: 35 điểm")
    expect(first.locator("tr.part", has_text="Mục 2.1.")).to_contain_text("Đã xác minh")

    first.get_by_role("link", name="Xem thay đổi so với phiên bản gốc").click()
    change = first.locator("article.change", has_text="Mục 2.1.")
    expect(change).to_contain_text("Quyết định 06/QĐ-TTg ngày 03/01/2019, Quy định kèm theo, Điều 2 khoản 2, trang 5")
    expect(change.locator("tr", has_text="Mức 2: từ")).to_contain_text("98%")
    expect(change.locator("tr", has_text="Mức 2: từ")).to_contain_text("97%")
    shots(first, "changes")
    moved_rows(first)
    shots(first, "impact")

    first.get_by_role("link", name="Quay lại bản dự thảo").click()
    second = publish_with_four_eyes(first, browser, live_server, "2019.2")
    expect(second.locator("#published")).to_contain_text("Phòng Pháp chế – Sở Y tế trình, Thanh tra – Sở Y tế xác nhận")
    shots(second, "published")

    database = tmp_path / "instance" / "cfc.db"
    created = subprocess.run([str(Path(sys.executable).with_name("cfc")), "round", "create", "--name", "Đánh giá năm 2027",
                              "--year", "2027", "--units", "cao-bang-2025"],
                             env={**os.environ, "CFC_DB": str(database)}, capture_output=True, text=True, check=True)
    assert "(qd06-2019 2019.2, sha256:" in created.stdout
    new_round = int(created.stdout.split(":")[0].split()[1])
    admin = session(browser, live_server, "admin")
    admin.goto(f"{live_server}/rounds/{new_round}/criteria")
    expect(admin.locator("main")).to_contain_text("Đang dùng phiên bản 2019.2.")
    admin.goto(f"{live_server}/rounds/1/criteria")
    expect(admin.locator("main")).to_contain_text("Đang dùng phiên bản 2019.1.")
    admin.goto(f"{live_server}/criteria")
    expect(admin.locator("#sets tr", has_text="2019.2")).to_contain_text("Dùng cho đợt đánh giá mới")
    shots(admin, "sets")
