"""Data quality of the declared figures: the flags of an assessment (validation rules of its criteria set and
outliers against the unit's previous round), a reviewer's explanation of a flag, and a round's summary for
the province (flags by rule and by commune, the share of figures flagged).

The previous round of a unit is its own latest submitted assessment of an earlier year. A unit formed in the
2025 reform has none: it is compared with the latest round on the units it was formed from (``lineage``),
each count being the **sum** of its predecessors' figures (only when every predecessor was evaluated and none
was split between several new units, else there is nothing to compare); rates are never summed (a rate of
exactly 100% is checked on the round's own figures) and a sum is never taken for a copy.
"""
from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import sqlite_utils

import criteria.validation
from criteria import CriteriaSet
from scoring.plausibility import Flag, Previous, flags

from . import audit, limits, lineage
from .db import transaction
from .errors import N_, Msg, NotFound, TransitionRefused
from .rounds import criteria_for, get_round
from .workflow import STATUS_NAMES, UNDER_REVIEW, Assessment, load

SEVERITY_NAMES = {"block": N_("Chặn nộp"), "warn": N_("Cảnh báo"), "review": N_("Báo thẩm định")}
OUTLIER_NAMES = {  # a flag's family, as the province page groups them
    "jump": N_("Tăng, giảm đột biến so với kỳ trước"), "population": N_("Số trẻ em thay đổi bất thường"),
    "full-rate": N_("Tỷ lệ đúng 100 phần trăm trên mẫu số lớn"), "copy": N_("Số liệu giống hệt kỳ trước"),
}
NOT_DECLARED = ("draft",)  # a draft is still being typed: the province page leaves it out


@dataclass(frozen=True)
class Checked:
    """A flag of an assessment with the reviewer's explanation (None if none holds for its current figures)."""

    flag: Flag
    explanation: dict[str, Any] | None

    @property
    def severity_name(self) -> Msg:
        return SEVERITY_NAMES[self.flag.severity]


def _values(row: dict[str, Any]) -> dict[str, Any]:
    """What a past assessment finally held: the reviewer's values when there are any, else the declared ones."""
    verified = json.loads(row["verified"] or "{}") if isinstance(row["verified"], str) else row["verified"]
    declared = json.loads(row["declared"] or "{}") if isinstance(row["declared"], str) else row["declared"]
    return verified or declared


def previous_figures(db: sqlite_utils.Database, unit_id: str, rnd: dict[str, Any]) -> Previous | None:
    """The unit's figures in its previous round: its own, else the summed counts of the units it was formed
    from in the latest earlier round on their unit set (see the module's docstring); None if there are none."""
    own = next(db.query(
        "select a.declared, a.verified, r.year from assessments a join rounds r on r.id = a.round_id "
        "where a.unit_id = ? and r.year < ? and a.status not in ('draft') order by r.year desc, r.id desc limit 1",
        [unit_id, rnd["year"]]), None)
    if own is not None:
        return Previous(_values(own), own["year"])
    before = lineage.predecessors(db, unit_id)
    earlier = lineage.earlier_round(db, rnd)
    if not before or earlier is None or any(len(lineage.successors(db, u["id"])) > 1 for u in before):
        return None
    rows = [next(db.query("select declared, verified from assessments where round_id = ? and unit_id = ? "
                          "and status != 'draft'", [earlier["id"], u["id"]]), None) for u in before]
    if any(r is None for r in rows):
        return None
    figures = [_values(r) for r in rows]
    summed = {name: sum(f[name] for f in figures) for name in set.intersection(*(set(f) for f in figures))
              if all(type(f[name]) is int for f in figures)}
    return Previous(summed, earlier["year"], merged=len(before) > 1)


def _flags(db: sqlite_utils.Database, cset: CriteriaSet, unit_id: str, rnd: dict[str, Any],
           values: dict[str, Any]) -> list[Flag]:
    vset = criteria.validation.for_set(cset)
    return flags(vset, cset, values, previous_figures(db, unit_id, rnd)) if vset else []


def explanations(db: sqlite_utils.Database, assessment_id: int) -> dict[str, dict[str, Any]]:
    """The stored explanations of an assessment's flags, by flag."""
    return {r["flag"]: r for r in db.query("select * from quality_explanations where assessment_id = ?",
                                           [assessment_id])}


def check(db: sqlite_utils.Database, view: Assessment, values: dict[str, Any] | None = None) -> list[Checked]:
    """The flags of ``values`` (default: the declared values), each with its explanation if one holds."""
    found = _flags(db, view.cset, view.unit["id"], view.round, view.row["declared"] if values is None else values)
    stored = explanations(db, view.id)
    return [Checked(f, e if (e := stored.get(f.key)) and e["figures"] == f.fingerprint() else None) for f in found]


