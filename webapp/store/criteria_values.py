"""Every value of a criteria set as the law states it, named in Vietnamese, grouped by the part it belongs to.

A *part* is what one citation verifies: a category's threshold, a recognition condition, a criterion's
maximum, or an item with its rule (points, bands, missing-value and zero-denominator policies). The workbench
lists parts, edits one part at a time and names each loader problem at the value it concerns. Key paths
(``criteria[1].items[0]``) address parts in forms and files; pages show the Vietnamese names instead.
"""
from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from criteria import CriteriaSet
from criteria.export import plain_data
from criteria.yamlsource import PathKey, format_path

from .errors import N_, Msg

BOUNDS = ("at_least", "above", "at_most", "below")
LOWER, UPPER = ("at_least", "above"), ("at_most", "below")
BOUND_NAMES = {"at_least": N_("từ"), "above": N_("trên"), "at_most": N_("đến"), "below": N_("dưới")}
MISSING_NAMES = {"required": N_("Bắt buộc nhập"), "zero_points": N_("Bỏ trống được tính 0 điểm")}
ZERO_NAMES = {"full_points": N_("Được điểm tối đa"), "zero_points": N_("Được 0 điểm"),
              "reject": N_("Không chấp nhận, phải nhập lại")}
ZERO_KEYS = ("zero_denominator", "zero_population")
EXTRA_BANDS = 2  # empty band rows a form offers, to add bands the official table has beyond the draft's


@dataclass(frozen=True)
class Said:
    """A Vietnamese message from the catalogue with its parameters (translated where it is shown)."""

    vi: Msg
    params: dict[str, Any] = field(default_factory=dict)

    def __str__(self) -> str:
        return self.vi % self.params if self.params else str(self.vi)


@dataclass(frozen=True)
class Value:
    """One value of a part: where it is (key path), its name, its value and how a page shows it."""

    path: PathKey
    label: Said
    value: Any
    shown: str  # a number as Vietnamese write it, or a catalogue name (missing-value and zero policies)


@dataclass(frozen=True)
class Part:
    """What one citation verifies: its key (a form's hidden value), names, flag, source, values and bands."""

    path: PathKey
    kind: str  # category, recognition, criterion, item
    criterion: Said
    title: Said
    verified: bool | None
    source: str | None
    values: tuple[Value, ...]
    bands: tuple[Said, ...] = ()

    @property
    def key(self) -> str:
        return format_path(self.path)


def number(value: Any) -> str:
    """A number as Vietnamese write it (decimal comma): 0.5 → «0,5»."""
    if isinstance(value, Decimal):
        value = format(value, "f")
    return str(value).replace(".", ",")


def _unit(rule: dict[str, Any]) -> str:
    if rule["kind"] == "rate_bands":
        return "%"
    if rule["kind"] == "incidence_bands":
        return "‰" if rule["per"] == 1000 else f"/{number(rule['per'])}"
    return ""


BAND_TEXTS = {  # (lower bound, upper bound) → how the law's table reads the band
    ("at_least", "at_most"): N_("từ %(lo)s đến %(hi)s: %(points)s điểm"),
    ("at_least", "below"): N_("từ %(lo)s đến dưới %(hi)s: %(points)s điểm"),
    ("above", "at_most"): N_("trên %(lo)s đến %(hi)s: %(points)s điểm"),
    ("above", "below"): N_("trên %(lo)s đến dưới %(hi)s: %(points)s điểm"),
    ("at_least", None): N_("từ %(lo)s trở lên: %(points)s điểm"),
    ("above", None): N_("trên %(lo)s: %(points)s điểm"),
    (None, "at_most"): N_("đến %(hi)s: %(points)s điểm"),
    (None, "below"): N_("dưới %(hi)s: %(points)s điểm"),
}
BOUND_LABELS = {"at_least": N_("Mức %(n)s: từ"), "above": N_("Mức %(n)s: trên"), "at_most": N_("Mức %(n)s: đến"),
                "below": N_("Mức %(n)s: dưới")}


