"""Reviewers: the queue of submitted assessments and per-criterion verification."""
from __future__ import annotations

from flask import Blueprint, render_template

from .auth import roles_required

bp = Blueprint("review", __name__)


@bp.route("/review")
@roles_required("reviewer")
def queue():
    return render_template("base.html")
