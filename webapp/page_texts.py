"""Interface texts of the impact and NTM pages, in Vietnamese and English.

These pages were added without touching the shared message catalogue
(webapp/translations/en/LC_MESSAGES/messages.po), so their few texts are kept here and
chosen by the session language; templates read them as ``t["…"]``. Moving them into the
catalogue later only means wrapping them in ``_()`` and adding the entries.
"""
from __future__ import annotations

from flask import session

EN = {
    "Bộ tiêu chí của đợt": "Criteria set of the round",
    "CHƯA XÁC NHẬN": "UNCONFIRMED",
    "Chỉ tiêu nông thôn mới liên quan đến trẻ em": "Child-related new-rural (NTM) indicators",
    "Chỉ tiêu nông thôn mới": "New-rural (NTM) indicators",
    "Chỉ tiêu": "Indicator",
    "Giá trị": "Value",
    "Giải thích và nguồn": "Explanation and source",
    "Không còn được công nhận": "No longer recognised",
    "Không xác định được bộ tiêu chí nông thôn mới cho đơn vị này":
        "No new-rural criteria set applies to this unit",
    "Không đơn vị nào thay đổi kết quả.": "No unit changes its verdict.",
    "Kết quả từng chỉ tiêu": "Result of each indicator",
    "Kết quả": "Result",
    "Loại": "Category",
    "Lý do": "Reasons",
    "Mất công nhận": "Losing recognition",
    "Mới nhất": "Latest",
    "Mức": "Level",
    "Nguồn": "Source",
    "Nội dung": "Wording",
    "Phiên bản": "Version",
    "So sánh với": "Compare with",
    "Số đơn vị được công nhận theo từng bộ tiêu chí": "Units recognised under each criteria set",
    "Số đơn vị": "Units",
    "Thay đổi": "Change",
    "Thêm được công nhận": "Newly recognised",
    "Tác động của bộ tiêu chí": "Impact of a criteria set",
    "Tác động khi áp dụng bộ tiêu chí khác": "Impact of applying another criteria set",
    "Tính từ số liệu xã kê khai (chưa thẩm định).": "Computed from the values the commune declared (not yet verified).",
    "Tính từ số liệu đã thẩm định.": "Computed from the verified values.",
    "Tổng quan": "Overview",
    "Tổng điểm": "Total",
    "Vùng / nhóm áp dụng": "Region / group applied",
    "Xem": "Show",
    "Đơn vị thay đổi kết quả": "Units whose verdict changes",
    "Đơn vị": "Unit",
    "Được công nhận theo": "Recognised under",
    "Được công nhận": "Recognised",
}


def texts() -> dict[str, str]:
    """Every text in the session's language (Vietnamese is the key itself)."""
    if session.get("lang", "vi") == "en":
        return dict(EN)
    return {vi: vi for vi in EN}
