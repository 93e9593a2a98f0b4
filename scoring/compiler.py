"""Compile a criteria set into one plain Python scoring function.

The rules are data from a closed vocabulary; this module writes, once per criteria set, the
if/elif code a programmer would write by hand for them (exact integer comparisons, no
floats), and ``exec``s it. Only validated numbers and ``repr()``-quoted input names reach the
generated source, never text from the YAML as code. The function returns compact tuples;
explanations are built from them only when someone looks (see ``result``).
"""
from __future__ import annotations

from collections.abc import Callable
from fractions import Fraction
from typing import Any

from criteria.schema import Band, CriteriaSet, Item

from .inputs import MAX_VALUE

# Status codes of an item in the compact result (band indexes are 0, 1, 2, …).
OTHERWISE, YES, NO, ZERO_DENOMINATOR, MISSING, CHECKLIST, MANUAL = -1, -2, -3, -4, -5, -6, -7
STATUS_NAMES = {OTHERWISE: "otherwise", YES: "yes", NO: "no", ZERO_DENOMINATOR: "zero_denominator",
                MISSING: "missing", CHECKLIST: "checklist", MANUAL: "manual"}

Compiled = Callable[[dict[str, Any], int], tuple[tuple[int, ...], tuple[int, ...], tuple[int, ...], int, bool, bool]]


def _bound_test(x: str, d: str, value: Any, inclusive: bool, lower: bool) -> str:
    f = Fraction(value)
    lhs = x if f.denominator == 1 else f"{x} * {f.denominator}"
    rhs = str(f.numerator) if d == "1" else f"{f.numerator} * {d}"
    op = (">=" if inclusive else ">") if lower else ("<=" if inclusive else "<")
    return f"{lhs} {op} {rhs}"


def _band_condition(band: Band, x: str, d: str) -> str:
    tests = []
    if band.at_least is not None or band.above is not None:
        inclusive = band.at_least is not None
        tests.append(_bound_test(x, d, band.at_least if inclusive else band.above, inclusive, True))
    if band.at_most is not None or band.below is not None:
        inclusive = band.at_most is not None
        tests.append(_bound_test(x, d, band.at_most if inclusive else band.below, inclusive, False))
    return " and ".join(tests)


def _bands(lines: list[str], bands: list[Band], otherwise: int, x: str, d: str, i: int, indent: str) -> None:
    for b, band in enumerate(bands):
        keyword = "if" if b == 0 else "elif"
        lines.append(f"{indent}{keyword} {_band_condition(band, x, d)}: p{i} = {band.points}; s{i} = {b}")
    lines.append(f"{indent}else: p{i} = {otherwise}; s{i} = {OTHERWISE}")


