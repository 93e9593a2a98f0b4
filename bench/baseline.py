"""QĐ 06/QĐ-TTg (2019) scored by hand: the reference the scoring engine is measured against.

Every band of criteria/qd06-2019.yaml (version 2019.1) is written out here as an if/elif
chain with exact integer cross-multiplication: a rate n/d is ≥ 98 % when ``n * 100 >= 98 * d``,
an incidence n/d is ≤ 0.5 per 1,000 when ``n * 2000 <= d``. No criteria file is read, no
object is built but the result, so this is about as fast as plain Python scores QĐ 06.

It takes already validated values (plain ``int`` / ``bool``, every input present) like
``Scorer.score_values``. A zero denominator earns the item's best points where the YAML's
policy is ``full_points``; where it is ``reject`` validation refuses it before scoring, so
here it raises ``ZeroDivisionError``.

If criteria/qd06-2019.yaml changes, this file must change with it: ``bench.score_batch``
aborts when the two disagree on any commune.
"""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any, NamedTuple

THRESHOLDS = {"urban-ward": 900, "mountain-island": 800, "other": 850}


class BaselineResult(NamedTuple):
    items: dict[str, int]
    criteria: dict[int, int]
    total: int
    recognised: bool


def _reject(name: str) -> int:
    raise ZeroDivisionError(f"{name} is 0: the YAML's policy is reject, validation refuses it")


