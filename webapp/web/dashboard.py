"""Province and district dashboards: where a round stands, against the national targets.

A user sees only the communes within their jurisdiction (admins: all). Every figure is
computed from the stored assessments (status and compact result summary) of one round:

- units: every assessment of the round in scope; evaluated: status other than draft;
  recognised: status ``recognised`` (the authority's decision, not merely the score);
- % recognised = recognised / units, against the national targets of QĐ 23/QĐ-TTg (2021):
  65% of communes by 2025 and 75% by 2030;
- failing criteria, the distribution of totals and below-threshold counts use the evaluated
  units' summaries (a draft's total is still partial);
- the trend takes, for every year, the latest round of that year, and marks the year the units changed
  (the 2025 reform): shares before and after it are of different units;
- a round on the units since the reform is set beside the latest earlier round on the units before it
  through the lineage (``store.lineage.cross_reform``), never by subtracting counts of units.
- the unit list filters by status, by district (in a two-tier round: by the former districts the
  communes were formed from, `unit_groups`) and by text, and `/dashboard/units.xlsx` gives exactly
  the list on screen.
"""
from __future__ import annotations

import datetime as dt
import io
import json
from collections.abc import Callable, Iterator
from typing import Any

import sqlite_utils
from flask import Blueprint, abort, request, send_file, url_for
from flask_babel import gettext as _

from webapp.store import lineage, periodic, scopes, sheets, unit_groups, units, urban, vietnamese, workflow
from webapp.store.accounts import User
from webapp.store.errors import NotFound
from webapp.store.rounds import criteria_for, get_round

from . import charts, pagecache
from .auth import current_user, roles_required
from .db import get_db
from .formatting import number, percent, tr
from .period import XLSX

bp = Blueprint("dashboard", __name__)

TARGETS = ((2025, 65), (2030, 75))  # QĐ 23/QĐ-TTg 2021: share of communes recognised
SORT_KEYS = ("name", "total", "status")
DIRECTIONS = ("asc", "desc")
STATUS_ORDER = tuple(workflow.STATUS_NAMES)
BIN_WIDTH = 50
MAX_QUERY = 100


def scope_of(user: User) -> str | None:
    """The unit whose communes the user may see; None means all (admins)."""
    return None if user.role == "admin" else user.scope_unit_id or ""


def _in_scope(db: sqlite_utils.Database, round_id: int, scope: str | None, columns: str) -> Iterator[dict[str, Any]]:
    """``columns`` of the round's assessments within ``scope`` (``a`` assessment, ``u`` unit, ``p`` its parent)."""
    sql = scopes.covered_sql(f"""
        select {columns}
        from assessments a join units u on u.id = a.unit_id left join units p on p.id = u.parent_id
        where a.round_id = ? {{scoped}}
    """, scope is not None)
    return db.query(sql, [scope or "", round_id])


def round_rows(db: sqlite_utils.Database, round_id: int, scope: str | None) -> list[dict[str, Any]]:
    """The round's assessments within ``scope`` (or, for a round before the reform, of the units that merged
    into units within it) with their unit, district and parsed summary."""
    rows = []
    for row in _in_scope(db, round_id, scope, """
            a.id, a.unit_id, a.status, a.declared_total, a.verified_total, a.recognised, a.result,
            u.code, u.name, u.type, u.sort_key, u.category,
            p.id as parent_id, p.name as parent_name, p.type as parent_type, p.sort_key as parent_sort"""):
        row["summary"] = json.loads(row["result"]) if row["result"] else None
        row["total"] = row["summary"]["total"] if row["summary"] else None
        row["zero_criteria"] = zero_criteria(row["summary"] or {})
        row["display_name"] = f"{units.TYPE_NAMES.get(row['type'], '')} {row['name']}".strip()
        rows.append(row)
    groups = unit_groups.groups_of(db, [r["unit_id"] for r in rows])
    for row in rows:
        row["groups"] = groups[row["unit_id"]]
        row["group_names"] = ", ".join(g.name for g in row["groups"])
    return rows


def counts(rows: list[dict[str, Any]]) -> dict[str, Any]:
    """Units, evaluated (not draft), recognised, and the share recognised (None if no unit)."""
    total = len(rows)
    evaluated = sum(1 for r in rows if r["status"] != "draft")
    recognised = sum(1 for r in rows if r["status"] == "recognised")
    return {"units": total, "evaluated": evaluated, "recognised": recognised,
            "share": recognised * 100 / total if total else None}


