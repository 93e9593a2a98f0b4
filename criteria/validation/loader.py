"""Load validation rules from YAML: parse, validate the schema, check them against their criteria set.

Every error names the file, the line and the key path, e.g.
``criteria/validation/qd06-2019.yaml:40 rules[2].right[0]: 'childen' is not an input of qd06-2019``.
"""
from __future__ import annotations

from pathlib import Path

from pydantic import ValidationError

from criteria.errors import CriteriaInvalid
from criteria.loader import schema_problems
from criteria.schema import CriteriaSet
from criteria.yamlsource import PathKey, YamlSource, read_yaml

from .schema import ValidationSet

Finding = tuple[PathKey, str]


def load_file(path: Path | str, cset: CriteriaSet, display_name: str | None = None) -> ValidationSet:
    """Read the validation rules in ``path`` and check them against ``cset``."""
    return load_source(read_yaml(path, display_name=display_name), cset)


def load_text(text: str, cset: CriteriaSet, name: str = "<text>") -> ValidationSet:
    return load_source(read_yaml(name, text=text), cset)


def load_source(source: YamlSource, cset: CriteriaSet) -> ValidationSet:
    if not isinstance(source.data, dict):
        raise CriteriaInvalid([source.problem((), "validation rules must be a mapping of keys")])
    try:
        vset = ValidationSet.model_validate(source.data)
    except ValidationError as exc:
        raise CriteriaInvalid(schema_problems(source, exc, (), "kind")) from None
    findings = check_set(vset, cset)
    if findings:
        problems = [source.problem(path, message) for path, message in findings]
        raise CriteriaInvalid(sorted(problems, key=lambda p: (p.line or 0, p.path)))
    return vset


def ratio_pairs(cset: CriteriaSet) -> dict[tuple[str, str], str]:
    """(numerator, denominator) → the item whose own input check already refuses numerator > denominator."""
    pairs = {}
    for _crit, item in cset.items():
        rule = item.rule
        if rule.kind == "rate_bands":
            pairs[(rule.numerator, rule.denominator)] = item.id
        elif rule.kind == "incidence_bands":
            pairs[(rule.count, rule.population)] = item.id
    return pairs


def check_set(vset: ValidationSet, cset: CriteriaSet) -> list[Finding]:
    """Every input named exists in ``cset`` and is a count; rule ids are unique; no rule restates a relation
    the checklist already enforces (a numerator above its denominator is refused when typed: one place decides)."""
    out: list[Finding] = []
    if vset.criteria_set != cset.id:
        out.append((("criteria_set",), f"these rules are for {vset.criteria_set!r}, not {cset.id!r}"))
    seen: dict[str, int] = {}
    pairs = ratio_pairs(cset)
    for n, rule in enumerate(vset.rules):
        base: PathKey = ("rules", n)
        if rule.id in seen:
            out.append((base + ("id",), f"duplicate rule id {rule.id!r} (first in rules[{seen[rule.id]}])"))
        seen.setdefault(rule.id, n)
        for side in ("left", "right"):
            for i, name in enumerate(getattr(rule, side)):
                out += _count_input(cset, name, base + (side, i))
        both = set(rule.left) & set(rule.right)
        if both:
            out.append((base, f"{', '.join(sorted(both))} on both sides of the relation"))
        if len(rule.left) == len(rule.right) == 1 and rule.factor == 1 and rule.relation == "at_most":
            item = pairs.get((rule.left[0], rule.right[0]))
            if item:
                out.append((base, f"item {item} already refuses {rule.left[0]} above {rule.right[0]} when it is "
                                  "typed; remove this rule (one place decides)"))
    for i, name in enumerate(vset.outliers.population):
        out += _count_input(cset, name, ("outliers", "population", i))
    return out


def _count_input(cset: CriteriaSet, name: str, path: PathKey) -> list[Finding]:
    spec = cset.inputs.get(name)
    if spec is None:
        return [(path, f"{name!r} is not an input of {cset.id}")]
    if spec.type != "count":
        return [(path, f"{name!r} is a {spec.type}, not a count")]
    return []
