"""The JSON API: scoring without credentials, stored results behind a bearer token, and one
error shape ({"error": {"status", "title", "detail"}}) for every failure under /api/."""
from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from flask.testing import FlaskClient

from webapp.store import db as webdb

from webhelpers import MakeApp

TOKEN = "test-token-0123456789abcdef"
AUTH = {"Authorization": f"Bearer {TOKEN}"}


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory, demo_copy: Callable[[Path], int]) -> Iterator[dict[str, Any]]:
    tmp = tmp_path_factory.mktemp("api")
    with pytest.MonkeyPatch.context() as mp:
        mp.delenv("CFC_API_TOKEN", raising=False)
        path = tmp / "cfc.db"
        round_id = demo_copy(path)
        yield {"path": path, "round": round_id}


@pytest.fixture(scope="module")
def client(make_app: MakeApp, site: dict[str, Any]) -> FlaskClient:
    return make_app(site["path"], API_TOKEN=TOKEN).test_client()


@pytest.fixture
def sql(site) -> Iterator[Any]:
    db = webdb.connect(site["path"], migrate=False)
    yield db
    db.conn.close()


def assert_error(response: Any, status: int) -> dict[str, Any]:
    assert response.status_code == status
    assert response.mimetype == "application/json"
    body = response.get_json()
    assert set(body) == {"error"}
    error = body["error"]
    assert error["status"] == status
    assert isinstance(error["title"], str) and error["title"]
    assert isinstance(error["detail"], str) and error["detail"]
    return error


# --- POST /api/score -------------------------------------------------------------------------

def test_a_perfect_commune_scores_1000(client, perfect_inputs) -> None:
    response = client.post("/api/score", json={"category": "mountain-island", "inputs": perfect_inputs})
    assert response.status_code == 200
    body = response.get_json()
    assert body["total"] == 1000 and body["max_total"] == 1000
    assert body["recognised"] is True and body["complete"] is True
    assert body["criteria_set"]["id"] == "qd06-2019" and body["criteria_set"]["hash"].startswith("sha256:")
    assert body["category"] == {"id": "mountain-island", "threshold": 800}
    assert [c["number"] for c in body["criteria"]] == list(range(1, 14))
    assert body["gap"]["recognised"] is True and body["gap"]["points_needed"] == 0
    assert body["provisional"] is True  # the shipped set still has provisional values
    assert "Set-Cookie" not in response.headers


def test_scoring_answers_in_english_with_the_gap_analysis(client, perfect_inputs) -> None:
    inputs = {**perfect_inputs, "infants_fully_immunised": 30, "play_area": False}
    body = client.post("/api/score", json={"criteria_set": "qd06-2019", "category": "other",
                                           "inputs": inputs, "lang": "en"}).get_json()
    assert body["total"] < 1000
    assert body["criteria"][0]["name"].isascii()
    assert body["gap"]["suggestions"] and all(s["message"].startswith("Criterion")
                                              for s in body["gap"]["suggestions"])


def test_a_draft_can_be_scored_partially(client) -> None:
    body = client.post("/api/score", json={"category": "other", "inputs": {"children": 900},
                                           "partial": True}).get_json()
    assert body["complete"] is False and body["recognised"] is False


def test_invalid_inputs_give_422_with_every_problem(client, perfect_inputs) -> None:
    inputs = {**perfect_inputs, "births": -1, "infants_fully_immunised": 99, "unheard_of": 3}
    del inputs["children"]
    error = assert_error(client.post("/api/score", json={"category": "other", "inputs": inputs}), 422)
    problems = {(p["field"], p["code"]) for p in error["problems"]}
    assert problems == {("births", "negative"), ("infants_fully_immunised", "numerator_above_denominator"),
                        ("unheard_of", "unknown_input"), ("children", "missing")}
    assert all(set(p) >= {"field", "code", "message"} for p in error["problems"])
    assert "chưa nhập giá trị" in next(p["message"] for p in error["problems"] if p["code"] == "missing")


@pytest.mark.parametrize("body, field, code", [
    ({"category": "capital-city", "inputs": {}}, "category", "unknown_category"),
    ({"inputs": {}}, "category", "missing"),
    ({"category": "other"}, "inputs", "not_an_object"),
    ({"category": "other", "inputs": [1, 2]}, "inputs", "not_an_object"),
    ({"category": "other", "inputs": {}, "criteria_set": "qd99"}, "criteria_set", "unknown_criteria_set"),
    ({"category": "other", "inputs": {}, "lang": "fr"}, "lang", "unknown_language"),
    ({"category": "other", "inputs": {}, "partial": "yes"}, "partial", "not_boolean"),
])
def test_unusable_requests_give_422_naming_the_field(client, body, field, code) -> None:
    error = assert_error(client.post("/api/score", json=body), 422)
    assert [(p["field"], p["code"]) for p in error["problems"]] == [(field, code)]


@pytest.mark.parametrize("data", [b"{not json", b"", b"[1, 2]", b"null", b'"text"',
                                  "{\"a\": \"\xff\"".encode("latin-1")])
def test_malformed_json_gives_400(client, data: bytes) -> None:
    assert_error(client.post("/api/score", data=data, content_type="application/json"), 400)


def test_the_api_needs_no_csrf_token(make_app, site, perfect_inputs) -> None:
    strict = make_app(site["path"], WTF_CSRF_ENABLED=True).test_client()
    response = strict.post("/api/score", json={"category": "other", "inputs": perfect_inputs})
    assert response.status_code == 200


