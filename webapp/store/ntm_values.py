"""Every value of an NTM (nông thôn mới) indicator set that concerns children, named as the workbench shows them.

The parts are the regions or commune groups (name, note, whether their scope is confirmed), the set's validity,
and each child-related indicator: its number and wording, the way it is computed from the child-friendly inputs
(the kind and the inputs it reads, named by their Vietnamese labels) and its level per region or group. A part
is edited through its *fields* (one per value, by the name a form or a sheet row uses), and a part's values are
what the comparison of two versions lists, value by value.
"""
from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from typing import Any

import criteria
import criteria.ntm
from criteria.export import plain_data
from criteria.ntm.schema import NtmSet

from .criteria_values import Part, Said, Value, number, parse_decimal
from .errors import N_, Msg
from .vietnamese import parse_short_date, short_date

MAPPING_NAMES = {"rate_at_most": N_("Tỷ lệ không vượt quá mức của vùng, nhóm"),
                 "rate_at_least": N_("Tỷ lệ đạt ít nhất mức của vùng, nhóm"),
                 "all_yes": N_("Đạt khi mọi ô có/không đều là «có»"),
                 "count_zero": N_("Đạt khi không có trường hợp nào")}
NO_MAPPING = N_("Không có dữ liệu trẻ em tương ứng")
RATES = ("rate_at_most", "rate_at_least")
SEPARATOR = "; "  # between the labels of an «all yes» mapping's inputs, in a form or a sheet cell
LIMITS = {"number": 40, "wording_vi": 1000, "name": 200, "note": 1000}  # characters of a text field


@dataclass(frozen=True)
class Field:
    """One value a part's form (and a sheet row) edits: its name, label, what it holds and where it is written
    (a path under the part's node; the validity's under the set)."""

    name: str
    label: Said
    kind: str  # text, long, date, percent, kind (a mapping's, by its name), count, counts (a count input), yes_no
    path: tuple[Any, ...]


@cache
def input_labels() -> dict[str, str]:
    """The Vietnamese label of each child-friendly input the NTM mappings read (by the input's id)."""
    return {name: spec.label.vi for name, spec in criteria.get(criteria.ntm.CF_SET_ID).inputs.items()}


@cache
def inputs_of(kind: str) -> dict[str, str]:
    """The inputs of one type («count», «boolean»): label → id, in the set's order (labels are what people pick)."""
    cset = criteria.get(criteria.ntm.CF_SET_ID)
    return {spec.label.vi: name for name, spec in cset.inputs.items() if spec.type == kind}


def _label(name: str | None) -> str:
    return input_labels().get(name, name) if name else "—"


def parts(nset: NtmSet) -> list[Part]:
    """The areas, the validity and the indicators of ``nset``, in the order of the file."""
    scope = Said(N_("Vùng, nhóm áp dụng"))
    kind = nset.area_kind
    out = [Part((kind, i), "area", scope, Said(Msg(a.name.vi)), a.verified, a.source,
                (Value((kind, i, "name", "vi"), Said(N_("Tên")), a.name.vi, a.name.vi),
                 Value((kind, i, "note"), Said(N_("Ghi chú")), a.note, a.note or "—")))
           for i, a in enumerate(nset.areas)]
    out.append(Part(("validity",), "validity", Said(N_("Hiệu lực")), Said(N_("Thời hạn áp dụng")),
                    nset.validity_verified, None,
                    (Value(("valid_from",), Said(N_("Áp dụng từ ngày")), nset.valid_from, _date(nset.valid_from)),
                     Value(("valid_until",), Said(N_("Áp dụng đến hết ngày")), nset.valid_until,
                           _date(nset.valid_until)))))
    names = {c.number: c.name_vi for c in nset.criteria}
    for i, ind in enumerate(nset.indicators):
        mapping = ind.mapping
        verified = ind.verified and (mapping is None or (mapping.verified and getattr(mapping, "levels_verified", True)))
        out.append(Part(("indicators", i), "indicator",
                        Said(N_("Tiêu chí %(n)s. %(name)s"), {"n": ind.criterion, "name": names.get(ind.criterion, "")}),
                        Said(Msg(" ".join(ind.wording_vi.split()))), verified, ind.source,
                        tuple(_values(nset, i))))
    return out