def band_text(band: dict[str, Any], unit: str) -> Said:
    """«từ 98% đến dưới 100%: 35 điểm»: a band as the law's table reads."""
    lo = next((k for k in LOWER if band.get(k) is not None), None)
    hi = next((k for k in UPPER if band.get(k) is not None), None)
    params = {"points": band["points"]}
    if lo:
        params["lo"] = f"{number(band[lo])}{unit}"
    if hi:
        params["hi"] = f"{number(band[hi])}{unit}"
    return Said(BAND_TEXTS[(lo, hi)], params)


def _criterion_name(crit: dict[str, Any]) -> Said:
    return Said(N_("Tiêu chí %(n)s. %(name)s"), {"n": crit["number"], "name": crit["name_vi"]})


def parts(cset: CriteriaSet) -> list[Part]:
    """Every part of ``cset`` in the order of the law: categories, recognition, then each criterion and its items."""
    data = plain_data(cset)
    out = []
    conditions = Said(N_("Điều kiện công nhận"))
    for i, cat in enumerate(data["categories"]):
        path = ("categories", i)
        out.append(Part(path, "category", conditions, Said(N_("Mức điểm công nhận: %(name)s"), {"name": cat["name"]["vi"]}),
                        cat["verified"], cat["source"],
                        (Value(path + ("threshold",), Said(N_("Số điểm tối thiểu")), cat["threshold"],
                               str(cat["threshold"])),)))
    for i, cond in enumerate(data["recognition"]):
        out.append(Part(("recognition", i), "recognition", conditions, Said(Msg(cond["text"]["vi"])),
                        cond["verified"], cond["source"], ()))
    for ci, crit in enumerate(data["criteria"]):
        cpath = ("criteria", ci)
        out.append(Part(cpath, "criterion", _criterion_name(crit), Said(N_("Điểm tối đa của tiêu chí")), None, None,
                        (Value(cpath + ("max_points",), Said(N_("Điểm tối đa")), crit["max_points"],
                               str(crit["max_points"])),)))
        for ii, item in enumerate(crit["items"]):
            ipath = cpath + ("items", ii)
            rule = item["rule"]
            unit = _unit(rule)
            out.append(Part(ipath, "item", _criterion_name(crit),
                            Said(N_("Mục %(id)s. %(text)s"), {"id": item["id"], "text": item["text"]["vi"]}),
                            item["verified"], item["source"], tuple(_rule_values(ipath + ("rule",), rule, unit)),
                            tuple(band_text(b, unit) for b in rule.get("bands", ()))))
    return out


def _rule_values(path: PathKey, rule: dict[str, Any], unit: str) -> Iterator[Value]:
    """The values of one rule, in the order of the form (bands: each bound and the points)."""
    if "points" in rule:
        yield Value(path + ("points",), Said(N_("Điểm khi đạt")), rule["points"], str(rule["points"]))
    if "max_points" in rule:
        yield Value(path + ("max_points",), Said(N_("Điểm tối đa")), rule["max_points"], str(rule["max_points"]))
    if "per" in rule:
        yield Value(path + ("per",), Said(N_("Tính trên số trẻ em")), rule["per"], number(rule["per"]))
    for bi, band in enumerate(rule.get("bands", ())):
        for key in BOUNDS:
            if band.get(key) is not None:
                yield Value(path + ("bands", bi, key), Said(BOUND_LABELS[key], {"n": bi + 1}), band[key],
                            f"{number(band[key])}{unit}")
        yield Value(path + ("bands", bi, "points"), Said(N_("Mức %(n)s: điểm"), {"n": bi + 1}), band["points"],
                    str(band["points"]))
    for ei, element in enumerate(rule.get("elements", ())):
        yield Value(path + ("elements", ei, "points"), Said(N_("Điểm: %(element)s"), {"element": element["text"]["vi"]}),
                    element["points"], str(element["points"]))
    if "bands" in rule:
        otherwise = rule.get("otherwise", 0)
        yield Value(path + ("otherwise",), Said(N_("Điểm khi không thuộc mức nào")), otherwise, str(otherwise))
    yield Value(path + ("missing",), Said(N_("Khi bỏ trống")), rule["missing"], MISSING_NAMES[rule["missing"]])
    for key in ZERO_KEYS:
        if key in rule:
            label = N_("Khi không có trường hợp nào (mẫu số bằng 0)") if key == "zero_denominator" \
                else N_("Khi số trẻ em bằng 0")
            policy = rule[key]["policy"]
            yield Value(path + (key, "policy"), Said(label), policy, ZERO_NAMES[policy])


