"""Consistency checks that span a whole criteria set: sums, bands, references.

Each check yields ``(key path, message)``; the loader turns the path into a file line.
"""
from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from typing import Any

from .schema import Band, CriteriaSet, Item
from .yamlsource import PathKey

Finding = tuple[PathKey, str]

_INPUT_TYPES = {
    "yes_no": "boolean",
    "checklist": "boolean",
    "manual_score": "score",
    "rate_bands": "count",
    "incidence_bands": "count",
    "count_bands": "count",
}


def check_set(cset: CriteriaSet) -> list[Finding]:
    """Every consistency problem of ``cset``, in file order as far as possible."""
    findings: list[Finding] = []
    for check in (_check_categories, _check_recognition, _check_criteria, _check_inputs):
        findings.extend(check(cset))
    return findings


def _check_categories(cset: CriteriaSet) -> Iterator[Finding]:
    seen: set[str] = set()
    for i, cat in enumerate(cset.categories):
        if cat.id in seen:
            yield ("categories", i, "id"), f"category id {cat.id!r} is used twice"
        seen.add(cat.id)
        if cat.threshold > cset.total_points:
            yield (("categories", i, "threshold"),
                   f"threshold {cat.threshold} exceeds the total of {cset.total_points} points")


def _check_recognition(cset: CriteriaSet) -> Iterator[Finding]:
    seen: set[str] = set()
    for i, cond in enumerate(cset.recognition):
        if cond.kind in seen:
            yield ("recognition", i, "kind"), f"recognition condition {cond.kind!r} is given twice"
        seen.add(cond.kind)


def _check_criteria(cset: CriteriaSet) -> Iterator[Finding]:
    numbers: set[int] = set()
    item_ids: set[str] = set()
    for ci, crit in enumerate(cset.criteria):
        path: PathKey = ("criteria", ci)
        if crit.number in numbers:
            yield path + ("number",), f"criterion number {crit.number} is used twice"
        numbers.add(crit.number)
        total = 0
        for ii, item in enumerate(crit.items):
            ipath = path + ("items", ii)
            if item.id in item_ids:
                yield ipath + ("id",), f"item id {item.id!r} is used twice"
            item_ids.add(item.id)
            total += item.max_points
            if item.max_points > crit.max_points:
                yield (ipath, f"item {item.id} can earn {item.max_points} points, more than the "
                              f"criterion maximum of {crit.max_points}")
            yield from _check_item(item, ipath)
        if total != crit.max_points:
            yield (path + ("max_points",),
                   f"items of criterion {crit.number} add up to {total} points, "
                   f"not its maximum of {crit.max_points}")
    maxima = sum(c.max_points for c in cset.criteria)
    if maxima != cset.total_points:
        yield ("total_points",), f"criterion maxima add up to {maxima}, not total_points {cset.total_points}"


def _check_item(item: Item, path: PathKey) -> Iterator[Finding]:
    rule = item.rule
    rpath = path + ("rule",)
    bands = getattr(rule, "bands", None)
    if bands is not None:
        higher = getattr(rule, "better", "lower") == "higher"
        yield from _check_bands(bands, higher, rule.kind == "rate_bands", rule.kind == "count_bands",
                               rpath + ("bands",))
        if rule.otherwise > min(b.points for b in bands):
            yield rpath + ("otherwise",), "otherwise earns more than a band"
    if item.verified:
        if bands is not None:
            for bi, band in enumerate(bands):
                if band.verified is False:
                    yield (rpath + ("bands", bi, "verified"),
                           f"item {item.id} is marked verified but this band is not")
        for key in ("zero_denominator", "zero_population"):
            policy = getattr(rule, key, None)
            if policy is not None and not policy.verified:
                yield (rpath + (key, "verified"),
                       f"item {item.id} is marked verified but its {key} policy is not")


def _bounds(band: Band) -> tuple[tuple[Decimal, bool] | None, tuple[Decimal, bool] | None]:
    """(lower, inclusive) and (upper, inclusive); None where unbounded."""
    lo = (band.at_least, True) if band.at_least is not None else (band.above, False) if band.above is not None else None
    hi = (band.at_most, True) if band.at_most is not None else (band.below, False) if band.below is not None else None
    return lo, hi