def _date(day: dt.date | None) -> str:
    return short_date(day) or "—"


def _values(nset: NtmSet, i: int) -> Iterator[Value]:
    """An indicator's values: number, wording, the mapping's kind, inputs, levels and notes."""
    ind = nset.indicators[i]
    path: tuple[Any, ...] = ("indicators", i)
    yield Value(path + ("number",), Said(N_("Số hiệu chỉ tiêu")), ind.number, ind.number or "—")
    yield Value(path + ("wording_vi",), Said(N_("Lời văn")), ind.wording_vi, " ".join(ind.wording_vi.split()))
    m = ind.mapping
    if m is None:
        yield Value(path + ("mapping",), Said(N_("Cách tính")), None, NO_MAPPING)
        yield Value(path + ("mapping_note",), Said(N_("Lý do không có cách tính")), ind.mapping_note,
                    ind.mapping_note or "—")
        return
    mpath = path + ("mapping",)
    yield Value(mpath + ("kind",), Said(N_("Cách tính")), m.kind, MAPPING_NAMES[m.kind])
    for name, label in (("numerator", N_("Tử số")), ("denominator", N_("Mẫu số")), ("input", N_("Số đếm"))):
        if hasattr(m, name):
            yield Value(mpath + (name,), Said(label), getattr(m, name), _label(getattr(m, name)))
    if hasattr(m, "inputs"):
        yield Value(mpath + ("inputs",), Said(N_("Các ô có/không")), list(m.inputs),
                    SEPARATOR.join(_label(n) for n in m.inputs))
    names = {a.id: a.name.vi for a in nset.areas}
    for area, level in getattr(m, "levels", {}).items():
        yield Value(mpath + ("levels", area), Said(N_("Mức của %(area)s"), {"area": names.get(area, area)}), level,
                    f"{number(level)}%")
    yield Value(mpath + ("note",), Said(N_("Ghi chú cách tính")), m.note, m.note or "—")


def find(nset: NtmSet, key: str) -> Part | None:
    """The part whose key is ``key`` (as a form, a sheet or a URL sends it), if any."""
    return next((p for p in parts(nset) if p.key == key), None)


# --------------------------------------------------------------------------- a part's form


def form_fields(nset: NtmSet, part: Part) -> list[Field]:
    """The fields of ``part``'s form, in order: every value it has, the levels of every region or group (empty:
    no level) and, for an indicator, the inputs of every kind of mapping (the chosen kind reads its own)."""
    if part.kind == "area":
        return [Field("name", Said(N_("Tên")), "text", ("name", "vi")), Field("note", Said(N_("Ghi chú")), "long", ("note",))]
    if part.kind == "validity":
        return [Field("valid_from", Said(N_("Áp dụng từ ngày")), "date", ("valid_from",)),
                Field("valid_until", Said(N_("Áp dụng đến hết ngày (để trống nếu chưa có)")), "date", ("valid_until",))]
    out = [Field("number", Said(N_("Số hiệu chỉ tiêu")), "text", ("number",)),
           Field("wording_vi", Said(N_("Lời văn")), "long", ("wording_vi",)),
           Field("mapping.kind", Said(N_("Cách tính")), "kind", ("mapping", "kind")),
           Field("mapping.numerator", Said(N_("Tử số (cách tính tỷ lệ)")), "count", ("mapping", "numerator")),
           Field("mapping.denominator", Said(N_("Mẫu số (cách tính tỷ lệ)")), "count", ("mapping", "denominator"))]
    out += [Field(f"mapping.levels.{a.id}", Said(N_("Mức của %(area)s (%%, cách tính tỷ lệ; để trống nếu chưa có)"),
                                                 {"area": a.name.vi}), "percent", ("mapping", "levels", a.id))
            for a in nset.areas]
    return out + [Field("mapping.inputs", Said(N_("Các ô có/không (cách tính có/không)")), "yes_no", ("mapping", "inputs")),
                  Field("mapping.input", Said(N_("Số đếm (cách tính không có trường hợp nào)")), "counts",
                        ("mapping", "input")),
                  Field("mapping.note", Said(N_("Ghi chú cách tính")), "long", ("mapping", "note")),
                  Field("mapping_note", Said(N_("Lý do không có cách tính")), "long", ("mapping_note",))]


