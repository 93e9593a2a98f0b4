"""Evidence files belong to an item; the officer can delete one (marked, audited, kept on disk) until submitting."""
from __future__ import annotations

import io
import re
import sqlite3
from pathlib import Path
from typing import Any

import pytest
from flask import Flask

import criteria
from certificates import contexts
from webapp.store import accounts, attachments, limits, rounds, units, workflow
from webapp.store import db as webdb
from webapp.store.demo import DEMO_PASSWORD
from webapp.store.errors import Locked, NotFound

from webhelpers import ClientAs, logged_in, opened

PDF = b"%PDF-1.7\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"


# --- the store -------------------------------------------------------------------------------

def _audit(db: Any, action: str) -> list[dict[str, Any]]:
    return list(db.query("select * from audit_log where action = ? order by id", [action]))


def test_a_file_attached_to_an_item_is_listed_under_that_item(fresh_round) -> None:
    db, store, aid = fresh_round
    row = attachments.add(db, store, aid, "7.1", "Biên bản.pdf", PDF, "officer")
    general = attachments.add(db, store, aid, None, "Kế hoạch.pdf", PDF, "officer")
    grouped = workflow.evidence(db, aid).files_by_item()
    assert [f["id"] for f in grouped["7.1"]] == [row["id"]]
    assert [f["id"] for f in grouped[None]] == [general["id"]]
    assert [(e["field"], e["new"]) for e in _audit(db, "attach")] == [("7.1", "Biên bản.pdf"), (None, "Kế hoạch.pdf")]


@pytest.mark.parametrize("item_id", ["99.9", "criterion-3-above-zero", "7.1 ", ""])
def test_an_item_outside_the_criteria_set_is_refused_and_nothing_is_written(fresh_round, item_id: str) -> None:
    db, store, aid = fresh_round
    with pytest.raises(NotFound, match="no item"):
        attachments.add(db, store, aid, item_id, "a.pdf", PDF, "officer")
    assert db["attachments"].count == 0 and not _audit(db, "attach")
    assert not store.exists() or not any(store.iterdir())


def test_deleting_marks_the_file_hides_it_keeps_its_bytes_and_is_audited(fresh_round) -> None:
    db, store, aid = fresh_round
    kept = attachments.add(db, store, aid, "7.1", "Đúng.pdf", PDF, "officer")
    wrong = attachments.add(db, store, aid, "7.1", "Nhầm.pdf", PDF + b"x", "officer")
    marked = attachments.delete(db, wrong["id"], "canbo.xa")

    stored = attachments.get(db, wrong["id"])
    assert stored["deleted_by"] == "canbo.xa" and stored["deleted_at"] == marked["deleted_at"] is not None
    assert attachments.path_of(store, stored).read_bytes() == PDF + b"x"  # not erased
    assert db["attachments"].count == 2
    assert [f["id"] for f in workflow.evidence(db, aid).files] == [kept["id"]]
    [entry] = _audit(db, "detach")
    assert (entry["actor"], entry["entity_id"], entry["field"], entry["old"], entry["new"]) == \
        ("canbo.xa", str(aid), "7.1", "Nhầm.pdf", None)


def test_a_file_already_deleted_is_not_deleted_again(fresh_round) -> None:
    db, store, aid = fresh_round
    row = attachments.add(db, store, aid, None, "a.pdf", PDF, "officer")
    first = attachments.delete(db, row["id"], "canbo.xa")
    with pytest.raises(NotFound, match="already deleted") as refused:
        attachments.delete(db, row["id"], "someone")
    assert refused.value.params == {"name": "a.pdf"}
    assert attachments.get(db, row["id"])["deleted_at"] == first["deleted_at"]
    assert len(_audit(db, "detach")) == 1
    with pytest.raises(NotFound):
        attachments.delete(db, 10**6, "canbo.xa")


