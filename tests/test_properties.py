"""Hypothesis properties of the scoring engine over the shipped QĐ 06 (2019) criteria set.

The strategies are derived from the criteria set itself (rule kinds, ``better``, zero
policies), never from a hand-written list of inputs, so they follow the YAML if it changes.
"""
from __future__ import annotations

import copy
import math
from fractions import Fraction
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, assume, given, note, settings
from hypothesis import strategies as st

import criteria
import scoring
from criteria.schema import CriteriaSet

QD06 = criteria.get("qd06-2019")
RAW_YAML = yaml.safe_load((criteria.SHIPPED_DIR / "qd06-2019.yaml").read_text(encoding="utf-8"))
DUMPER = getattr(yaml, "CSafeDumper", yaml.SafeDumper)

# Written here on purpose, independently of the YAML: the law's thresholds and the total.
THRESHOLDS = {"urban-ward": 900, "mountain-island": 800, "other": 850}
TOTAL_POINTS = 1000
KNOWN_CODES = {
    "missing", "negative", "not_a_number", "not_integer", "not_boolean", "above_maximum", "too_large",
    "numerator_above_denominator", "zero_denominator", "unknown_input",
}

# Sized so the whole file runs in about 10 s on 2 idle cores; no deadline (CI machines vary).
FAST = settings(deadline=None, max_examples=50)
MEDIUM = settings(deadline=None, max_examples=100)
MANY = settings(deadline=None, max_examples=150)
SLOW = settings(deadline=None, max_examples=8, suppress_health_check=[HealthCheck.too_slow])


# ---------------------------------------------------------------- derived from the rules

def derive_roles(cset: CriteriaSet) -> tuple[dict[str, int], dict[str, tuple[str, Any]]]:
    """(denominators → their minimum, other inputs → (role, partner)).

    Roles: ``flag`` (a yes/no, improved False → True), ``up`` (a higher-is-better numerator,
    partner = its denominator), ``down`` (a lower-is-better count or numerator, partner =
    its denominator or None), ``score`` (a manual score, partner = its cap).
    """
    denominators: dict[str, int] = {}
    roles: dict[str, tuple[str, Any]] = {}
    for _crit, item in cset.items():
        rule = item.rule
        if rule.kind == "yes_no":
            roles[rule.input] = ("flag", None)
        elif rule.kind == "checklist":
            for element in rule.elements:
                roles[element.input] = ("flag", None)
        elif rule.kind == "manual_score":
            roles[rule.input] = ("score", rule.max_points)
        elif rule.kind == "count_bands":  # a plain count: lower is better
            roles[rule.input] = ("down", None)
        elif rule.kind in ("rate_bands", "incidence_bands"):
            if rule.kind == "rate_bands":
                top, bottom, policy = rule.numerator, rule.denominator, rule.zero_denominator.policy
                role = "up" if rule.better == "higher" else "down"
            else:  # an incidence per N: lower is better
                top, bottom, policy = rule.count, rule.population, rule.zero_population.policy
                role = "down"
            minimum = 1 if policy == "reject" else 0
            denominators[bottom] = max(denominators.get(bottom, 0), minimum)
            roles[top] = (role, bottom)
        else:  # pragma: no cover - a new rule kind must be taught to this test
            raise AssertionError(f"unknown rule kind {rule.kind}")
    return denominators, roles


DENOMINATORS, ROLES = derive_roles(QD06)


def improvements(values: dict[str, Any]) -> list[tuple[str, Any]]:
    """Every single-input change that can only help, and stays valid."""
    out = []
    for name, (role, partner) in ROLES.items():
        v = values[name]
        if role == "flag" and v is False:
            out.append((name, True))
        elif role == "up" and v + 1 <= values[partner]:
            out.append((name, v + 1))
        elif role == "down" and v - 1 >= 0:
            out.append((name, v - 1))
        elif role == "score" and v + 1 <= partner:
            out.append((name, v + 1))
    return out


