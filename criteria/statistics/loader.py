"""Load a statistics set from YAML: parse, validate the schema, check consistency.

Every error names the file, the line and the key path, e.g.
``criteria/statistics/tt13-2021.yaml:40 indicators[2].numerator.input: unknown input 'birth' …``.
"""
from __future__ import annotations

from pathlib import Path

from pydantic import ValidationError

from criteria.errors import CriteriaInvalid
from criteria.loader import schema_problems
from criteria.schema import CriteriaSet
from criteria.yamlsource import PathKey, YamlSource, read_yaml

from .schema import PER, TERM_KINDS, TERM_TYPES, Communes, Indicator, StatisticsSet, SumOf, YesCount

Finding = tuple[PathKey, str]


def load_file(path: Path | str, cf_set: CriteriaSet | None = None, display_name: str | None = None) -> StatisticsSet:
    """Read and validate the statistics set in ``path``; with ``cf_set``, also check every input it reads."""
    return load_source(read_yaml(path, display_name=display_name), cf_set)


def load_text(text: str, name: str = "<text>", cf_set: CriteriaSet | None = None) -> StatisticsSet:
    return load_source(read_yaml(name, text=text), cf_set)


def load_source(source: YamlSource, cf_set: CriteriaSet | None = None) -> StatisticsSet:
    if not isinstance(source.data, dict):
        raise CriteriaInvalid([source.problem((), "a statistics set must be a mapping of keys")])
    try:
        sset = StatisticsSet.model_validate(source.data)
    except ValidationError as exc:
        raise CriteriaInvalid(schema_problems(source, exc, TERM_KINDS, "term kind")) from None
    findings = check_set(sset, cf_set)
    if findings:
        problems = [source.problem(path, message) for path, message in findings]
        raise CriteriaInvalid(sorted(problems, key=lambda p: (p.line or 0, p.path)))
    return sset


def check_set(sset: StatisticsSet, cf_set: CriteriaSet | None = None) -> list[Finding]:
    """Rules that need the whole set (and optionally the criteria set whose inputs the formulas read)."""
    out: list[Finding] = []
    if cf_set is not None and cf_set.id != sset.criteria_set:
        out.append((("criteria_set",), f"the set reads {sset.criteria_set!r}, checked against {cf_set.id!r}"))
    seen: dict[str, int] = {}
    codes: dict[tuple[str, str], int] = {}
    for n, ind in enumerate(sset.indicators):
        base: PathKey = ("indicators", n)
        if ind.id in seen:
            out.append((base + ("id",), f"duplicate indicator id {ind.id!r} (first at index {seen[ind.id]})"))
        seen.setdefault(ind.id, n)
        if ind.code is not None:
            key = (ind.annex, ind.code)
            if key in codes:
                out.append((base + ("code",), f"duplicate code {ind.code!r} in annex {ind.annex!r} "
                                              f"(first at index {codes[key]})"))
            codes.setdefault(key, n)
        elif ind.code_verified:
            out.append((base + ("code_verified",), "an indicator without a code cannot have a verified code"))
        out += _check_formula(ind, base)
        if cf_set is not None:
            out += _check_inputs(ind, base, cf_set)
    for n, item in enumerate(sset.not_covered):
        if item.code is None and item.code_verified:
            out.append((("not_covered", n, "code_verified"), "an indicator without a code cannot have a verified code"))
    return out


def _check_formula(ind: Indicator, base: PathKey) -> list[Finding]:
    out: list[Finding] = []
    if ind.unit in PER and ind.denominator is None:
        out.append((base + ("denominator",), f"a rate in {ind.unit} needs a denominator"))
    if ind.unit not in PER and ind.denominator is not None:
        out.append((base + ("denominator",), f"a count («{ind.unit}») has no denominator; use % or ‰ for a rate"))
    if isinstance(ind.numerator, Communes):
        out.append((base + ("numerator", "kind"), "the numerator cannot be the number of communes reporting"))
    if ind.denominator is not None and ind.numerator == ind.denominator:
        out.append((base + ("denominator",), "numerator and denominator are the same"))
    return out


def _check_inputs(ind: Indicator, base: PathKey, cf_set: CriteriaSet) -> list[Finding]:
    out: list[Finding] = []
    for key, term in (("numerator", ind.numerator), ("denominator", ind.denominator)):
        if not isinstance(term, (SumOf, YesCount)):
            continue
        spec = cf_set.inputs.get(term.input)
        wanted = TERM_TYPES[term.kind]
        if spec is None:
            out.append((base + (key, "input"), f"unknown input {term.input!r}: not an input of criteria set "
                                               f"{cf_set.id} {cf_set.version}"))
        elif spec.type != wanted:
            out.append((base + (key, "input"), f"input {term.input!r} is a {spec.type}; {term.kind} needs a {wanted}"))
    return out
