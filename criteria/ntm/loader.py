"""Load an NTM criteria set from YAML: parse, validate the schema, check consistency.

Every error names the file, the line and the key path, e.g.
``criteria/ntm/ntm-qd318-2022.yaml:140 indicators[2].mapping.levels.tdmnbp: unknown region …``.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

from pydantic import ValidationError

from criteria.errors import CriteriaInvalid
from criteria.loader import schema_problems
from criteria.schema import CriteriaSet
from criteria.yamlsource import PathKey, YamlSource, read_yaml

from .schema import INPUT_TYPES, MAPPING_KINDS, AllYes, CountZero, NtmSet, RateAtLeast, RateAtMost

Finding = tuple[PathKey, str]


def load_file(path: Path | str, cf_set: CriteriaSet | None = None, display_name: str | None = None) -> NtmSet:
    """Read and validate the NTM set in ``path``; with ``cf_set``, also check every mapped input."""
    return load_source(read_yaml(path, display_name=display_name), cf_set)


def load_text(text: str, name: str = "<text>", cf_set: CriteriaSet | None = None) -> NtmSet:
    return load_source(read_yaml(name, text=text), cf_set)


def load_source(source: YamlSource, cf_set: CriteriaSet | None = None) -> NtmSet:
    if not isinstance(source.data, dict):
        raise CriteriaInvalid([source.problem((), "an NTM criteria set must be a mapping of keys")])
    try:
        nset = NtmSet.model_validate(source.data)
    except ValidationError as exc:
        raise CriteriaInvalid(schema_problems(source, exc, MAPPING_KINDS, "mapping kind")) from None
    findings = check_set(nset, cf_set)
    if findings:
        problems = [source.problem(path, message) for path, message in findings]
        raise CriteriaInvalid(sorted(problems, key=lambda p: (p.line or 0, p.path)))
    return nset


def check_set(nset: NtmSet, cf_set: CriteriaSet | None = None) -> list[Finding]:
    """Consistency rules that need the whole set (and optionally the child-friendly set)."""
    out: list[Finding] = []
    if (nset.regions is None) == (nset.groups is None):
        out.append(((), "give exactly one of 'regions' (QĐ 318) or 'groups' (QĐ 51)"))
    if nset.valid_until is not None and nset.valid_until < nset.valid_from:
        out.append((("valid_until",), "valid_until is before valid_from"))
    kind = nset.area_kind
    area_ids = [a.id for a in nset.areas]
    out += _duplicates(area_ids, lambda i: (kind, i, "id"), f"{kind[:-1]} id")
    out += _duplicates([c.number for c in nset.criteria], lambda i: ("criteria", i, "number"), "criterion number")
    out += _duplicates([i.id for i in nset.indicators], lambda i: ("indicators", i, "id"), "indicator id")
    numbers = {c.number for c in nset.criteria}
    known_areas = ", ".join(area_ids) or "none"
    for n, ind in enumerate(nset.indicators):
        base: PathKey = ("indicators", n)
        if ind.criterion not in numbers:
            out.append((base + ("criterion",), f"criterion {ind.criterion} is not in this set's criteria list"))
        m = ind.mapping
        if m is None:
            if not ind.mapping_note:
                out.append((base + ("mapping_note",), "a null mapping needs a 'mapping_note' saying why"))
            continue
        mpath = base + ("mapping",)
        if isinstance(m, (RateAtMost, RateAtLeast)):
            for key in m.levels:
                if key not in area_ids:
                    out.append((mpath + ("levels", key), f"unknown {kind[:-1]} {key!r}; expected one of: {known_areas}"))
            if m.numerator == m.denominator:
                out.append((mpath + ("denominator",), "numerator and denominator are the same input"))
        if cf_set is not None:
            out += _check_inputs(m, mpath, cf_set)
    return out


def _duplicates(values: list[Any], path_of: Any, what: str) -> list[Finding]:
    seen: dict[Any, int] = {}
    out: list[Finding] = []
    for i, value in enumerate(values):
        if value in seen:
            out.append((path_of(i), f"duplicate {what} {value!r} (first at index {seen[value]})"))
        else:
            seen[value] = i
    return out


def _check_inputs(m: RateAtMost | RateAtLeast | AllYes | CountZero, mpath: PathKey, cf_set: CriteriaSet) -> list[Finding]:
    if isinstance(m, AllYes):
        named: list[tuple[PathKey, str]] = [(mpath + ("inputs", i), name) for i, name in enumerate(m.inputs)]
    elif isinstance(m, CountZero):
        named = [(mpath + ("input",), m.input)]
    else:
        named = [(mpath + ("numerator",), m.numerator), (mpath + ("denominator",), m.denominator)]
    wanted = INPUT_TYPES[m.kind]
    out: list[Finding] = []
    for path, name in named:
        spec = cf_set.inputs.get(name)
        if spec is None:
            out.append((path, f"unknown input {name!r}: not an input of criteria set {cf_set.id} {cf_set.version}"))
        elif spec.type != wanted:
            out.append((path, f"input {name!r} is a {spec.type}; {m.kind} needs a {wanted}"))
    return out
