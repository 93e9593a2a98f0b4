"""The criteria loader: the shipped set, valid fixtures, and one broken file per defect.

Every broken fixture in ``tests/criteria_fixtures/broken`` is a small, otherwise valid set
with exactly one defect (``multiple-problems.yaml`` has three). The tests assert the full
problem lines (file, line, key path, message), both through ``criteria.load_file`` and
through ``cfc criteria check``.
"""
from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

import criteria
from criteria import CriteriaInvalid, CriteriaSyntaxError, Problem
from criteria.schema import RULE_KINDS
from webapp.cli.main import cfc

FIXTURES = Path(__file__).parent / "criteria_fixtures"
BROKEN = FIXTURES / "broken"
VALID = FIXTURES / "valid"
SHIPPED_FILE = criteria.SHIPPED_DIR / "qd06-2019.yaml"

KINDS = "yes_no, rate_bands, incidence_bands, count_bands, checklist, manual_score"

# fixture name -> (exception raised, every problem line in the order reported)
EXPECTED: dict[str, tuple[type[criteria.CriteriaError], list[str]]] = {
    "duplicate-key-top-level": (CriteriaSyntaxError, [
        "broken/duplicate-key-top-level.yaml:10 valid_until: "
        "duplicate key 'valid_until' (first given on line 8)",
    ]),
    "duplicate-key-nested": (CriteriaSyntaxError, [
        "broken/duplicate-key-nested.yaml:51 criteria[1].items[0].verified: "
        "duplicate key 'verified' (first given on line 50)",
    ]),
    "unknown-key-top-level": (CriteriaInvalid, [
        "broken/unknown-key-top-level.yaml:10 author: unknown key 'author'",
    ]),
    "unknown-key-in-item": (CriteriaInvalid, [
        "broken/unknown-key-in-item.yaml:41 criteria[0].items[0].weight: unknown key 'weight'",
    ]),
    "unknown-rule-kind": (CriteriaInvalid, [
        "broken/unknown-rule-kind.yaml:42 criteria[0].items[0].rule.kind: "
        f"unknown rule kind 'yes_or_no'; expected one of: {KINDS}",
    ]),
    "missing-rule-kind": (CriteriaInvalid, [
        "broken/missing-rule-kind.yaml:41 criteria[0].items[0].rule: "
        f"missing required key 'kind'; expected one of: {KINDS}",
    ]),
    "missing-missing-policy": (CriteriaInvalid, [
        "broken/missing-missing-policy.yaml:41 criteria[0].items[0].rule.missing: "
        "missing required key 'missing'",
    ]),
    "missing-zero-denominator": (CriteriaInvalid, [
        "broken/missing-zero-denominator.yaml:51 criteria[1].items[0].rule.zero_denominator: "
        "missing required key 'zero_denominator'",
    ]),
    "band-overlap": (CriteriaInvalid, [
        "broken/band-overlap.yaml:60 criteria[1].items[0].rule.bands[1]: "
        "overlap with the band before: 95 is in both bands",
    ]),
    "band-gap": (CriteriaInvalid, [
        "broken/band-gap.yaml:60 criteria[1].items[0].rule.bands[1]: "
        "gap between 90 and 95: no band covers these values",
    ]),
    "band-gap-lower-better": (CriteriaInvalid, [
        "broken/band-gap-lower-better.yaml:60 criteria[1].items[0].rule.bands[1]: "
        "gap between 5 and 6: no band covers these values",
    ]),
    "bands-out-of-order": (CriteriaInvalid, [
        "broken/bands-out-of-order.yaml:60 criteria[1].items[0].rule.bands[1]: "
        "out of order: list bands from best to worst",
    ]),
    "band-both-lower-bounds": (CriteriaInvalid, [
        "broken/band-both-lower-bounds.yaml:59 criteria[1].items[0].rule.bands[0]: "
        "give at most one lower bound (at_least or above), not both",
    ]),
    "band-empty": (CriteriaInvalid, [
        "broken/band-empty.yaml:60 criteria[1].items[0].rule.bands[1]: "
        "the band is empty: its lower bound is not below its upper bound",
    ]),
    "band-worse-pays-more": (CriteriaInvalid, [
        "broken/band-worse-pays-more.yaml:60 criteria[1].items[0].rule.bands[1].points: "
        "a worse band earns more (60) than the band before it (30)",
    ]),
    "band-best-not-open": (CriteriaInvalid, [
        "broken/band-best-not-open.yaml:59 criteria[1].items[0].rule.bands[0]: "
        "the best band must have no upper bound (leave out at_most and below)",
    ]),
    "rate-bound-above-100": (CriteriaInvalid, [
        "broken/rate-bound-above-100.yaml:60 criteria[1].items[0].rule.bands[1]: "
        "bound 150% is above 100%",
    ]),
    "item-exceeds-criterion": (CriteriaInvalid, [
        "broken/item-exceeds-criterion.yaml:35 criteria[0].max_points: "
        "items of criterion 1 add up to 50 points, not its maximum of 40",
        "broken/item-exceeds-criterion.yaml:37 criteria[0].items[0]: "
        "item 1.1 can earn 50 points, more than the criterion maximum of 40",
    ]),
    "items-sum-mismatch": (CriteriaInvalid, [
        "broken/items-sum-mismatch.yaml:38 criteria[0].max_points: "
        "items of criterion 1 add up to 35 points, not its maximum of 40",
    ]),
    "total-mismatch": (CriteriaInvalid, [
        "broken/total-mismatch.yaml:9 total_points: criterion maxima add up to 100, not total_points 120",
    ]),
    "category-without-threshold": (CriteriaInvalid, [
        "broken/category-without-threshold.yaml:11 categories[0].threshold: "
        "missing required key 'threshold'",
    ]),
    "category-threshold-above-total": (CriteriaInvalid, [
        "broken/category-threshold-above-total.yaml:13 categories[0].threshold: "
        "threshold 150 exceeds the total of 100 points",
    ]),
    "duplicate-category-id": (CriteriaInvalid, [
        "broken/duplicate-category-id.yaml:16 categories[1].id: category id 'other' is used twice",
    ]),
    "duplicate-item-id": (CriteriaInvalid, [
        "broken/duplicate-item-id.yaml:47 criteria[1].items[0].id: item id '1.1' is used twice",
    ]),
    "duplicate-criterion-number": (CriteriaInvalid, [
        "broken/duplicate-criterion-number.yaml:42 criteria[1].number: criterion number 1 is used twice",
    ]),
    "input-not-declared": (CriteriaInvalid, [
        "broken/input-not-declared.yaml:51 criteria[1].items[0].rule.denominator: "
        "input 'births' is not declared under inputs",
    ]),
    "input-unused": (CriteriaInvalid, [
        "broken/input-unused.yaml:22 inputs.budget: input 'budget' is declared but no rule uses it",
    ]),
    "input-wrong-type": (CriteriaInvalid, [
        "broken/input-wrong-type.yaml:43 criteria[0].items[0].rule.input: "
        "input 'officer' is a count, but a yes_no rule needs a boolean",
    ]),
    "verified-item-unverified-band": (CriteriaInvalid, [
        "broken/verified-item-unverified-band.yaml:60 criteria[1].items[0].rule.bands[1].verified: "
        "item 2.1 is marked verified but this band is not",
    ]),
    "invalid-yaml-indentation": (CriteriaSyntaxError, [
        "broken/invalid-yaml-indentation.yaml:13: invalid YAML: while parsing a block collection "
        "(started on line 11) expected <block end>, but found '<block mapping start>'",
    ]),
    "invalid-yaml-unclosed-bracket": (CriteriaSyntaxError, [
        "broken/invalid-yaml-unclosed-bracket.yaml:42: invalid YAML: while parsing a flow mapping "
        "(started on line 41) expected ',' or '}', but got ':'",
    ]),
    "not-utf8": (CriteriaSyntaxError, [
        "broken/not-utf8.yaml:4: not UTF-8 text (invalid continuation byte); save the file as UTF-8",
    ]),
    "list-not-mapping": (CriteriaInvalid, [
        "broken/list-not-mapping.yaml:2: a criteria set must be a mapping of keys",
    ]),
    "empty": (CriteriaInvalid, [
        "broken/empty.yaml: the file is empty; a criteria set must be a mapping of keys",
    ]),
    "multiple-problems": (CriteriaInvalid, [
        "broken/multiple-problems.yaml:16 categories[1].id: category id 'other' is used twice",
        "broken/multiple-problems.yaml:27 inputs.budget: input 'budget' is declared but no rule uses it",
        "broken/multiple-problems.yaml:68 criteria[1].items[0].rule.bands[1]: "
        "gap between 90 and 95: no band covers these values",
    ]),
}

