"""The specimen mark goes away by itself, in a real browser on the product's own demo (``cfc demo``): the
province's legal officers verify every value of QĐ 06 through the workbench's spreadsheet and confirm who
reviews and who recognises after the reform, each time with a second officer confirming; a round created
afterwards runs from the commune's file to the provincial chair's decision, and its decision and certificate
carry no «BẢN MẪU» and no «(*)», while the round already running on the provisional set keeps the mark."""
from __future__ import annotations

import io
import os
import re
import sqlite3
import subprocess
import sys
import zipfile
from pathlib import Path

from openpyxl import load_workbook
from playwright.sync_api import expect
from test_journey import accept_all_and_verify, fill_perfect, session
from test_two_tier import demo_server, issue_decision, pdf_text, product_demo  # noqa: F401 (fixtures)

CITATION = ("Quyết định số 06/QĐ-TTg ngày 03/01/2019 của Thủ tướng Chính phủ", "Quy định kèm theo, Điều 2")
VERIFIED_COLUMN, SOURCE_COLUMN = 6, 7  # «Đã xác minh (có/không)», «Căn cứ (văn bản, điều khoản, trang)»


def verify_every_value(page, tmp_path: Path) -> None:
    """Download the draft as a sheet, mark every value verified with its citation (as the office would after
    checking it against the gazette), and upload it: every row is taken or none."""
    with page.expect_download() as download:
        page.get_by_role("link", name="Tải về bảng tính (Excel)").click()
    sheet_path = tmp_path / "qd06.xlsx"
    download.value.save_as(sheet_path)
    book = load_workbook(sheet_path)
    sheet = book.active
    for row in sheet.iter_rows(min_row=3):
        row[VERIFIED_COLUMN - 1].value = "có"
        row[SOURCE_COLUMN - 1].value = ", ".join(CITATION)
    book.save(sheet_path)
    page.locator("#sheet-file").set_input_files(str(sheet_path))
    page.get_by_role("button", name="Tải lên").click()
    expect(page.locator(".flash.ok")).to_contain_text(re.compile(r"Đã nhập \d+ giá trị từ tệp"))


def confirm_the_authority(first, second, base: str) -> None:
    """The three unconfirmed grounds of the two-tier profile: proposed by one officer, confirmed by the other."""
    wording = {"reviewing_body": "Giám đốc Sở Y tế",
               "basis-1": "Luật Tổ chức chính quyền địa phương ngày 16 tháng 6 năm 2025",
               "basis-2": "Nghị định số 999/2025/NĐ-CP ngày 30 tháng 6 năm 2025 của Chính phủ"}
    first.goto(f"{base}/authority")
    for part, text in wording.items():
        article = first.locator(f"#two-tier-{part}")
        article.locator("summary").click()
        article.locator(f"#two-tier-{part}-text").fill(text)
        article.locator(f"#two-tier-{part}-document").fill("Văn bản đã đối chiếu tại Sở Tư pháp")
        article.locator(f"#two-tier-{part}-clause").fill("Điều 5")
        article.get_by_role("button", name="Ghi đề xuất").click()
        expect(first.locator(".flash.ok")).to_contain_text("cần một người thứ hai")
    second.goto(f"{base}/authority")
    for part in wording:
        second.locator(f"#two-tier-{part}").get_by_role("button", name="Xác nhận").click()
        expect(second.locator(".flash.ok")).to_contain_text("Đã xác nhận")
    expect(second.locator("#h-two-tier").locator("..")).not_to_contain_text("Chưa xác nhận (*)")