def _node(data: dict[str, Any], part: Part) -> dict[str, Any]:
    """The part's node in the set's plain data (the validity's values are the set's own)."""
    return data if part.kind == "validity" else data[part.path[0]][part.path[1]]


def _at(node: Any, path: tuple[Any, ...]) -> Any:
    for key in path:
        node = node.get(key) if isinstance(node, dict) else None
    return node


def _shown(field: Field, value: Any) -> str:
    """A value as its field (or sheet cell) shows it: labels for inputs, a decimal comma, a date as dd/mm/yyyy."""
    if value is None:
        return ""
    if field.kind in ("count", "counts"):
        return _label(value)
    if field.kind == "yes_no":
        return SEPARATOR.join(_label(n) for n in value)
    if field.kind == "percent":
        return number(value)
    if field.kind == "date":
        return _date(value)
    if field.kind == "kind":
        return str(MAPPING_NAMES[value])
    return str(value)


FLAGS = ("verified", "mapping.verified", "mapping.levels_verified")
"""An indicator's verified flags, as its form names them: its number and wording, its mapping, its levels (a
region's, group's or the validity's form has the first only)."""


def form_values(nset: NtmSet, part: Part) -> dict[str, str]:
    """The part's form as it stands (field name → text) and its verified flags («1» or empty)."""
    node = _node(plain_data(nset), part)
    flags = {"verified": part.verified} if part.kind != "indicator" else \
        {name: _at(node, tuple(name.split("."))) for name in FLAGS}
    return {f.name: _shown(f, _at(node, f.path)) for f in form_fields(nset, part)} | \
        {name: "1" if flag else "" for name, flag in flags.items()}


def _input(typed: str, kind: str) -> str:
    """The id of the input of ``kind`` («count», «boolean») labelled ``typed``; ValueError if none is."""
    found = inputs_of(kind).get(" ".join(typed.split()))
    if found is None:
        raise ValueError(typed)
    return found


def _read(field: Field, typed: str, errors: dict[str, Said]) -> Any:
    """The value typed in ``field`` (None for an empty optional one); a problem goes into ``errors``."""
    try:
        if field.kind == "percent":
            return parse_decimal(typed) if typed else None
        if field.kind == "date":
            return parse_short_date(typed) if typed else None
        if field.kind in ("count", "counts"):
            return _input(typed, "count") if typed else None
        if field.kind == "yes_no":
            return [_input(t, "boolean") for t in typed.split(";") if t.strip()]
    except ValueError:
        errors[field.name] = Said({"percent": N_("«%(typed)s» không phải số không âm."),
                                   "date": N_("«%(typed)s» không phải ngày (ghi ngày/tháng/năm, ví dụ 15/02/2026)."),
                                   }.get(field.kind, N_("«%(typed)s» không phải một ô số liệu của loại cần chọn.")),
                                  {"typed": typed[:60]})
        return None
    limit = LIMITS.get(field.path[-1] if field.path[-1] != "vi" else "name", 1000)
    if len(typed) > limit:
        errors[field.name] = Said(N_("Dài quá %(limit)s ký tự."), {"limit": limit})
    return typed or None