def find(cset: CriteriaSet, key: str) -> Part | None:
    """The part whose key is ``key`` (as a form or URL sends it), if any."""
    return next((p for p in parts(cset) if p.key == key), None)


# --------------------------------------------------------------------------- reading a part's form


def parse_int(text: str) -> int:
    """A whole number of zero or more, as typed («35», « 35 »); ValueError otherwise."""
    value = int(text.strip())
    if value < 0:
        raise ValueError(text)
    return value


def parse_decimal(text: str) -> Decimal:
    """A number of zero or more with a decimal comma or point («0,5»); ValueError otherwise."""
    try:
        value = Decimal(text.strip().replace(",", "."))
    except InvalidOperation as exc:
        raise ValueError(text) from exc
    if not value.is_finite() or value < 0:
        raise ValueError(text)
    return value


def _get(data: Any, path: PathKey) -> Any:
    for key in path:
        data = data[key]
    return data


def fields(part: Part) -> list[tuple[Value, str]]:
    """The part's values its form shows one by one (bands are rows of their own), each with its field's name."""
    return [(v, format_path(v.path[len(part.path):])) for v in part.values if "bands" not in v.path]


def form_values(data: dict[str, Any], part: Part) -> dict[str, str]:
    """The part's values as its form shows them (field name → text); bands as rows of bound kind and value."""
    out: dict[str, str] = {}
    node = _get(data, part.path)
    rule = node.get("rule", {})
    for value, name in fields(part):
        out[name] = number(value.value) if isinstance(value.value, (int, Decimal)) else str(value.value)
    for bi in range(len(rule.get("bands", ())) + EXTRA_BANDS):
        band = rule["bands"][bi] if bi < len(rule.get("bands", ())) else {}
        lo = next((k for k in LOWER if band.get(k) is not None), "")
        hi = next((k for k in UPPER if band.get(k) is not None), "")
        out |= {f"band{bi}.lo_kind": lo, f"band{bi}.lo": number(band[lo]) if lo else "",
                f"band{bi}.hi_kind": hi, f"band{bi}.hi": number(band[hi]) if hi else "",
                f"band{bi}.points": str(band["points"]) if "points" in band else ""}
    return out


def band_rows(data: dict[str, Any], part: Part) -> int:
    """How many band rows the part's form has (its bands and the empty rows to add more)."""
    bands = _get(data, part.path).get("rule", {}).get("bands")
    return len(bands) + EXTRA_BANDS if bands is not None else 0


def apply_form(data: dict[str, Any], part: Part, form: dict[str, str]) -> dict[str, Said]:
    """Write the form's values into ``data`` (the part only); returns what cannot be read, by field."""
    errors: dict[str, Said] = {}
    node = _get(data, part.path)
    for value, name in fields(part):
        rel = value.path[len(part.path):]
        typed = form.get(name, "").strip()
        target = _get(node, rel[:-1])
        last = rel[-1]
        if last == "missing":
            if typed not in MISSING_NAMES:
                errors[name] = Said(N_("Hãy chọn một cách xử lý."))
            else:
                target[last] = typed
        elif last == "policy":
            if typed not in ZERO_NAMES:
                errors[name] = Said(N_("Hãy chọn một cách xử lý."))
            else:
                target[last] = typed
        else:
            try:
                target[last] = parse_int(typed)
            except ValueError:
                errors[name] = Said(N_("«%(typed)s» không phải số nguyên không âm."), {"typed": typed[:40]})
    rule = node.get("rule", {})
    if "bands" in rule:
        bands = []
        for bi in range(band_rows(data, part)):
            band, blank = _band_of(form, bi, errors)
            if not blank:
                bands.append(band)
        if bands:
            rule["bands"] = bands
        else:
            errors["band0.points"] = Said(N_("Cần ít nhất một mức điểm."))
    return errors


