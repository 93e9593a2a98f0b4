"""Evidence attachments: content-checked, size-limited, stored under our own names."""
from __future__ import annotations

import sqlite3

import pytest

from webapp.store import attachments, limits, workflow
from webapp.store.errors import Locked

PDF = b"%PDF-1.7\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


def test_a_pdf_is_stored_outside_the_web_root_under_a_random_name(fresh_round) -> None:
    db, store, aid = fresh_round
    row = attachments.add(db, store, aid, "7.1", "../../etc/Biên bản <họp>.pdf", PDF, "officer")
    assert row["content_type"] == "application/pdf"
    assert row["filename"] == "Biên bản _họp_.pdf"
    assert row["stored_name"].endswith(".pdf") and len(row["stored_name"]) == 36
    assert attachments.path_of(store, row).read_bytes() == PDF
    assert db.execute("select count(*) from audit_log where action = 'attach'").fetchone()[0] == 1


@pytest.mark.parametrize("name, data, reason", [
    ("empty.pdf", b"", "empty"),
    ("script.pdf", b"<script>alert(1)</script>", "only PDF, PNG and JPEG"),
    ("photo.jpg", b"GIF89a" + b"\x00" * 10, "only PDF, PNG and JPEG"),
    ("huge.png", PNG + b"\x00" * attachments.MAX_BYTES, "the limit is"),
])
def test_disguised_empty_and_oversized_files_are_refused(fresh_round, name: str, data: bytes, reason: str) -> None:
    db, store, aid = fresh_round
    with pytest.raises(attachments.AttachmentRejected, match=reason):
        attachments.add(db, store, aid, None, name, data, "officer")
    assert db["attachments"].count == 0
    assert not store.exists() or not any(store.iterdir())


@pytest.mark.parametrize("quota, value, reason", [
    ("ATTACHMENTS", 3, "already has 3 files; the limit is 3"),
    ("ATTACHMENT_BYTES", 3 * len(PNG), "would total"),
])
def test_an_assessment_takes_files_up_to_its_quota_and_no_more(fresh_round, monkeypatch, quota: str, value: int,
                                                               reason: str) -> None:
    """Uploads cannot fill the disk: a quota of files and bytes per assessment (small here, to test it)."""
    db, store, aid = fresh_round
    monkeypatch.setattr(limits, quota, value)
    for n in range(3):
        attachments.add(db, store, aid, None, f"{n}.png", PNG, "officer")
    with pytest.raises(attachments.AttachmentRejected, match=reason):
        attachments.add(db, store, aid, None, "one-more.png", PNG, "officer")
    assert db["attachments"].count == 3 and len(list(store.iterdir())) == 3


def test_a_submitted_assessment_takes_no_attachment(fresh_round, perfect_inputs) -> None:
    db, store, aid = fresh_round
    workflow.save_declared(db, aid, perfect_inputs, "officer")
    workflow.submit(db, aid, "officer")
    with pytest.raises(Locked, match="submitted"):
        attachments.add(db, store, aid, None, "a.png", PNG, "officer")
    assert db["attachments"].count == 0
    conn = sqlite3.connect(db.conn.execute("pragma database_list").fetchone()[2])
    assert conn.execute("select count(*) from audit_log where action = 'attach'").fetchone()[0] == 0
    conn.close()
