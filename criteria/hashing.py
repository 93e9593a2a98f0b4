"""A content hash of a criteria set (or an NTM set), stable under key order, comments and formatting."""
from __future__ import annotations

import hashlib
import json

from .schema import Strict


def content_hash(cset: Strict) -> str:
    """``sha256:<hex>`` of the set's canonical JSON (validated values, sorted keys)."""
    canonical = json.dumps(
        cset.model_dump(mode="json"), sort_keys=True, ensure_ascii=False, separators=(",", ":")
    )
    return "sha256:" + hashlib.sha256(canonical.encode("utf-8")).hexdigest()
