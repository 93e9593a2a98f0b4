"""NTM (nông thôn mới) indicators computed from the child-friendly raw inputs.

``evaluate_ntm`` gives, for each child-related NTM indicator, "đạt" / "không đạt" /
"thiếu dữ liệu" with a Vietnamese explanation: the exact fraction, the percent, the level of
the unit's region or group, the source and whether the indicator, its mapping and its
levels are verified. Arithmetic is exact (Fraction); nothing is rounded before comparing.

``cao_bang_ntm_area`` maps a Cao Bằng unit to the region/group whose levels apply.
"""
from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from typing import Any, Literal

from criteria import CriteriaSet
from criteria.ntm.schema import AllYes, CountZero, Indicator, NtmSet, RateAtLeast, RateAtMost

from .numbers import format_number

Status = Literal["đạt", "không đạt", "thiếu dữ liệu"]
Named = Callable[[str], str]  # an input's «label» in an explanation
MET: Status = "đạt"
NOT_MET: Status = "không đạt"
MISSING: Status = "thiếu dữ liệu"
PROVISIONAL_PREFIX = "(chưa xác nhận)"
"""How a placeholder wording starts; a verified indicator's wording is shown without it (it would be untrue)."""


@dataclass(frozen=True)
class IndicatorStatus:
    indicator_id: str
    criterion: int
    wording_vi: str
    area: str
    status: Status
    explanation: str
    source: str
    indicator_verified: bool
    mapping_verified: bool | None
    """None when the indicator has no mapping from child-friendly inputs."""
    levels_verified: bool | None = None
    """For rate mappings only."""
    value: Fraction | None = None
    """The computed rate (a fraction, not ×100) or count."""
    level: Decimal | None = None
    """The level in percent for rate mappings."""
    lacking: tuple[str, ...] = ()
    """For "thiếu dữ liệu": each reason in a few words (a missing figure by its label, a zero denominator…)."""

    @property
    def unverified(self) -> bool:
        """True when any part this status rests on is not verified law (a verified indicator that no child-friendly
        input measures rests on nothing unverified: its result is «thiếu dữ liệu», said so)."""
        return not self.indicator_verified or self.mapping_verified is False or self.levels_verified is False

    @property
    def warnings(self) -> list[str]:
        out = []
        if not self.indicator_verified:
            out.append("Số hiệu hoặc lời văn của chỉ tiêu chưa được đối chiếu với văn bản chính thức.")
        if self.mapping_verified is None:
            out.append("Chưa có cách tính từ số liệu trẻ em.")
        elif not self.mapping_verified:
            out.append("Cách tính từ số liệu trẻ em là cách tính tạm thời, chưa được xác nhận.")
        if self.levels_verified is False:
            out.append("Mức đánh giá chưa được xác nhận.")
        return out


def labels_of(cset: CriteriaSet) -> dict[str, str]:
    """The Vietnamese label of each child-friendly input, as the explanations name them."""
    return {name: spec.label.vi for name, spec in cset.inputs.items()}


def evaluate_ntm(ntm_set: NtmSet, cf_values: dict[str, Any], region_or_group: str,
                 labels: Mapping[str, str]) -> list[IndicatorStatus]:
    """Every child-related indicator of ``ntm_set`` for a unit in ``region_or_group``.

    ``cf_values`` holds the child-friendly raw inputs (counts as int, yes/no as bool; a
    missing key or None is missing data); ``labels`` names them in the explanations
    (:func:`labels_of` the unit's criteria set). Raises ValueError for an unknown
    region/group or a value of the wrong type.
    """
    area = ntm_set.area(region_or_group)
    if area is None:
        known = ", ".join(a.id for a in ntm_set.areas)
        raise ValueError(f"{region_or_group!r} is not a {ntm_set.area_kind[:-1]} of {ntm_set.id} (known: {known})")

    def named(name: str) -> str:
        """«label» of an input for the explanations."""
        return f"«{labels.get(name, name)}»"

    return [_evaluate(ind, cf_values, area.id, area.name.vi, named) for ind in ntm_set.indicators]


