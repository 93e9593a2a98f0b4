"""The documented limits on what one user may send and store (docs/operations.md).

Every free-text field is bounded where it is stored (the storage layer, so the CLI and the
web both get the limit); the web bounds request bodies and each user's write rate; the
audit log bounds one entry. One place, so the documentation and the code cannot drift.
"""
from __future__ import annotations

import hashlib

from .errors import N_, Msg, StorageError

NOTE = 4_000       # an evidence note: a few paragraphs naming the documents, generous for a real note
COMMENT = 4_000    # a reviewer's comment on a criterion, or the comment sent back with a return
REASON = 4_000     # the reasons of a decision, a revocation or a reopening
NAME = 200         # a person's display name or a round's name: one line

FORM_BODY = 256 * 1024           # bytes of one form or edits body (uploads keep their own limit)
WRITE_BUDGET = 1024 * 1024       # bytes of form and edits bodies one user may send per minute
WRITE_WINDOW = 60                # seconds of that budget
AUDIT_TEXT = 4_000               # characters of one value in an audit entry; longer: digest and length
ATTACHMENTS = 200                # files attached to one assessment: several for each of its ~40 items
ATTACHMENT_BYTES = 300 * 2**20   # bytes attached to one assessment: 30 files at the 10 MB file limit

FIELD_NAMES = {  # the fields as a refusal names them
    "note": N_("Ghi chú minh chứng"), "comment": N_("Ý kiến"), "reason": N_("Lý do"),
    "display_name": N_("Họ tên"), "name": N_("Tên đợt đánh giá"), "explanation": N_("Giải trình"),
}


class TextTooLong(StorageError):
    """A free-text field is longer than its documented limit; nothing was written."""

    def __init__(self, field: str, length: int, limit: int, item: str | None = None):
        self.field, self.length, self.limit, self.item = field, length, limit, item
        super().__init__(f"{field} is {length:,} characters long; the limit is {limit:,}; nothing was saved",
                         N_("«%(field)s» dài %(length)s ký tự, vượt giới hạn %(limit)s ký tự: chưa lưu gì — "
                            "hãy rút ngắn rồi lưu lại."),
                         field=Msg(FIELD_NAMES[field]), length=f"{length:,}".replace(",", "."),
                         limit=f"{limit:,}".replace(",", "."))


def bounded(text: str | None, field: str, limit: int, item: str | None = None) -> str | None:
    """``text`` unchanged if it fits ``limit`` characters; refused with the field (and item) named if not."""
    if text is not None and len(text) > limit:
        raise TextTooLong(field, len(text), limit, item)
    return text


def audit_value(text: str | None) -> str | None:
    """A value as one audit entry stores it: as is, or, beyond ``AUDIT_TEXT``, its digest and length."""
    if text is None or len(text) <= AUDIT_TEXT:
        return text
    digest = hashlib.sha256(text.encode("utf-8")).hexdigest()
    return f"[sha256:{digest} length:{len(text)}]"