def score_qd06(v: Mapping[str, Any], category: str) -> BaselineResult:
    """Per-item points, per-criterion points, total and verdict of one commune."""
    # 1. Resources for children's rights (yes/no)
    i1_1 = 50 if v["cp_officer_assigned"] else 0
    i1_2 = 15 if v["cp_collaborators"] else 0
    i1_3 = 15 if v["cp_board_reviews"] else 0
    i1_4 = 20 if v["child_budget"] else 0

    # 2. Births registered on time: rate, higher is better, 0 births → full points
    n, d = v["births_registered_on_time"], v["births"]
    if d == 0:
        i2_1 = 50
    elif n * 100 >= 100 * d:
        i2_1 = 50
    elif n * 100 >= 98 * d:
        i2_1 = 35
    elif n * 100 >= 95 * d:
        i2_1 = 20
    else:
        i2_1 = 0

    children = v["children"]
    if children == 0:
        _reject("children")

    # 3. Abused children per 1,000 children: = 0 → 100; ≤ 0.5 ‰ → 50
    n = v["abused_children"]
    if n == 0:
        i3_1 = 100
    elif n * 2000 <= children:
        i3_1 = 50
    else:
        i3_1 = 0

    # 4. Children breaking the law per 1,000: = 0 → 50; ≤ 1 ‰ → 25. No drug-addicted child → 25
    n = v["law_breaking_children"]
    if n == 0:
        i4_1 = 50
    elif n * 1000 <= children:
        i4_1 = 25
    else:
        i4_1 = 0
    i4_2 = 25 if v["drug_addicted_children"] == 0 else 0

    # 5. No accident death → 50; injured children ≤ 5 per 1,000 → 25
    i5_1 = 50 if v["accident_deaths"] == 0 else 0
    i5_2 = 25 if v["injured_children"] * 1000 <= 5 * children else 0

    # 6.1 Children in special circumstances supported: ≥ 95 → 50, ≥ 90 → 30, ≥ 80 → 15; none → 50
    n, d = v["special_children_supported"], v["special_children"]
    if d == 0:
        i6_1 = 50
    elif n * 100 >= 95 * d:
        i6_1 = 50
    elif n * 100 >= 90 * d:
        i6_1 = 30
    elif n * 100 >= 80 * d:
        i6_1 = 15
    else:
        i6_1 = 0
    # 6.2 Severe cases with an intervention plan: 100 % → 75, ≥ 90 → 40; no case → 75
    n, d = v["severe_cases_with_plan"], v["severe_cases"]
    if d == 0:
        i6_2 = 75
    elif n * 100 >= 100 * d:
        i6_2 = 75
    elif n * 100 >= 90 * d:
        i6_2 = 40
    else:
        i6_2 = 0

    # 7. Under-1s fully immunised: ≥ 98 → 50, ≥ 95 → 35, ≥ 90 → 20; no infant → 50
    n, d = v["infants_fully_immunised"], v["infants"]
    if d == 0:
        i7_1 = 50
    elif n * 100 >= 98 * d:
        i7_1 = 50
    elif n * 100 >= 95 * d:
        i7_1 = 35
    elif n * 100 >= 90 * d:
        i7_1 = 20
    else:
        i7_1 = 0

    # 8.1 Underweight (lower is better): ≤ 5 → 50, ≤ 10 → 30, ≤ 15 → 10
    n, d = v["under5_underweight"], v["under5_weighed"]
    if d == 0:
        _reject("under5_weighed")
    if n * 100 <= 5 * d:
        i8_1 = 50
    elif n * 100 <= 10 * d:
        i8_1 = 30
    elif n * 100 <= 15 * d:
        i8_1 = 10
    else:
        i8_1 = 0
    # 8.2 Stunting (lower is better): ≤ 10 → 50, ≤ 20 → 30, ≤ 25 → 10
    n, d = v["under5_stunted"], v["under5_measured"]
    if d == 0:
        _reject("under5_measured")
    if n * 100 <= 10 * d:
        i8_2 = 50
    elif n * 100 <= 20 * d:
        i8_2 = 30
    elif n * 100 <= 25 * d:
        i8_2 = 10
    else:
        i8_2 = 0

    # 9. Periodic health checks: ≥ 90 → 50, ≥ 80 → 30, ≥ 70 → 10
    n, d = v["health_checked"], v["health_check_due"]
    if d == 0:
        _reject("health_check_due")
    if n * 100 >= 90 * d:
        i9_1 = 50
    elif n * 100 >= 80 * d:
        i9_1 = 30
    elif n * 100 >= 70 * d:
        i9_1 = 10
    else:
        i9_1 = 0

    # 10.1 Pre-school (3–5): ≥ 95 → 40, ≥ 90 → 25, ≥ 80 → 10; none of that age → 40
    n, d = v["preschool_attending"], v["children_3_5"]
    if d == 0:
        i10_1 = 40
    elif n * 100 >= 95 * d:
        i10_1 = 40
    elif n * 100 >= 90 * d:
        i10_1 = 25
    elif n * 100 >= 80 * d:
        i10_1 = 10
    else:
        i10_1 = 0
    # 10.2 Primary: ≥ 99 → 30, ≥ 97 → 15; none of that age → 30
    n, d = v["primary_attending"], v["primary_age"]
    if d == 0:
        i10_2 = 30
    elif n * 100 >= 99 * d:
        i10_2 = 30
    elif n * 100 >= 97 * d:
        i10_2 = 15
    else:
        i10_2 = 0
    # 10.3 Lower secondary: ≥ 95 → 30, ≥ 90 → 15; none of that age → 30
    n, d = v["lower_secondary_attending"], v["lower_secondary_age"]
    if d == 0:
        i10_3 = 30
    elif n * 100 >= 95 * d:
        i10_3 = 30
    elif n * 100 >= 90 * d:
        i10_3 = 15
    else:
        i10_3 = 0

    # 11. Participation (yes/no)
    i11_1 = 25 if v["children_forum"] else 0
    i11_2 = 25 if v["children_consulted"] else 0

    # 12. Play, culture and sport (yes/no)
    i12_1 = 35 if v["play_area"] else 0
    i12_2 = 20 if v["child_activities"] else 0
    i12_3 = 20 if v["swimming_activities"] else 0

    # 13. Satisfaction: ≥ 90 → 50, ≥ 80 → 35, ≥ 70 → 20
    n, d = v["survey_satisfied"], v["survey_respondents"]
    if d == 0:
        _reject("survey_respondents")
    if n * 100 >= 90 * d:
        i13_1 = 50
    elif n * 100 >= 80 * d:
        i13_1 = 35
    elif n * 100 >= 70 * d:
        i13_1 = 20
    else:
        i13_1 = 0

    c1 = i1_1 + i1_2 + i1_3 + i1_4
    c4 = i4_1 + i4_2
    c5 = i5_1 + i5_2
    c6 = i6_1 + i6_2
    c8 = i8_1 + i8_2
    c10 = i10_1 + i10_2 + i10_3
    c11 = i11_1 + i11_2
    c12 = i12_1 + i12_2 + i12_3
    total = c1 + i2_1 + i3_1 + c4 + c5 + c6 + i7_1 + c8 + i9_1 + c10 + c11 + c12 + i13_1
    recognised = (
        c1 > 0 and i2_1 > 0 and i3_1 > 0 and c4 > 0 and c5 > 0 and c6 > 0 and i7_1 > 0
        and c8 > 0 and i9_1 > 0 and c10 > 0 and c11 > 0 and c12 > 0 and i13_1 > 0
        and total >= THRESHOLDS[category]
    )
    items = {
        "1.1": i1_1, "1.2": i1_2, "1.3": i1_3, "1.4": i1_4, "2.1": i2_1, "3.1": i3_1,
        "4.1": i4_1, "4.2": i4_2, "5.1": i5_1, "5.2": i5_2, "6.1": i6_1, "6.2": i6_2,
        "7.1": i7_1, "8.1": i8_1, "8.2": i8_2, "9.1": i9_1, "10.1": i10_1, "10.2": i10_2,
        "10.3": i10_3, "11.1": i11_1, "11.2": i11_2, "12.1": i12_1, "12.2": i12_2, "12.3": i12_3,
        "13.1": i13_1,
    }
    criteria = {1: c1, 2: i2_1, 3: i3_1, 4: c4, 5: c5, 6: c6, 7: i7_1, 8: c8, 9: i9_1,
                10: c10, 11: c11, 12: c12, 13: i13_1}
    return BaselineResult(items, criteria, total, recognised)