@st.composite
def valid_inputs(draw: st.DrawFn) -> dict[str, Any]:
    """A complete, valid set of declared values.

    A few inputs (``spoiled``) take any valid value; the others take a good one, so that
    recognised and refused communes both turn up often.
    """
    spoiled = draw(st.sets(st.sampled_from(sorted(ROLES)), max_size=7), label="spoiled")
    values: dict[str, Any] = {}
    for name, minimum in DENOMINATORS.items():
        values[name] = draw(st.one_of(st.integers(minimum, 12), st.integers(max(minimum, 1), 3000)))
    for name, (role, partner) in ROLES.items():
        bad = name in spoiled
        if role == "flag":
            values[name] = draw(st.booleans()) if bad else True
        elif role == "score":
            values[name] = draw(st.integers(0, partner) if bad else st.integers(partner * 9 // 10, partner))
        elif role == "up":
            d = values[partner]
            values[name] = draw(st.integers(0, d) if bad else st.integers(d - d // 25, d))
        elif partner is None:  # a plain count
            values[name] = draw(st.integers(0, 10_000) if bad else st.integers(0, 1))
        else:
            d = values[partner]
            values[name] = draw(st.integers(0, d) if bad else st.integers(0, d // 20))
    return values


categories = st.sampled_from([c.id for c in QD06.categories])


def test_derived_roles_match_the_standard(qd06):
    """The derivation reads the YAML the way the standard reads: these are lower-is-better."""
    assert qd06 is QD06
    down = {name for name, (role, _) in ROLES.items() if role == "down"}
    assert down == {"under5_underweight", "under5_stunted", "abused_children", "law_breaking_children",
                    "drug_addicted_children", "accident_deaths", "injured_children"}
    assert {name for name, (role, _) in ROLES.items() if role == "flag"} == {
        name for name, spec in qd06.inputs.items() if spec.type == "boolean"}
    assert set(ROLES) | set(DENOMINATORS) == set(qd06.inputs)
    assert not set(ROLES) & set(DENOMINATORS)
    assert DENOMINATORS["children"] == 1 and DENOMINATORS["births"] == 0  # reject vs full_points


# ---------------------------------------------------------------- points and sums

@MEDIUM
@given(values=valid_inputs(), category=categories)
def test_points_are_bounded_and_add_up(qd06, values, category):
    result = scoring.score(values, qd06, category)
    assert result.complete is True
    assert len(result.criteria) == 13
    for crit in qd06.criteria:
        got = result.criteria[crit.number]
        item_points = []
        for item in crit.items:
            r = result.items[item.id]
            assert 0 <= r.points <= item.max_points, item.id
            item_points.append(r.points)
        assert got.points == sum(item_points)
        assert 0 <= got.points <= crit.max_points
    assert result.total == sum(c.points for c in result.criteria.values())
    assert 0 <= result.total <= TOTAL_POINTS


@MEDIUM
@given(values=valid_inputs(), category=categories)
def test_improving_one_input_never_hurts(qd06, values, category):
    base = scoring.score(values, qd06, category)
    steps = improvements(values)
    note(f"total {base.total}, recognised {base.recognised}, {len(steps)} improvements")
    for name, better_value in steps:
        better = scoring.score({**values, name: better_value}, qd06, category)
        assert better.total >= base.total, (name, values[name], better_value)
        for item_id, r in base.items.items():
            assert better.items[item_id].points >= r.points, (name, item_id)
        if base.recognised:
            assert better.recognised, (name, values[name], better_value)


@FAST
@given(values=valid_inputs(), category=categories, rnd=st.randoms(use_true_random=False))
def test_same_input_same_result(qd06, values, category, rnd):
    first = scoring.score(values, qd06, category)
    second = scoring.score(values, qd06, category)
    keys = list(values)
    rnd.shuffle(keys)
    fresh = scoring.Scorer(qd06).score({k: values[k] for k in keys}, category)
    for lang in ("vi", "en"):
        assert first.to_dict(lang) == second.to_dict(lang) == fresh.to_dict(lang)
    assert first.total == second.total == fresh.total


@MANY
@given(values=valid_inputs(), category=categories)
def test_verdict_equals_independent_restatement(qd06, values, category):
    result = scoring.score(values, qd06, category)
    points = [result.criteria[n].points for n in range(1, 14)]
    expected = all(p > 0 for p in points) and result.total >= THRESHOLDS[category]
    note(f"points {points} total {result.total} category {category}")
    assert result.recognised is expected
    failed = {c.id for c in result.failed_conditions}
    assert ("total-at-least-threshold" in failed) is (result.total < THRESHOLDS[category])
    for n, p in enumerate(points, start=1):
        assert (f"criterion-{n}-above-zero" in failed) is (p == 0)


@FAST
@given(values=valid_inputs(), category=categories)
def test_explanation_leaves_sum_to_the_total(qd06, values, category):
    result = scoring.score(values, qd06, category)
    for lang in ("vi", "en"):
        data = result.to_dict(lang)
        leaves = [item["points"] for crit in data["criteria"] for item in crit["items"]]
        assert len(leaves) == sum(len(c.items) for c in qd06.criteria)
        assert sum(leaves) == data["total"] == result.total
        for crit in data["criteria"]:
            assert crit["points"] == sum(item["points"] for item in crit["items"])


# ---------------------------------------------------------------- content hash

def shuffled(node: Any, rnd: Any) -> Any:
    """``node`` with the keys of every mapping in random order (lists keep their order)."""
    if isinstance(node, dict):
        keys = list(node)
        rnd.shuffle(keys)
        return {k: shuffled(node[k], rnd) for k in keys}
    if isinstance(node, list):
        return [shuffled(child, rnd) for child in node]
    return node


def dump(data: Any) -> str:
    return yaml.dump(data, Dumper=DUMPER, sort_keys=False, allow_unicode=True)


def _band_changes() -> list[tuple[int, int, int, int, int]]:
    """(criterion, item, band, lowest, highest) for every band whose points may change alone.

    The best band fixes the item's maximum, which must add up to the criterion's, so only
    the other bands can change alone: between the next band's points (or ``otherwise``) and
    the previous band's.
    """
    out = []
    for ci, crit in enumerate(RAW_YAML["criteria"]):
        for ii, item in enumerate(crit["items"]):
            bands = item["rule"].get("bands", [])
            for bi in range(1, len(bands)):
                low = bands[bi + 1]["points"] if bi + 1 < len(bands) else item["rule"].get("otherwise", 0)
                high = bands[bi - 1]["points"]
                if high > low:
                    out.append((ci, ii, bi, low, high))
    return out


BAND_CHANGES = _band_changes()


@st.composite
def band_change(draw: st.DrawFn) -> tuple[int, int, int, int]:
    ci, ii, bi, low, high = draw(st.sampled_from(BAND_CHANGES))
    current = RAW_YAML["criteria"][ci]["items"][ii]["rule"]["bands"][bi]["points"]
    new = draw(st.integers(low, high).filter(lambda p: p != current))
    return ci, ii, bi, new


def test_dumped_yaml_keeps_the_content(qd06):
    assert criteria.content_hash(criteria.load_text(dump(RAW_YAML))) == criteria.content_hash(qd06)
    assert len(BAND_CHANGES) >= 20


@SLOW
@given(rnd=st.randoms(use_true_random=False))
def test_key_order_does_not_change_the_hash(qd06, rnd):
    text = dump(shuffled(RAW_YAML, rnd))
    assume(text != dump(RAW_YAML))
    reloaded = criteria.load_text(text)
    assert criteria.content_hash(reloaded) == criteria.content_hash(qd06)
    assert reloaded == qd06


@SLOW
@given(change=band_change(), rnd=st.randoms(use_true_random=False))
def test_changing_a_band_changes_the_hash(qd06, change, rnd):
    ci, ii, bi, new = change
    data = copy.deepcopy(RAW_YAML)
    data["criteria"][ci]["items"][ii]["rule"]["bands"][bi]["points"] = new
    changed = criteria.load_text(dump(shuffled(data, rnd)))  # still valid: this must not raise
    assert changed.criteria[ci].items[ii].rule.bands[bi].points == new
    assert criteria.content_hash(changed) != criteria.content_hash(qd06)


# ---------------------------------------------------------------- exact rate bands

def fraction_band_points(rule: Any, n: int, d: int) -> tuple[int, int | None]:
    """An independent lookup: (points, band index) for n/d with exact Fraction arithmetic."""
    value = Fraction(100 * n, d)
    for index, band in enumerate(rule.bands):
        if band.at_least is not None and not value >= Fraction(band.at_least):
            continue
        if band.above is not None and not value > Fraction(band.above):
            continue
        if band.at_most is not None and not value <= Fraction(band.at_most):
            continue
        if band.below is not None and not value < Fraction(band.below):
            continue
        return band.points, index
    return rule.otherwise, None


def literal_points(item_id: str, n: int, d: int) -> int:
    """The bands of 7.1 and 8.2 as written in the reference tables."""
    value = Fraction(100 * n, d)
    if item_id == "7.1":  # higher is better
        return next((p for t, p in ((98, 50), (95, 35), (90, 20)) if value >= t), 0)
    return next((p for t, p in ((10, 50), (20, 30), (25, 10)) if value <= t), 0)  # 8.2


@st.composite
def rate_pair(draw: st.DrawFn, cutoffs: tuple[int, ...]) -> tuple[int, int]:
    """n ≤ d, often right on or next to a band edge."""
    d = draw(st.one_of(st.sampled_from([1, 3, 7, 50, 100, 200, 1000]), st.integers(1, 5000)))
    near = st.builds(lambda c, delta: min(d, max(0, c * d // 100 + delta)),
                     st.sampled_from(cutoffs), st.integers(-1, 1))
    n = draw(st.one_of(near, st.integers(0, d)))
    return n, d


@pytest.mark.parametrize(("item_id", "cutoffs"), [("7.1", (90, 95, 98)), ("8.2", (10, 20, 25))])
@MANY
@given(data=st.data())
def test_rate_bands_are_exact(qd06, perfect_inputs, item_id, cutoffs, data):
    n, d = data.draw(rate_pair(cutoffs), label="n, d")
    item = next(i for _c, i in qd06.items() if i.id == item_id)
    rule = item.rule
    result = scoring.score({**perfect_inputs, rule.numerator: n, rule.denominator: d}, qd06, "other")
    got = result.items[item_id]
    points, band = fraction_band_points(rule, n, d)
    assert got.points == points == literal_points(item_id, n, d)
    assert got.band == band
    assert got.value == Fraction(100 * n, d)


@pytest.mark.parametrize(("item_id", "n", "d", "points"), [
    ("7.1", 98, 100, 50), ("7.1", 49, 50, 50), ("7.1", 979, 1000, 35), ("7.1", 95, 100, 35),
    ("7.1", 949, 1000, 20), ("7.1", 9, 10, 20), ("7.1", 89, 100, 0), ("7.1", 0, 0, 50),
    ("8.2", 10, 100, 50), ("8.2", 101, 1000, 30), ("8.2", 1, 5, 30), ("8.2", 25, 100, 10),
    ("8.2", 251, 1000, 0), ("8.2", 1, 3, 0),
])
def test_rate_band_edges(qd06, perfect_inputs, item_id, n, d, points):
    rule = next(i for _c, i in qd06.items() if i.id == item_id).rule
    result = scoring.score({**perfect_inputs, rule.numerator: n, rule.denominator: d}, qd06, "other")
    assert result.items[item_id].points == points
    if d:
        assert fraction_band_points(rule, n, d)[0] == literal_points(item_id, n, d) == points


# ---------------------------------------------------------------- validation of garbage

def fractional_float() -> st.SearchStrategy[float]:
    return st.floats(min_value=-1e6, max_value=1e6).filter(lambda x: not x.is_integer())


GARBAGE = st.one_of(
    st.none(),
    st.text(max_size=10),
    st.integers(max_value=-1),
    fractional_float(),
    st.sampled_from([math.nan, math.inf, -math.inf]),
    st.booleans(),
    st.from_regex(r"\A ?-?[0-9]{1,7}([.,][0-9]{1,4})?(e-?[0-9]{1,3})? ?\Z"),
    st.sampled_from(["có", "không", "maybe", "1.234", "-1", "2,5", "", "  ", "NaN", "inf", "x", "1 234"]),
)


def expected_code(kind: str, raw: Any) -> str | None:
    """The problem a value must raise when it is knowable without parsing text (else None)."""
    if raw is None:
        return "missing"  # every qd06 input is required
    if isinstance(raw, bool):
        return None if kind == "boolean" else "not_a_number"
    if kind == "boolean":
        if isinstance(raw, str) or (isinstance(raw, int) and raw in (0, 1)):
            return None
        return "not_boolean"
    if isinstance(raw, int):
        return "negative" if raw < 0 else "too_large" if raw > scoring.inputs.MAX_VALUE else None
    if isinstance(raw, float):
        if not math.isfinite(raw):
            return "not_a_number"
        return "negative" if raw < 0 else "too_large" if raw > scoring.inputs.MAX_VALUE else "not_integer"
    return None


@MANY
@given(values=valid_inputs(), category=categories, data=st.data())
def test_garbage_is_reported_as_invalid_inputs(qd06, values, category, data):
    names = sorted(qd06.inputs)
    spoiled = data.draw(st.dictionaries(st.sampled_from(names), GARBAGE, min_size=1, max_size=8), label="spoiled")
    unknown = data.draw(st.dictionaries(st.text(min_size=1, max_size=6).filter(lambda k: k not in qd06.inputs),
                                        GARBAGE, max_size=2), label="unknown")
    raw = {**values, **spoiled, **unknown}
    expected = {(name, code) for name, v in spoiled.items()
                if (code := expected_code(qd06.inputs[name].type, v)) is not None}
    expected |= {(name, "unknown_input") for name in unknown}
    try:
        result = scoring.score(raw, qd06, category)
    except scoring.InvalidInputs as exc:
        problems = exc.problems
        got = {(p.field, p.code) for p in problems}
        assert problems and len(got) == len(problems)
        assert expected <= got
        for p in problems:
            assert p.field in qd06.inputs or p.field in raw
            assert p.code in KNOWN_CODES
            assert p.message("vi") and p.message("en")
            as_dict = p.to_dict("en")
            assert (as_dict["field"], as_dict["code"]) == (p.field, p.code)
        assert str(exc).count(":") >= len(problems)
    else:
        assert not expected, expected
        assert 0 <= result.total <= TOTAL_POINTS


@MANY
@given(values=valid_inputs(), category=categories, data=st.data())
def test_fast_path_agrees_with_full_validation(qd06, values, category, data):
    """The compiled clean-data path either declines (None) or gives the validated result."""
    names = sorted(qd06.inputs)
    spoiled = data.draw(st.dictionaries(st.sampled_from(names), GARBAGE, max_size=3), label="spoiled")
    raw = {**values, **spoiled}
    scorer = scoring.scorer_for(qd06)
    cat = scorer.category(category)
    packed = scorer._score_clean(raw, cat.threshold)
    typed, problems = scoring.validate_inputs(raw, qd06)
    if not spoiled:
        assert packed is not None  # clean typed values always take the fast path
    if packed is None:
        assert problems or typed != raw  # declined: there is something to report or to parse
    else:
        assert problems == [] and typed == raw
        assert packed == scorer._score(typed, cat.threshold)