def _band_of(form: dict[str, str], bi: int, errors: dict[str, Said]) -> tuple[dict[str, Any], bool]:
    """One band row of the form: the band and whether the row was left empty (then it is dropped)."""
    field_of = {key: form.get(f"band{bi}.{key}", "").strip() for key in ("lo_kind", "lo", "hi_kind", "hi", "points")}
    if not field_of["lo"] and not field_of["hi"] and not field_of["points"]:
        return {}, True
    band: dict[str, Any] = {}
    for side, kinds in (("lo", LOWER), ("hi", UPPER)):
        typed, kind = field_of[side], field_of[f"{side}_kind"]
        if not typed:
            continue
        if kind not in kinds:
            errors[f"band{bi}.{side}_kind"] = Said(N_("Hãy chọn loại cận."))
            continue
        try:
            band[kind] = parse_decimal(typed)
        except ValueError:
            errors[f"band{bi}.{side}"] = Said(N_("«%(typed)s» không phải số không âm."), {"typed": typed[:40]})
    try:
        band["points"] = parse_int(field_of["points"])
    except ValueError:
        errors[f"band{bi}.points"] = Said(N_("«%(typed)s» không phải số nguyên không âm."),
                                          {"typed": field_of["points"][:40]})
    return band, False


def mark_verified(data: dict[str, Any], part: Part, source: str) -> None:
    """The part is now as the official text states: verified, with the citation as its source.

    An item's bands and policies follow the item (their own flags cleared or set)."""
    node = _get(data, part.path)
    if part.kind == "criterion":
        return
    node["verified"] = True
    node["source"] = source
    rule = node.get("rule", {})
    for band in rule.get("bands", ()):
        band.pop("verified", None)
    for key in ZERO_KEYS:
        if key in rule:
            rule[key]["verified"] = True


# --------------------------------------------------------------------------- the loader's problems in Vietnamese

_MESSAGES: list[tuple[re.Pattern[str], Msg]] = [(re.compile(p), m) for p, m in [
    (r"^threshold (?P<a>\S+) exceeds the total of (?P<b>\S+) points$",
     N_("Số điểm tối thiểu %(a)s vượt tổng %(b)s điểm của bộ tiêu chí.")),
    (r"^item (?P<a>\S+) can earn (?P<b>\S+) points, more than the criterion maximum of (?P<c>\S+)$",
     N_("Mục %(a)s có thể đạt %(b)s điểm, nhiều hơn điểm tối đa %(c)s của tiêu chí.")),
    (r"^items of criterion (?P<a>\S+) add up to (?P<b>\S+) points, not its maximum of (?P<c>\S+)$",
     N_("Các mục của tiêu chí %(a)s cộng lại được %(b)s điểm, không bằng điểm tối đa %(c)s của tiêu chí.")),
    (r"^criterion maxima add up to (?P<a>\S+), not total_points (?P<b>\S+)$",
     N_("Điểm tối đa của các tiêu chí cộng lại được %(a)s, không bằng tổng %(b)s điểm của bộ tiêu chí.")),
    (r"^otherwise earns more than a band$", N_("Điểm khi không thuộc mức nào cao hơn điểm của một mức.")),
    (r"^give at most one lower bound", N_("Chỉ ghi một cận dưới («từ» hoặc «trên»).")),
    (r"^give at most one upper bound", N_("Chỉ ghi một cận trên («đến» hoặc «dưới»).")),
    (r"^a band needs a bound", N_("Mức điểm cần ít nhất một cận.")),
    (r"^bound (?P<a>\S+) is negative$", N_("Cận %(a)s là số âm.")),
    (r"^bound (?P<a>\S+)% is above 100%$", N_("Cận %(a)s%% vượt quá 100%%.")),
    (r"^the band is empty", N_("Mức điểm rỗng: cận dưới không nhỏ hơn cận trên.")),
    (r"^out of order", N_("Sai thứ tự: hãy ghi các mức từ tốt nhất đến kém nhất.")),
    (r"^the best band must have no upper bound", N_("Mức tốt nhất không có cận trên.")),
    (r"^the best band must start at 0", N_("Mức tốt nhất phải bắt đầu từ 0.")),
    (r"^a worse band earns more \((?P<a>\S+)\) than the band before it \((?P<b>\S+)\)$",
     N_("Mức kém hơn lại được nhiều điểm hơn (%(a)s) so với mức trước nó (%(b)s).")),
    (r"^overlap: this band reaches past (?P<a>\S+), which",
     N_("Chồng lấn: mức này vượt qua %(a)s, giá trị mà mức trước đã bao gồm.")),
    (r"^overlap with the band before: (?P<a>\S+) is in both bands$",
     N_("Chồng lấn với mức trước: giá trị %(a)s thuộc cả hai mức.")),
    (r"^overlap with the band before: (?P<a>\S+) to (?P<b>\S+) is covered twice$",
     N_("Chồng lấn với mức trước: khoảng từ %(a)s đến %(b)s thuộc cả hai mức.")),
    (r"^gap between (?P<a>\S+) and (?P<b>\S+):",
     N_("Bỏ trống: không có mức nào cho các giá trị giữa %(a)s và %(b)s.")),
    (r"^gap at (?P<a>\S+):", N_("Bỏ trống: không có mức nào cho giá trị %(a)s.")),
    (r"^Input should be less than or equal to (?P<a>\S+)", N_("Giá trị không được lớn hơn %(a)s.")),
    (r"^valid_until is before valid_from$", N_("Ngày hết hiệu lực trước ngày bắt đầu áp dụng.")),
    (r"^numerator and denominator are the same input$", N_("Tử số và mẫu số là cùng một ô số liệu.")),
    (r"^a null mapping needs a 'mapping_note'", N_("Chỉ tiêu không có cách tính cần ghi lý do.")),
    (r"^input '\S+' is a \S+; \S+ needs a (?P<a>count|boolean)$", N_("Ô số liệu không đúng loại cách tính cần.")),
    (r"^duplicate ", N_("Giá trị bị trùng với một mục khác.")),
]]


