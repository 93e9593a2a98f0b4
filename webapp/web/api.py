"""A small JSON API for other government systems, with one error shape.

No session, no cookies, no CSRF (the blueprint is exempt): requests carry everything.

- ``POST /api/score`` scores values sent in the request and stores nothing, so it needs no
  credentials. Body: ``{"criteria_set": "qd06-2019" (optional), "version": "..." (optional),
  "category": "mountain-island", "inputs": {...}, "lang": "vi" | "en" (optional),
  "partial": false (optional: a draft, missing values score 0)}``. Answer: the full result
  (``ScoreResult.to_dict``) with ``"gap"``, the gap analysis.
- ``GET /api/rounds/<round_id>/units/<unit_code>`` reads a commune's stored result. Results
  about children are sensitive, so it needs ``Authorization: Bearer <token>`` matching the
  server's ``API_TOKEN`` setting (else the ``CFC_API_TOKEN`` environment variable). Without
  a configured token the endpoint refuses everyone.
- ``GET /api/rounds/<round_id>/statistics`` gives the round's TT 13/2021 statistics on children
  (``store.statistics.statistics_json``): each indicator for the province, its districts (before the
  2025 reform) and its communes, with numerator, denominator, communes reporting and the trend over
  the years; and the indicators of the circular not covered, with the reason. Same token.

Every error, including 404, 405 and 500 under ``/api/``, is
``{"error": {"status", "title", "detail"}}``; invalid inputs add ``"problems"`` (each
``{"field", "code", "message", "value"}``) inside the error object: the first 100, with
``"problems_not_shown"`` counting the rest. More than 1,000 keys in ``inputs`` is a 413
(``scoring.limits``): an answer never grows with the junk a request sends.
"""
from __future__ import annotations

import hmac
import json
import os
from typing import Any

from flask import Blueprint, current_app, jsonify, request
from werkzeug.exceptions import MethodNotAllowed

import criteria
import scoring
from scoring import InvalidInputs, UnknownCategory, limits, literals
from webapp.store import statistics, workflow
from webapp.store.errors import NotFound
from webapp.store.rounds import get_round

from .db import get_db

bp = Blueprint("api", __name__, url_prefix="/api")
LANGS = ("vi", "en")
DEFAULT_SET = "qd06-2019"


def error_response(status: int, title: str, detail: str, **extra: Any):
    """``{"error": {"status", "title", "detail"}}``: the only error shape of the API.

    ``extra`` adds fields inside the error object (e.g. ``problems``), never beside it.
    """
    return jsonify(error={"status": status, "title": title, "detail": detail, **extra}), status


@bp.after_app_request
def _api_headers(response):
    """A 405 names the allowed methods; a 401 says how to authenticate (RFC 9110/6750)."""
    if request.path.startswith("/api/"):
        exc = request.routing_exception
        if response.status_code == 405 and isinstance(exc, MethodNotAllowed) and exc.valid_methods:
            response.headers["Allow"] = ", ".join(sorted(exc.valid_methods))
        if response.status_code == 401:
            response.headers["WWW-Authenticate"] = 'Bearer realm="cfc"'
        response.headers["Cache-Control"] = "no-store"
    return response


def _problem(field: str, code: str, message: tuple[str, str], lang: str = "vi") -> dict[str, Any]:
    """One problem; its ``message`` is for people, in ``lang`` (``message`` is (Vietnamese, English))."""
    return {"field": field, "code": code, "message": message[1] if lang == "en" else message[0]}


def _input_problem(problem: Any, cset: criteria.CriteriaSet, lang: str) -> dict[str, Any]:
    """An invalid value, its message naming the field by its label (the ``field`` key keeps the input's name)."""
    out = problem.to_dict(lang)
    spec = cset.inputs.get(problem.field)
    if spec is not None:
        out["message"] = f"«{spec.label.of(lang)}»: {out['message']}"
    return out


def _unprocessable(detail: str, problems: list[dict[str, Any]], **extra: Any):
    return error_response(422, "Unprocessable Content", detail, problems=problems, **extra)


