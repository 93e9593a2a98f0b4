"""Shared fixtures, and the collector of YAML scenario files (tests/scenarios/**.yaml).

A scenario file gives ``criteria_set``, ``base_inputs`` and ``cases``; each case overrides
some inputs and states the expected item points, criterion points, total, verdict,
failing conditions or validation errors. Written by hand from the reference tables.
"""
from __future__ import annotations

import functools
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml
from flask import Flask

import criteria
import scoring
from webapp.store import db as webdb
from webapp.store import demo, rounds, units
from webapp.web.app import create_app

from webhelpers import ClientAs, MakeApp, logged_in

SCENARIOS = Path(__file__).parent / "scenarios"


def pytest_collect_file(parent: pytest.Collector, file_path: Path) -> pytest.Collector | None:
    if file_path.suffix == ".yaml" and SCENARIOS in file_path.parents:
        return ScenarioFile.from_parent(parent, path=file_path)
    return None


class ScenarioFile(pytest.File):
    def collect(self):
        doc = yaml.safe_load(self.path.read_text(encoding="utf-8"))
        cset = criteria.get(doc["criteria_set"])
        for case in doc["cases"]:
            yield ScenarioCase.from_parent(self, name=case["name"], cset=cset,
                                           base=doc.get("base_inputs", {}), case=case)


class ScenarioCase(pytest.Item):
    def __init__(self, *, cset: criteria.CriteriaSet, base: dict[str, Any], case: dict[str, Any], **kwargs: Any):
        super().__init__(**kwargs)
        self.cset, self.base, self.case = cset, base, case

    def runtest(self) -> None:
        inputs = {**self.base, **self.case.get("inputs", {})}
        inputs = {k: v for k, v in inputs.items() if v is not None}
        expect = self.case["expect"]
        category = self.case.get("category", "other")
        if "errors" in expect:
            with pytest.raises(scoring.InvalidInputs) as info:
                scoring.score(inputs, self.cset, category)
            got = {(p.field, p.code) for p in info.value.problems}
            assert got == {(e["field"], e["code"]) for e in expect["errors"]}
            return
        result = scoring.score(inputs, self.cset, category)
        for item_id, points in expect.get("items", {}).items():
            assert result.items[str(item_id)].points == points, f"item {item_id}"
        for number, points in expect.get("criteria", {}).items():
            assert result.criteria[int(number)].points == points, f"criterion {number}"
        if "total" in expect:
            assert result.total == expect["total"]
        if "recognised" in expect:
            assert result.recognised is expect["recognised"]
        if "failed_conditions" in expect:
            assert [c.id for c in result.failed_conditions] == expect["failed_conditions"]
        if "provisional" in expect:
            assert result.provisional is expect["provisional"]

    def reportinfo(self):
        return self.path, 0, f"scenario: {self.name}"

    def repr_failure(self, excinfo, style=None):
        return f"{self.path.name} » {self.name}\n  case: {self.case}\n{super().repr_failure(excinfo, style)}"


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """Say loudly how many tests did not run for want of a system tool, and how to install it."""
    missing = [r for r in terminalreporter.stats.get("skipped", []) if "system tool missing" in str(r.longrepr)]
    if missing:
        terminalreporter.write_sep("!", f"{len(missing)} tests NOT RUN: a system tool is missing", yellow=True)
        terminalreporter.write_line("Run `scripts/install-system-deps --test` (Debian packages), then pytest again.")


