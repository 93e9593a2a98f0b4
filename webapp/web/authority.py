"""``/authority``: who reviews and who recognises, confirmed against the official text with four eyes.

A legal officer (or an administrator) sees each hierarchy profile as the decisions print it (the reviewing
body and its proposer, the laws giving the authority its power), each part marked confirmed or not with its
source; proposes the wording the official text states, with its citation; a second person confirms or
withdraws the proposal (:mod:`webapp.store.profile_changes`).
"""
from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from webapp.store import accounts, profile_changes
from webapp.store.criteria_drafts import WORKERS
from webapp.store.errors import NotFound
from webapp.store.profile_changes import ChangeRefused
from webapp.store.profiles import profiles

from .auth import current_user, roles_required
from .db import get_db
from .refusals import refusal

bp = Blueprint("authority", __name__, url_prefix="/authority")
FIELDS = ("name", "text", "document", "clause", "page")


def _page(problem: ChangeRefused | None = None, at: tuple[str, str] | None = None, form: Any = None,
          status: int = 200):
    """Every profile's parts with their pending proposal; ``problem`` shown at the part ``at`` with ``form``."""
    db = get_db()
    changes = profile_changes.changes(db)
    pending = {(c["profile_id"], c["part"]): c for c in changes if c["state"] == "proposed"}
    history = [c for c in changes if c["state"] != "proposed"]
    names = accounts.names_of(db, {c[k] for c in changes for k in ("proposed_by", "decided_by") if c[k]})
    shown = [(profile, profile_changes.parts(profile_changes.current(db, pid)))  # today's hierarchy first (the file
             for pid, profile in reversed(profiles().items())]                     # lists them oldest first)
    return render_template("authority/index.html", shown=shown, pending=pending, history=history, names=names,
                           states=profile_changes.STATES, me=current_user().username, at=at, form=form or {},
                           problem=refusal(problem) if problem else None,
                           problem_field=problem.field if problem else None), status


@bp.route("")
@roles_required(*WORKERS)
def index():
    return _page()


@bp.route("/<profile_id>/<part>", methods=["POST"])
@roles_required(*WORKERS)
def propose(profile_id: str, part: str):
    given = {name: request.form.get(name, "") for name in FIELDS}
    try:
        profile_changes.propose(get_db(), profile_id, part, name=given["name"] or None, text=given["text"],
                                document=given["document"], clause=given["clause"], page=given["page"],
                                actor=current_user().username)
    except NotFound:
        abort(404)
    except ChangeRefused as exc:
        return _page(exc, (profile_id, part), given, 422)
    flash(_("Đã ghi đề xuất; cần một người thứ hai đối chiếu và xác nhận."), "ok")
    return redirect(url_for("authority.index", _anchor=f"{profile_id}-{part}"))


@bp.route("/changes/<int:change_id>/<any(confirm, withdraw):step>", methods=["POST"])
@roles_required(*WORKERS)
def decide(change_id: int, step: str):
    db = get_db()
    try:
        row = profile_changes.get(db, change_id)
        (profile_changes.confirm if step == "confirm" else profile_changes.withdraw)(db, change_id,
                                                                                      current_user().username)
    except NotFound:
        abort(404)
    except ChangeRefused as exc:
        return _page(exc, (row["profile_id"], row["part"]), status=409)
    flash(_("Đã xác nhận: từ nay các văn bản in nội dung này.") if step == "confirm" else _("Đã rút lại đề xuất."),
          "ok")
    return redirect(url_for("authority.index", _anchor=f"{row['profile_id']}-{row['part']}"))
