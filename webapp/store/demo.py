"""Demo data for Cao Bằng on the real units, with realistic, varied (synthetic) values.

Two kinds of round: rounds on the 161 units before the July 2025 reform, reviewed and
recognised by the districts (:func:`build_demo`, :func:`build_demo_years`), and the current
round on the 56 communes since, where the province reviews and recognises
(:func:`build_current_round`). Most communes are recognised; some fail on a criterion at zero
(an abuse case, a child drowning); some fall below their threshold; some are still in review
or in draft. Figures are plausible for a mountain commune; nothing here is real data.
"""
from __future__ import annotations

import json
import random
from typing import Any

import sqlite_utils

import criteria

from . import accounts, rounds, units, urban, vietnamese, workflow

REVIEWER, AUTHORITY = "demo-reviewer", "demo-authority"
DEMO_PASSWORD = "demo-2024-cfc"  # demo accounts only; real accounts are made with `cfc users add`


def declared_values(rng: random.Random, profile: str) -> dict[str, Any]:
    """One commune's declaration; ``profile`` is good, zero-criterion or weak."""
    children = rng.randint(700, 4000)
    good = profile != "weak"

    def share(total: int, low: float, high: float) -> int:
        return min(total, round(total * rng.uniform(low, high)))

    births, infants = rng.randint(15, 80), rng.randint(15, 80)
    u5 = rng.randint(100, 450)
    special, due = rng.randint(5, 60), min(rng.randint(300, 1800), children)  # those due are children too
    kids35, primary, lower = rng.randint(60, 250), rng.randint(120, 500), rng.randint(90, 400)
    respondents = rng.randint(60, 200)
    values: dict[str, Any] = {
        "cp_officer_assigned": True, "cp_collaborators": good or rng.random() < 0.5,
        "cp_board_reviews": True, "child_budget": good or rng.random() < 0.6,
        "children": children, "births": births,
        "births_registered_on_time": share(births, 0.97, 1.0) if good else share(births, 0.9, 0.99),
        "abused_children": 0, "law_breaking_children": rng.choice([0, 0, 0, 1]),
        "drug_addicted_children": 0, "accident_deaths": 0,
        "injured_children": rng.randint(0, children * 4 // 1000),
        "special_children": special,
        "special_children_supported": share(special, 0.93, 1.0) if good else share(special, 0.8, 0.95),
        "severe_cases": rng.choice([0, 0, 0, 1]), "infants": infants,
        "infants_fully_immunised": share(infants, 0.96, 1.0) if good else share(infants, 0.88, 0.97),
        "under5_weighed": u5, "under5_underweight": share(u5, 0.03, 0.09) if good else share(u5, 0.08, 0.14),
        "under5_measured": u5, "under5_stunted": share(u5, 0.08, 0.19) if good else share(u5, 0.18, 0.26),
        "health_check_due": due, "health_checked": share(due, 0.85, 1.0) if good else share(due, 0.7, 0.88),
        "children_3_5": kids35, "preschool_attending": share(kids35, 0.92, 1.0) if good else share(kids35, 0.82, 0.95),
        "primary_age": primary, "primary_attending": share(primary, 0.985, 1.0),
        "lower_secondary_age": lower,
        "lower_secondary_attending": share(lower, 0.9, 1.0) if good else share(lower, 0.85, 0.95),
        "children_forum": True, "children_consulted": good or rng.random() < 0.4,
        "play_area": good or rng.random() < 0.5, "child_activities": True,
        "swimming_activities": good or rng.random() < 0.5,
        "survey_respondents": respondents,
        "survey_satisfied": share(respondents, 0.85, 1.0) if good else share(respondents, 0.7, 0.9),
    }
    values["severe_cases_with_plan"] = values["severe_cases"]
    if profile == "zero-criterion":
        if rng.random() < 0.5:
            values["abused_children"] = rng.randint(1, 3) if children < 2000 else rng.randint(2, 4)
        else:
            values["accident_deaths"] = 1
            values["injured_children"] = children * 6 // 1000 + 1
    return values


PROFILES = ("good", "zero-criterion", "weak")
PROFILE_WEIGHTS = (0.8, 0.08, 0.12)
STAGES = ("draft", "submitted", "returned", "verified", "decided")
STAGE_WEIGHTS = (3, 6, 3, 8, 80)
CLOSED_ROUND = (0, 0, 0, 0, 1)  # a past round: every assessment decided
MID_ROUND = (40, 25, 10, 15, 10)  # the current round: many still drafting, the province reviewing
# The demo's current round: 2026, late in its review, so that every step down to a signed decision can be
# played today. (QĐ 06's own rounds in the 2026–2030 plan fall in November 2027 and 2029.)
CURRENT_YEAR = 2026


def build_demo(db: sqlite_utils.Database, year: int = 2024, seed: int = 2024) -> int:
    """Install the Cao Bằng units and a fully worked demo round; returns the round id."""
    round_id = _build_round(db, year, seed, PROFILE_WEIGHTS, STAGE_WEIGHTS)
    _accounts(db, round_id)
    return round_id


def build_demo_years(db: sqlite_utils.Database, years: tuple[int, ...] = (2020, 2022, 2024),
                     *, last_open: bool = True) -> list[int]:
    """One demo round per year on the same 2022 units, each better than the one before.

    With ``last_open`` the latest year is the round :func:`build_demo` makes for it (still in
    progress, seed = year) and gets the district's demo accounts; otherwise every round is
    closed (history before the reform). Earlier rounds are closed (every assessment decided)
    and have more weak and zero-criterion communes the further back they are. Returns the
    round ids, oldest first.
    """
    ordered = sorted(set(years))
    if not ordered:
        raise ValueError("build_demo_years needs at least one year")
    round_ids = []
    for back, year in zip(range(len(ordered) - 1, -1, -1), ordered, strict=True):
        # an open round counts its undecided communes as not (yet) recognised: the closed
        # rounds before it need fewer good communes to stay below it
        good = PROFILE_WEIGHTS[0] if back == 0 else max(0.3, 0.58 - 0.1 * (back - 1))
        zero = PROFILE_WEIGHTS[1] + 0.02 * back
        profiles = (good, zero, max(0.0, 1 - good - zero))
        stages = STAGE_WEIGHTS if back == 0 and last_open else CLOSED_ROUND
        round_ids.append(_build_round(db, year, year, profiles, stages))
    if last_open:
        _accounts(db, round_ids[-1])
    return round_ids


def build_current_round(db: sqlite_utils.Database, year: int = CURRENT_YEAR) -> int:
    """The round in progress on the 56 communes since the reform, with the province's accounts.

    The province's health department reviews (``thamdinh.tinh``) and the provincial chair
    recognises (``chutich.tinh``); officers of two new communes formed from three old ones log
    in as ``canbo.<commune>``: one still drafting, one whose file was returned for more evidence.
    """
    units.load_cao_bang(db)
    drafting, returned = _merged_from_three(db)[:2]
    round_id = _build_round(db, year, year, PROFILE_WEIGHTS, MID_ROUND, units.CAO_BANG_2025,
                            fixed={drafting["id"]: "draft", returned["id"]: "returned"},
                            people=("thamdinh.tinh", "chutich.tinh"))
    _current_accounts(db, drafting, returned)
    return round_id


def _build_round(db: sqlite_utils.Database, year: int, seed: int, profiles: tuple[float, ...],
                 stages: tuple[float, ...], unit_set: str = units.CAO_BANG_2022, *,
                 fixed: dict[str, str] | None = None, people: tuple[str, str] = (REVIEWER, AUTHORITY)) -> int:
    """A round on ``unit_set`` whose files are drawn at random stages (``fixed``: unit → stage, a good
    declaration), reviewed and decided by ``people`` (reviewer, authority)."""
    units.load_cao_bang(db)
    kinds = "xã, phường, thị trấn" if unit_set == units.CAO_BANG_2022 else "xã, phường"
    review_until = f"{year}-11-30" if year < CURRENT_YEAR else f"{year}-12-15"  # the current round: still reviewing
    round_id = rounds.create_round(
        db, name=f"Đánh giá {kinds} phù hợp với trẻ em năm {year}", year=year,
        cset=criteria.get("qd06-2019"), unit_set=unit_set, actor="demo-setup",
        submission_deadline=f"{year}-11-15", review_deadline=review_until)
    rng = random.Random(seed)
    files = list(db.query("select a.id, a.unit_id from assessments a join units u on u.id = a.unit_id "
                          "where a.round_id = ? order by u.sort_key", [round_id]))
    for file in files:
        profile = rng.choices(PROFILES, profiles)[0]
        stage = rng.choices(STAGES, stages)[0]
        if fixed and file["unit_id"] in fixed:
            profile, stage = "good", fixed[file["unit_id"]]
        _work(db, file["id"], rng, profile, stage, *people)
    # the civilised-urban ratings of the year (of the year before, for a round not yet at its November)
    _urban_statuses(db, unit_set, year if unit_set == units.CAO_BANG_2022 else year - 1, random.Random(seed + 1))
    return round_id


def _urban_statuses(db: sqlite_utils.Database, unit_set: str, year: int, rng: random.Random) -> None:
    """The province's civilised-urban ratings of the year: most wards and townships đạt, some not, a few unrated."""
    for number, unit in enumerate(urban.urban_units(db, unit_set), start=1):
        status = rng.choices(("dat", "chua_dat", None), (0.7, 0.2, 0.1))[0]
        if status:
            urban.record(db, unit["id"], {"year": year, "status": status, "decided_on": f"{year}-12-{10 + number % 15}",
                                          "decision": f"Số {100 + number}/QĐ-UBND"}, "demo-setup")


def _accounts(db: sqlite_utils.Database, round_id: int) -> None:
    """Demo accounts: an officer of a commune still in draft, its district's reviewer and
    chair, a provincial viewer and an administrator (password ``DEMO_PASSWORD``)."""
    draft = next(db.query(  # a commune still in draft if there is one, else the first commune
        "select a.unit_id, u.parent_id from assessments a join units u on u.id = a.unit_id "
        "where a.round_id = ? order by a.status != 'draft', u.sort_key limit 1", [round_id]))
    province = next(db.query("select id from units where unit_set = ? and type = 'tinh'", [units.CAO_BANG_2022]))
    for username, role, name, scope in [
        ("admin", "admin", "Quản trị hệ thống", None),
        ("canbo.xa", "officer", "Cán bộ văn hóa – xã hội", draft["unit_id"]),
        ("thamdinh.huyen", "reviewer", "Phòng Văn hóa – Xã hội huyện", draft["parent_id"]),
        ("chutich.huyen", "authority", "Chủ tịch UBND huyện", draft["parent_id"]),
        ("theodoi.tinh", "viewer", "Sở Y tế tỉnh Cao Bằng", province["id"]),
        *legal_officers(province["id"]),
    ]:
        if not db["users"].count_where("username = ?", [username]):
            accounts.create_user(db, username, DEMO_PASSWORD, role, name, scope, "demo-setup")


def legal_officers(province: str) -> list[tuple[str, str, str, str]]:
    """Two legal officers of the province: one prepares a criteria draft, the other confirms it (four eyes)."""
    return [("phapche.tinh", "legal", "Phòng Pháp chế – Sở Y tế", province),
            ("phapche2.tinh", "legal", "Thanh tra – Sở Y tế", province)]


def _merged_from_three(db: sqlite_utils.Database) -> list[dict[str, Any]]:
    """The communes since the reform formed from three or more old ones, in Vietnamese order."""
    return list(db.query(
        "select u.id, u.name, u.type from units u where u.unit_set = ? "
        "and (select count(*) from unit_lineage l where l.to_id = u.id) >= 3 order by u.sort_key",
        [units.CAO_BANG_2025]))


def _current_accounts(db: sqlite_utils.Database, drafting: dict[str, Any], returned: dict[str, Any]) -> None:
    """The province's reviewer, chair and viewer, an administrator, and the officers of two communes
    formed from three old ones (one drafting, one whose file was returned)."""
    province = next(db.query("select id from units where unit_set = ? and type = 'tinh'", [units.CAO_BANG_2025]))
    people = [
        ("admin", "admin", "Quản trị hệ thống", None),
        *((officer_name(unit["name"]), "officer",
           f"Cán bộ văn hóa – xã hội {units.TYPE_NAMES[unit['type']].lower()} {unit['name']}", unit["id"])
          for unit in (drafting, returned)),
        ("thamdinh.tinh", "reviewer", "Sở Y tế tỉnh Cao Bằng", province["id"]),
        ("chutich.tinh", "authority", "Chủ tịch UBND tỉnh Cao Bằng", province["id"]),
        ("theodoi.tinh", "viewer", "Văn phòng UBND tỉnh Cao Bằng", province["id"]),
        *legal_officers(province["id"]),
    ]
    for username, role, name, scope in people:
        if not db["users"].count_where("username = ?", [username]):
            accounts.create_user(db, username, DEMO_PASSWORD, role, name, scope, "demo-setup")


def officer_name(commune: str) -> str:
    """``canbo.baolam``: the demo officer's user name for a commune."""
    return "canbo." + vietnamese.slug(commune).replace("-", "")


def _work(db: sqlite_utils.Database, aid: int, rng: random.Random, profile: str, stage: str,
          reviewer: str = REVIEWER, authority: str = AUTHORITY) -> None:
    officer = f"demo-officer-{aid}"
    workflow.save_declared(db, aid, declared_values(rng, profile), officer)
    if stage == "draft":
        return
    workflow.submit(db, aid, officer)
    if stage == "submitted":
        return
    if stage == "returned":
        workflow.review_criterion(db, aid, 9, "needs_clarification", reviewer,
                                  "Đề nghị bổ sung danh sách trẻ em được khám sức khỏe định kỳ.")
        workflow.return_for_clarification(db, aid, reviewer, "Bổ sung minh chứng tiêu chí 9.")
        return
    for number in range(1, 14):
        workflow.review_criterion(db, aid, number, "accepted", reviewer)
    workflow.verify(db, aid, reviewer)
    if stage == "verified":
        return
    row = workflow.get(db, aid)
    if row["recognised"]:
        workflow.decide(db, aid, authority, True)
    else:
        failing = json.loads(row["result"])["failed_conditions"]
        words = workflow.failing_in_words([c for c in failing if c != "total-at-least-threshold"]) \
            if failing != ["total-at-least-threshold"] else ""
        if "total-at-least-threshold" in failing:
            words = "; ".join(filter(None, [f"tổng điểm thẩm định {row['verified_total']} thấp hơn mức tối thiểu "
                                            "của loại đơn vị", words]))
        workflow.decide(db, aid, authority, False, f"Theo kết quả thẩm định: {words}.")