def _evaluate(ind: Indicator, values: dict[str, Any], area_id: str, area_name: str, named: Named) -> IndicatorStatus:
    m = ind.mapping
    wording = " ".join(ind.wording_vi.removeprefix(PROVISIONAL_PREFIX).split()) if ind.verified else ind.wording_vi
    base = dict(indicator_id=ind.id, criterion=ind.criterion, wording_vi=wording, area=area_id,
                source=ind.source, indicator_verified=ind.verified,
                mapping_verified=None if m is None else m.verified)
    if m is None:
        status, text, extra = MISSING, f"Không tính được từ số liệu trẻ em. {' '.join((ind.mapping_note or '').split())}", {
            "lacking": ("chưa có cách tính từ số liệu trẻ em",)}
    elif isinstance(m, AllYes):
        status, text, extra = _all_yes(m, values, named)
    elif isinstance(m, CountZero):
        status, text, extra = _count_zero(m, values, named)
    else:
        status, text, extra = _rate(m, values, area_id, area_name, named)
        extra["levels_verified"] = m.levels_verified
    result = IndicatorStatus(status=status, explanation="", **base, **extra)
    notes = [text]  # the source and the cautions are said by the page once, not inside each explanation
    if m is not None and m.note:
        notes.append(f"Ghi chú: {' '.join(m.note.split())}")
    explanation = " ".join(n if n.endswith((".", "…")) else n + "." for n in notes)
    return IndicatorStatus(**{**result.__dict__, "explanation": explanation})


def _count(values: dict[str, Any], name: str) -> int | None:
    value = values.get(name)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ValueError(f"{name} must be a whole number ≥ 0, got {value!r}")
    return value


def _yes_no(values: dict[str, Any], name: str) -> bool | None:
    value = values.get(name)
    if value is not None and not isinstance(value, bool):
        raise ValueError(f"{name} must be yes/no (bool), got {value!r}")
    return value


def _all_yes(m: AllYes, values: dict[str, Any], named: Named) -> tuple[Status, str, dict[str, Any]]:
    answers = {name: _yes_no(values, name) for name in m.inputs}
    shown = "; ".join(f"{named(n)}: {'có' if v else 'không' if v is False else 'chưa trả lời'}"
                      for n, v in answers.items())
    if any(v is False for v in answers.values()):
        return NOT_MET, f"{shown}. Cần tất cả là «có», nên không đạt.", {}
    if any(v is None for v in answers.values()):
        return MISSING, f"{shown}. Cần tất cả là «có»; chưa trả lời đủ.", {
            "lacking": tuple(f"thiếu {named(n)}" for n, v in answers.items() if v is None)}
    return MET, f"{shown}. Cần tất cả là «có», nên đạt.", {}


def _count_zero(m: CountZero, values: dict[str, Any], named: Named) -> tuple[Status, str, dict[str, Any]]:
    count = _count(values, m.input)
    if count is None:
        return MISSING, f"Chưa có số liệu {named(m.input)}.", {"lacking": (f"thiếu {named(m.input)}",)}
    status = MET if count == 0 else NOT_MET
    return status, f"{named(m.input)}: {format_number(count)}; cần bằng 0, nên {status}.", {"value": Fraction(count)}


def _percent(value: Fraction) -> str:
    """Vietnamese percent of a fraction: "24%", "24,01%", "khoảng 33,33%" when not exact."""
    pct = value * 100
    shown = format_number(pct, places=2)
    exact = (pct * 100).denominator == 1
    return f"{shown}%" if exact else f"khoảng {shown}%"