# --- GET /api/rounds/<id>/units/<code> ---------------------------------------------------------

def test_a_stored_result_needs_the_token(client, site, sql) -> None:
    code = sql.execute("select u.code from assessments a join units u on u.id = a.unit_id "
                       "where a.round_id = ? and a.status = 'recognised' limit 1", [site["round"]]).fetchone()[0]
    url = f"/api/rounds/{site['round']}/units/{code}"
    for headers in ({}, {"Authorization": "Bearer wrong-token"}, {"Authorization": TOKEN},
                    {"Authorization": "Basic " + TOKEN}, {"Authorization": "Bearer "},
                    {"Authorization": f"Bearer {TOKEN}x"}, {"Authorization": "Bearer tôken"}):
        response = client.get(url, headers=headers)
        assert_error(response, 401)
        assert response.headers["WWW-Authenticate"].startswith("Bearer")
    assert client.get(url, headers={"Authorization": f"bearer {TOKEN}"}).status_code == 200


def test_a_stored_result_is_the_assessment_row(client, site, sql) -> None:
    row = next(sql.query(
        "select a.*, u.code, u.id as uid from assessments a join units u on u.id = a.unit_id "
        "where a.round_id = ? and a.status = 'not_recognised' order by u.code limit 1", [site["round"]]))
    body = client.get(f"/api/rounds/{site['round']}/units/{row['code']}", headers=AUTH).get_json()
    summary = json.loads(row["result"])
    assert body["status"] == "not_recognised" and body["status_name"] == "Không được công nhận"
    assert body["recognised"] is False and body["meets_conditions"] is False
    assert body["declared_total"] == row["declared_total"] and body["verified_total"] == row["verified_total"]
    assert body["total"] == summary["total"]
    assert body["criteria"] == summary["criteria"] and len(body["criteria"]) == 13
    assert body["failed_conditions"] == summary["failed_conditions"] != []
    assert body["criteria_hash"] == row["criteria_hash"] == body["round"]["criteria_set"]["hash"]
    assert body["unit"]["id"] == row["uid"] and body["round"]["id"] == site["round"]
    assert "Set-Cookie" not in client.get(f"/api/rounds/{site['round']}/units/{row['code']}",
                                          headers=AUTH).headers


def test_recognised_and_draft_results(client, site, sql) -> None:
    recognised = sql.execute("select u.code from assessments a join units u on u.id = a.unit_id "
                             "where a.round_id = ? and a.status = 'recognised' limit 1", [site["round"]]).fetchone()[0]
    body = client.get(f"/api/rounds/{site['round']}/units/{recognised}", headers=AUTH).get_json()
    assert body["recognised"] is True and body["meets_conditions"] is True and body["total"] >= 800
    draft = sql.execute("select u.code from assessments a join units u on u.id = a.unit_id "
                        "where a.round_id = ? and a.status = 'draft' limit 1", [site["round"]]).fetchone()[0]
    body = client.get(f"/api/rounds/{site['round']}/units/{draft}", headers=AUTH).get_json()
    assert body["status"] == "draft" and body["recognised"] is False and body["verified_total"] is None


def test_token_from_the_environment_and_none_configured(make_app, site, sql) -> None:
    code = sql.execute("select u.code from assessments a join units u on u.id = a.unit_id "
                       "where a.round_id = ? limit 1", [site["round"]]).fetchone()[0]
    url = f"/api/rounds/{site['round']}/units/{code}"
    unconfigured = make_app(site["path"]).test_client()
    assert_error(unconfigured.get(url, headers={"Authorization": "Bearer "}), 401)
    assert_error(unconfigured.get(url, headers=AUTH), 401)
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("CFC_API_TOKEN", "from-the-environment")
        from_env = make_app(site["path"]).test_client()
        assert from_env.get(url, headers={"Authorization": "Bearer from-the-environment"}).status_code == 200
        assert_error(from_env.get(url, headers=AUTH), 401)


def test_unknown_unit_round_and_path_give_404(client, site) -> None:
    assert_error(client.get(f"/api/rounds/{site['round']}/units/99999", headers=AUTH), 404)
    assert_error(client.get(f"/api/rounds/{site['round']}/units/huyen-ha-quang", headers=AUTH), 404)  # a district
    assert_error(client.get("/api/rounds/9999/units/01393", headers=AUTH), 404)
    assert_error(client.get("/api/rounds/abc/units/01393", headers=AUTH), 404)
    assert_error(client.get("/api/nothing-here"), 404)


def test_wrong_method_gives_405_with_allow(client, site) -> None:
    response = client.get("/api/score")
    assert assert_error(response, 405)["title"] == "Method Not Allowed"
    assert set(response.headers["Allow"].split(", ")) == {"OPTIONS", "POST"}
    response = client.delete(f"/api/rounds/{site['round']}/units/01393", headers=AUTH)
    assert_error(response, 405)
    assert "GET" in response.headers["Allow"]


def test_an_unexpected_error_gives_500_in_the_same_shape(make_app, site, caplog) -> None:
    app = make_app(site["path"])

    def boom():
        raise RuntimeError("secret internals")

    app.add_url_rule("/api/boom", view_func=boom)
    response = app.test_client().get("/api/boom")
    error = assert_error(response, 500)
    assert "secret internals" not in response.get_data(as_text=True)
    assert error["detail"] == "unexpected error; it has been logged"
    assert "unhandled error" in caplog.text


def test_pages_outside_the_api_keep_their_html_errors(client) -> None:
    response = client.get("/no-such-page")
    assert response.status_code == 404 and response.mimetype == "text/html"
