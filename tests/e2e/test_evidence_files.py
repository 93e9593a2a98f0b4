"""An officer attaches evidence files to one item, deletes one after confirming, submits; the reviewer
sees the file that remains beside its item."""
from __future__ import annotations

import re
from pathlib import Path

from playwright.sync_api import expect

from webapp.store.demo import DEMO_PASSWORD

PDF = b"%PDF-1.7\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"


def login(page, base: str, username: str) -> None:
    page.goto(f"{base}/login")
    page.get_by_label("Tên đăng nhập").fill(username)
    page.get_by_label("Mật khẩu").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Đăng nhập").click()


def upload(page, item: str, path: Path) -> None:
    """Choose the file under the item and send it with the item's own button."""
    under = page.locator(f"[id='files-{item}']")
    under.get_by_label(f"Đính kèm tệp cho mục {item}").set_input_files(str(path))
    under.get_by_role("button", name="Tải lên").click()
    page.wait_for_url(re.compile(rf"/assessments/\d+#files-{re.escape(item)}$"))
    expect(page.locator(".flash.ok")).to_have_text("Đã tải lên tệp minh chứng.")


def test_officer_attaches_to_an_item_deletes_one_and_the_reviewer_sees_the_other(live_server, browser, shots,
                                                                                 tmp_path: Path) -> None:
    right, wrong = tmp_path / "Biên bản kiểm tra.pdf", tmp_path / "Nhầm lẫn.pdf"
    right.write_bytes(PDF * 40)
    wrong.write_bytes(PDF)
    officer = browser.new_context(viewport={"width": 1366, "height": 900})
    page = officer.new_page()
    login(page, live_server, "canbo.xa")
    page.wait_for_url(re.compile(r"/assessments/\d+$"))
    checklist = page.url

    upload(page, "7.1", right)
    upload(page, "7.1", wrong)
    under = page.locator("[id='files-7.1']")
    expect(under.get_by_role("link", name="Biên bản kiểm tra.pdf")).to_be_visible()
    expect(under.locator("li", has_text="Biên bản kiểm tra.pdf").locator(".size")).to_have_text("(1,9 KB)")
    expect(under.get_by_role("link", name="Nhầm lẫn.pdf")).to_be_visible()
    expect(page.locator("[id='files-8.1']").locator("li")).to_have_count(0)  # only under its own item
    expect(page.locator("#files li")).to_have_count(0)  # not in the general pool either
    shots(page, "two-files-under-7.1")

    mistake = under.locator("li", has_text="Nhầm lẫn.pdf")
    delete = mistake.get_by_role("button", name="Xóa tệp")
    expect(delete).to_be_hidden()  # one click is not enough: first the question naming the file
    mistake.locator("summary", has_text="Xóa").click()
    expect(mistake.locator(".confirm")).to_have_text("Xóa tệp «Nhầm lẫn.pdf»?")
    shots(page, "confirm-delete")
    delete.click()
    page.wait_for_url(re.compile(r"#files-7\.1$"))
    expect(page.locator(".flash.ok")).to_have_text("Đã xóa tệp «Nhầm lẫn.pdf».")

    page.goto(checklist)
    under = page.locator("[id='files-7.1']")
    expect(under.get_by_role("link", name="Biên bản kiểm tra.pdf")).to_be_visible()
    expect(page.get_by_text("Nhầm lẫn.pdf")).to_have_count(0)
    shots(page, "after-reload")

    page.get_by_role("link", name="Nộp hồ sơ tự đánh giá…").click()
    page.get_by_role("button", name="Xác nhận nộp").click()
    page.wait_for_url(re.compile(r"/assessments/\d+$"))
    expect(page.locator("[id='files-7.1']").get_by_role("button")).to_have_count(0)  # locked: no upload, no delete
    officer.close()

    reviewer = browser.new_context(viewport={"width": 1366, "height": 900})
    page = reviewer.new_page()
    login(page, live_server, "thamdinh.huyen")
    page.wait_for_load_state("load")
    page.goto(f"{checklist}/review")
    row = page.locator("table.items-compare tr", has=page.locator(".item-id", has_text=re.compile(r"^7\.1$")))
    expect(row.get_by_role("link", name="Biên bản kiểm tra.pdf")).to_be_visible()
    expect(page.get_by_text("Nhầm lẫn.pdf")).to_have_count(0)
    with page.expect_download() as download:
        row.get_by_role("link", name="Biên bản kiểm tra.pdf").click()
    assert Path(download.value.path()).read_bytes() == PDF * 40
    shots(page, "reviewer-beside-item")
    reviewer.close()


def test_the_file_picker_speaks_vietnamese_and_works_from_the_keyboard(live_server, browser, tmp_path: Path) -> None:
    """In an English-locale browser the page shows «Chọn tệp…» and «Chưa chọn tệp nào», never the browser's
    «Choose File / No file chosen»; the input takes the focus, Space opens the chooser, the chosen name is said; an
    empty upload gets the product's own message (the form is novalidate), not the browser's bubble."""
    chosen = tmp_path / "Biên bản họp.pdf"
    chosen.write_bytes(PDF)
    context = browser.new_context(viewport={"width": 1366, "height": 900}, locale="en-US")
    page = context.new_page()
    # Listening from the start turns the browser's chooser interception on before anything opens it: a listener added
    # only around the key press can lose the race with it (puppeteer#6040), and the chooser then never reports.
    page.on("filechooser", lambda _chooser: None)
    login(page, live_server, "canbo.xa")
    page.wait_for_url(re.compile(r"/assessments/\d+$"))
    general = page.locator("#files")
    expect(general.get_by_text("Chọn tệp…")).to_be_visible()
    expect(page.locator("#file-chosen")).to_have_text("Chưa chọn tệp nào")
    page.locator("#file").focus()
    expect(page.locator("#file")).to_be_focused()
    with page.expect_file_chooser() as chooser:
        page.keyboard.press("Space")
    chooser.value.set_files(str(chosen))
    expect(page.locator("#file-chosen")).to_have_text("Biên bản họp.pdf")
    with page.expect_file_chooser() as chooser:  # the button-styled label opens it too
        general.get_by_text("Chọn tệp…").click()
    chooser.value.set_files([])
    general.get_by_role("button", name="Tải lên", exact=True).click()  # nothing chosen: the server says so, in Vietnamese
    expect(page.locator(".flash.error")).to_have_text("Chưa chọn tệp.")
    context.close()