def in_vietnamese(message: str) -> Said:
    """A loader message in Vietnamese (numbers with a decimal comma); one the table does not know, generically."""
    for pattern, vi in _MESSAGES:
        found = pattern.search(message)
        if found:
            return Said(vi, {k: number(v) for k, v in found.groupdict().items()})
    return Said(N_("Giá trị không hợp lệ theo quy tắc của bộ tiêu chí."))


def parse_path(text: str) -> PathKey:
    """``criteria[1].items[0]`` → ('criteria', 1, 'items', 0): the inverse of :func:`format_path`."""
    out: list[str | int] = []
    for name, index in re.findall(r"([A-Za-z_][A-Za-z0-9_]*)|\[(\d+)\]", text):
        out.append(name if name else int(index))
    return tuple(out)


def where(problem_path: str, part: Part) -> str | None:
    """The form field of ``part`` a problem at ``problem_path`` belongs to; "" for the part as a whole; None if
    the problem lies outside the part (another part's value, e.g. the criterion's maximum)."""
    path = parse_path(problem_path)
    if path[:len(part.path)] != part.path:
        return None
    rel = path[len(part.path):]
    if len(rel) >= 3 and rel[:2] == ("rule", "bands"):
        band = rel[2]
        if len(rel) >= 4 and rel[3] == "points":
            return f"band{band}.points"
        return f"band{band}"
    return format_path(rel)


# --------------------------------------------------------------------------- what a draft changes


@dataclass(frozen=True)
class Change:
    """One part that differs between two versions: each changed value (name, before, after), the verification."""

    part: Part
    before: Part | None
    values: tuple[tuple[Said, str, str], ...]


def differences(base: list[Part], other: list[Part]) -> list[Change]:
    """Value by value, what the parts ``other`` (of one version of a set) change of ``base`` (of another), part by
    part in the order of the law."""
    old = {p.key: p for p in base}
    out = []
    for part in other:
        before = old.get(part.key)
        was = {v.path: v for v in before.values} if before else {}
        now = {v.path: v for v in part.values}
        rows = []
        for path in [*was, *(p for p in now if p not in was)]:
            a, b = was.get(path), now.get(path)
            if a is None or b is None or a.value != b.value:
                rows.append(((b or a).label, a.shown if a else "—", b.shown if b else "—"))  # type: ignore[union-attr]
        if before is None or rows or before.verified != part.verified or before.source != part.source:
            out.append(Change(part, before, tuple(rows)))
    return out
