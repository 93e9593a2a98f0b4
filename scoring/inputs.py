"""Turn raw declared values (from YAML, CSV, a web form) into typed inputs, or say why not.

Validation reports every problem at once, each naming the field and the reason, so a
commune officer can fix a whole form in one pass.
"""
from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from criteria import CriteriaSet
from criteria.schema import Text

from .literals import GROUPED_DECIMAL, NumberLiteral

Value = int | bool

_TRUE = {"true", "yes", "y", "1", "x", "có", "co", "đạt", "dat", "có/yes"}
_FALSE = {"false", "no", "n", "0", "không", "khong", "không đạt", "khong dat"}
MAX_VALUE = 10**9  # no commune counts a billion of anything; bounds work on hostile input
_GROUPED = re.compile(r"^\d{1,3}([. ]\d{3})+$")
_AMBIGUOUS_COMMA = re.compile(r"^\d{1,3}(,\d{3})+$")  # 2,000: two thousand, or 2 with a decimal comma?

_MESSAGES = {
    "missing": ("chưa nhập giá trị (bắt buộc)", "required value is missing"),
    "negative": ("không được là số âm", "must not be negative"),
    "not_a_number": ("phải là một số", "must be a number"),
    "not_integer": ("phải là số nguyên", "must be a whole number"),
    "too_large": ("lớn bất thường (tối đa 1.000.000.000)", "is implausibly large (at most 1,000,000,000)"),
    "not_boolean": ("phải là Có hoặc Không", "must be yes or no"),
    "above_maximum": ("vượt quá mức tối đa {max}", "exceeds the maximum of {max}"),
    "numerator_above_denominator": (
        "lớn hơn «{other_label}» ({other_value})", "is larger than «{other_label}» ({other_value})"),
    "denominator_below_numerator": (
        "nhỏ hơn «{other_label}» ({other_value})", "is smaller than «{other_label}» ({other_value})"),
    "zero_denominator": (
        "bằng 0 nên không tính được mục {item}", "is 0, so item {item} cannot be computed"),
    "unknown_input": ("không phải là chỉ số của bộ tiêu chí", "is not an input of the criteria set"),
    "grouped_decimal": (
        "{text} không rõ là {plain} hay một số thập phân: viết {plain} hoặc {dotted}",
        "{text} is ambiguous ({plain}, or a decimal?): write {plain} or {dotted}"),
    "yaml_number_shape": (
        "{text} có dạng số dễ bị đọc sai (số 0 ở đầu, 0x…, dấu _ hoặc dấu :): viết số bình thường, như 12 hoặc 1000",
        "{text} has a number shape that is easily misread (leading 0, 0x…, _ or :): write a plain number, "
        "like 12 or 1000"),
}


@dataclass(frozen=True)
class InputProblem:
    """One invalid value: which field, a machine code, and a reason in both languages."""

    field: str
    code: str
    value: Any = None
    details: tuple[tuple[str, Any], ...] = ()

    def message(self, lang: str = "vi") -> str:
        vi, en = _MESSAGES[self.code]
        details = {k: v.of(lang) if isinstance(v, Text) else v for k, v in self.details}
        return (vi if lang == "vi" else en).format(**details)

    def mirrored(self) -> InputProblem | None:
        """A numerator above its denominator seen from the denominator (the field just changed may be
        either); None for problems of one field."""
        if self.code != "numerator_above_denominator":
            return None
        d = dict(self.details)
        return InputProblem(d["other"], "denominator_below_numerator", d["other_value"],
                            (("other", self.field), ("other_value", self.value), ("other_label", d["label"])))

    def to_dict(self, lang: str = "vi") -> dict[str, Any]:
        value = self.value if isinstance(self.value, (int, str, bool, type(None))) else str(self.value)
        return {"field": self.field, "code": self.code, "value": value, "message": self.message(lang)}


def _parse(kind: str, raw: Any) -> tuple[Value | None, str | None]:
    """Parse one raw value as ``kind``; returns (value, None) or (None, problem code)."""
    if isinstance(raw, NumberLiteral) and kind != "boolean" and raw.hazard():
        return None, raw.hazard()
    if kind != "boolean" and isinstance(raw, str) and _AMBIGUOUS_COMMA.match(raw.strip()):
        return None, "grouped_decimal"
    if isinstance(raw, str):
        raw = unicodedata.normalize("NFC", raw).strip()
        if raw == "":
            return None, None
    if raw is None:
        return None, None
    if kind == "boolean":
        if isinstance(raw, bool):
            return raw, None
        if isinstance(raw, int) and raw in (0, 1):
            return bool(raw), None
        if isinstance(raw, str) and raw.casefold() in _TRUE:
            return True, None
        if isinstance(raw, str) and raw.casefold() in _FALSE:
            return False, None
        return None, "not_boolean"
    if type(raw) is int:  # the common case, kept cheap for batch scoring
        return (raw, None) if 0 <= raw <= MAX_VALUE else (None, "negative" if raw < 0 else "too_large")
    if isinstance(raw, bool):
        return None, "not_a_number"
    number = _to_decimal(raw)
    if number is None:
        return None, "not_a_number"
    if number < 0:
        return None, "negative"
    if number > MAX_VALUE:  # checked before int(), which is slow for huge exponents
        return None, "too_large"
    if number != number.to_integral_value():  # counts and manual scores are whole numbers
        return None, "not_integer"
    return int(number), None