def test_a_fully_verified_set_and_a_confirmed_authority_end_the_specimen_mark(demo_server, browser,  # noqa: F811
                                                                             shots, tmp_path: Path) -> None:
    base, database = demo_server, tmp_path / "instance" / "cfc.db"  # the served copy of the demo
    first, second = session(browser, base, "phapche.tinh"), session(browser, base, "phapche2.tinh")
    first.goto(f"{base}/criteria")
    first.get_by_role("link", name="Tiêu chuẩn xã, phường, thị trấn phù hợp với trẻ em").first.click()
    first.locator("#draft-version").fill("2019.2")
    first.get_by_role("button", name="Tạo bản dự thảo").click()
    verify_every_value(first, tmp_path)
    expect(first.locator("main")).not_to_contain_text("Chưa xác minh")
    first.get_by_role("button", name="Trình xác nhận").click()
    second.goto(first.url)
    second.get_by_role("button", name="Xác nhận và ban hành").click()
    expect(second.locator(".flash.ok")).to_contain_text("Đã ban hành phiên bản 2019.2")
    confirm_the_authority(first, second, base)
    shots(second, "authority-confirmed")

    cfc = str(Path(sys.executable).with_name("cfc"))
    created = subprocess.run([cfc, "round", "create", "--name", "Đánh giá bổ sung năm 2026", "--year", "2026",
                              "--units", "cao-bang-2025"], env={**os.environ, "CFC_DB": str(database)},
                             capture_output=True, text=True, check=True)
    assert "(qd06-2019 2019.2," in created.stdout
    new_round = int(created.stdout.split(":")[0].split()[1])
    with sqlite3.connect(database) as db:
        bach_dang = db.execute("select a.id from assessments a join users u on u.scope_unit_id = a.unit_id "
                               "where u.username = 'canbo.bachdang' and a.round_id = ?", [new_round]).fetchone()[0]
        before = db.execute("select a.id from assessments a join users u on u.scope_unit_id = a.unit_id "
                            "where u.username = 'canbo.bachdang' and a.round_id != ? order by a.round_id desc",
                            [new_round]).fetchone()[0]

    officer = session(browser, base, "canbo.bachdang")
    officer.goto(f"{base}/assessments/{bach_dang}")
    expect(officer.locator("main")).not_to_contain_text("giá trị tạm")
    fill_perfect(officer)
    officer.get_by_role("link", name="Nộp hồ sơ tự đánh giá…").click()
    officer.get_by_role("button", name="Xác nhận nộp").click()
    expect(officer.locator(".status")).to_have_text("Đã nộp")

    reviewer = session(browser, base, "thamdinh.tinh")
    reviewer.goto(f"{base}/assessments/{bach_dang}/review")
    accept_all_and_verify(reviewer)

    chair = session(browser, base, "chutich.tinh")
    chair.goto(f"{base}/decisions")
    row = chair.locator("tr", has_text="Xã Bạch Đằng").filter(has=chair.locator(".confirm-recognise")).first
    row.locator(".confirm-recognise summary").click()
    row.get_by_role("button", name="Xác nhận công nhận").click()
    expect(chair.locator(".flash.ok").first).to_be_visible()
    chair.goto(f"{base}/rounds/{new_round}/decision")
    expect(chair.locator("#unconfirmed-basis")).to_have_count(0)
    issue_decision(chair, "1601/QĐ-UBND", "2029-12-31", "Lê Hải Hòa")
    shots(chair, "issued-without-specimen")

    decision = pdf_text(chair.request.get(f"{base}/rounds/{new_round}/decision.pdf").body())
    assert "Số: 1601/QĐ-UBND" in decision and "Bạch Đằng" in decision
    assert "BẢN MẪU" not in decision and "(*)" not in decision and "không có giá trị pháp lý" not in decision
    assert "Căn cứ Nghị định số 999/2025/NĐ-CP ngày 30 tháng 6 năm 2025 của Chính phủ;" in decision
    archive = zipfile.ZipFile(io.BytesIO(chair.request.get(f"{base}/rounds/{new_round}/certificates.zip").body()))
    certificate = next(pdf_text(archive.read(n)) for n in archive.namelist() if "bach-dang" in n)
    assert "Xã Bạch Đằng, tỉnh Cao Bằng" in certificate and "BẢN MẪU" not in certificate
    old_report = pdf_text(chair.request.get(f"{base}/assessments/{before}/report.pdf").body())
    assert "BẢN MẪU" in old_report  # the round on the provisional set keeps the mark
