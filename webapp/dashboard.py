"""Province and district dashboards."""
from __future__ import annotations

from flask import Blueprint, render_template

from .auth import roles_required

bp = Blueprint("dashboard", __name__)


@bp.route("/dashboard")
@roles_required("reviewer", "authority", "viewer", "admin")
def index():
    return render_template("base.html")
