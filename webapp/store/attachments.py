"""Evidence attachments (PDF and images): size-limited, type-checked by content, and kept
outside any web root under names the uploader does not choose.

A file supports one item of the criteria set, or the assessment as a whole (item None). The officer
may delete a file while the commune can still edit the assessment: the row is marked deleted and
hidden everywhere, never erased, and its bytes stay on disk for the audit trail, so a deleted file
still counts toward the assessment's quota (else upload/delete cycles could fill the disk)."""
from __future__ import annotations

import hashlib
import re
import secrets
from pathlib import Path
from typing import Any

import sqlite_utils

from . import audit, limits, private, workflow
from .db import transaction
from .errors import N_, NotFound, StorageError
from .vietnamese import nfc

MAX_BYTES = 10 * 1024 * 1024
_SIGNATURES = {b"%PDF-": "application/pdf", b"\x89PNG\r\n\x1a\n": "image/png", b"\xff\xd8\xff": "image/jpeg"}
_EXTENSIONS = {"application/pdf": ".pdf", "image/png": ".png", "image/jpeg": ".jpg"}


class AttachmentRejected(StorageError):
    """The file is too large, empty, or not really a PDF, PNG or JPEG."""


def sniff(data: bytes) -> str | None:
    """The content type read from the file's first bytes, never from its name."""
    return next((ctype for magic, ctype in _SIGNATURES.items() if data.startswith(magic)), None)


def safe_filename(name: str) -> str:
    """The uploader's file name reduced to something printable (no path, no control chars)."""
    base = nfc(name).replace("\\", "/").rsplit("/", 1)[-1]
    base = re.sub(r"[\x00-\x1f\x7f<>:\"|?*]", "_", base).strip(" .")
    return base[:120] or "tep-dinh-kem"


def add(db: sqlite_utils.Database, store: Path, assessment_id: int, item_id: str | None,
        filename: str, data: bytes, actor: str) -> dict[str, Any]:
    """Check and store one file for an editable assessment; returns its row."""
    if not data:
        raise AttachmentRejected("the file is empty", N_("Tệp trống."))
    if len(data) > MAX_BYTES:
        raise AttachmentRejected(f"the file is {len(data):,} bytes; the limit is {MAX_BYTES:,}",
                                 N_("Tệp lớn hơn giới hạn %(mb)s MB."), mb=MAX_BYTES // 2**20)
    ctype = sniff(data)
    if ctype is None:
        raise AttachmentRejected("only PDF, PNG and JPEG files are accepted (checked by content)",
                                 N_("Chỉ nhận tệp PDF, PNG và JPEG (kiểm tra theo nội dung tệp)."))
    private.make_dir(store)
    stored_name = secrets.token_hex(16) + _EXTENSIONS[ctype]
    target = store / stored_name
    try:
        with transaction(db):
            row = workflow.get(db, assessment_id)
            workflow.require_editable(row, "attach evidence")
            if item_id is not None:
                workflow.require_item(db, row, item_id)
            _require_room(db, assessment_id, len(data))
            private.write_new(target, data)
            record = {"assessment_id": assessment_id, "item_id": item_id, "filename": safe_filename(filename),
                      "content_type": ctype, "size": len(data), "sha256": hashlib.sha256(data).hexdigest(),
                      "stored_name": stored_name, "uploaded_by": actor, "uploaded_at": audit.now()}
            record["id"] = db["attachments"].insert(record).last_pk
            audit.record(db, actor, "attach", "assessment", assessment_id, item_id, None, record["filename"])
    except BaseException:
        target.unlink(missing_ok=True)  # a file half written (full disk) or whose row was not: no orphan
        raise
    return record


def _require_room(db: sqlite_utils.Database, assessment_id: int, size: int) -> None:
    """Refuse a file beyond the assessment's quota (count or bytes): uploads cannot fill the disk.

    Deleted files count: their bytes stay on disk, so uploading and deleting in turn cannot grow it."""
    count, total = db.execute("SELECT count(*), coalesce(sum(size), 0) FROM attachments WHERE assessment_id = ?",
                              [assessment_id]).fetchone()
    if count >= limits.ATTACHMENTS:
        raise AttachmentRejected(f"the assessment already has {count} files; the limit is {limits.ATTACHMENTS} "
                                 "(deleted files included: they stay on disk)",
                                 N_("Hồ sơ đã có %(count)s tệp đính kèm (kể cả tệp đã xóa, vẫn được lưu giữ), "
                                    "đủ giới hạn %(limit)s tệp."),
                                 count=count, limit=limits.ATTACHMENTS)
    if total + size > limits.ATTACHMENT_BYTES:
        raise AttachmentRejected(f"the assessment's files would total {total + size:,} bytes; the limit is "
                                 f"{limits.ATTACHMENT_BYTES:,} (deleted files included: they stay on disk)",
                                 N_("Tổng dung lượng tệp đính kèm của hồ sơ (kể cả tệp đã xóa, vẫn được lưu giữ) "
                                    "sẽ vượt giới hạn %(mb)s MB."),
                                 mb=limits.ATTACHMENT_BYTES // 2**20)


def get(db: sqlite_utils.Database, attachment_id: int) -> dict[str, Any]:
    """One attachment's row, deleted or not (NotFound if there is none)."""
    row = next(db.query("select * from attachments where id = ?", [attachment_id]), None)
    if row is None:
        raise NotFound(f"no attachment {attachment_id}")
    return row


def delete(db: sqlite_utils.Database, attachment_id: int, actor: str) -> dict[str, Any]:
    """Mark one file deleted while the commune may still edit its assessment; returns the row as marked.

    Nothing is erased: the row and the bytes stay for the audit trail, the file is no longer shown or served."""
    with transaction(db):
        row = get(db, attachment_id)
        if row["deleted_at"] is not None:
            raise NotFound(f"attachment {attachment_id} ({row['filename']!r}) was already deleted",
                           N_("Tệp «%(name)s» đã được xóa trước đó."), name=row["filename"])
        workflow.require_editable(workflow.get(db, row["assessment_id"]), "delete evidence")
        row |= {"deleted_at": audit.now(), "deleted_by": actor}
        db["attachments"].update(attachment_id, {"deleted_at": row["deleted_at"], "deleted_by": actor})
        audit.record(db, actor, "detach", "assessment", row["assessment_id"], row["item_id"], row["filename"], None)
    return row


def path_of(store: Path, row: dict[str, Any]) -> Path:
    """Where an attachment's bytes live (the stored name is ours, so no traversal)."""
    return store / row["stored_name"]
