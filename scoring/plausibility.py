"""Is a declaration plausible? Its figures against the validation rules of its criteria set, and against the
unit's previous round (jumps, a population that grows or shrinks implausibly, a rate of exactly 100% on a
large denominator, every figure copied): each finding a :class:`Flag` with its severity and message.

Pure functions over values: where the previous figures come from (the unit itself, or the units it was formed
from) is the store's business (``webapp/store/quality.py``).
"""
from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from criteria import CriteriaSet
from criteria.validation import Relation, ValidationSet, ratio_pairs

from .numbers import format_number

BLOCK, WARN, REVIEW = "block", "warn", "review"


@dataclass(frozen=True)
class Previous:
    """The unit's figures in its previous round: its own, or the sums of the units it was formed from."""

    values: Mapping[str, Any]
    year: int
    merged: bool = False  # the sum of several predecessors: counts compare, a copy cannot be told

    def label(self, lang: str = "vi") -> str:
        if lang == "vi":
            return f"năm {self.year}" + (", tổng các xã trước sắp xếp" if self.merged else "")
        return f"{self.year}" + (", summed over the former communes" if self.merged else "")


@dataclass(frozen=True)
class Flag:
    """One finding: ``key`` (a rule id, or ``jump:children``…) names it for explanations; ``fields`` are the
    inputs concerned; ``figures`` their current values and ``previous`` their previous ones."""

    key: str
    severity: str
    fields: tuple[str, ...]
    vi: str
    en: str
    figures: dict[str, Any] = field(default_factory=dict)
    previous: dict[str, Any] = field(default_factory=dict)

    def message(self, lang: str = "vi") -> str:
        return self.vi if lang == "vi" else self.en

    def fingerprint(self) -> str:
        """The figures the flag is about, as text: an explanation holds while they stay the same."""
        return json.dumps({"now": self.figures, "before": self.previous}, sort_keys=True)


def _n(value: Any, lang: str = "vi") -> str:
    return format_number(value, 2, lang)


def _sum(values: Mapping[str, Any], names: list[str]) -> int | None:
    if any(not isinstance(values.get(n), int) or isinstance(values.get(n), bool) for n in names):
        return None
    return sum(values[n] for n in names)


def _side(cset: CriteriaSet, values: Mapping[str, Any], names: list[str], lang: str) -> str:
    return "; ".join(f"«{getattr(cset.inputs[n].label, lang)}»: {_n(values[n], lang)}" for n in names)


def relation_flag(rule: Relation, cset: CriteriaSet, values: Mapping[str, Any]) -> Flag | None:
    """The flag of one relation that does not hold on ``values`` (None when it holds or cannot be checked)."""
    left, right = _sum(values, rule.left), _sum(values, rule.right)
    if left is None or right is None or max(left, right) < rule.minimum:
        return None
    bound = rule.factor * right
    if (left <= bound) if rule.relation == "at_most" else (left >= bound):
        return None
    names = list(dict.fromkeys(rule.left + rule.right))
    sign = ">" if rule.relation == "at_most" else "<"
    factor = {lang: "" if rule.factor == 1 else f"{_n(rule.factor, lang)} × " for lang in ("vi", "en")}
    text = {lang: f"{getattr(rule.message, lang)} ({_n(left, lang)} {sign} {factor[lang]}{_n(right, lang)}: "
                  f"{_side(cset, values, names, lang)})" for lang in ("vi", "en")}
    return Flag(rule.id, rule.severity, tuple(names), text["vi"], text["en"], {n: values[n] for n in names})


def relation_flags(vset: ValidationSet, cset: CriteriaSet, values: Mapping[str, Any]) -> list[Flag]:
    """Every relation of ``vset`` that does not hold on ``values``, in the file's order."""
    return [f for f in (relation_flag(rule, cset, values) for rule in vset.rules) if f is not None]


def _count(values: Mapping[str, Any], name: str) -> int | None:
    value = values.get(name)
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def outlier_flags(vset: ValidationSet, cset: CriteriaSet, values: Mapping[str, Any],
                  previous: Previous | None) -> list[Flag]:
    """Figures implausible against the previous round (when there is one) and rates of exactly 100% on a large
    denominator."""
    limits = vset.outliers
    out: list[Flag] = []
    counts = [n for n, spec in cset.inputs.items() if spec.type == "count"]
    if previous is not None:
        for name in counts:
            now, before = _count(values, name), _count(previous.values, name)
            if now is None or before is None:
                continue
            flag = (_population(cset, name, now, before, previous, limits.population_change, limits.severity)
                    if name in limits.population else
                    _jump(cset, name, now, before, previous, limits.jump_ratio, limits.jump_minimum, limits.severity))
            if flag:
                out.append(flag)
        copy = _copy(counts, values, previous, limits.copy_minimum, limits.severity)
        if copy:
            out.append(copy)
    for (top, bottom), _item in ratio_pairs(cset).items():
        n, d = _count(values, top), _count(values, bottom)
        if n is not None and d is not None and n == d >= limits.full_rate_minimum and _is_rate(cset, top):
            text = {lang: (f"«{getattr(cset.inputs[top].label, lang)}» bằng đúng «{getattr(cset.inputs[bottom].label, lang)}» "
                           f"({_n(d)}): tỷ lệ 100% trên mẫu số lớn là hiếm, hãy kiểm tra lại" if lang == "vi" else
                           f"«{cset.inputs[top].label.en}» equals «{cset.inputs[bottom].label.en}» ({_n(d, 'en')}): "
                           "a rate of exactly 100% on a large denominator is rare; check it")
                    for lang in ("vi", "en")}
            out.append(Flag(f"full-rate:{top}", limits.severity, (top, bottom), text["vi"], text["en"],
                            {top: n, bottom: d}))
    return out