def explain(db: sqlite_utils.Database, assessment_id: int, flag_key: str, note: str, actor: str) -> Assessment:
    """The reviewer explains a flag of the assessment (why the figure is right); an empty note withdraws the
    explanation. Audited; the note is bounded. Refused for a flag the assessment does not raise now."""
    note = (note or "").strip()
    limits.bounded(note, "explanation", limits.COMMENT)
    with transaction(db):
        view = load(db, assessment_id)
        if view.row["status"] not in UNDER_REVIEW:
            raise TransitionRefused(f"cannot explain a flag: the assessment is {view.row['status']}",
                                    N_("Chỉ giải trình được cảnh báo khi hồ sơ đang chờ thẩm định (trạng thái «%(status)s»)."),
                                    status=Msg(STATUS_NAMES[view.row["status"]]))
        flag = next((c.flag for c in check(db, view) if c.flag.key == flag_key), None)
        if flag is None:
            raise NotFound(f"assessment {assessment_id} raises no flag {flag_key[:60]!r}",
                           N_("Cảnh báo này không còn trên hồ sơ (số liệu đã thay đổi?): tải lại trang."))
        old = explanations(db, assessment_id).get(flag_key)
        if note:
            db["quality_explanations"].upsert({
                "assessment_id": assessment_id, "flag": flag_key, "figures": flag.fingerprint(), "note": note,
                "explained_by": actor, "explained_at": audit.now()}, pk=("assessment_id", "flag"))
        elif old is not None:
            db.execute("delete from quality_explanations where assessment_id = ? and flag = ?", [assessment_id, flag_key])
        else:
            return view
        audit.record(db, actor, "explain_flag", "assessment", assessment_id, flag_key,
                     old["note"] if old else None, note or None)
    return view


def family(flag: Flag) -> str:
    """The group a flag counts under on the province page: its rule id, or its kind of outlier."""
    kind = flag.key.partition(":")[0]
    return kind if kind in OUTLIER_NAMES else flag.key


@dataclass
class CommuneQuality:
    assessment_id: int
    name: str
    status: Msg
    flags: int
    explained: int
    figures: int


@dataclass
class RoundQuality:
    """A round's flags: by rule (or kind of outlier) and by commune, and the share of figures flagged."""

    rules: list[dict[str, Any]]  # {"family", "name" (Msg) or "text" (vi/en), "severity", "flags", "communes"}
    communes: list[CommuneQuality]  # most flags first
    figures: int  # count figures declared
    flagged: int  # of those, the ones some flag concerns

    @property
    def share(self) -> float:
        return self.flagged / self.figures if self.figures else 0.0


def round_quality(db: sqlite_utils.Database, round_id: int, include: Callable[[str], bool] | None = None) -> RoundQuality:
    """Every submitted assessment of the round (``include``: the units the reader may see) through the same
    checks as its review page."""
    rnd = get_round(db, round_id)
    cset = criteria_for(db, rnd["criteria_hash"])
    vset = criteria.validation.for_set(cset)
    counts = [n for n, spec in cset.inputs.items() if spec.type == "count"]
    by_family: dict[str, dict[str, Any]] = {}
    families: Counter[str] = Counter()
    communes: list[CommuneQuality] = []
    figures = flagged = 0
    for row in db.query(
            "select a.id, a.unit_id, a.status, a.declared, u.name, u.type from assessments a "
            "join units u on u.id = a.unit_id where a.round_id = ? and a.status not in ('draft') "
            "order by u.sort_key, u.id", [round_id]):
        if include is not None and not include(row["unit_id"]):
            continue
        declared = json.loads(row["declared"] or "{}")
        found = flags(vset, cset, declared, previous_figures(db, row["unit_id"], rnd)) if vset else []
        stored = explanations(db, row["id"])
        given = [n for n in counts if declared.get(n) is not None]
        touched = {n for f in found for n in f.fields if n in given}
        figures += len(given)
        flagged += len(touched)
        explained = sum(1 for f in found if (e := stored.get(f.key)) and e["figures"] == f.fingerprint())
        communes.append(CommuneQuality(row["id"], lineage.display_name(row), Msg(STATUS_NAMES[row["status"]]),
                                       len(found), explained, len(touched)))
        for f in found:
            key = family(f)
            families[key] += 1
            entry = by_family.setdefault(key, {"family": key, "severity": f.severity, "flags": 0, "communes": set(),
                                               "name": OUTLIER_NAMES.get(key), "text": _rule_text(vset, key)})
            entry["flags"] += 1
            entry["communes"].add(row["id"])
    rules = sorted(by_family.values(), key=lambda e: (-e["flags"], e["family"]))
    for entry in rules:
        entry["communes"] = len(entry["communes"])
    communes.sort(key=lambda c: (-c.flags, c.name))
    return RoundQuality(rules, communes, figures, flagged)


def _rule_text(vset: criteria.validation.ValidationSet | None, key: str) -> Any:
    rule = next((r for r in vset.rules if r.id == key), None) if vset else None
    return rule.message if rule else None
