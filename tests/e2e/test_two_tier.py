"""The round as Cao Bằng runs it since July 2025, from the product's own demo (``cfc demo``), in a real
browser: the officer of a commune formed from three old ones submits → the province's reviewer
verifies → the provincial chair recognises and issues the decision → the certificate names the
province as issuer → its code checks out on the public verification page."""
from __future__ import annotations

import io
import os
import re
import subprocess
import sys
import unicodedata
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect
from test_journey import accept_all_and_verify, fill_perfect, session

from webhelpers import serve

PUBLIC = "https://xacminh.caobang.example"


@pytest.fixture(scope="module")
def product_demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The database the README's first command makes (history limited to 2024 to keep it quick)."""
    path = tmp_path_factory.mktemp("product-demo") / "cfc.db"
    cfc = Path(sys.executable).with_name("cfc")
    subprocess.run([str(cfc), "demo", "--db", str(path), "--years", "2024"], check=True, capture_output=True)
    return path


@pytest.fixture()
def demo_server(product_demo: Path, tmp_path: Path) -> Iterator[str]:
    with serve(product_demo, tmp_path, env={**os.environ, "CFC_PUBLIC_URL": PUBLIC}) as base:
        yield base


def pdf_text(pdf: bytes) -> str:
    out = subprocess.run(["pdftotext", "-enc", "UTF-8", "-", "-"], input=pdf, capture_output=True, check=True).stdout
    return " ".join(unicodedata.normalize("NFC", out.decode("utf-8")).split())


def issue_decision(chair: Page, number: str, valid_until: str, signer: str) -> None:
    """On the decision page, as the chair would: the number, the last valid day, the signer, then confirm."""
    chair.locator("#number").fill(number)
    chair.locator("#valid_until").fill(valid_until)
    chair.locator("#signer_name").fill(signer)
    chair.locator("#confirm-issue summary").click()
    chair.get_by_role("button", name="Xác nhận ban hành quyết định").click()
    expect(chair.locator(".flash.ok").first).to_be_visible()

def test_merged_commune_to_province_decision_and_public_verification(demo_server, browser, shots) -> None:
    base = demo_server
    officer = session(browser, base, "canbo.bachdang")
    officer.wait_for_url(re.compile(r"/assessments/\d+$"))
    expect(officer.locator("h1")).to_contain_text("Xã Bạch Đằng")
    expect(officer.locator("h1")).not_to_contain_text("huyện")
    fill_perfect(officer)
    officer.get_by_role("link", name="Nộp hồ sơ tự đánh giá…").click()
    officer.get_by_role("button", name="Xác nhận nộp").click()
    expect(officer.locator(".status")).to_have_text("Đã nộp")
    shots(officer, "officer-submitted")

    reviewer = session(browser, base, "thamdinh.tinh")
    reviewer.goto(f"{base}/review")
    reviewer.get_by_role("link", name=re.compile("Xã Bạch Đằng")).first.click()
    accept_all_and_verify(reviewer)
    shots(reviewer, "province-reviewer-verified")

    chair = session(browser, base, "chutich.tinh")
    chair.goto(f"{base}/decisions")
    row = chair.locator("tr", has_text="Xã Bạch Đằng").first
    row.locator(".confirm-recognise summary").click()
    row.get_by_role("button", name="Xác nhận công nhận").click()
    expect(chair.locator(".flash.ok").first).to_be_visible()
    chair.get_by_role("link", name="Ban hành quyết định").first.click()
    expect(chair.locator("#h-waiting")).to_be_visible()
    expect(chair.locator("main")).to_contain_text("Xã Bạch Đằng, tỉnh Cao Bằng")
    issue_decision(chair, "1520/QĐ-UBND", "2028-12-31", "Lê Hải Hòa")
    shots(chair, "chair-issued")

    round_id = re.search(r"/rounds/(\d+)/decision", chair.url).group(1)
    decision = pdf_text(chair.request.get(f"{base}/rounds/{round_id}/decision.pdf").body())
    assert "ỦY BAN NHÂN DÂN TỈNH CAO BẰNG" in decision and "Số: 1520/QĐ-UBND" in decision
    assert "CHỦ TỊCH ỦY BAN NHÂN DÂN TỈNH CAO BẰNG" in decision
    assert "Căn cứ Luật Tổ chức chính quyền địa phương ngày 16 tháng 6 năm 2025 (*)" in decision
    assert "Theo đề nghị của Giám đốc Sở Y tế (*)." in decision
    assert "Bạch Đằng" in decision and "BẢN MẪU" in decision

    archive = zipfile.ZipFile(io.BytesIO(chair.request.get(f"{base}/rounds/{round_id}/certificates.zip").body()))
    certificate = next(pdf_text(archive.read(n)) for n in archive.namelist() if "bach-dang" in n)
    assert "CHỦ TỊCH ỦY BAN NHÂN DÂN TỈNH CAO BẰNG" in certificate
    assert "Xã Bạch Đằng, tỉnh Cao Bằng" in certificate and "huyện" not in certificate.lower()
    code = re.search(r"Mã xác minh: ([0-9A-Z]{5}-[0-9A-Z]{5})", certificate).group(1)
    assert f"{PUBLIC}/verify/{code}" in certificate

    public = browser.new_context().new_page()  # anyone, not logged in
    public.goto(f"{base}/verify/{code}")
    expect(public.locator("main")).to_contain_text("CÒN HIỆU LỰC")
    expect(public.locator("main")).to_contain_text("Xã Bạch Đằng, tỉnh Cao Bằng")
    expect(public.locator("main")).to_contain_text("Chủ tịch Ủy ban nhân dân tỉnh Cao Bằng")
    shots(public, "verification")
