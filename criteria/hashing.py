"""A content hash of a criteria set, stable under key order, comments and formatting."""
from __future__ import annotations

import hashlib
import json

from .schema import CriteriaSet


def content_hash(cset: CriteriaSet) -> str:
    """``sha256:<hex>`` of the set's canonical JSON (validated values, sorted keys)."""
    canonical = json.dumps(
        cset.model_dump(mode="json"), sort_keys=True, ensure_ascii=False, separators=(",", ":")
    )
    return "sha256:" + hashlib.sha256(canonical.encode("utf-8")).hexdigest()