def test_a_submitted_assessment_keeps_its_files(fresh_round, perfect_inputs) -> None:
    db, store, aid = fresh_round
    row = attachments.add(db, store, aid, "7.1", "a.pdf", PDF, "officer")
    workflow.save_declared(db, aid, perfect_inputs, "officer")
    workflow.submit(db, aid, "officer")
    with pytest.raises(Locked, match="cannot delete evidence: the assessment is «Đã nộp»") as refused:
        attachments.delete(db, row["id"], "officer")
    assert refused.value.vi.startswith("Không thể %(action)s")
    assert attachments.get(db, row["id"])["deleted_at"] is None and not _audit(db, "detach")
    workflow.return_for_clarification(db, aid, "reviewer", "Bổ sung biên bản")
    attachments.delete(db, row["id"], "officer")  # returned: the commune may edit again
    assert workflow.evidence(db, aid).files == []


def test_deleted_files_count_toward_the_quota(fresh_round, monkeypatch) -> None:
    """Their bytes stay on disk, so uploading and deleting in turn must meet the limit as uploads do."""
    db, store, aid = fresh_round
    monkeypatch.setattr(limits, "ATTACHMENTS", 3)
    for n in range(3):
        attachments.delete(db, attachments.add(db, store, aid, "7.1", f"{n}.pdf", PDF, "officer")["id"], "officer")
    assert workflow.evidence(db, aid).files == []
    with pytest.raises(attachments.AttachmentRejected, match="already has 3 files; the limit is 3") as refused:
        attachments.add(db, store, aid, "7.1", "again.pdf", PDF, "officer")
    assert "kể cả tệp đã xóa" in refused.value.vi
    assert len(list(store.iterdir())) == 3


def test_deleted_bytes_count_toward_the_byte_quota(fresh_round, monkeypatch) -> None:
    db, store, aid = fresh_round
    monkeypatch.setattr(limits, "ATTACHMENT_BYTES", 2 * len(PDF))
    for _ in range(2):
        attachments.delete(db, attachments.add(db, store, aid, None, "a.pdf", PDF, "officer")["id"], "officer")
    with pytest.raises(attachments.AttachmentRejected, match="would total"):
        attachments.add(db, store, aid, None, "b.pdf", PDF, "officer")


def test_the_report_lists_files_by_item_and_leaves_deleted_ones_out(fresh_round) -> None:
    db, store, aid = fresh_round
    attachments.add(db, store, aid, "7.1", "Biên bản họp.pdf", PDF, "officer")
    gone = attachments.add(db, store, aid, "7.1", "Nhầm.pdf", PDF, "officer")
    attachments.delete(db, gone["id"], "officer")
    report = contexts.report_context(db, workflow.load(db, aid))
    files = {item["id"]: item["files"] for c in report["criteria"] for item in c["items"]}
    assert files["7.1"] == ["Biên bản họp.pdf"]
    assert all(not names for item_id, names in files.items() if item_id != "7.1")


def test_the_migration_keeps_existing_files_undeleted(tmp_path: Path) -> None:
    db = webdb.connect(tmp_path / "old.db", migrate=False)
    webdb.migrations.apply(db, stop_before="m007_attachment_deletion")
    units.load_cao_bang(db)
    round_id = rounds.create_round(db, name="r", year=2027, cset=criteria.get("qd06-2019"),
                                   unit_set=units.CAO_BANG_2025, actor="admin")
    aid = db.execute("select id from assessments where round_id = ? limit 1", [round_id]).fetchone()[0]
    db["attachments"].insert({"assessment_id": aid, "item_id": "7.1", "filename": "cũ.pdf",
                              "content_type": "application/pdf", "size": 5, "sha256": "0" * 64,
                              "stored_name": "old.pdf", "uploaded_by": "t", "uploaded_at": "2026-01-01"})
    webdb.migrations.apply(db)
    assert [(f["filename"], f["deleted_at"], f["deleted_by"]) for f in workflow.evidence(db, aid).files] == \
        [("cũ.pdf", None, None)]
    db.conn.close()


# --- the web ---------------------------------------------------------------------------------

@pytest.fixture()
def own(app: Flask, db_path: Path) -> int:
    """The demo officer's draft assessment."""
    with opened(db_path) as db:
        scope = db.execute("select scope_unit_id from users where username = 'canbo.xa'").fetchone()[0]
        aid = db.execute("select id from assessments where unit_id = ? order by round_id desc", [scope]).fetchone()[0]
        assert db.execute("select status from assessments where id = ?", [aid]).fetchone()[0] == "draft"
    return aid