def _to_decimal(raw: Any) -> Decimal | None:
    if isinstance(raw, int):
        return Decimal(raw)
    if isinstance(raw, float):
        return Decimal(str(raw)) if raw == raw and raw not in (float("inf"), float("-inf")) else None
    if isinstance(raw, Decimal):
        return raw if raw.is_finite() else None
    if isinstance(raw, str):
        text = raw.replace("\u00a0", " ")
        if _GROUPED.match(text):
            text = text.replace(".", "").replace(" ", "")
        else:
            text = text.replace(",", ".")
        try:
            value = Decimal(text)
        except InvalidOperation:
            return None
        return value if value.is_finite() else None
    return None


def validate_inputs(
    raw: Mapping[str, Any], cset: CriteriaSet, partial: bool = False
) -> tuple[dict[str, Value], list[InputProblem]]:
    """Typed values and every problem with them.

    ``partial`` (a draft being typed) accepts missing required values; every other check
    still applies. Missing values are simply absent from the returned mapping.
    """
    values: dict[str, Value] = {}
    problems: list[InputProblem] = []
    for name, raw_value in raw.items():
        spec = cset.inputs.get(name)
        if spec is None:
            problems.append(InputProblem(name, "unknown_input", raw_value))
            continue
        value, code = _parse(spec.type, raw_value)
        if code is None and spec.type == "score" and spec.max is not None and value > spec.max:
            problems.append(InputProblem(name, "above_maximum", raw_value, (("max", spec.max),)))
        elif code in _SHAPE_CODES:
            problems.append(InputProblem(name, code, str(raw_value), _shape_details(raw_value)))
        elif code:
            problems.append(InputProblem(name, code, raw_value))
        elif value is not None:
            values[name] = value
    bad = {p.field for p in problems}
    for _crit, item in cset.items():
        problems.extend(_rule_problems(item, cset, values, bad, partial))
    return values, _dedupe(problems)


_SHAPE_CODES = ("grouped_decimal", "yaml_number_shape")


def _shape_details(raw: str) -> tuple[tuple[str, Any], ...]:
    """What a misreadable number was, and two unambiguous ways to write what was probably meant: the digits
    alone, or grouped with dots — in quotes in a YAML or JSON file (a quoted "2.000" is text, read as 2,000)."""
    text = raw.strip()
    digits = re.sub(r"[.,]", "", text) if GROUPED_DECIMAL.match(text) else text
    dotted = text.replace(",", ".")
    return (("text", text), ("plain", digits), ("dotted", f'"{dotted}"' if isinstance(raw, NumberLiteral) else dotted))


def _rule_problems(item: Any, cset: CriteriaSet, values: Mapping[str, Value], bad: set[str],
                   partial: bool) -> list[InputProblem]:
    rule = item.rule
    problems = []
    if rule.missing == "required" and not partial:
        problems += [InputProblem(n, "missing") for n in rule.input_names if n not in values and n not in bad]
    pair = _ratio_pair(rule)
    if pair:
        top, bottom, policy = pair
        n, d = values.get(top), values.get(bottom)
        if n is not None and d is not None:
            if d == 0 and policy == "reject":
                problems.append(InputProblem(bottom, "zero_denominator", d, (("item", item.id),)))
            elif n > d:
                problems.append(InputProblem(top, "numerator_above_denominator", n,
                                             (("other", bottom), ("other_value", d),
                                              ("other_label", cset.inputs[bottom].label),
                                              ("label", cset.inputs[top].label))))
    return problems


def _ratio_pair(rule: Any) -> tuple[str, str, str] | None:
    if rule.kind == "rate_bands":
        return rule.numerator, rule.denominator, rule.zero_denominator.policy
    if rule.kind == "incidence_bands":
        return rule.count, rule.population, rule.zero_population.policy
    return None


def _dedupe(problems: list[InputProblem]) -> list[InputProblem]:
    seen: set[tuple[str, str]] = set()
    out = []
    for p in problems:
        if (p.field, p.code) not in seen:
            seen.add((p.field, p.code))
            out.append(p)
    return out