def _rate(m: RateAtMost | RateAtLeast, values: dict[str, Any], area_id: str,
          area_name: str, named: Named) -> tuple[Status, str, dict[str, Any]]:
    num, den = _count(values, m.numerator), _count(values, m.denominator)
    level = m.levels.get(area_id)
    extra: dict[str, Any] = {"level": level}
    word = "tối đa" if isinstance(m, RateAtMost) else "tối thiểu"
    level_text = f"mức {word} {format_number(level)}% ({area_name})" if level is not None else f"chưa có mức cho {area_name}"
    missing = [named(n) for n, v in ((m.numerator, num), (m.denominator, den)) if v is None]
    if missing:
        extra["lacking"] = tuple(f"thiếu {n}" for n in missing)
        return MISSING, f"Chưa có số liệu {', '.join(missing)}; {level_text}.", extra
    assert num is not None and den is not None
    if den == 0:
        extra["lacking"] = (f"{named(m.denominator)} bằng 0: không tính được tỷ lệ",)
        return MISSING, f"{extra['lacking'][0]}; {level_text}.", extra
    if num > den:
        extra["lacking"] = (f"{named(m.numerator)} lớn hơn {named(m.denominator)}",)
        return MISSING, (f"Số liệu không hợp lệ: {named(m.numerator)} ({format_number(num)}) lớn hơn "
                         f"{named(m.denominator)} ({format_number(den)})."), extra
    rate = Fraction(num, den)
    extra["value"] = rate
    shown = (f"Tỷ lệ {named(m.numerator)} trên {named(m.denominator)} là {format_number(num)}/{format_number(den)}, "
             f"tức {_percent(rate)}")
    if level is None:
        extra["lacking"] = (f"chưa có mức đánh giá cho {area_name}",)
        return MISSING, f"{shown}; {level_text}, không đánh giá được.", extra
    threshold = Fraction(level) / 100
    ok = rate <= threshold if isinstance(m, RateAtMost) else rate >= threshold
    status = MET if ok else NOT_MET
    return status, f"{shown}; {level_text}: {status}.", extra


# --- Which region/group's levels apply to a Cao Bằng unit -----------------------------------


@dataclass(frozen=True)
class AreaChoice:
    area: str
    verified: bool
    reason: str


_ALL = "*"
CAO_BANG_NTM_AREAS: dict[str, dict[str, AreaChoice]] = {
    # QĐ 318 (2021–2025, the 2022 units): the whole province is in TDMNPB (VERIFIED).
    "ntm-qd318-2022": {
        _ALL: AreaChoice("tdmnpb", True, "Cao Bằng thuộc vùng Trung du và miền núi phía Bắc (QĐ 318/QĐ-TTg)."),
    },
    # QĐ 51 (2026–2030, the 2025 units): group by khu vực of the unit.
    "ntm-qd51-2025": {
        "III": AreaChoice("nhom-3", True, "Khu vực III thuộc nhóm 3 (QĐ 51/2025/QĐ-TTg: nhóm 3 gồm xã khu vực II, III)."),
        "II": AreaChoice("nhom-3", True, "Khu vực II thuộc nhóm 3 (QĐ 51/2025/QĐ-TTg: nhóm 3 gồm xã khu vực II, III)."),
        "I": AreaChoice("nhom-2", False, (
            "CHƯA XÁC NHẬN: dự án tạm xếp khu vực I vào nhóm 2 (không thuộc nhóm 3; phạm vi nhóm 1, 2 chưa "
            "đối chiếu). Ở Cao Bằng đơn vị khu vực I duy nhất (2025) là phường Thục Phán.")),
    },
}


def cao_bang_ntm_area(ntm_set_id: str, khu_vuc: str | None = None) -> AreaChoice:
    """The region/group of a Cao Bằng unit: QĐ 318 → "tdmnpb"; QĐ 51 → by ``khu_vuc`` (I/II/III)."""
    table = CAO_BANG_NTM_AREAS.get(ntm_set_id)
    if table is None:
        raise ValueError(f"no Cao Bằng area table for NTM set {ntm_set_id!r}")
    if _ALL in table:
        return table[_ALL]
    key = (khu_vuc or "").strip().upper()
    if key not in table:
        raise ValueError(f"khu vực {khu_vuc!r} not known for {ntm_set_id} (expected one of: {', '.join(table)})")
    return table[key]