def _is_rate(cset: CriteriaSet, numerator: str) -> bool:
    """A rate (share of a group that got something), not an incidence (abused per 1,000 children)."""
    return any(item.rule.kind == "rate_bands" and item.rule.numerator == numerator for _c, item in cset.items())


def _jump(cset: CriteriaSet, name: str, now: int, before: int, previous: Previous, ratio: Decimal, minimum: int,
          severity: str) -> Flag | None:
    if max(now, before) < minimum or (now <= ratio * before and before <= ratio * now):
        return None
    label = cset.inputs[name].label
    up = now > before
    small, large = (before, now) if up else (now, before)
    times = {lang: _n(Decimal(large) / small, lang) if small else None for lang in ("vi", "en")}
    if up:
        vi = f"«{label.vi}» tăng từ {_n(before)} ({previous.label()}) lên {_n(now)}" + (
            f", gấp {times['vi']} lần" if times["vi"] else "")
        en = f"«{label.en}» rose from {_n(before, 'en')} ({previous.label('en')}) to {_n(now, 'en')}" + (
            f", {times['en']} times as many" if times["en"] else "")
    else:
        vi = f"«{label.vi}» giảm từ {_n(before)} ({previous.label()}) xuống {_n(now)}" + (
            f", chỉ còn 1/{times['vi']}" if times["vi"] else "")
        en = f"«{label.en}» fell from {_n(before, 'en')} ({previous.label('en')}) to {_n(now, 'en')}" + (
            f", 1/{times['en']} of it" if times["en"] else "")
    return Flag(f"jump:{name}", severity, (name,), vi + ": hãy kiểm tra lại", en + ": check it",
                {name: now}, {name: before})


def _population(cset: CriteriaSet, name: str, now: int, before: int, previous: Previous, change: Decimal,
                severity: str) -> Flag | None:
    if before == 0 or abs(now - before) <= change * before:
        return None
    label = cset.inputs[name].label
    share = {lang: _n(Decimal(abs(now - before) * 100) / before, lang) for lang in ("vi", "en")}
    way = ("tăng", "grew") if now > before else ("giảm", "shrank")
    vi = (f"«{label.vi}» {way[0]} {share['vi']}% so với {previous.label()} ({_n(before)} → {_n(now)}), "
          f"quá mức {_n(change * 100)}% thường gặp: hãy kiểm tra lại")
    en = (f"«{label.en}» {way[1]} by {share['en']}% from {previous.label('en')} ({_n(before, 'en')} → "
          f"{_n(now, 'en')}), more than the usual {_n(change * 100, 'en')}%: check it")
    return Flag(f"population:{name}", severity, (name,), vi, en, {name: now}, {name: before})


def _copy(counts: list[str], values: Mapping[str, Any], previous: Previous, minimum: int,
          severity: str) -> Flag | None:
    if previous.merged:
        return None
    given = [n for n in counts if _count(values, n) is not None and _count(previous.values, n) is not None]
    if len(given) < minimum or any(values[n] != previous.values[n] for n in given):
        return None
    vi = (f"Cả {len(given)} số liệu giống hệt {previous.label()}: số liệu có thể đã được chép lại từ kỳ trước, "
          "hãy kiểm tra lại")
    en = f"All {len(given)} figures are identical to {previous.label('en')}: they may have been copied; check them"
    return Flag("copy", severity, tuple(given), vi, en, {n: values[n] for n in given},
                {n: previous.values[n] for n in given})


def flags(vset: ValidationSet, cset: CriteriaSet, values: Mapping[str, Any], previous: Previous | None) -> list[Flag]:
    """Every finding on ``values``: relations first (in the file's order), then the outliers."""
    return relation_flags(vset, cset, values) + outlier_flags(vset, cset, values, previous)


def blocking(vset: ValidationSet, cset: CriteriaSet, values: Mapping[str, Any]) -> list[Flag]:
    """The relations that refuse a submission."""
    return [f for f in relation_flags(vset, cset, values) if f.severity == BLOCK]
