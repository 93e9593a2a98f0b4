"""A small JSON API for other government systems, with one error shape."""
from __future__ import annotations

from flask import Blueprint, jsonify

bp = Blueprint("api", __name__, url_prefix="/api")


def error_response(status: int, title: str, detail: str):
    """``{"error": {"status", "title", "detail"}}``: the only error shape of the API."""
    return jsonify(error={"status": status, "title": title, "detail": detail}), status