def _upload(client: Any, aid: int, item_id: str | None, name: str = "Biên bản họp.pdf", data: bytes = PDF):
    form = {"file": (io.BytesIO(data), name), **({"item_id": item_id} if item_id else {})}
    return client.post(f"/assessments/{aid}/attachments", data=form, content_type="multipart/form-data")


def _files(db_path: Path) -> list[tuple[Any, ...]]:
    conn = sqlite3.connect(db_path)
    try:
        return conn.execute("select id, item_id, filename, deleted_at, deleted_by from attachments order by id").fetchall()
    finally:
        conn.close()


def _audit_count(db_path: Path) -> int:
    conn = sqlite3.connect(db_path)
    try:
        return conn.execute("select count(*) from audit_log").fetchone()[0]
    finally:
        conn.close()


def _section(html: str, element_id: str) -> str:
    """The HTML of the element with ``element_id`` up to its closing </div> or </section>."""
    start = html.index(f'id="{element_id}"')
    return html[start:re.compile(r"</(div|section)>").search(html, start).end()]


def test_the_officer_attaches_a_file_to_an_item_and_sees_it_there(client_as: ClientAs, own: int, db_path) -> None:
    officer = client_as("officer")
    response = _upload(officer, own, "7.1", data=PDF * 100)
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/assessments/{own}#files-7.1")
    [(fid, item, name, deleted, _by)] = _files(db_path)
    assert (item, name, deleted) == ("7.1", "Biên bản họp.pdf", None)
    html = officer.get(f"/assessments/{own}").get_data(as_text=True)
    under_item = _section(html, "files-7.1")
    assert f'href="/attachments/{fid}">Biên bản họp.pdf</a>' in under_item
    assert "(4,7 KB)" in under_item  # 4,700 bytes in the Vietnamese number format
    assert "Xóa tệp «Biên bản họp.pdf»?" in under_item and f'form="delete-file-{fid}"' in under_item
    assert 'form="upload-7.1"' in under_item and "Đính kèm tệp cho mục 7.1" in under_item
    assert "Biên bản họp.pdf" not in _section(html, "files-8.1") and "Biên bản họp.pdf" not in _section(html, "files")
    # the forms the item's inputs belong to are outside the checklist form (forms cannot nest)
    checklist_form = html[html.index('id="checklist"'):html.index("</form>", html.index('id="checklist"'))]
    assert 'id="upload-7.1"' not in checklist_form and 'id="upload-7.1"' in html
    assert f'action="/attachments/{fid}/delete" id="delete-file-{fid}"' in html


def test_an_item_outside_the_criteria_set_is_refused_on_the_page(client_as: ClientAs, own: int, db_path) -> None:
    officer = client_as("officer")
    response = _upload(officer, own, "criterion-3-above-zero")
    assert response.headers["Location"].endswith(f"/assessments/{own}#files")
    assert _files(db_path) == []
    html = officer.get(f"/assessments/{own}").get_data(as_text=True)
    assert "không có trong bộ tiêu chí của hồ sơ này" in html


def test_the_officer_deletes_a_file_and_it_is_gone_everywhere(app: Flask, client_as: ClientAs, own: int,
                                                              db_path) -> None:
    officer = client_as("officer")
    _upload(officer, own, "7.1", "Nhầm.pdf")
    [(fid, *_rest)] = _files(db_path)
    assert "Nhầm.pdf" in officer.get(f"/assessments/{own}").get_data(as_text=True)  # cached, then changed
    response = officer.post(f"/attachments/{fid}/delete")
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/assessments/{own}#files-7.1")
    [(_id, _item, _name, deleted_at, deleted_by)] = _files(db_path)
    assert deleted_at is not None and deleted_by == "canbo.xa"
    assert (Path(app.config["ATTACHMENTS"])).is_dir() and len(list(Path(app.config["ATTACHMENTS"]).iterdir())) == 1
    html = officer.get(f"/assessments/{own}").get_data(as_text=True)
    assert "Đã xóa tệp «Nhầm.pdf»." in html
    assert officer.get(f"/assessments/{own}").get_data(as_text=True).count("Nhầm.pdf") == 0
    for who in ("officer", "reviewer", "admin"):
        download = client_as(who).get(f"/attachments/{fid}")
        assert download.status_code == 404 and "Không tìm thấy trang" in download.get_data(as_text=True), who
        assert download.headers["Content-Type"].startswith("text/html")
    assert "Nhầm.pdf" not in client_as("reviewer").get(f"/assessments/{own}/review").get_data(as_text=True)
    again = officer.post(f"/attachments/{fid}/delete", follow_redirects=True)
    assert "Tệp «Nhầm.pdf» đã được xóa trước đó." in again.get_data(as_text=True)


