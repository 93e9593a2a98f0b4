"""What the commune's checklist shows and its script exchanges: the stored fields, the live score
(from stored, valid values only), and what became of each edit, in the reader's language."""
from __future__ import annotations

import datetime as dt
from typing import Any

from flask import url_for
from flask_babel import format_datetime, format_time
from flask_babel import gettext as _
from sqlite_utils import Database

import scoring
from webapp.store import edits, quality, workflow
from webapp.store.edits import Applied, Edit, Outcome
from webapp.store.rounds import MAX_ID
from webapp.store.vietnamese import nfc
from webapp.store.workflow import Assessment

from .auth import current_user
from .formatting import _lang
from .refusals import refusal


def required_inputs(crit: Any) -> list[str]:
    """A criterion's inputs that must have a value, each once, in the order of its items."""
    names: list[str] = []
    for item in crit.items:
        if item.rule.missing == "required":
            names += [n for n in item.rule.input_names if n not in names]
    return names


def live(view: Assessment) -> dict[str, Any]:
    """The score of the stored declaration as the checklist shows it: an invalid value is never stored,
    so it never scores; each criterion's points and missing values, each item's explanation line."""
    result, lang = view.declared, _lang()
    declared = view.row["declared"]
    gap = scoring.gap_analysis(result)
    criteria = {str(c.number): {"points": result.criteria[c.number].points,
                                "missing": sum(1 for n in required_inputs(c) if n not in declared)}
                for c in view.cset.criteria}
    return {"total": result.total, "threshold": result.category.threshold, "points_needed": gap.points_needed,
            "recognised": result.recognised, "complete": result.complete,
            "missing": sum(c["missing"] for c in criteria.values()), "criteria": criteria,
            "items": {item.id: result.items[item.id].explanation(result.inputs, lang)
                      for _c, item in view.cset.items()},
            "advice": [s.message(lang) for s in gap.suggestions[:5]]}


def state(db: Database, view: Assessment) -> dict[str, Any]:
    """Everything the script needs to show the stored checklist: version, fields and their revisions, score,
    time of the last save."""
    values = edits.form_values(view, workflow.evidence_notes(db, view.id))
    return {"version": view.row["version"], "values": values, "revs": edits.revisions(db, view.id, values),
            "live": live(view), "saved_at": local_time(view.row["updated_at"]), "quality": quality_notices(db, view)}


def quality_notices(db: Database, view: Assessment) -> list[dict[str, str]]:
    """The data-quality warnings the commune officer sees on the stored figures (blocking and warning rules,
    outliers against the previous round; not the flags meant for the reviewer only), in the reader's language."""
    return [{"severity": c.flag.severity, "label": _(c.severity_name), "message": c.flag.message(_lang())}
            for c in quality.check(db, view) if c.flag.severity != "review"]


def local_time(iso: str | None) -> str:
    """A stored UTC time as the hour and minute in Vietnam."""
    return format_time(dt.datetime.fromisoformat(iso), "HH:mm") if iso else ""


def local_moment(iso: str | None) -> str:
    """A stored UTC time as «14:30 03/12/2026» in Vietnam."""
    return format_datetime(dt.datetime.fromisoformat(iso), "HH:mm dd/MM/yyyy") if iso else ""


def outcome_notice(outcome: Outcome) -> dict[str, Any]:
    """One edit's outcome as the page and the script show it."""
    out: dict[str, Any] = {"field": outcome.field, "state": outcome.state}
    if outcome.state == "refused":
        problem = outcome.problem
        out["message"] = problem.message(_lang()) if isinstance(problem, scoring.InputProblem) else refusal(problem)
    elif outcome.state == "conflict":
        user = current_user()
        mine = user is not None and outcome.by == user.username
        at = local_moment(outcome.at)
        out.update(theirs=outcome.theirs, rev=outcome.rev, same_user=mine, at=at, message=(
            _("Ô này có giá trị khác với giá trị trang của bạn đã hiện.") if outcome.by is None
            else _("Bạn đã sửa ô này ở một cửa sổ/thiết bị khác lúc %(at)s.", at=at) if mine
            else _("%(name)s đã sửa ô này lúc %(at)s.", name=outcome.by_name or _("Người khác"), at=at)))
    return out


def applied(db: Database, result: Applied) -> dict[str, Any]:
    """The answer to a batch of edits: each one's outcome, then the stored state."""
    return {"results": [outcome_notice(o) for o in result.outcomes], **state(db, result.view)}


def edits_from_json(payload: Any) -> list[Edit] | str:
    """The edits of a JSON body ``{"edits": [{"field", "value", "base", "rev"}, …]}`` (``rev`` optional), or why
    the body is refused."""
    items = payload.get("edits") if isinstance(payload, dict) else None
    if not isinstance(items, list) or len(items) > edits.MAX_EDITS:
        return _("Yêu cầu không đúng dạng: cần một danh sách thay đổi (tối đa %(n)s).", n=edits.MAX_EDITS)
    out = []
    for item in items:
        rev = item.get("rev") if isinstance(item, dict) else None
        if not (isinstance(item, dict) and all(isinstance(item.get(k), str) for k in ("field", "value", "base"))
                and (rev is None or (type(rev) is int and 0 <= rev <= MAX_ID))):
            return _("Yêu cầu không đúng dạng: mỗi thay đổi cần ô, giá trị và giá trị gốc dạng chữ.")
        out.append(Edit(item["field"], nfc(item["value"]), nfc(item["base"]), rev))
    return out


def edits_from_form(form: Any, stored: dict[str, str], bases: dict[str, str], revs: dict[str, int] | None
                    ) -> list[Edit]:
    """The fields a plain form post changed from what its page showed (``bases``, at revisions ``revs``), never
    the untouched ones; a field whose base is unknown is an edit that cannot overwrite anything silently."""
    out = []
    for name in stored:
        if name in form:
            value, base = nfc(form[name]), bases.get(name, edits.UNKNOWN)
            if not edits.shows(base, value):
                out.append(Edit(name, value, base, None if revs is None else revs.get(name, 0)))
    return out


def urls(view: Assessment) -> dict[str, str]:
    """Where the checklist's script sends edits, renews its token, and sends the officer to log in again."""
    return {"edits": url_for("commune.edits", assessment_id=view.id), "login": url_for(
        "auth.login", next=url_for("commune.checklist", assessment_id=view.id)),
        "token": url_for("commune.token")}
