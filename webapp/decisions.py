"""The recognising authority: decisions on verified assessments, and revocations."""
from __future__ import annotations

from flask import Blueprint, render_template

from .auth import roles_required

bp = Blueprint("decisions", __name__)


@bp.route("/decisions")
@roles_required("authority")
def index():
    return render_template("base.html")