@pytest.fixture()
def other_officer(app: Flask, db_path: Path, own: int) -> str:
    """An officer of another commune of the same district."""
    with opened(db_path) as db:
        unit = db.execute("select u2.id from units u1 join units u2 on u2.parent_id = u1.parent_id "
                          "join assessments a on a.unit_id = u1.id where a.id = ? and u2.id != u1.id "
                          "and u2.type = 'xa' limit 1", [own]).fetchone()[0]
        accounts.create_user(db, "canbo.xakhac", DEMO_PASSWORD, "officer", "Cán bộ xã khác", unit, "test")
    return "canbo.xakhac"


@pytest.mark.parametrize("who, status", [("other", 403), ("reviewer", 403), ("authority", 403), ("admin", 403),
                                         ("anonymous", 401)])
def test_no_one_but_the_units_officer_deletes(app: Flask, client_as: ClientAs, own: int, db_path, other_officer,
                                              who: str, status: int) -> None:
    _upload(client_as("officer"), own, "7.1")
    files, audit = _files(db_path), _audit_count(db_path)
    client = (app.test_client() if who == "anonymous" else logged_in(app, other_officer) if who == "other"
              else client_as(who))
    response = client.post(f"/attachments/{files[0][0]}/delete")
    assert response.status_code == status
    assert _files(db_path) == files and _audit_count(db_path) == audit


def test_after_submitting_the_officer_cannot_delete_and_is_told_why(app: Flask, client_as: ClientAs, own: int,
                                                                   db_path, perfect_inputs) -> None:
    officer = client_as("officer")
    _upload(officer, own, "7.1", "Đúng.pdf")
    with opened(db_path) as db:
        workflow.save_declared(db, own, perfect_inputs, "canbo.xa")
        workflow.submit(db, own, "canbo.xa")
    files = _files(db_path)
    html = officer.post(f"/attachments/{files[0][0]}/delete", follow_redirects=True).get_data(as_text=True)
    assert "Không thể xóa tệp minh chứng: hồ sơ đang ở trạng thái «Đã nộp»" in html
    assert _files(db_path) == files
    assert "Xóa tệp «" not in html and 'form="upload-' not in html  # a locked checklist offers neither
    assert "Đúng.pdf" in _section(html, "files-7.1")


def test_the_reviewer_sees_each_file_beside_its_item(client_as: ClientAs, own: int, db_path) -> None:
    officer = client_as("officer")
    _upload(officer, own, "7.1", "Biên bản 7.1.pdf")
    _upload(officer, own, None, "Kế hoạch chung.pdf")
    html = client_as("reviewer").get(f"/assessments/{own}/review").get_data(as_text=True)
    row = next(r for r in html.split("<tr>") if '<span class="item-id">7.1</span>' in r)
    assert "Biên bản 7.1.pdf</a>" in row and "Kế hoạch chung.pdf" not in row
    assert "Kế hoạch chung.pdf</a>" in html[html.index("Tệp minh chứng chung"):]


def test_the_delete_confirmation_is_in_english_too(app: Flask, own: int) -> None:
    officer = logged_in(app, "officer", lang="en")
    _upload(officer, own, "7.1", "plan.pdf")
    html = officer.get(f"/assessments/{own}").get_data(as_text=True)
    assert "Delete the file «plan.pdf»?" in html and "Attach a file to item 7.1" in html
