"""Deterministic synthetic communes with realistic, varied QĐ 06/QĐ-TTg (2019) inputs.

``generate(n, seed)`` returns the same ``n`` communes for the same seed on every machine
(only ``random.Random(seed)`` is used). Each commune has a category (mostly mountain-island,
some other, a few urban-ward), a profile saying how it was drawn, and a complete input
mapping of plain ``int`` / ``bool`` values that passes validation:

* every numerator ≤ its denominator, every count ≥ 0;
* the denominators whose zero-policy is ``reject`` (children, under-5s weighed and measured,
  children due a health check, survey respondents) are > 0; the others may be 0, which
  exercises the ``full_points`` policy (no births, no severe case in the year, …).

Profiles (shares are approximate):

``perfect``  15 %  every item in its best band: 1000 points.
``good``     38 %  mostly best bands, some second bands, rare incidents.
``fair``     20 %  spread over the bands: many fall below their category threshold.
``failing``  15 %  a ``good`` commune with one criterion (chosen at random) forced to 0.
``edge``      8 %  rates exactly on a band edge or one case either side of it (e.g. 49/50
                   immunised = 98 %, 1 abused child per 2,000 = 0.5 ‰).
``tiny``      4 %  a small island or mountain commune: tiny denominators, coarse rates,
                   sometimes no births or no children of a school age at all.

The band edges below shape the distribution only; the scores themselves always come from
the scorer being measured (or from ``bench.baseline``).
"""
from __future__ import annotations

import math
import random
from dataclasses import dataclass
from typing import Any

DEFAULT_SEED = 20190103  # the date of QĐ 06/QĐ-TTg
N_COMMUNES = 10_599  # communes, wards and townships (xã, phường, thị trấn) in Viet Nam, 2021

CATEGORIES = (("mountain-island", 70), ("other", 25), ("urban-ward", 5))
PROFILES = (("perfect", 15), ("good", 38), ("fair", 20), ("failing", 15), ("edge", 8), ("tiny", 4))

BOOLEANS = (
    "cp_officer_assigned", "cp_collaborators", "cp_board_reviews", "child_budget",
    "children_forum", "children_consulted", "play_area", "child_activities", "swimming_activities",
)

# (numerator, denominator, better, band edges in percent, best first)
RATES = (
    ("births_registered_on_time", "births", "higher", (100, 98, 95)),
    ("special_children_supported", "special_children", "higher", (95, 90, 80)),
    ("severe_cases_with_plan", "severe_cases", "higher", (100, 90)),
    ("infants_fully_immunised", "infants", "higher", (98, 95, 90)),
    ("under5_underweight", "under5_weighed", "lower", (5, 10, 15)),
    ("under5_stunted", "under5_measured", "lower", (10, 20, 25)),
    ("health_checked", "health_check_due", "higher", (90, 80, 70)),
    ("preschool_attending", "children_3_5", "higher", (95, 90, 80)),
    ("primary_attending", "primary_age", "higher", (99, 97)),
    ("lower_secondary_attending", "lower_secondary_age", "higher", (95, 90)),
    ("survey_satisfied", "survey_respondents", "higher", (90, 80, 70)),
)
# (count of children, band edges per 1,000 children, best first): all "lower is better"
INCIDENCES = (
    ("abused_children", (0, 0.5)),
    ("law_breaking_children", (0, 1)),
    ("injured_children", (5,)),
)
# denominators whose zero-policy is "reject": they must stay > 0
POSITIVE = ("children", "under5_weighed", "under5_measured", "health_check_due", "survey_respondents")

# how a profile picks the band of each rate: weights of band 0 (best), 1, 2, … and "below every band"
_BAND_WEIGHTS = {
    "perfect": (1,),
    "good": (80, 17, 3),
    "fair": (34, 33, 30, 3),
}
_BOOL_TRUE = {"perfect": 1.0, "good": 0.96, "fair": 0.85}

_SYLLABLES = ("An", "Bình", "Cao", "Đông", "Hòa", "Hưng", "Lạc", "Lâm", "Long", "Minh", "Nam",
              "Ninh", "Phong", "Phú", "Phúc", "Quang", "Sơn", "Tân", "Thành", "Thịnh", "Thủy",
              "Tiến", "Trung", "Vĩnh", "Xuân", "Yên")


@dataclass(frozen=True, slots=True)
class Commune:
    """One synthetic unit: what a commune officer would declare, and how it was drawn."""

    code: str
    name: str
    category: str
    profile: str
    inputs: dict[str, Any]


def generate(n: int = N_COMMUNES, seed: int = DEFAULT_SEED) -> list[Commune]:
    """``n`` communes, identical for the same ``seed``."""
    rng = random.Random(seed)
    return [make_commune(rng, i) for i in range(n)]


