"""Why a document is a specimen («BẢN MẪU») and the note it prints, for every document kind.

The decision, the certificates and the reports (per unit and periodic) all rest on the criteria set of
their round: while that set has provisional values, or (for what the authority signs) the post-reform
authority is unconfirmed, the document is a specimen and says why.
"""
from __future__ import annotations

from typing import Any

from criteria.schema import CriteriaSet

from .profiles import Profile


def provisional_note(cset: CriteriaSet) -> str:
    """Why a document resting on ``cset`` has no legal value while the set has provisional values."""
    return (f"bộ tiêu chí «{cset.title.vi}» (phiên bản {cset.version}) có giá trị tạm, chưa đối chiếu với văn bản "
            f"chính thức; văn bản này không có giá trị pháp lý.")


UNCONFIRMED_NOTE = ("các căn cứ và cơ quan đề nghị đánh dấu (*) là thẩm quyền sau sắp xếp đơn vị hành chính hai "
                    "cấp chưa được xác nhận bằng văn bản chính thức; văn bản này không có giá trị pháp lý.")


def doc_flags(cset: CriteriaSet, specimen: bool | None = None, profile: Profile | None = None) -> dict[str, Any]:
    """Whether a document is a specimen and why: provisional criteria values, or (for the decision and its
    certificates, given the round's ``profile``) an authority or reviewing body not yet confirmed."""
    provisional = cset.has_provisional_values
    unconfirmed = profile is not None and not profile.confirmed
    notes = [provisional_note(cset)] if provisional else []
    notes += [UNCONFIRMED_NOTE] if unconfirmed else []
    return {"specimen": bool(specimen) or provisional or unconfirmed, "provisional": provisional,
            "unconfirmed": unconfirmed, "provisional_note": " ".join(n[:1].upper() + n[1:] if i else n
                                                                     for i, n in enumerate(notes))}
