"""Every value of an NTM (nông thôn mới) indicator set that concerns children, named as the workbench shows them.

The parts are the regions or commune groups (whose scope a citation confirms), the set's validity, and each
child-related indicator with the way it is computed from the child-friendly inputs and its level per region or
group. A part is verified when its number and wording, its mapping and its levels all are.
"""
from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from criteria.ntm.schema import Indicator, NtmSet

from .criteria_values import Part, Said, Value, fields, number, parse_decimal
from .errors import N_, Msg

MAPPING_NAMES = {"rate_at_most": N_("Tỷ lệ không vượt quá mức của vùng, nhóm"),
                 "rate_at_least": N_("Tỷ lệ đạt ít nhất mức của vùng, nhóm"),
                 "all_yes": N_("Đạt khi mọi ô có/không đều là «có»"),
                 "count_zero": N_("Đạt khi không có trường hợp nào")}


def parts(nset: NtmSet) -> list[Part]:
    """The areas, the validity and the indicators of ``nset``, in the order of the file."""
    scope = Said(N_("Vùng, nhóm áp dụng"))
    out = [Part((nset.area_kind, i), "area", scope, Said(Msg(a.name.vi)), a.verified, a.source, ())
           for i, a in enumerate(nset.areas)]
    until = nset.valid_until.isoformat() if nset.valid_until else "—"
    out.append(Part(("valid_until",), "validity", Said(N_("Hiệu lực")), Said(N_("Thời hạn áp dụng")),
                    nset.validity_verified, None,
                    (Value(("valid_until",), Said(N_("Áp dụng đến hết ngày")), nset.valid_until, until),)))
    names = {c.number: c.name_vi for c in nset.criteria}
    for i, ind in enumerate(nset.indicators):
        mapping = ind.mapping
        verified = ind.verified and (mapping is None or (mapping.verified and getattr(mapping, "levels_verified", True)))
        out.append(Part(("indicators", i), "indicator",
                        Said(N_("Tiêu chí %(n)s. %(name)s"), {"n": ind.criterion, "name": names.get(ind.criterion, "")}),
                        Said(Msg(" ".join(ind.wording_vi.split()))), verified, ind.source,
                        tuple(_values(nset, i, ind))))
    return out


def _values(nset: NtmSet, i: int, ind: Indicator) -> Iterator[Value]:
    path: tuple[Any, ...] = ("indicators", i, "mapping")
    if ind.mapping is None:
        yield Value(path, Said(N_("Cách tính")), None, N_("Không có dữ liệu trẻ em tương ứng"))
        return
    yield Value(path + ("kind",), Said(N_("Cách tính")), ind.mapping.kind, MAPPING_NAMES[ind.mapping.kind])
    names = {a.id: a.name.vi for a in nset.areas}
    for area, level in getattr(ind.mapping, "levels", {}).items():
        yield Value(path + ("levels", area), Said(N_("Mức của %(area)s"), {"area": names.get(area, area)}), level,
                    f"{number(level)}%")


def find(nset: NtmSet, key: str) -> Part | None:
    """The indicator part whose key is ``key`` (as a form or URL sends it), if any: only indicators are edited."""
    return next((p for p in parts(nset) if p.kind == "indicator" and p.key == key), None)


def level_fields(part: Part) -> list[tuple[Value, str]]:
    """The levels (per region or group) an indicator's form shows, each with its field's name."""
    return [(v, name) for v, name in fields(part) if "levels" in v.path]


def form_values(part: Part) -> dict[str, str]:
    """The indicator's form as it stands: each level («24,5») and whether it is verified."""
    return {name: number(v.value) for v, name in level_fields(part)} | {"verified": "1" if part.verified else ""}


def apply_form(data: dict[str, Any], part: Part, form: dict[str, str], source: str) -> dict[str, Said]:
    """Write the indicator's levels, its verified flag (indicator, mapping and levels alike) and ``source`` into
    ``data``; returns what cannot be read, by field (the loader checks the rest)."""
    errors: dict[str, Said] = {}
    indicator = data[part.path[0]][part.path[1]]
    for value, name in level_fields(part):
        typed = form.get(name, "").strip()
        try:
            indicator["mapping"]["levels"][value.path[-1]] = parse_decimal(typed)
        except ValueError:
            errors[name] = Said(N_("«%(typed)s» không phải số không âm."), {"typed": typed[:40]})
    flag = form.get("verified") == "1"
    indicator["verified"], indicator["source"] = flag, source
    if indicator.get("mapping") is not None:
        indicator["mapping"]["verified"] = flag
        if "levels" in indicator["mapping"]:
            indicator["mapping"]["levels_verified"] = flag
    return errors
