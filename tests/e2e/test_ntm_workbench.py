"""The NTM indicator sets in the workbench, in a real browser on the product's own demo (``cfc demo``): a legal
officer opens the QĐ 51 set, makes a draft and sets the stunting indicator's level for group 3 (a level above 100%
is refused at its field first), verified, with a citation and a photo of the page; the comparison shows the value
and its citation, the impact lists the communes whose result changes; a second officer confirms (the first could
not); the commune's NTM page then shows the new level and no longer says the indicator is unconfirmed."""
from __future__ import annotations

import re
import sqlite3
from pathlib import Path

from playwright.sync_api import expect
from test_criteria_workbench import moved_rows, publish_with_four_eyes
from test_journey import session
from test_two_tier import demo_server, product_demo  # noqa: F401 (fixtures)

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64  # a photo of the gazette page, as far as the type check reads
QD51 = "Bộ tiêu chí quốc gia về xã nông thôn mới giai đoạn 2026–2030"
STUNTING = "Tỷ lệ trẻ em dưới 5 tuổi bị suy dinh dưỡng thể thấp còi"
CITATION = "Quyết định 51/2025/QĐ-TTg ngày 29/12/2025, Phụ lục, tiêu chí 5, trang 7"


def test_legal_officers_set_a_group_level_see_the_change_and_its_impact_and_publish(demo_server, browser,  # noqa: F811
                                                                                    shots, tmp_path: Path) -> None:
    base, database = demo_server, tmp_path / "instance" / "cfc.db"  # the served copy of the demo
    first = session(browser, base, "phapche.tinh")
    first.goto(f"{base}/criteria")
    first.get_by_role("link", name=QD51).click()
    expect(first.locator("tr.part", has_text=STUNTING)).to_contain_text("Chưa xác minh")
    first.locator("#draft-version").fill("2025.2")
    first.get_by_role("button", name="Tạo bản dự thảo").click()
    expect(first.locator(".flash.ok")).to_contain_text("Đã tạo bản dự thảo phiên bản 2025.2")
    first.locator("tr.part", has_text=STUNTING).get_by_role("link", name="Xác minh, sửa").click()

    form = first.locator("#part-form")
    expect(form.get_by_label("Tử số (cách tính tỷ lệ)")).to_have_value(
        re.compile(".+"))  # the input is chosen by its label
    assert "under5" not in first.locator("main").inner_text()
    level = form.get_by_label(re.compile(r"^Mức của Nhóm 3"))
    level.fill("250")
    form.get_by_label("Số hiệu và lời văn của chỉ tiêu đúng như văn bản").check()
    form.get_by_label("Cách tính từ số liệu trẻ em đã được xác nhận").check()
    form.get_by_label("Các mức theo vùng, nhóm đúng như văn bản").check()
    form.locator("#c-document").fill("Quyết định 51/2025/QĐ-TTg ngày 29/12/2025")
    form.locator("#c-clause").fill("Phụ lục, tiêu chí 5")
    form.locator("#c-page").fill("7")
    form.get_by_role("button", name="Lưu").click()
    expect(first.locator("#error-mapping-levels-nhom-3")).to_have_text("Giá trị không được lớn hơn 100.")
    expect(level).to_have_value("250")  # what was typed is kept
    expect(form.locator("#c-document")).to_have_value("Quyết định 51/2025/QĐ-TTg ngày 29/12/2025")
    shots(first, "refused-at-the-field")
    level.fill("25")
    form.get_by_label("Ghi chú cách tính").fill("")  # «no level for any group yet» is no longer true
    form.locator("#c-scan").set_input_files(files=[{"name": "cong-bao-trang-7.png", "mimeType": "image/png",
                                                    "buffer": PNG}])
    form.get_by_role("button", name="Lưu").click()
    expect(first.locator(".flash.ok")).to_contain_text("Đã lưu")
    row = first.locator("tr.part", has_text=STUNTING)
    expect(row).to_contain_text("Mức của Nhóm 3: 25%")
    expect(row).to_contain_text("Đã xác minh")

    first.get_by_role("link", name="Xem thay đổi so với phiên bản gốc").click()
    change = first.locator("article.change", has_text=STUNTING)
    expect(change.locator("tr", has_text="Mức của Nhóm 3")).to_contain_text("25%")
    expect(change).to_contain_text(CITATION)
    expect(change).to_contain_text("Chưa xác minh → Đã xác minh")
    expect(change.get_by_role("link", name="Bản chụp trang văn bản")).to_be_visible()
    shots(first, "changes")
    moved = moved_rows(first)
    expect(moved.first).to_contain_text(STUNTING)
    expect(moved.first).to_contain_text("thiếu dữ liệu")
    shots(first, "impact")

    first.get_by_role("link", name="Quay lại bản dự thảo").click()
    second = publish_with_four_eyes(first, browser, base, "2025.2")
    shots(second, "published")

    with sqlite3.connect(database) as db:
        assessment = db.execute("select a.id from assessments a join users u on u.scope_unit_id = a.unit_id "
                                "where u.username = 'canbo.bachdang' order by a.round_id desc").fetchone()[0]
    officer = session(browser, base, "canbo.bachdang")
    officer.goto(f"{base}/assessments/{assessment}/ntm")
    stunting = officer.locator("tr[data-indicator='c5-suy-dinh-duong-thap-coi']")
    expect(stunting).to_contain_text("25%")
    expect(stunting).not_to_contain_text("CHƯA XÁC NHẬN")
    expect(stunting).not_to_contain_text("chưa xác nhận")
    expect(stunting).not_to_contain_text("Chưa có mức cho từng nhóm")
    expect(officer.locator("tr[data-indicator='c5-diem-vui-choi-tre-em'] .ntm-status")).to_contain_text("CHƯA XÁC NHẬN")
    shots(officer, "commune-ntm-page")
