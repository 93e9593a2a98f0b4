"""Numbers that YAML and JSON misread silently are refused, through ``cfc score`` and ``POST /api/score``:
``children: 2.000`` (the float 2.0, meant as 2,000), YAML 1.1's ``012`` (10), ``0x10`` (16), ``1_000`` and
``1:20`` (80). A quoted ``"2.000"`` is text and means 2,000, as in a CSV. A flat mapping may carry ``category:``."""
from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from flask.testing import FlaskClient

import criteria
from webapp.cli.main import cfc

from webhelpers import MakeApp


def declaration(perfect_inputs: dict[str, Any], **raw: str) -> str:
    """A one-unit YAML file written by hand: the perfect commune, with some values given as raw YAML text."""
    lines = ["category: mountain-island", "inputs:"]
    for name, value in perfect_inputs.items():
        text = raw.get(name, "có" if value is True else "không" if value is False else str(value))
        lines.append(f"  {name}: {text}")
    return "\n".join(lines) + "\n"


@pytest.mark.parametrize(("field", "text", "message"), [
    ("children", "2.000", 'children: 2.000 không rõ là 2000 hay một số thập phân: viết 2000 hoặc "2.000"'),
    ("children", "1.450", 'children: 1.450 không rõ là 1450 hay một số thập phân: viết 1450 hoặc "1.450"'),
    ("births", "012", "births: 012 có dạng số dễ bị đọc sai"),
    ("children", "0x10", "children: 0x10 có dạng số dễ bị đọc sai"),
    ("children", "1_450", "children: 1_450 có dạng số dễ bị đọc sai"),
    ("children", "1:20", "children: 1:20 có dạng số dễ bị đọc sai"),
])
def test_cli_refuses_a_misreadable_number(tmp_path: Path, perfect_inputs, field: str, text: str, message: str) -> None:
    path = tmp_path / "xa.yaml"
    path.write_text(declaration(perfect_inputs, abused_children="1", **{field: text}), encoding="utf-8")
    res = CliRunner().invoke(cfc, ["score", str(path)])
    assert res.exit_code == 1, res.output
    assert message in res.stderr
    assert "Tổng điểm" not in res.stdout


def test_cli_reads_a_quoted_grouped_number_as_thousands(tmp_path: Path, perfect_inputs) -> None:
    path = tmp_path / "xa.yaml"
    path.write_text(declaration(perfect_inputs, children='"2.000"', abused_children="1"), encoding="utf-8")
    res = CliRunner().invoke(cfc, ["score", str(path), "--json"])
    assert res.exit_code == 0, res.output
    assert '"children": 2000' in res.stdout


def test_cli_json_file_refuses_a_grouped_float(tmp_path: Path, perfect_inputs) -> None:
    body = ", ".join(f'"{k}": {"2.000" if k == "children" else json_value(v)}' for k, v in perfect_inputs.items())
    path = tmp_path / "xa.json"
    path.write_text('{"category": "other", "inputs": {' + body + "}}", encoding="utf-8")
    res = CliRunner().invoke(cfc, ["score", str(path)])
    assert res.exit_code == 1
    assert 'children: 2.000 không rõ là 2000 hay một số thập phân: viết 2000 hoặc "2.000"' in res.stderr


def test_cli_plain_decimal_whole_number_still_counts(tmp_path: Path, perfect_inputs) -> None:
    path = tmp_path / "xa.yaml"
    path.write_text(declaration(perfect_inputs, children="1450.0"), encoding="utf-8")
    res = CliRunner().invoke(cfc, ["score", str(path)])
    assert res.exit_code == 0, res.output


def test_cli_flat_mapping_may_carry_its_category(tmp_path: Path, perfect_inputs) -> None:
    flat = declaration(perfect_inputs).replace("inputs:\n", "").replace("\n  ", "\n")
    path = tmp_path / "xa.yaml"
    path.write_text(flat, encoding="utf-8")
    res = CliRunner().invoke(cfc, ["score", str(path)])
    assert res.exit_code == 0, res.output
    assert "Tổng điểm: 1000/1000" in res.stdout
    assert "unknown_input" not in res.stderr


def test_a_comma_grouped_text_is_refused_too(tmp_path: Path, perfect_inputs) -> None:
    path = tmp_path / "xa.yaml"
    path.write_text(declaration(perfect_inputs, children='"2,000"'), encoding="utf-8")
    res = CliRunner().invoke(cfc, ["score", str(path)])
    assert res.exit_code == 1
    assert "children: 2,000 không rõ là 2000 hay một số thập phân: viết 2000 hoặc 2.000" in res.stderr


def declared(result: dict[str, Any], name: str) -> Any:
    """The value of input ``name`` as the scored result shows it (under the items that use it)."""
    return next(i["inputs"][name] for c in result["criteria"] for i in c["items"] if name in i["inputs"])


def json_value(value: Any) -> str:
    return "true" if value is True else "false" if value is False else str(value)


@pytest.fixture(scope="module")
def api(make_app: MakeApp, tmp_path_factory: pytest.TempPathFactory) -> FlaskClient:
    return make_app(tmp_path_factory.mktemp("hazards") / "cfc.db").test_client()


@pytest.mark.parametrize(("text", "code", "message"), [
    ("2.000", "grouped_decimal", 'không rõ là 2000 hay một số thập phân: viết 2000 hoặc "2.000"'),
    ("2.500", "grouped_decimal", 'không rõ là 2500 hay một số thập phân: viết 2500 hoặc "2.500"'),
    ("1e3", None, None),
])
def test_api_refuses_a_grouped_float(api: FlaskClient, perfect_inputs, text: str, code: str | None,
                                     message: str | None) -> None:
    body = ", ".join(f'"{k}": {text if k == "children" else json_value(v)}' for k, v in perfect_inputs.items())
    response = api.post("/api/score", data='{"category": "other", "inputs": {' + body + "}}",
                        content_type="application/json")
    if code is None:
        assert response.status_code == 200, response.get_json()
        assert declared(response.get_json(), "children") == 1000
        return
    assert response.status_code == 422
    problems = response.get_json()["error"]["problems"]
    label = criteria.get("qd06-2019").inputs["children"].label.vi  # the API names a field by its label
    assert problems == [{"field": "children", "code": code, "value": text, "message": f"«{label}»: {text} {message}"}]


def test_api_reads_a_quoted_grouped_number_as_thousands(api: FlaskClient, perfect_inputs) -> None:
    response = api.post("/api/score", json={"category": "other", "inputs": {**perfect_inputs, "children": "2.000"}})
    assert response.status_code == 200
    assert declared(response.get_json(), "children") == 2000