def evaluated_summaries(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [r["summary"] for r in rows if r["status"] != "draft" and r["summary"]]


def failing_criteria(rows: list[dict[str, Any]], names: dict[int, str]) -> list[dict[str, Any]]:
    """Per criterion, how many evaluated units score 0 on it (most first; zero counts left out)."""
    summaries = evaluated_summaries(rows)
    out = []
    for number_, name in names.items():
        zero = sum(1 for s in summaries if s["criteria"].get(str(number_)) == 0)
        if zero:
            out.append({"number": number_, "name": name, "count": zero,
                        "share": zero * 100 / len(summaries)})
    return sorted(out, key=lambda c: (-c["count"], c["number"]))


def by_district(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Counts per district (the communes' parent unit), in Vietnamese order."""
    groups: dict[str, list[dict[str, Any]]] = {}
    info: dict[str, dict[str, Any]] = {}
    for row in rows:
        if not row["parent_id"] or row["parent_type"] == "tinh":
            continue
        groups.setdefault(row["parent_id"], []).append(row)
        info[row["parent_id"]] = {
            "id": row["parent_id"], "sort_key": row["parent_sort"],
            "name": f"{units.TYPE_NAMES.get(row['parent_type'], '')} {row['parent_name']}".strip()}
    return [{**info[k], **counts(v)} for k, v in sorted(groups.items(), key=lambda kv: info[kv[0]]["sort_key"])]


def trend(db: sqlite_utils.Database, scope: str | None) -> list[dict[str, Any]]:
    """% recognised per year (the latest round of each year), oldest first; statuses only, no summaries.
    A scope of the new units reaches back to the communes they were formed from; ``reform`` marks the first
    year on another unit set than the year before (other units: shares not of the same units)."""
    latest = {r["year"]: r for r in db.query("select id, year, unit_set from rounds order by year, id")}
    years, before = [], None
    for year, rnd in sorted(latest.items()):
        years.append({"year": year, "round_id": rnd["id"], "reform": before is not None and rnd["unit_set"] != before,
                      **counts(list(_in_scope(db, rnd["id"], scope, "a.status")))})
        before = rnd["unit_set"]
    return years


def _fold(text: str, strip_marks: bool) -> str:
    return vietnamese.unmarked(text) if strip_marks else vietnamese.fold(text)


def matches(row: dict[str, Any], query: str) -> bool:
    """The unit's name, code or (former) district's name contains ``query``, whatever the case; a query
    typed without diacritics also ignores them in the names («ha quang» finds «Huyện Hà Quảng»)."""
    plain = _fold(query, True) == _fold(query, False)
    needle = _fold(query, plain)
    names = (row["display_name"], *(g.name for g in row["groups"]))
    return any(needle in _fold(name, plain) for name in names) or needle in row["code"].casefold()


def table_params(args: Any) -> dict[str, str]:
    """Sort and filter parameters, each checked against a whitelist (anything else: default); the
    district group is checked against the round's groups by :func:`table`'s caller."""
    sort = args.get("sort", "name")
    direction = args.get("dir", "asc")
    status = args.get("status", "")
    return {"sort": sort if sort in SORT_KEYS else "name",
            "dir": direction if direction in DIRECTIONS else "asc",
            "status": status if status in workflow.STATUS_NAMES else "",
            "group": (args.get("group", "") or "")[:MAX_QUERY],
            "q": vietnamese.nfc(args.get("q", "") or "").strip()[:MAX_QUERY]}


def known_group(params: dict[str, str], groups: list[unit_groups.Group]) -> dict[str, str]:
    """``params`` with a district group that is not one of ``groups`` dropped."""
    return params if params["group"] in {g.id for g in groups} else {**params, "group": ""}


def table(rows: list[dict[str, Any]], params: dict[str, str]) -> list[dict[str, Any]]:
    """Filter by status, district group and text, then sort (ties and missing totals: by name, totals last)."""
    chosen = [r for r in rows if (not params["status"] or r["status"] == params["status"])
              and (not params["group"] or any(g.id == params["group"] for g in r["groups"]))
              and (not params["q"] or matches(r, params["q"]))]
    chosen.sort(key=lambda r: r["sort_key"])
    desc = params["dir"] == "desc"
    if params["sort"] == "name":
        return chosen[::-1] if desc else chosen
    if params["sort"] == "status":
        return sorted(chosen, key=lambda r: STATUS_ORDER.index(r["status"]), reverse=desc)
    scored = sorted((r for r in chosen if r["total"] is not None), key=lambda r: r["total"], reverse=desc)
    return scored + [r for r in chosen if r["total"] is None]


def _references() -> list[charts.Reference]:
    return [charts.Reference(share, _("Mục tiêu %(year)s: %(share)s", year=year, share=percent(share, 0)))
            for year, share in TARGETS]


def _fmt(places: int = 1) -> Callable[[float], str]:
    return lambda value: number(value, places)


def _histogram(rows: list[dict[str, Any]], thresholds: list[int]) -> Any:
    totals = [s["total"] for s in evaluated_summaries(rows)]
    low = min([700, *((t // BIN_WIDTH) * BIN_WIDTH for t in totals)])
    return charts.histogram(
        totals, title=_("Phân bố tổng điểm của các đơn vị đã đánh giá (khoảng %(w)s điểm)", w=BIN_WIDTH),
        bin_width=BIN_WIDTH, low=low, high=1000, fmt=_fmt(0),
        thresholds=[charts.Reference(t, number(t, 0)) for t in thresholds])


@bp.route("/dashboard")
@roles_required("reviewer", "authority", "viewer", "admin")
def index():
    """The dashboard of the user's jurisdiction, rendered again only when the data has changed."""
    scope = scope_of(current_user())
    round_id = request.args.get("round", type=int)
    params = table_params(request.args)
    today = vietnamese.today()
    return pagecache.render("dashboard/index.html", (round_id, tuple(params.items()), today),
                            lambda _nothing: _page(scope, round_id, params, today))


def _page(scope: str | None, round_id: int | None, params: dict[str, str], today: dt.date) -> dict[str, Any]:
    """Everything the dashboard shows of one round (the latest when ``round_id`` is None)."""
    db = get_db()
    all_rounds = list(db.query("select id, name, year from rounds order by year desc, id desc"))
    if round_id is None and all_rounds:
        round_id = all_rounds[0]["id"]
    if round_id is None:
        return {"round": None, "rounds": [], "scope_name": _scope_name(db, scope)}
    try:
        rnd = get_round(db, round_id)
    except NotFound:
        abort(404)
    cset = criteria_for(db, rnd["criteria_hash"])
    rows, shown, params, groups = unit_list(db, round_id, scope, params)
    summary = counts(rows)
    references = _references()
    province_view = scope is None or _unit_type(db, scope) == "tinh"
    districts = by_district(rows) if province_view else []
    failing = failing_criteria(rows, {c.number: tr(c, "name") for c in cset.criteria})
    evaluated = evaluated_summaries(rows)
    below = sum(1 for s in evaluated if "total-at-least-threshold" in s["failed_conditions"])
    thresholds = sorted({c.threshold for c in cset.categories})
    years = trend(db, scope)
    pct = _fmt(1)
    context = {
        "round": rnd, "rounds": all_rounds, "scope_name": _scope_name(db, scope), "summary": summary,
        "targets": TARGETS, "districts": districts, "failing": failing, "below": below,
        "evaluated_count": len(evaluated), "years": years, "rows": shown, "params": params,
        "status_names": workflow.STATUS_NAMES, "thresholds": thresholds,
        "categories": cset.categories, "sort_links": _sort_links(round_id, params),
        "groups": groups, "former_groups": any(g.former for g in groups), "list_args": _list_args(round_id, params),
        "provisional": cset.has_provisional_values or any(s.get("provisional") for s in evaluated),
        "target_chart": charts.bar_chart(
            [(_("Năm %(year)s", year=rnd["year"]), summary["share"] or 0)], title=_(
                "Tỷ lệ đơn vị được công nhận so với mục tiêu quốc gia"),
            max_value=100, references=references, fmt=pct, unit="%", label_width=110, bar_height=30,
            highlight=lambda v: v >= TARGETS[0][1]),
        "district_chart": charts.bar_chart(
            [(d["name"], d["share"] or 0) for d in districts],
            title=_("Tỷ lệ được công nhận theo huyện, thành phố"), max_value=100, references=references,
            fmt=pct, unit="%", highlight=lambda v: v >= TARGETS[0][1]) if districts else None,
        "failing_chart": charts.bar_chart(
            [(_("Tiêu chí %(n)s", n=c["number"]), c["count"]) for c in failing],
            title=_("Số đơn vị có tiêu chí bị 0 điểm"), fmt=_fmt(0), label_width=110,
            max_value=max([c["count"] for c in failing], default=1)) if failing else None,
        "histogram": _histogram(rows, thresholds) if evaluated else None,
        "trend_chart": charts.line_chart(
            [(str(y["year"]), y["share"]) for y in years],
            title=_("Tỷ lệ đơn vị được công nhận qua các năm"), max_value=100, references=references,
            fmt=pct, unit="%") if years else None,
    }
    context["period_reports"] = [
        {"kind": kind, "due": periodic.due_dates(kind, rnd["year"], today)[1]} for kind in ("six-month", "annual")]
    context["not_submitted"] = [r for r in rows if r["status"] == "draft"]
    context["urban_rows"] = urban_rows(db, rows, rnd["year"])
    context["cross"] = lineage.cross_reform(db, rnd, [r["unit_id"] for r in rows])
    return context


def unit_list(db: sqlite_utils.Database, round_id: int, scope: str | None, params: dict[str, str]) -> tuple[
        list[dict[str, Any]], list[dict[str, Any]], dict[str, str], list[unit_groups.Group]]:
    """The round's rows in scope, those the list shows (filtered and sorted), the parameters as applied
    and the district groups to filter by: the one reading behind the list on screen and its Excel file."""
    rows = round_rows(db, round_id, scope)
    groups = unit_groups.choices({r["unit_id"]: r["groups"] for r in rows})
    params = known_group(params, groups)
    return rows, table(rows, params), params, groups


@bp.route("/dashboard/units.xlsx")
@roles_required("reviewer", "authority", "viewer", "admin")
def units_xlsx():
    """Exactly the unit list on screen (same round, filters and order) as an Excel file."""
    db = get_db()
    round_id = request.args.get("round", type=int)
    if round_id is None:
        latest = next(db.query("select id from rounds order by year desc, id desc limit 1"), None)
        round_id = latest["id"] if latest else None
    try:
        rnd = get_round(db, round_id if round_id is not None else 0)
    except NotFound:
        abort(404)
    cset = criteria_for(db, rnd["criteria_hash"])
    _rows, shown, _params, groups = unit_list(db, rnd["id"], scope_of(current_user()), table_params(request.args))
    thresholds = {c.id: c.threshold for c in cset.categories}
    headers = [_("STT"), _("Đơn vị")]
    if groups:
        headers.append(_("Huyện cũ (trước 01/7/2025)") if any(g.former for g in groups) else _("Huyện, thành phố"))
    headers += [_("Trạng thái"), _("Tổng điểm"), _("Mức tối thiểu"), _("Tiêu chí 0 điểm")]
    lines = []
    for i, r in enumerate(shown, start=1):
        summary = r["summary"] or {}
        line: list[Any] = [i, r["display_name"]] + ([r["group_names"]] if groups else [])
        line += [_(workflow.STATUS_NAMES[r["status"]]), r["total"], thresholds.get(summary.get("category")),
                 r["zero_criteria"]]
        lines.append(line)
    total = len(headers) - 2  # the total and the threshold: numbers, as the list's last columns but one
    data = sheets.one_sheet(_("Danh sách đơn vị"), headers, lines, {1: "0", total: "#,##0", total + 1: "#,##0"},
                            {2: 30, 3: 30, 4: 22})
    return send_file(io.BytesIO(data), mimetype=XLSX, as_attachment=True,
                     download_name=f"danh-sach-don-vi-{rnd['year']}-dot-{rnd['id']}.xlsx")


def zero_criteria(summary: dict[str, Any]) -> str:
    """The numbers of the criteria that scored 0, as the list shows them («3, 7»)."""
    return ", ".join(n for n, p in (summary.get("criteria") or {}).items() if p == 0)


def urban_rows(db: sqlite_utils.Database, rows: list[dict[str, Any]], year: int) -> list[dict[str, Any]]:
    """The wards and townships among ``rows``, each with its civilised-urban status as of ``year``."""
    wards = [r for r in rows if r["type"] in urban.URBAN_TYPES]
    statuses = urban.status_for(db, [r["unit_id"] for r in wards], year)
    return [{**r, "urban": statuses.get(r["unit_id"])} for r in sorted(wards, key=lambda r: r["sort_key"])]


def _unit_type(db: sqlite_utils.Database, unit_id: str) -> str | None:
    try:
        return units.get_unit(db, unit_id)["type"]
    except NotFound:
        return None


def _scope_name(db: sqlite_utils.Database, scope: str | None) -> str:
    if scope is None:
        return _("Toàn bộ các đơn vị")
    try:
        return units.full_name(db, units.get_unit(db, scope))
    except NotFound:
        return scope


def _list_args(round_id: int, params: dict[str, str]) -> dict[str, Any]:
    """The query of the list as shown: round, sort and the filters in use (for links and the Excel file)."""
    return {"round": round_id, **{k: v for k, v in params.items() if v}}


def _sort_links(round_id: int, params: dict[str, str]) -> dict[str, dict[str, str]]:
    """Per sortable column: the link that sorts by it (flipping the direction when it is
    already the sort key) and its ``aria-sort`` value."""
    links = {}
    for key in SORT_KEYS:
        active = params["sort"] == key
        flip = "desc" if active and params["dir"] == "asc" else "asc"
        args = {**_list_args(round_id, params), "sort": key, "dir": flip}
        links[key] = {"url": url_for("dashboard.index", **args) + "#units",
                      "aria": ("ascending" if params["dir"] == "asc" else "descending") if active else "none"}
    return links