def make_commune(rng: random.Random, index: int) -> Commune:
    category = _weighted(rng, CATEGORIES)
    profile = _weighted(rng, PROFILES)
    quality = {"failing": "good", "edge": "perfect", "tiny": "good"}.get(profile, profile)
    v: dict[str, Any] = _populations(rng, category, tiny=profile == "tiny")
    if profile == "edge":
        _round_denominators(v)
    _booleans(rng, v, quality)
    _incidences(rng, v, quality)
    for top, bottom, better, edges in RATES:
        v[top] = _rate_numerator(rng, v[bottom], better, edges, quality)
    if profile == "edge":
        _edges(rng, v)
    if profile == "failing":
        fail_criterion(rng, v, rng.randint(1, 13))
    check_inputs(v)
    kind = "Phường" if category == "urban-ward" else "Xã"
    name = f"{kind} {rng.choice(_SYLLABLES)} {rng.choice(_SYLLABLES)}"
    return Commune(f"{index + 1:05d}", name, category, profile, v)


def _weighted(rng: random.Random, choices: tuple[tuple[str, int], ...]) -> str:
    return rng.choices([c for c, _ in choices], weights=[w for _, w in choices])[0]


def _populations(rng: random.Random, category: str, tiny: bool) -> dict[str, Any]:
    """Children and the age groups and case loads that follow from them."""
    if tiny:
        children = rng.randint(60, 400)
    else:
        children = {"mountain-island": (600, 3500), "other": (1200, 5000), "urban-ward": (2500, 9000)}[category]
        children = rng.randint(*children)
    u = rng.uniform
    births = round(children * u(0.045, 0.075))
    if tiny and rng.random() < 0.2:
        births = 0
    infants = max(0, births + rng.randint(-3, 3)) if births else 0
    weighed = max(1, round(children * u(0.24, 0.33)))
    measured = max(1, weighed - rng.randint(0, weighed // 20))
    v: dict[str, Any] = {
        "children": children,
        "births": births,
        "infants": infants,
        "under5_weighed": weighed,
        "under5_measured": measured,
        "health_check_due": max(1, round(children * u(0.3, 0.6))),
        "children_3_5": round(children * u(0.15, 0.21)),
        "primary_age": round(children * u(0.27, 0.34)),
        "lower_secondary_age": round(children * u(0.21, 0.27)),
        "special_children": 0 if rng.random() < 0.04 else round(children * u(0.005, 0.04)),
        "severe_cases": 0 if rng.random() < 0.65 else rng.randint(1, 6 if category == "urban-ward" else 4),
        "survey_respondents": rng.randint(20, 60) if tiny else rng.randint(40, 250),
    }
    if tiny and rng.random() < 0.15:
        v["lower_secondary_age"] = 0  # no child of that age on the island this year
    return v


def _round_denominators(v: dict[str, Any]) -> None:
    """Denominators made multiples of 100 (children of 2,000) so band edges fall on whole cases."""
    v["children"] = max(2000, round(v["children"] / 2000) * 2000)
    for _top, bottom, _better, _edges in RATES:
        if v[bottom]:
            v[bottom] = max(100, round(v[bottom] / 100) * 100)


def _booleans(rng: random.Random, v: dict[str, Any], quality: str) -> None:
    p = _BOOL_TRUE[quality]
    for name in BOOLEANS:
        v[name] = p >= 1.0 or rng.random() < p


def _incidences(rng: random.Random, v: dict[str, Any], quality: str) -> None:
    c = v["children"]
    perfect = quality == "perfect"
    incident = {"perfect": 0.0, "good": 0.06, "fair": 0.2}[quality]
    v["drug_addicted_children"] = 0 if perfect or rng.random() >= incident / 2 else rng.randint(1, 2)
    v["accident_deaths"] = 0 if perfect or rng.random() >= incident else rng.randint(1, 2)
    # abused: any case above 0.5 per 1,000 scores 0, so it is rare even in a fair commune
    if perfect or rng.random() >= incident / 2:
        v["abused_children"] = 0
    else:
        v["abused_children"] = rng.randint(1, max(1, c // 2000) + (rng.random() < 0.3))
    v["law_breaking_children"] = 0 if perfect or rng.random() >= 2 * incident else rng.randint(1, max(1, c // 1000))
    top = 5 * c // 1000  # most injured children still within 5 per 1,000
    over = perfect or rng.random() >= 2 * incident
    v["injured_children"] = rng.randint(0, top) if over else rng.randint(top + 1, max(top + 1, 9 * c // 1000))


def _rate_numerator(rng: random.Random, d: int, better: str, edges: tuple[float, ...], quality: str) -> int:
    """A numerator for denominator ``d`` whose rate falls in a band drawn for ``quality``."""
    if d == 0:
        return 0
    weights = _BAND_WEIGHTS[quality]
    band = rng.choices(range(len(weights)), weights=weights)[0]
    band = min(band, len(edges))  # "below every band" for the last weight
    if better == "higher":
        hi = 100 if band == 0 else edges[band - 1]
        lo = edges[band] if band < len(edges) else max(0, edges[-1] - 15)
        low = math.ceil(d * lo / 100)
        high = d if band == 0 else max(low, math.ceil(d * hi / 100) - 1)
    else:
        lo = 0 if band == 0 else edges[band - 1]
        hi = edges[band] if band < len(edges) else edges[-1] + 10
        low = 0 if band == 0 else d * lo // 100 + 1
        high = max(low, d * hi // 100)
    return min(d, rng.randint(min(low, d), min(high, d)))


def _edges(rng: random.Random, v: dict[str, Any]) -> None:
    """Put some rates and incidences exactly on a band edge, or one case either side."""
    for top, bottom, _better, edges in RATES:
        d = v[bottom]
        if d and rng.random() < 0.6:
            v[top] = max(0, min(d, d * rng.choice(edges) // 100 + rng.choice((-1, 0, 0, 1))))
    c = v["children"]
    for name, edges in INCIDENCES:
        if rng.random() < 0.4:
            v[name] = max(0, int(c * rng.choice(edges) / 1000) + rng.choice((-1, 0, 0, 1)))


def fail_criterion(rng: random.Random, v: dict[str, Any], number: int) -> None:
    """Change ``v`` so that criterion ``number`` certainly scores 0 (every item below every band)."""
    def below(top: str, bottom: str, percent: int, minimum: int = 10) -> None:
        v[bottom] = max(v[bottom], minimum)
        v[top] = v[bottom] * percent // 100

    c = v["children"]
    if number == 1:
        for name in BOOLEANS[:4]:
            v[name] = False
    elif number == 2:
        below("births_registered_on_time", "births", rng.randint(60, 94))
    elif number == 3:
        v["abused_children"] = c // 2000 + rng.randint(1, 3)
    elif number == 4:
        v["law_breaking_children"] = c // 1000 + rng.randint(1, 3)
        v["drug_addicted_children"] = rng.randint(1, 3)
    elif number == 5:
        v["accident_deaths"] = rng.randint(1, 2)
        v["injured_children"] = 5 * c // 1000 + rng.randint(1, 10)
    elif number == 6:
        below("special_children_supported", "special_children", rng.randint(40, 79))
        v["severe_cases"] = s = max(1, min(v["severe_cases"], 9))
        v["severe_cases_with_plan"] = rng.randint(0, s - 1)  # (s-1)/s < 90 % for s ≤ 9
    elif number == 7:
        below("infants_fully_immunised", "infants", rng.randint(70, 89))
    elif number == 8:
        d = v["under5_weighed"]
        v["under5_underweight"] = min(d, d * rng.randint(16, 30) // 100 + 1)
        d = v["under5_measured"]
        v["under5_stunted"] = min(d, d * rng.randint(26, 40) // 100 + 1)
    elif number == 9:
        below("health_checked", "health_check_due", rng.randint(40, 69))
    elif number == 10:
        below("preschool_attending", "children_3_5", rng.randint(50, 79))
        below("primary_attending", "primary_age", rng.randint(80, 96))
        below("lower_secondary_attending", "lower_secondary_age", rng.randint(60, 89))
    elif number == 11:
        v["children_forum"] = v["children_consulted"] = False
    elif number == 12:
        v["play_area"] = v["child_activities"] = v["swimming_activities"] = False
    elif number == 13:
        below("survey_satisfied", "survey_respondents", rng.randint(30, 69))
    else:
        raise ValueError(f"QĐ 06 has criteria 1 to 13, not {number}")


def check_inputs(v: dict[str, Any]) -> None:
    """Raise ``ValueError`` if ``v`` is not a complete, valid set of QĐ 06 inputs."""
    for name in BOOLEANS:
        if type(v.get(name)) is not bool:
            raise ValueError(f"{name} must be a bool, got {v.get(name)!r}")
    for name, value in v.items():
        if name not in BOOLEANS and (type(value) is not int or value < 0):
            raise ValueError(f"{name} must be a count, got {value!r}")
    for name in POSITIVE:
        if v[name] <= 0:
            raise ValueError(f"{name} must be > 0, got {v[name]}")
    pairs = [(top, bottom) for top, bottom, _b, _e in RATES] + [(name, "children") for name, _e in INCIDENCES]
    for top, bottom in pairs:
        if v[top] > v[bottom]:
            raise ValueError(f"{top} = {v[top]} exceeds {bottom} = {v[bottom]}")
    if len(v) != 37:
        raise ValueError(f"expected the 37 QĐ 06 inputs, got {len(v)}")


def as_text(inputs: dict[str, Any]) -> dict[str, str]:
    """The inputs as a CSV file or web form sends them: "có"/"không", thousands grouped "1.200"."""
    out = {}
    for name, value in inputs.items():
        if isinstance(value, bool):
            out[name] = "có" if value else "không"
        else:
            out[name] = f"{value:,}".replace(",", ".")
    return out
