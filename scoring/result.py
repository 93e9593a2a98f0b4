"""Score results and their explanations: every point traced to inputs, band and source.

One result object drives the CLI breakdown, the JSON API, the screens and the reports.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from criteria.schema import Band, Category, CriteriaSet, Item

from .compiler import STATUS_NAMES
from .numbers import format_number
from .recognition import ConditionResult, failed_ids, judge
from .rules import band_bounds

_UNITS = {"rate_bands": "%", "incidence_bands": "‰", "count_bands": ""}
_WORDS = {
    "vi": {"points": "điểm", "and": "và", "verified": "đã xác minh",
           "provisional": "giá trị tạm, chưa xác minh", "missing": "chưa có số liệu",
           "yes": "Có", "no": "Không", "otherwise": "nằm ngoài các khoảng của bảng điểm",
           "manual": "điểm do hội đồng chấm", "checklist": "các nội dung đạt"},
    "en": {"points": "points", "and": "and", "verified": "verified",
           "provisional": "provisional, not verified law", "missing": "no data",
           "yes": "Yes", "no": "No", "otherwise": "in no band",
           "manual": "score given by the council", "checklist": "elements met"},
}


def unit_symbol(item: Item) -> str:
    rule = item.rule
    if rule.kind == "incidence_bands" and rule.per != 1000:
        return f"/{format_number(rule.per)}"
    return _UNITS.get(rule.kind, "")


def band_label(band: Band, unit: str = "", lang: str = "vi") -> str:
    """``≥ 95% và < 98%``, ``≤ 0,5‰``, ``bằng 0‰``: a band as a person reads it."""
    lo, hi = band_bounds(band)
    if lo is None and hi is not None and hi[0] == 0 and hi[2]:
        return f"{'bằng' if lang == 'vi' else '='} 0{unit}"
    parts = []
    if lo is not None:
        parts.append(f"{'≥' if lo[2] else '>'} {format_number(Fraction(lo[0], lo[1]), 4, lang)}{unit}")
    if hi is not None:
        parts.append(f"{'≤' if hi[2] else '<'} {format_number(Fraction(hi[0], hi[1]), 4, lang)}{unit}")
    return f" {_WORDS[lang]['and']} ".join(parts)


@dataclass(slots=True, frozen=True)
class ItemResult:
    """Points of one item and how they were reached."""

    item: Item
    criterion: int
    points: int
    status: str
    band: int | None
    numerator: int
    denominator: int

    @property
    def value(self) -> Fraction | None:
        """The computed rate, incidence or count (exact), or None when it has none."""
        rule = self.item.rule
        if self.status not in ("band", "otherwise"):
            return None
        scale = 100 if rule.kind == "rate_bands" else rule.per if rule.kind == "incidence_bands" else 1
        return Fraction(self.numerator * scale, self.denominator)

    @property
    def matched_band(self) -> Band | None:
        return None if self.band is None else self.item.rule.bands[self.band]

    @property
    def verified(self) -> bool:
        """Whether the value that decided these points is verified law."""
        rule = self.item.rule
        if self.status == "zero_denominator":
            policy = getattr(rule, "zero_denominator", None) or rule.zero_population
            return policy.verified and self.item.verified
        band = self.matched_band
        if band is not None and band.verified is not None:
            return band.verified
        return self.item.verified

    def explanation(self, inputs: dict[str, Any], lang: str = "vi") -> str:
        """One line saying how the points were reached, in ``lang``."""
        w = _WORDS[lang]
        rule, unit = self.item.rule, unit_symbol(self.item)
        flag = w["verified"] if self.verified else w["provisional"]
        tail = f"{self.points} {w['points']} ({flag})"
        if self.status == "missing":
            return f"{w['missing']} → {tail}"
        if self.status in ("yes", "no"):
            return f"{w[self.status]} → {tail}"
        if self.status == "checklist":
            ticked = [e.text.of(lang) for e in rule.elements if inputs.get(e.input)]
            return f"{w['checklist']}: {'; '.join(ticked) or '—'} → {tail}"
        if self.status == "manual":
            return f"{w['manual']}: {inputs.get(rule.input)} → {tail}"
        if self.status == "zero_denominator":
            policy = getattr(rule, "zero_denominator", None) or rule.zero_population
            note = policy.note.of(lang) if policy.note else "0"
            return f"{note} → {tail}"
        value = self.value
        shown = format_number(value, 2, lang) + unit
        if rule.kind != "count_bands":
            shown = f"{format_number(self.numerator, 0, lang)}/{format_number(self.denominator, 0, lang)} = {shown}"
        band = self.matched_band
        where = band_label(band, unit, lang) if band is not None else w["otherwise"]
        return f"{shown} → {where} → {tail}"

    def to_dict(self, inputs: dict[str, Any], lang: str = "vi") -> dict[str, Any]:
        rule = self.item.rule
        value = self.value
        band = self.matched_band
        return {
            "id": self.item.id,
            "criterion": self.criterion,
            "text": self.item.text.of(lang),
            "kind": rule.kind,
            "points": self.points,
            "max_points": self.item.max_points,
            "status": self.status,
            "inputs": {name: inputs.get(name) for name in rule.input_names},
            "value": None if value is None else {
                "exact": f"{value.numerator}/{value.denominator}",
                "display": format_number(value, 2, lang) + unit_symbol(self.item),
            },
            "band": None if band is None else {
                "index": self.band, "label": band_label(band, unit_symbol(self.item), lang),
                "points": band.points,
            },
            "source": self.item.source,
            "verified": self.verified,
            "explanation": self.explanation(inputs, lang),
        }


@dataclass(slots=True, frozen=True)
class CriterionResult:
    number: int
    name_vi: str
    name_en: str
    points: int
    max_points: int
    items: tuple[ItemResult, ...]

    @property
    def verified(self) -> bool:
        return all(i.item.verified for i in self.items)


class ScoreResult:
    """Everything the engine says about one unit's inputs under one criteria set.

    The engine fills in the compact figures (points and status code per item, criterion
    points, total, verdict); item, criterion and condition objects with their explanations
    are built the first time someone asks for them.
    """

    __slots__ = ("criteria_set", "criteria_hash", "layout", "category", "inputs", "points", "statuses",
                 "criterion_points", "total", "complete", "recognised", "_items", "_criteria", "_conditions")

    def __init__(self, criteria_set: CriteriaSet, criteria_hash: str, layout: tuple[tuple[int, Item], ...],
                 category: Category, inputs: dict[str, Any], packed: tuple[Any, ...]):
        self.criteria_set, self.criteria_hash, self.layout = criteria_set, criteria_hash, layout
        self.category, self.inputs = category, inputs
        (self.points, self.statuses, self.criterion_points, self.total,
         self.complete, self.recognised) = packed
        self._items: dict[str, ItemResult] | None = None
        self._criteria: dict[int, CriterionResult] | None = None
        self._conditions: tuple[ConditionResult, ...] | None = None

    @property
    def items(self) -> dict[str, ItemResult]:
        """Item id → its points and how they were reached."""
        if self._items is None:
            self._items = {item.id: _item_result(item, number, points, code, self.inputs)
                           for (number, item), points, code in zip(self.layout, self.points, self.statuses)}
        return self._items

    @property
    def criteria(self) -> dict[int, CriterionResult]:
        if self._criteria is None:
            items = self.items
            self._criteria = {
                c.number: CriterionResult(c.number, c.name_vi, c.name_en, points, c.max_points,
                                          tuple(items[i.id] for i in c.items))
                for c, points in zip(self.criteria_set.criteria, self.criterion_points)
            }
        return self._criteria

    @property
    def conditions(self) -> tuple[ConditionResult, ...]:
        """Every recognition condition, judged on its own with the numbers behind it."""
        if self._conditions is None:
            self._conditions = judge(self.criteria_set, self.criteria.values(), self.total, self.category)
        return self._conditions

    @property
    def provisional(self) -> bool:
        """True when the result depends on values not verified as law."""
        return self.criteria_set.has_provisional_values or not self.category.verified

    @property
    def failed_conditions(self) -> list[ConditionResult]:
        return [c for c in self.conditions if not c.passed]

    def summary(self) -> dict[str, Any]:
        """The figures worth storing or listing: verdict, total, points per criterion, hash.

        The full explanation can always be rebuilt from the inputs and the pinned set.
        """
        return {
            "category": self.category.id,
            "total": self.total,
            "recognised": self.recognised,
            "complete": self.complete,
            "failed_conditions": failed_ids(self.criteria_set, self.criterion_points, self.total,
                                            self.category.threshold),
            "criteria": {str(n): p for n, p in zip((c.number for c in self.criteria_set.criteria),
                                                    self.criterion_points)},
            "provisional": self.provisional,
            "criteria_hash": self.criteria_hash,
        }

    def summary_json(self) -> str:
        """``summary()`` as stored: compact JSON, the same text, formatted without building the dict.

        Storing a national round encodes one summary per unit, so the constant parts
        (category, provisional flag, hash, criterion numbers) are encoded once per set.
        """
        key = (self.criteria_hash, self.category.id)
        template = _SUMMARY_TEMPLATES.get(key)
        if template is None:
            template = _SUMMARY_TEMPLATES[key] = _summary_template(self)
        failed = [] if self.recognised else failed_ids(self.criteria_set, self.criterion_points, self.total,
                                                       self.category.threshold)  # recognised: none fails
        return template % (self.total, _JSON_BOOL[self.recognised], _JSON_BOOL[self.complete],
                           _compact_json(failed) if failed else "[]", *self.criterion_points)

    def to_dict(self, lang: str = "vi") -> dict[str, Any]:
        cset = self.criteria_set
        return {
            "criteria_set": {"id": cset.id, "version": cset.version, "hash": self.criteria_hash},
            "category": {"id": self.category.id, "threshold": self.category.threshold},
            "total": self.total,
            "max_total": cset.total_points,
            "recognised": self.recognised,
            "complete": self.complete,
            "provisional": self.provisional,
            "conditions": [c.to_dict(lang) for c in self.conditions],
            "criteria": [
                {"number": c.number, "name": c.name_vi if lang == "vi" else c.name_en,
                 "points": c.points, "max_points": c.max_points, "verified": c.verified,
                 "items": [i.to_dict(self.inputs, lang) for i in c.items]}
                for c in self.criteria.values()
            ],
        }


_JSON_BOOL = ("false", "true")  # indexed by a bool
_compact_json = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode
_SUMMARY_TEMPLATES: dict[tuple[str, str], str] = {}  # (criteria hash, category id) → summary_json format


def _summary_template(result: ScoreResult) -> str:
    """The ``%``-format of ``result``'s summary JSON: constants encoded, the figures left open."""
    def constant(value: Any) -> str:
        return _compact_json(value).replace("%", "%%")

    criteria = ",".join(f"{constant(str(c.number))}:%d" for c in result.criteria_set.criteria)
    return (f'{{"category":{constant(result.category.id)},"total":%d,"recognised":%s,"complete":%s,'
            f'"failed_conditions":%s,"criteria":{{{criteria}}},"provisional":{constant(result.provisional)},'
            f'"criteria_hash":{constant(result.criteria_hash)}}}')


def _item_result(item: Item, number: int, points: int, code: int, inputs: dict[str, Any]) -> ItemResult:
    """Expand one item's compact (points, status code) into an explained result."""
    status = "band" if code >= 0 else STATUS_NAMES[code]
    numerator, denominator = 0, 1
    rule = item.rule
    if status in ("band", "otherwise"):
        if rule.kind == "rate_bands":
            numerator, denominator = inputs[rule.numerator], inputs[rule.denominator]
        elif rule.kind == "incidence_bands":
            numerator, denominator = inputs[rule.count], inputs[rule.population]
        else:
            numerator = inputs[rule.input]
    return ItemResult(item, number, points, status, code if code >= 0 else None, numerator, denominator)