# Defects whose message today is unclear or names the wrong line/path. EXPECTED holds the
# message the loader should give; the reason quotes the actual output.
def problems_of(name: str) -> tuple[type[criteria.CriteriaError], list[str]]:
    """The exception type and every problem line from loading broken/<name>.yaml."""
    with pytest.raises(criteria.CriteriaError) as info:
        criteria.load_file(BROKEN / f"{name}.yaml", display_name=f"broken/{name}.yaml")
    exc = info.value
    if isinstance(exc, CriteriaSyntaxError):
        return type(exc), [str(exc.problem)]
    assert isinstance(exc, CriteriaInvalid)
    return type(exc), [str(p) for p in exc.problems]


# --- the broken fixtures, one defect each -------------------------------------------------


def test_every_broken_fixture_has_an_expectation() -> None:
    on_disk = sorted(p.stem for p in BROKEN.glob("*.yaml"))
    assert on_disk == sorted(EXPECTED)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_broken_fixture_reports_exact_problems(name: str) -> None:
    exc_type, lines = EXPECTED[name]
    assert problems_of(name) == (exc_type, lines)


def test_problem_carries_file_line_path_and_message() -> None:
    with pytest.raises(CriteriaInvalid) as info:
        criteria.load_file(BROKEN / "band-overlap.yaml", display_name="broken/band-overlap.yaml")
    assert info.value.problems == [
        Problem(
            file="broken/band-overlap.yaml",
            line=60,
            path="criteria[1].items[0].rule.bands[1]",
            message="overlap with the band before: 95 is in both bands",
        )
    ]


