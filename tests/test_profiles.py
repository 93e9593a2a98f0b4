"""The hierarchy profiles: who reviews and recognises, on what basis, and what a broken file says."""
from __future__ import annotations

from pathlib import Path

import pytest

from webapp.store.profiles import PROFILES_FILE, ProfileInvalid, load, profiles


def test_shipped_profiles_say_who_reviews_and_recognises_and_what_is_unconfirmed() -> None:
    three, two = profiles()["three-tier"], profiles()["two-tier"]
    assert (three.review_tier, three.recognising_tier) == ("district", "district")
    assert (two.review_tier, two.recognising_tier) == ("province", "province")
    assert two.recognising_title_vi == "Chủ tịch Ủy ban nhân dân tỉnh"
    assert two.reviewing_body.proposer == "Giám đốc Sở Y tế"
    # nothing found settles the authority after the reform: it must not pass as law
    assert not two.confirmed and not any(b.verified for b in two.recognising_authority.legal_basis)
    assert [b.verified for b in three.recognising_authority.legal_basis] == [True, True]


def broken(tmp_path: Path, old: str, new: str) -> Path:
    text = PROFILES_FILE.read_text(encoding="utf-8")
    assert old in text
    path = tmp_path / "profiles.yaml"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return path


def test_a_missing_key_is_named_with_file_line_and_path(tmp_path: Path) -> None:
    path = broken(tmp_path, "    proposer: Giám đốc Sở Y tế\n", "")
    with pytest.raises(ProfileInvalid) as exc:
        load(path)
    [problem] = exc.value.problems
    assert problem.path == "two-tier.reviewing_body.proposer" and problem.line is not None
    assert str(problem).startswith(f"{path}:{problem.line} two-tier.reviewing_body.proposer: missing")


def test_an_unknown_tier_is_refused(tmp_path: Path) -> None:
    path = broken(tmp_path, "  review_tier: province", "  review_tier: region")
    with pytest.raises(ProfileInvalid, match="two-tier.review_tier: unknown tier 'region'"):
        load(path)


def test_an_unverified_basis_needs_its_flag(tmp_path: Path) -> None:
    path = broken(tmp_path, "        verified: false\n        source: Luật số 72", "        source: Luật số 72")
    with pytest.raises(ProfileInvalid, match=r"two-tier\.recognising_authority\.legal_basis\[0\]\.verified"):
        load(path)


def test_what_a_two_tier_decision_cites_without_confirmation() -> None:
    assert profiles()["two-tier"].unconfirmed() == [
        "Căn cứ Luật Tổ chức chính quyền địa phương ngày 16 tháng 6 năm 2025",
        "Căn cứ Nghị định của Chính phủ quy định phân định thẩm quyền của chính quyền địa phương hai cấp "
        "trong lĩnh vực trẻ em",
        "Theo đề nghị của Giám đốc Sở Y tế"]
    assert profiles()["three-tier"].unconfirmed() == [
        "Theo đề nghị của Trưởng phòng Lao động – Thương binh và Xã hội huyện"]