@bp.route("/score", methods=["POST"])
def score():
    try:  # unquoted numbers kept as written, so that "children": 2.000 is refused rather than read as 2
        body = literals.load_json(request.get_data())
    except (ValueError, RecursionError):
        body = None
    if not isinstance(body, dict):
        detail = ("the body is not valid JSON" if body is None
                  else "the body must be a JSON object with \"category\" and \"inputs\"")
        return error_response(400, "Bad Request", detail)
    lang = body.get("lang", "vi")
    if lang not in LANGS:
        return _unprocessable("lang must be \"vi\" or \"en\"",
                              [_problem("lang", "unknown_language", ("Ngôn ngữ phải là «vi» (tiếng Việt) hoặc «en» "
                                                                     "(tiếng Anh).", "expected \"vi\" or \"en\""))])
    set_id, version = body.get("criteria_set", DEFAULT_SET), body.get("version")
    if not isinstance(set_id, str) or not (version is None or isinstance(version, str)):
        return _unprocessable("criteria_set and version must be strings",
                              [_problem("criteria_set", "not_a_string", ("Bộ tiêu chí và phiên bản phải là chuỗi ký tự.",
                                                                         "must be a string"), lang)])
    try:
        cset = criteria.get(set_id, version)
    except criteria.CriteriaError as exc:
        return _unprocessable(str(exc), [_problem("criteria_set", "unknown_criteria_set", (
            "Không có bộ tiêu chí (hoặc phiên bản) này trong hệ thống.", str(exc)), lang)])
    category, inputs, partial = body.get("category"), body.get("inputs"), body.get("partial", False)
    known = ", ".join(c.id for c in cset.categories)
    named = "; ".join(f"«{c.name.vi}»" for c in cset.categories)
    if not isinstance(category, str):
        message = f"required: one of {known}"
        return _unprocessable(f"category is {message}", [_problem("category", "missing", (
            f"Chưa chọn loại đơn vị; chọn một trong: {named}.", message), lang)])
    if not isinstance(inputs, dict):
        return _unprocessable("inputs must be a JSON object of input names and values",
                              [_problem("inputs", "not_an_object", ("Số liệu phải là một đối tượng JSON (tên chỉ số và "
                                                                    "giá trị).", "must be a JSON object"), lang)])
    if not isinstance(partial, bool):
        return _unprocessable("partial must be true or false",
                              [_problem("partial", "not_boolean", ("Lựa chọn chấm bản chưa đủ số liệu phải là đúng hoặc sai.",
                                                                   "must be true or false"), lang)])
    if len(inputs) > limits.MAX_API_INPUTS:
        return error_response(413, "Content Too Large", f"inputs has {len(inputs):,} keys; at most "
                              f"{limits.MAX_API_INPUTS:,} are accepted (the criteria set has {len(cset.inputs)})")
    try:
        result = scoring.score(inputs, cset, category, partial=partial)
    except UnknownCategory as exc:
        return _unprocessable(str(exc), [_problem("category", "unknown_category", (
            f"Loại đơn vị không có trong bộ tiêu chí; chọn một trong: {named}.", f"expected one of {known}"), lang)])
    except InvalidInputs as exc:
        shown = exc.problems[:limits.MAX_PROBLEMS_SHOWN]
        more = len(exc.problems) - len(shown)
        detail = f"{len(exc.problems)} invalid input value(s); nothing was scored"
        extra = {"problems_not_shown": more} if more else {}
        return _unprocessable(detail + (f" (the first {len(shown)} are listed)" if more else ""),
                              [_input_problem(p, cset, lang) for p in shown], **extra)
    return jsonify({**result.to_dict(lang), "gap": scoring.gap_analysis(result).to_dict(lang)})


def _configured_token() -> str:
    return current_app.config.get("API_TOKEN") or os.environ.get("CFC_API_TOKEN") or ""


def _authorised() -> bool:
    """A bearer token equal to the configured one (constant-time); never when none is set."""
    expected = _configured_token()
    if not expected:
        current_app.logger.warning("API result read refused: no API_TOKEN / CFC_API_TOKEN configured")
        return False
    scheme, _, given = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not given.strip():
        return False
    return hmac.compare_digest(given.strip().encode("utf-8"), expected.encode("utf-8"))


@bp.route("/rounds/<int:round_id>/units/<unit_code>", methods=["GET"])
def unit_result(round_id: int, unit_code: str):
    """The stored status and result summary of one commune in one round (token required)."""
    if not _authorised():
        return error_response(401, "Unauthorized",
                              "reading stored results needs the header Authorization: Bearer <token>")
    db = get_db()
    try:
        rnd = get_round(db, round_id)
    except NotFound:
        return error_response(404, "Not Found", f"no round {round_id}")
    found = next(db.query("select a.id from assessments a join units u on u.id = a.unit_id "
                          "where a.round_id = ? and u.unit_set = ? and u.code = ?",
                          [round_id, rnd["unit_set"], unit_code]), None)
    if found is None:
        return error_response(404, "Not Found", f"no unit {unit_code!r} in round {round_id}")
    view = workflow.load(db, found["id"])
    row, unit = view.row, view.unit
    summary = json.loads(row["result"]) if row["result"] else {}
    return jsonify({
        "round": {"id": rnd["id"], "name": rnd["name"], "year": rnd["year"],
                  "criteria_set": {"id": rnd["criteria_id"], "version": rnd["criteria_version"],
                                   "hash": rnd["criteria_hash"]}},
        "unit": {"id": unit["id"], "code": unit["code"], "name": unit["name"], "type": unit["type"],
                 "category": unit["category"]},
        "status": row["status"],
        "status_name": workflow.STATUS_NAMES[row["status"]],
        "recognised": row["status"] == "recognised",  # the authority's decision stands
        "meets_conditions": summary.get("recognised"),  # what the score alone says
        "declared_total": row["declared_total"],
        "verified_total": row["verified_total"],
        "total": summary.get("total"),
        "complete": summary.get("complete"),
        "failed_conditions": summary.get("failed_conditions", []),
        "criteria": summary.get("criteria", {}),
        "provisional": summary.get("provisional"),
        "criteria_hash": row["criteria_hash"],
        "updated_at": row["updated_at"],
    })


@bp.route("/rounds/<int:round_id>/statistics", methods=["GET"])
def round_statistics(round_id: int):
    """The TT 13/2021 statistics of a round over every unit (token required)."""
    if not _authorised():
        return error_response(401, "Unauthorized",
                              "reading stored results needs the header Authorization: Bearer <token>")
    try:
        report = statistics.round_statistics(get_db(), round_id)
    except NotFound:
        return error_response(404, "Not Found", f"no round {round_id}")
    return jsonify(statistics.statistics_json(report))