def test_duplicate_key_problem_fields() -> None:
    with pytest.raises(CriteriaSyntaxError) as info:
        criteria.load_file(BROKEN / "duplicate-key-nested.yaml", display_name="dup.yaml")
    assert info.value.problem == Problem(
        "dup.yaml", 51, "criteria[1].items[0].verified", "duplicate key 'verified' (first given on line 50)"
    )
    assert str(info.value) == (
        "dup.yaml:51 criteria[1].items[0].verified: duplicate key 'verified' (first given on line 50)"
    )


def test_display_name_defaults_to_the_path_as_given() -> None:
    path = str(BROKEN / "band-gap.yaml")
    with pytest.raises(CriteriaInvalid) as info:
        criteria.load_file(path)
    assert [str(p) for p in info.value.problems] == [
        f"{path}:60 criteria[1].items[0].rule.bands[1]: gap between 90 and 95: no band covers these values"
    ]


def test_load_text_uses_the_given_name() -> None:
    text = (BROKEN / "total-mismatch.yaml").read_text(encoding="utf-8")
    with pytest.raises(CriteriaInvalid) as info:
        criteria.load_text(text, name="pasted.yaml")
    assert str(info.value) == "pasted.yaml:9 total_points: criterion maxima add up to 100, not total_points 120"


def test_several_problems_are_reported_at_once() -> None:
    with pytest.raises(CriteriaInvalid) as info:
        criteria.load_file(BROKEN / "multiple-problems.yaml", display_name="broken/multiple-problems.yaml")
    problems = info.value.problems
    assert len(problems) == 3
    assert [(p.line, p.path) for p in problems] == [
        (16, "categories[1].id"),
        (27, "inputs.budget"),
        (68, "criteria[1].items[0].rule.bands[1]"),
    ]
    assert str(info.value) == "\n".join(EXPECTED["multiple-problems"][1])


# --- the shipped set ----------------------------------------------------------------------


def test_shipped_set_loads() -> None:
    cset = criteria.get("qd06-2019")
    assert (cset.id, cset.version, cset.total_points) == ("qd06-2019", "2019.1", 1000)
    assert [c.number for c in cset.criteria] == list(range(1, 14))
    assert sum(c.max_points for c in cset.criteria) == 1000
    assert [c.id for c in cset.categories] == ["urban-ward", "mountain-island", "other"]


def test_shipped_set_has_provisional_values() -> None:
    cset = criteria.get("qd06-2019")
    parts = cset.provisional_parts()
    assert cset.has_provisional_values is True
    assert "item 2.1" in parts
    assert "item 1.1" not in parts
    assert len(parts) == len(set(parts))


def test_unknown_set_is_not_found() -> None:
    with pytest.raises(criteria.CriteriaNotFound) as info:
        criteria.get("qd99-2099")
    message = str(info.value)
    assert message.startswith("no criteria set 'qd99-2099' (known: ")
    assert "qd06-2019 2019.1" in message


# --- content hash -------------------------------------------------------------------------


def test_reordered_fixture_really_is_reformatted() -> None:
    shipped_text = SHIPPED_FILE.read_text(encoding="utf-8")
    reordered_text = (VALID / "qd06-reordered.yaml").read_text(encoding="utf-8")
    assert "#" in shipped_text and "#" not in reordered_text
    assert list(yaml.safe_load(reordered_text)) == list(reversed(list(yaml.safe_load(shipped_text))))


def test_content_hash_ignores_key_order_and_formatting() -> None:
    reordered = criteria.load_file(VALID / "qd06-reordered.yaml")
    shipped = criteria.get("qd06-2019")
    assert criteria.content_hash(reordered) == criteria.content_hash(shipped)
    assert criteria.content_hash(shipped).startswith("sha256:")
    assert len(criteria.content_hash(shipped)) == len("sha256:") + 64