@pytest.fixture(scope="session")
def demo_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A database with the demo round and accounts, built once per session; tests copy it."""
    path = tmp_path_factory.mktemp("demo") / "cfc.db"
    db = webdb.connect(path)
    demo.build_demo(db)
    db.conn.close()
    return path


@pytest.fixture()
def db_path(demo_db: Path, tmp_path: Path) -> Path:
    """A fresh copy of the demo database for one test."""
    path = tmp_path / "cfc.db"
    webdb.backup(demo_db, path)
    return path


@pytest.fixture(scope="session")
def demo_copy(demo_db: Path) -> Callable[[Path], int]:
    """Copy the demo database to a path (for module fixtures that build on it); returns the demo round's id."""
    def copy(path: Path) -> int:
        webdb.backup(demo_db, path)
        db = webdb.connect(path, migrate=False)
        try:
            return db.execute("select max(id) from rounds").fetchone()[0]
        finally:
            db.conn.close()
    return copy


@pytest.fixture(scope="session")
def make_app(tmp_path_factory: pytest.TempPathFactory) -> MakeApp:
    """Build the web app on a database, set up for tests; keyword settings override the defaults.

    Defaults: a fixed secret key, no CSRF tokens, the attachments beside the database (as in an
    instance folder), and one instance folder per session for the compiled translations (never the
    repository's); ``instance`` gives another one (where the app keeps its secret key without SECRET_KEY).
    """
    shared = tmp_path_factory.mktemp("instance")

    def make(database: Path, instance: Path | None = None, **config: Any) -> Flask:
        settings = {"DATABASE": str(database), "SECRET_KEY": "test", "WTF_CSRF_ENABLED": False,
                    "ATTACHMENTS": str(Path(database).parent / "attachments"), **config}
        with pytest.MonkeyPatch.context() as mp:
            mp.setenv("CFC_INSTANCE", str(instance or shared))
            return create_app(settings)
    return make


@pytest.fixture()
def app_config() -> dict[str, Any]:
    """Settings the ``app`` fixture adds to the defaults; a module overrides or parametrizes this fixture."""
    return {}


@pytest.fixture()
def app(make_app: MakeApp, db_path: Path, app_config: dict[str, Any]) -> Flask:
    """The web app on this test's copy of the demo database (Flask's tutorial's ``app`` fixture)."""
    return make_app(db_path, **app_config)


@pytest.fixture()
def client_as(app: Flask) -> ClientAs:
    """``client_as("officer")`` or ``client_as("canbo.xa")``: a client of ``app`` logged in as that demo account."""
    return functools.partial(logged_in, app)


@pytest.fixture(scope="session")
def qd06() -> criteria.CriteriaSet:
    return criteria.get("qd06-2019")


@pytest.fixture(scope="session")
def perfect_inputs(qd06: criteria.CriteriaSet) -> dict[str, Any]:
    """A commune that earns every point of QĐ 06 (1000)."""
    inputs: dict[str, Any] = {name: True for name, spec in qd06.inputs.items() if spec.type == "boolean"}
    inputs.update(
        children=1200, births=40, births_registered_on_time=40, abused_children=0,
        law_breaking_children=0, drug_addicted_children=0, accident_deaths=0, injured_children=2,
        special_children=30, special_children_supported=30, severe_cases=0, severe_cases_with_plan=0,
        infants=38, infants_fully_immunised=38, under5_weighed=200, under5_underweight=6,
        under5_measured=200, under5_stunted=14, health_check_due=500, health_checked=480,
        children_3_5=120, preschool_attending=118, primary_age=300, primary_attending=300,
        lower_secondary_age=250, lower_secondary_attending=245, survey_respondents=100,
        survey_satisfied=93,
    )
    return inputs


@pytest.fixture()
def fresh_round(tmp_path: Path):
    """A fresh database with one 2027 round of Cao Bằng's units since 2025 (all drafts): the database,
    its attachments folder and one assessment's id."""
    db = webdb.connect(tmp_path / "cfc.db")
    units.load_cao_bang(db)
    round_id = rounds.create_round(db, name="r", year=2027, cset=criteria.get("qd06-2019"),
                                   unit_set=units.CAO_BANG_2025, actor="admin")
    aid = db.execute("select id from assessments where round_id = ? limit 1", [round_id]).fetchone()[0]
    yield db, tmp_path / "attachments", aid
    db.conn.close()