def _check_bands(bands: list[Band], higher: bool, is_rate: bool, integers: bool,
                 path: PathKey) -> Iterator[Finding]:
    """Bands are listed best first, touch without overlapping, and never pay more for worse."""
    shape_ok = True
    for bi, band in enumerate(bands):
        bpath = path + (bi,)
        if band.at_least is not None and band.above is not None:
            yield bpath, "give at most one lower bound (at_least or above), not both"
            shape_ok = False
        if band.at_most is not None and band.below is not None:
            yield bpath, "give at most one upper bound (at_most or below), not both"
            shape_ok = False
        lo, hi = _bounds(band)
        if lo is None and hi is None:
            yield bpath, "a band needs a bound (at_least, above, at_most or below)"
            shape_ok = False
            continue
        for bound in (lo, hi):
            if bound is not None and bound[0] < 0:
                yield bpath, f"bound {bound[0]} is negative"
            if bound is not None and is_rate and bound[0] > 100:
                yield bpath, f"bound {bound[0]}% is above 100%"
        if lo and hi and (lo[0] > hi[0] or (lo[0] == hi[0] and not (lo[1] and hi[1]))):
            yield bpath, "the band is empty: its lower bound is not below its upper bound"
            shape_ok = False
    if not shape_ok:
        return
    pairs = [f for bi in range(1, len(bands))
             for f in _check_pair(bands[bi - 1], bands[bi], higher, integers, path + (bi,))]
    if any(message.startswith("out of order") for _, message in pairs):
        yield from (f for f in pairs if f[1].startswith("out of order"))
        return  # the other findings would only describe the wrong order
    first_lo, first_hi = _bounds(bands[0])
    if higher and first_hi is not None:
        yield path + (0,), "the best band must have no upper bound (leave out at_most and below)"
    if not higher and first_lo is not None and first_lo != (0, True):
        yield path + (0,), "the best band must start at 0 (leave out at_least and above)"
    yield from pairs
    for bi in range(1, len(bands)):
        if bands[bi].points > bands[bi - 1].points:
            yield (path + (bi, "points"),
                   f"a worse band earns more ({bands[bi].points}) than the band before it "
                   f"({bands[bi - 1].points})")


def _check_pair(better: Band, worse: Band, higher: bool, integers: bool, path: PathKey) -> Iterator[Finding]:
    """``worse`` must begin exactly where ``better`` ends, on the side away from the best.

    For higher-is-better bands the edge is the better band's lower bound and the worse
    band's upper bound; for lower-is-better bands, the other way round. For whole-number
    counts, ``at_most: 0`` followed by ``at_least: 1`` touches.
    """
    (b_lo, b_hi), (w_lo, w_hi) = _bounds(better), _bounds(worse)
    edge, touching, far = (b_lo, w_hi, w_lo) if higher else (b_hi, w_lo, w_hi)
    if edge is None or (far is not None and (far[0] >= edge[0] if higher else far[0] <= edge[0])):
        yield path, "out of order: list bands from best to worst"
        return
    if touching is None:
        yield path, f"overlap: this band reaches past {edge[0]}, which the band before covers"
        return
    (e, e_incl), (t, t_incl) = edge, touching
    if integers and e_incl and t_incl and abs(t - e) == 1 and t == int(t) and e == int(e):
        return
    if (t > e if higher else t < e) or (t == e and e_incl and t_incl):
        both = f"{e} is in both bands" if t == e else f"{min(t, e)} to {max(t, e)} is covered twice"
        yield path, f"overlap with the band before: {both}"
    elif t != e or not (e_incl or t_incl):
        gap = f"between {min(t, e)} and {max(t, e)}" if t != e else f"at {e}"
        yield path, f"gap {gap}: no band covers these values"


def _input_keys(rule: Any) -> list[tuple[PathKey, str]]:
    """Each input a rule names, with the key path (under ``rule``) that names it."""
    if rule.kind == "checklist":
        return [(("elements", i, "input"), e.input) for i, e in enumerate(rule.elements)]
    keys = {"rate_bands": ("numerator", "denominator"), "incidence_bands": ("count", "population")}
    return [((key,), getattr(rule, key)) for key in keys.get(rule.kind, ("input",))]


def _check_inputs(cset: CriteriaSet) -> Iterator[Finding]:
    used: set[str] = set()
    for ci, crit in enumerate(cset.criteria):
        for ii, item in enumerate(crit.items):
            expected = _INPUT_TYPES[item.rule.kind]
            rpath: PathKey = ("criteria", ci, "items", ii, "rule")
            for key, name in _input_keys(item.rule):
                used.add(name)
                spec = cset.inputs.get(name)
                if spec is None:
                    yield rpath + key, f"input {name!r} is not declared under inputs"
                elif spec.type != expected:
                    yield rpath + key, f"input {name!r} is a {spec.type}, but a {item.rule.kind} rule needs a {expected}"
            if item.rule.kind == "manual_score":
                spec = cset.inputs.get(item.rule.input)
                if spec is not None and spec.max is not None and spec.max < item.rule.max_points:
                    yield rpath + ("max_points",), \
                        f"input {item.rule.input!r} allows at most {spec.max}, below the item maximum"
    for name in cset.inputs:
        if name not in used:
            yield ("inputs", name), f"input {name!r} is declared but no rule uses it"