def test_content_hash_changes_with_one_band_points() -> None:
    text = (VALID / "qd06-reordered.yaml").read_text(encoding="utf-8")
    old = "-   points: 35\n                            below: 100\n"
    assert text.count(old) == 1
    changed = criteria.load_text(text.replace(old, old.replace("35", "36")), name="changed.yaml")
    assert changed.criteria[1].items[0].rule.bands[1].points == 36
    assert criteria.content_hash(changed) != criteria.content_hash(criteria.get("qd06-2019"))


# --- the minimal valid set ----------------------------------------------------------------


def test_minimal_set_loads_with_every_rule_kind() -> None:
    cset = criteria.load_file(VALID / "minimal.yaml", display_name="valid/minimal.yaml")
    assert (cset.id, cset.version, cset.total_points) == ("minimal-example", "0.1", 200)
    assert [(i.id, i.rule.kind, i.max_points) for _, i in cset.items()] == [
        ("1.1", "yes_no", 20),
        ("1.2", "checklist", 30),
        ("2.1", "rate_bands", 30),
        ("2.2", "rate_bands", 20),
        ("3.1", "incidence_bands", 30),
        ("3.2", "count_bands", 20),
        ("4.1", "manual_score", 50),
    ]
    assert {i.rule.kind for _, i in cset.items()} == set(RULE_KINDS)
    assert [i.rule.better for _, i in cset.items() if i.rule.kind == "rate_bands"] == ["higher", "lower"]
    assert cset.provisional_parts() == ["category other", "item 2.2", "item 3.1"]


# --- cfc criteria check -------------------------------------------------------------------


@pytest.fixture
def runner(monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    """A CLI runner working in the fixtures folder, so files are named broken/<name>.yaml."""
    monkeypatch.chdir(FIXTURES)
    return CliRunner()


def test_cli_check_shipped_file_is_ok(runner: CliRunner) -> None:
    cset = criteria.get("qd06-2019")
    result = runner.invoke(cfc, ["criteria", "check", str(SHIPPED_FILE)])
    assert result.exit_code == 0
    assert result.stderr == ""
    assert result.stdout == (
        f"OK {SHIPPED_FILE}: qd06-2019 2019.1, 13 criteria, 1000 points, "
        f"{len(cset.provisional_parts())} provisional (chưa xác minh), {criteria.content_hash(cset)}\n"
    )


def test_cli_check_minimal_is_ok(runner: CliRunner) -> None:
    digest = criteria.content_hash(criteria.load_file(VALID / "minimal.yaml"))
    result = runner.invoke(cfc, ["criteria", "check", "valid/minimal.yaml"])
    assert result.exit_code == 0
    assert result.stderr == ""
    assert result.stdout == (
        f"OK valid/minimal.yaml: minimal-example 0.1, 4 criteria, 200 points, "
        f"3 provisional (chưa xác minh), {digest}\n"
    )


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_cli_check_broken_fixture(runner: CliRunner, name: str) -> None:
    lines = EXPECTED[name][1]
    result = runner.invoke(cfc, ["criteria", "check", f"broken/{name}.yaml"])
    assert result.exit_code == 3
    assert result.stdout == ""
    assert result.stderr.splitlines()[0] == lines[0]
    assert result.stderr == "".join(f"{line}\n" for line in lines)


def test_cli_check_reports_every_file(runner: CliRunner) -> None:
    result = runner.invoke(
        cfc, ["criteria", "check", "broken/band-gap.yaml", "valid/minimal.yaml", "broken/total-mismatch.yaml"]
    )
    assert result.exit_code == 3
    assert result.stdout.startswith("OK valid/minimal.yaml: minimal-example 0.1, ")
    assert result.stdout.count("\n") == 1
    assert result.stderr == (
        "broken/band-gap.yaml:60 criteria[1].items[0].rule.bands[1]: "
        "gap between 90 and 95: no band covers these values\n"
        "broken/total-mismatch.yaml:9 total_points: criterion maxima add up to 100, not total_points 120\n"
    )


def test_input_ids_must_be_identifiers() -> None:
    """Input ids become form fields and generated code; anything but snake_case is refused."""
    text = SHIPPED_FILE.read_text(encoding="utf-8").replace("  children:\n", "  \"children'); x = ('\":\n", 1)
    with pytest.raises(CriteriaInvalid) as info:
        criteria.load_text(text, "hostile.yaml")
    assert str(info.value.problems[0]) == (
        "hostile.yaml:85 inputs.children'); x = (': invalid input id \"children'); x = ('\": "
        "use lowercase letters, digits and _ (e.g. births_on_time)")
