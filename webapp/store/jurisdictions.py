"""Choosing an account's jurisdiction by the unit's name, never its code: search typed with or without
Vietnamese marks, the levels each role may hold, the refusal of a name that names no allowed unit (with the
closest names), and the warning that a jurisdiction holds no unit of any open round.

Results come grouped as an administrator reads them: the current unit set first («Cao Bằng (từ 01/7/2025)»),
then the older one, and in each the province, then districts and cities, then communes, wards and townships.
"""
from __future__ import annotations

import difflib
from dataclasses import dataclass
from typing import Any

import sqlite_utils

from .accounts import ROLE_NAMES, SCOPE_TYPES
from .errors import N_, Msg, NotFound, StorageError
from .units import COMMUNE_TYPES, TIER_TYPES, TYPE_NAMES, full_name, get_unit, set_name
from .vietnamese import fold, unmarked

LEVELS = ("province", "district", "commune")  # the order of the groups
LEVEL_TYPES = {"province": TIER_TYPES["province"], "district": TIER_TYPES["district"], "commune": COMMUNE_TYPES}
LEVEL_NAMES = {"province": N_("Tỉnh"), "district": N_("Huyện, thành phố"), "commune": N_("Xã, phường, thị trấn")}
DECIDED = ("recognised", "not_recognised", "revoked")  # an assessment no longer waiting for anyone
MAX_QUERY = 100  # characters of a searched name: longer is no unit's name
MAX_RESULTS = 30
MAX_SUGGESTIONS = 5


class ScopeRefused(StorageError):
    """The jurisdiction asked for is unknown or not one the role may hold; ``suggestions`` lists the closest."""

    def __init__(self, message: str, vi: str, suggestions: list[Match], **params: Any):
        self.suggestions = suggestions
        super().__init__(message, vi, **params)


@dataclass(frozen=True)
class Notice:
    """A message to show that refuses nothing (a warning): its Vietnamese msgid and fields, as refusals carry them."""

    vi: str
    params: dict[str, Any]


@dataclass(frozen=True)
class Match:
    """A unit as the chooser shows it: its full name, its unit set's name and its level."""

    id: str
    full_name: str
    unit_set: str
    unit_set_name: str
    level: str


@dataclass(frozen=True)
class Group:
    """The matches of one unit set and level, under their heading."""

    unit_set_name: str
    level: str
    matches: list[Match]


def level_of(unit_type: str) -> str:
    return next(level for level, types in LEVEL_TYPES.items() if unit_type in types)


def _candidates(db: sqlite_utils.Database, role: str | None) -> list[dict[str, Any]]:
    """The units ``role``'s jurisdiction may be (any unit without a role), each with its set's name and start."""
    types = list(SCOPE_TYPES.get(role, ())) if role else [t for level in LEVELS for t in LEVEL_TYPES[level]]
    if not types:
        return []
    return list(db.query(
        "select u.*, s.name as unit_set_name, s.valid_from from units u join unit_sets s on s.id = u.unit_set "
        f"where u.type in ({', '.join('?' * len(types))})", types))


def _words(unit: dict[str, Any]) -> list[str]:
    return unmarked(f"{TYPE_NAMES[unit['type']]} {unit['name']}").split()


def _rank(unit: dict[str, Any], query: str, marked: list[str]) -> tuple[int, int] | None:
    """How well ``unit`` answers the query (lower is better), or None: every word typed must begin a word of
    the unit's name («ha quang» finds «Huyện Hà Quảng»); the whole name first, then its beginning; typed marks
    that agree («Hà» rather than «Hạ») come before those that do not."""
    words, name = _words(unit), unmarked(unit["name"])
    tokens = query.split()
    if not all(any(w.startswith(t) for w in words) for t in tokens):
        return None
    whole = " ".join(words)
    tier = 0 if query in (name, whole) else 1 if name.startswith(query) or whole.startswith(query) else 2
    folded = fold(f"{TYPE_NAMES[unit['type']]} {unit['name']}").split()
    agrees = all(any(w.startswith(t) for w in folded) for t in marked)
    return tier, 0 if agrees else 1


def _match(db: sqlite_utils.Database, unit: dict[str, Any]) -> Match:
    return Match(unit["id"], full_name(db, unit), unit["unit_set"], unit["unit_set_name"], level_of(unit["type"]))


def _order(unit: dict[str, Any]) -> tuple[Any, ...]:
    """Newest unit set first, then province, districts, communes, then the alphabet."""
    return (-int(unit["valid_from"].replace("-", "")), LEVELS.index(level_of(unit["type"])))


def search(db: sqlite_utils.Database, query: str, role: str | None = None) -> list[Match]:
    """The units whose name answers ``query`` (marks optional, case ignored), of the levels ``role`` may
    hold (every level without a role), in the chooser's order; at most ``MAX_RESULTS``."""
    wanted = unmarked(query[:MAX_QUERY]).strip()
    if not wanted:
        return []
    wanted = " ".join(wanted.split())
    marked = fold(query[:MAX_QUERY]).split()
    ranked = []
    for unit in _candidates(db, role):
        rank = _rank(unit, wanted, marked)
        if rank is not None:
            ranked.append((rank, unit))
    best = sorted(ranked, key=lambda pair: (pair[0], pair[1]["sort_key"]))[:MAX_RESULTS]
    kept = sorted((unit for _rank_, unit in best), key=lambda u: (*_order(u), u["sort_key"]))
    return [_match(db, unit) for unit in kept]