def apply_form(data: dict[str, Any], nset: NtmSet, part: Part, form: dict[str, str],
               source: str) -> dict[str, Said]:
    """Write the part's values from ``form`` into ``data`` with its verified flags (:data:`FLAGS`) and ``source``
    (an indicator's or a region's, group's; the validity has none); returns what cannot be read, by field (the
    loader checks the rest)."""
    errors: dict[str, Said] = {}
    node = _node(data, part)
    got = {f.name: _read(f, " ".join(form.get(f.name, "").split()) if f.kind != "long" else form.get(f.name, "").strip(),
                         errors) for f in form_fields(nset, part)}
    flag = form.get("verified") == "1"
    if part.kind == "validity":
        data |= {"valid_from": got["valid_from"], "valid_until": got["valid_until"], "validity_verified": flag}
        if got["valid_from"] is None:
            errors.setdefault("valid_from", Said(N_("Hãy ghi ngày bắt đầu áp dụng.")))
        return errors
    node["verified"], node["source"] = flag, source
    if part.kind == "area":
        node["name"]["vi"], node["note"] = got["name"], got["note"]
        if not got["name"]:
            errors.setdefault("name", Said(N_("Hãy ghi tên vùng, nhóm.")))
        return errors
    node |= {"number": got["number"], "wording_vi": got["wording_vi"], "mapping_note": got["mapping_note"]}
    flags = {name: form.get(name) == "1" for name in FLAGS}
    if not got["wording_vi"]:
        errors.setdefault("wording_vi", Said(N_("Hãy ghi lời văn của chỉ tiêu.")))
    named = " ".join(form.get("mapping.kind", "").split())
    kind = next((code for code, name in MAPPING_NAMES.items() if name == named), "" if named in ("", NO_MAPPING) else None)
    node["mapping"] = _mapping(nset, kind, got, flags, errors)
    return errors


def _mapping(nset: NtmSet, kind: str | None, got: dict[str, Any], flags: dict[str, bool],
             errors: dict[str, Said]) -> dict[str, Any] | None:
    """The mapping of ``kind`` the form describes (None: no child-friendly input measures the indicator; ``kind``
    None: the form named no known kind)."""
    if kind == "":
        return None
    if kind is None:
        errors["mapping.kind"] = Said(N_("Hãy chọn cách tính."))
        return None
    needed = {"all_yes": ("mapping.inputs",), "count_zero": ("mapping.input",)}.get(
        kind, ("mapping.numerator", "mapping.denominator"))
    for name in needed:
        if not got[name] and name not in errors:
            errors[name] = Said(N_("Hãy chọn ô số liệu cho cách tính này."))
    mapping: dict[str, Any] = {"kind": kind}
    if kind in RATES:
        levels = {a.id: got[f"mapping.levels.{a.id}"] for a in nset.areas}
        mapping |= {"numerator": got["mapping.numerator"], "denominator": got["mapping.denominator"],
                    "levels": {k: v for k, v in levels.items() if v is not None},
                    "levels_verified": flags["mapping.levels_verified"]}
    elif kind == "all_yes":
        mapping["inputs"] = got["mapping.inputs"]
    else:
        mapping["input"] = got["mapping.input"]
    return mapping | {"verified": flags["mapping.verified"], "note": got["mapping.note"]}


def field_of(problem_path: str, part: Part) -> str | None:
    """The form field of ``part`` a loader problem at ``problem_path`` belongs to (None: outside its form)."""
    if part.kind == "validity":
        return problem_path if problem_path in ("valid_from", "valid_until") else None
    if not problem_path.startswith(part.key + ".") and problem_path != part.key:
        return None
    rel = re.sub(r"\[\d+\]", "", problem_path[len(part.key):]).lstrip(".")
    return "name" if rel.startswith("name") else rel or None


def choices(kind: str) -> list[str]:
    """The labels a field of ``kind`` offers to choose from («count»: count inputs, «yes_no»: yes/no inputs)."""
    return list(inputs_of("boolean" if kind == "yes_no" else "count")) if kind in ("count", "counts", "yes_no") else []