def _item(lines: list[str], item: Item, i: int, checked: bool, limits: dict[str, int]) -> None:
    """Append the code scoring one item into ``p<i>`` (points) and ``s<i>`` (status code).

    In ``checked`` mode the code also returns None at the first value that is missing (when
    required), of the wrong type, out of range or inconsistent (numerator above denominator).
    """
    rule = item.rule
    missing = f"p{i} = 0; s{i} = {MISSING}" + ("; complete = False" if rule.missing == "required" else "")
    if checked and rule.missing == "required":
        missing = "return None"
    if rule.kind == "yes_no":
        lines += [f"    x = g({rule.input!r})",
                  f"    if x is True: p{i} = {rule.points}; s{i} = {YES}",
                  f"    elif x is None: {missing}",
                  f"    elif x is False: p{i} = 0; s{i} = {NO}" if checked else f"    else: p{i} = 0; s{i} = {NO}"]
        if checked:
            lines.append("    else: return None")
    elif rule.kind in ("rate_bands", "incidence_bands"):
        top, bottom, scale, policy = (
            (rule.numerator, rule.denominator, 100, rule.zero_denominator) if rule.kind == "rate_bands"
            else (rule.count, rule.population, rule.per, rule.zero_population))
        zero = rule.best if policy.policy == "full_points" else 0
        lines += [f"    n = g({top!r}); d = g({bottom!r})",
                  f"    if n is None or d is None: {missing}"]
        if checked:
            floor = 1 if policy.policy == "reject" else 0
            lines.append(f"    elif type(n) is not int or type(d) is not int or not 0 <= n <= d "
                         f"or not {floor} <= d <= {limits[bottom]}: return None")
        lines += [f"    elif d == 0: p{i} = {zero}; s{i} = {ZERO_DENOMINATOR}",
                  "    else:",
                  f"        x = n * {scale}"]
        _bands(lines, rule.bands, rule.otherwise, "x", "d", i, "        ")
    elif rule.kind in ("count_bands", "manual_score"):
        lines += [f"    x = g({rule.input!r})",
                  f"    if x is None: {missing}"]
        if checked:
            lines.append(f"    elif type(x) is not int or not 0 <= x <= {limits[rule.input]}: return None")
        if rule.kind == "manual_score":
            lines.append(f"    else: p{i} = min(x, {rule.max_points}); s{i} = {MANUAL}")
        else:
            lines.append("    else:")
            _bands(lines, rule.bands, rule.otherwise, "x", "1", i, "        ")
    elif rule.kind == "checklist":
        names = ", ".join(repr(e.input) for e in rule.elements)
        if checked:
            lines.append(f"    if any(g(k) is not None and g(k) is not True and g(k) is not False "
                         f"for k in ({names},)): return None")
        total = " + ".join(f"({e.points} if g({e.input!r}) else 0)" for e in rule.elements)
        lines += [f"    if all(g(k) is None for k in ({names},)): {missing}",
                  f"    else: p{i} = {total}; s{i} = {CHECKLIST}"]
    else:  # pragma: no cover - the schema admits no other kind
        raise TypeError(f"no compiler for rule kind {rule.kind!r}")


def source(cset: CriteriaSet, checked: bool = False) -> str:
    """The Python source of ``score(values, threshold)`` for ``cset``.

    ``checked``: the function takes raw values and returns None as soon as one is not a
    clean, complete, consistent value (the caller then runs the full validation, which
    explains what is wrong); otherwise it trusts values already validated.
    """
    lines = ["def score(values, threshold):"]
    if checked:
        lines.append("    if not values.keys() <= KNOWN: return None")
    lines += ["    g = values.get", "    complete = True"]
    limits = {n: min(MAX_VALUE, spec.max if spec.max is not None else MAX_VALUE) for n, spec in cset.inputs.items()}
    i = 0
    criterion_sums = []
    for crit in cset.criteria:
        first = i
        for item in crit.items:
            _item(lines, item, i, checked, limits)
            i += 1
        criterion_sums.append(" + ".join(f"p{k}" for k in range(first, i)))
    n_crit = len(cset.criteria)
    lines.append(f"    c = ({', '.join(criterion_sums)},)")
    lines.append(f"    total = {' + '.join(f'c[{k}]' for k in range(n_crit))}")
    checks = ["complete"]
    for cond in cset.recognition:
        if cond.kind == "every_criterion_above_zero":
            checks += [f"c[{k}] > 0" for k in range(n_crit)]
        else:  # total_at_least_threshold
            checks.append("total >= threshold")
    lines.append(f"    return ({', '.join(f'p{k}' for k in range(i))},), "
                 f"({', '.join(f's{k}' for k in range(i))},), c, total, complete, {' and '.join(checks)}")
    return "\n".join(lines) + "\n"


def compile_set(cset: CriteriaSet, checked: bool = False) -> Compiled:
    """The scoring function of ``cset``: values, threshold → points, statuses, criteria, total,
    complete, recognised (or None, in ``checked`` mode, for values needing validation)."""
    namespace: dict[str, Any] = {"KNOWN": frozenset(cset.inputs)}
    code = compile(source(cset, checked), f"<criteria {cset.id} {cset.version}>", "exec")
    exec(code, namespace)  # noqa: S102 - generated from validated data, see the module docstring
    return namespace["score"]