def suggestions(db: sqlite_utils.Database, query: str, role: str | None = None) -> list[Match]:
    """The names closest to ``query`` (compared without marks) among the levels ``role`` may hold."""
    wanted = " ".join(unmarked(query[:MAX_QUERY]).split())
    if not wanted:
        return []
    scored = []
    for unit in _candidates(db, role):
        name = unmarked(unit["name"])
        score = max(difflib.SequenceMatcher(None, wanted, text).ratio() for text in (name, " ".join(_words(unit))))
        scored.append((score, unit))
    best = sorted(scored, key=lambda pair: (-pair[0], _order(pair[1]), pair[1]["sort_key"]))[:MAX_SUGGESTIONS]
    return [_match(db, unit) for score, unit in best if score >= 0.5]


def grouped(matches: list[Match]) -> list[Group]:
    """The matches under one heading per unit set and level, in the order given."""
    groups: list[Group] = []
    for m in matches:
        if not groups or (groups[-1].unit_set_name, groups[-1].level) != (m.unit_set_name, m.level):
            groups.append(Group(m.unit_set_name, m.level, []))
        groups[-1].matches.append(m)
    return groups


ROLE_REFUSALS = {
    "officer": N_("«%(name)s» không phải xã, phường hoặc thị trấn: tài khoản cán bộ xã thuộc về một xã, phường "
                  "hoặc thị trấn."),
    "reviewer": N_("«%(name)s» không dùng được: cán bộ thẩm định phụ trách một huyện, thành phố hoặc cả tỉnh."),
    "authority": N_("«%(name)s» không dùng được: người có thẩm quyền công nhận phụ trách một huyện, thành phố "
                    "hoặc cả tỉnh."),
}
NO_SCOPE = N_("Tài khoản quản trị hệ thống không có phạm vi phụ trách (xem được toàn bộ).")


def choose(db: sqlite_utils.Database, unit_id: str, role: str) -> Match:
    """The unit chosen as ``role``'s jurisdiction; ScopeRefused if it is unknown or not of the role's levels."""
    try:
        unit = get_unit(db, unit_id)
    except NotFound:
        raise ScopeRefused(f"no unit {unit_id!r}", N_("Không có đơn vị đã chọn. Hãy tìm lại theo tên."), []) from None
    unit = {**unit, "unit_set_name": set_name(db, unit["unit_set"])}
    if unit["type"] not in SCOPE_TYPES.get(role, ()):
        name = f"{TYPE_NAMES[unit['type']]} {unit['name']}"
        raise ScopeRefused(f"a {role} cannot have {unit_id!r} as jurisdiction", ROLE_REFUSALS.get(role, NO_SCOPE),
                           suggestions(db, unit["name"], role), name=name)
    return _match(db, unit)


def resolve(db: sqlite_utils.Database, query: str, role: str) -> Match:
    """The one unit a typed name stands for (its whole name, marks optional); ScopeRefused naming what was
    typed, with the closest names, if it names none or several of the levels ``role`` may hold."""
    typed = " ".join(query[:MAX_QUERY].split())
    found = search(db, typed, role)
    wanted = unmarked(typed)
    exact = [m for m in found if wanted in (unmarked(get_unit(db, m.id)["name"]),
                                            " ".join(_words(get_unit(db, m.id))))]
    if len(exact) == 1:
        return exact[0]
    if len(exact or found) > 1:
        raise ScopeRefused(f"{typed!r} names several units", N_("«%(typed)s» khớp với nhiều đơn vị: hãy chọn một "
                                                                "đơn vị trong danh sách."), exact or found, typed=typed)
    if found:  # one unit, but not by its whole name: the administrator confirms it by choosing it
        raise ScopeRefused(f"{typed!r} is not a whole name", N_("«%(typed)s» chưa phải tên đầy đủ của một đơn vị: hãy "
                                                                "chọn đơn vị trong danh sách."), found, typed=typed)
    raise ScopeRefused(f"no unit is named {typed!r}", N_("Không tìm thấy đơn vị nào tên «%(typed)s» phù hợp với vai "
                                                         "trò «%(role)s»."),
                       suggestions(db, typed, role), typed=typed, role=Msg(ROLE_NAMES[role]))


def open_rounds(db: sqlite_utils.Database) -> list[dict[str, Any]]:
    """Rounds with an assessment not yet decided (still declared, reviewed or awaiting a decision), newest first,
    each with its unit set's name."""
    marks = ", ".join("?" * len(DECIDED))
    return list(db.query(
        "select r.id, r.name, r.year, r.unit_set, s.name as unit_set_name from rounds r "
        "join unit_sets s on s.id = r.unit_set where exists (select 1 from assessments a where a.round_id = r.id "
        f"and a.status not in ({marks})) order by r.year desc, r.id desc", list(DECIDED)))


def idle_warning(db: sqlite_utils.Database, unit_id: str | None) -> Notice | None:
    """A warning (not a refusal) when the jurisdiction holds no unit of any open round: such an account
    would find nothing to do, e.g. a reviewer of a district that no longer exists while the open round is on
    the new units. None when it does (or for no jurisdiction)."""
    if not unit_id:
        return None
    unit = get_unit(db, unit_id)
    rounds = open_rounds(db)
    if any(r["unit_set"] == unit["unit_set"] for r in rounds):
        return None
    place = full_name(db, unit)
    if not rounds:
        return Notice(N_("Lưu ý: hiện không có đợt đánh giá nào đang mở, nên «%(place)s» chưa có hồ sơ nào để "
                         "làm."), {"place": place})
    names = ", ".join(f"«{r['name']}» ({r['unit_set_name']})" for r in rounds)
    return Notice(N_("Lưu ý: «%(place)s» thuộc bộ đơn vị «%(set)s», không có đơn vị nào của đợt đánh giá đang mở "
                     "(%(rounds)s). Tài khoản này sẽ chưa có hồ sơ nào để làm."),
                  {"place": place, "set": set_name(db, unit["unit_set"]), "rounds": names})
