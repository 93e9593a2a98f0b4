"""Who reviews and who recognises, confirmed against the official text with four eyes: the store's life cycle
(propose, confirm by a second person, withdraw), what the documents print afterwards, and the page."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from webapp.store import audit, profile_changes
from webapp.store.errors import NotFound
from webapp.store.profile_changes import ChangeRefused

from webhelpers import logged_in, opened

CITED = {"document": "Nghị định số 999/2025/NĐ-CP ngày 30/6/2025", "clause": "Điều 12, khoản 3", "page": "7"}


def propose_body(db, profile_id: str = "three-tier", actor: str = "phapche.mot", **changed: str) -> int:
    wording = {"name": "Phòng Văn hóa – Xã hội", "text": "Trưởng phòng Văn hóa – Xã hội huyện", **CITED, **changed}
    return profile_changes.propose(db, profile_id, profile_changes.REVIEWING_BODY, actor=actor, **wording)


def test_a_confirmed_part_is_what_decisions_print_and_the_profile_becomes_confirmed(db_path: Path) -> None:
    with opened(db_path) as db:
        before = profile_changes.current(db, "three-tier")
        assert before.unconfirmed() == ["Theo đề nghị của Trưởng phòng Lao động – Thương binh và Xã hội huyện"]
        change = propose_body(db)
        assert profile_changes.current(db, "three-tier") == before  # a proposal alone changes nothing
        profile_changes.confirm(db, change, "phapche.hai")
        after = profile_changes.current(db, "three-tier")
        assert after.proposal() == ("Theo đề nghị của Trưởng phòng Văn hóa – Xã hội huyện", True)
        assert after.reviewing_body.name == "Phòng Văn hóa – Xã hội"
        assert after.reviewing_body.source == "Nghị định số 999/2025/NĐ-CP ngày 30/6/2025, Điều 12, khoản 3, trang 7"
        assert after.confirmed and after.unconfirmed() == []
        assert profile_changes.current(db, "two-tier").unconfirmed() != []  # the other profile is untouched
        trail = [(e["actor"], e["action"], e["field"], e["new"]) for e in audit.entries(db, "profile", "three-tier")]
        assert trail == [("phapche.mot", "propose", "reviewing_body",
                          "Phòng Văn hóa – Xã hội — Trưởng phòng Văn hóa – Xã hội huyện"),
                         ("phapche.hai", "confirm", "reviewing_body", "Trưởng phòng Văn hóa – Xã hội huyện")]


def test_a_law_is_confirmed_in_its_place_among_the_grounds(db_path: Path) -> None:
    with opened(db_path) as db:
        law = "Nghị định số 999/2025/NĐ-CP ngày 30 tháng 6 năm 2025 của Chính phủ"
        change = profile_changes.propose(db, "two-tier", "basis-2", text=law, actor="phapche.mot", **CITED)
        profile_changes.confirm(db, change, "phapche.hai")
        bases = profile_changes.current(db, "two-tier").bases()
        assert bases[1] == (f"Căn cứ {law}", True)
        assert bases[0][1] is False  # the 2025 law itself is still unconfirmed


def test_the_person_who_proposed_cannot_confirm_and_a_part_waits_for_one_proposal(db_path: Path) -> None:
    with opened(db_path) as db:
        change = propose_body(db)
        with pytest.raises(ChangeRefused) as refused:
            profile_changes.confirm(db, change, "phapche.mot")
        assert refused.value.vi.startswith("Người đề xuất không thể tự xác nhận")
        with pytest.raises(ChangeRefused) as twice:
            propose_body(db, actor="phapche.hai")
        assert "đang chờ người thứ hai xác nhận" in twice.value.vi
        profile_changes.withdraw(db, change, "phapche.mot")
        assert not profile_changes.current(db, "three-tier").confirmed
        with pytest.raises(ChangeRefused):  # withdrawn: nothing left to confirm
            profile_changes.confirm(db, change, "phapche.hai")
        propose_body(db, actor="phapche.hai")  # the part is open again
        assert [e["action"] for e in audit.entries(db, "profile", "three-tier")] == ["propose", "withdraw", "propose"]


@pytest.mark.parametrize("changed, field", [({"name": "  "}, "name"), ({"text": ""}, "text"),
                                            ({"document": ""}, "document"), ({"clause": " "}, "clause"),
                                            ({"text": "x" * 501}, "text"), ({"page": "9" * 301}, "page")])
def test_a_missing_or_overlong_value_is_refused_at_its_field(db_path: Path, changed: dict[str, str],
                                                             field: str) -> None:
    with opened(db_path) as db:
        with pytest.raises(ChangeRefused) as refused:
            propose_body(db, **changed)
        assert refused.value.field == field
        assert profile_changes.changes(db) == []


def test_an_unknown_profile_or_part_is_not_found(db_path: Path) -> None:
    with opened(db_path) as db:
        with pytest.raises(NotFound):
            propose_body(db, profile_id="four-tier")
        with pytest.raises(NotFound):
            profile_changes.propose(db, "three-tier", "basis-9", text="Luật", actor="a", **CITED)


def test_the_page_proposes_refuses_the_same_person_and_confirms_with_a_second_one(db_path: Path, make_app) -> None:
    """The province's two legal officers (the demo's): one proposes, the other confirms."""
    app = make_app(db_path)
    first, second = logged_in(app, "phapche.tinh"), logged_in(app, "phapche2.tinh")
    page = first.get("/authority").get_data(as_text=True)
    assert "Chưa xác nhận (*)" in page and "Theo đề nghị của" in page
    url = "/authority/three-tier/reviewing_body"
    refused = first.post(url, data={"name": "Phòng Văn hóa – Xã hội", "text": "Trưởng phòng Văn hóa – Xã hội huyện",
                                    "document": "", "clause": "Điều 12"})
    html = refused.get_data(as_text=True)
    assert refused.status_code == 422 and "Hãy điền «Văn bản»." in html
    assert 'value="Điều 12"' in html and "Trưởng phòng Văn hóa – Xã hội huyện</textarea>" in html  # typed, kept
    assert first.post(url, data={"name": "Phòng Văn hóa – Xã hội", "text": "Trưởng phòng Văn hóa – Xã hội huyện",
                                 **CITED}).status_code == 302
    mine = first.get("/authority").get_data(as_text=True)
    assert "Bạn là người đề xuất: cần một người thứ hai xác nhận." in mine
    change = re.search(r'/authority/changes/(\d+)/confirm', second.get("/authority").get_data(as_text=True)).group(1)
    self_confirm = first.post(f"/authority/changes/{change}/confirm")
    assert self_confirm.status_code == 409 and "Người đề xuất không thể tự xác nhận" in self_confirm.get_data(as_text=True)
    assert second.post(f"/authority/changes/{change}/confirm").status_code == 302
    done = second.get("/authority").get_data(as_text=True)
    assert "Trưởng phòng Văn hóa – Xã hội huyện" in done and "Đã xác nhận: Thanh tra – Sở Y tế" in done
    assert second.post(f"/authority/changes/{change}/confirm").status_code == 409  # already decided
    assert second.post("/authority/changes/99999/confirm").status_code == 404
