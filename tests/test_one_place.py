"""Each shared fact is written in one place of the product's sources, so two copies cannot drift apart.

The sources of webapp/ and certificates/ are read as text (Python through its syntax tree, so that
comments and docstrings do not count): one ``nfc``, one Vietnam time zone and one dd/mm/yyyy format
(``webapp/store/vietnamese.py``), one wording per status (``webapp/store/workflow.py``) and one NTM set
per unit set (``webapp/store/ntm.py``). criteria/ and scoring/ may not import webapp and are not read.
"""
from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from webapp.store import workflow
from webapp.store.ntm import NTM_SET_OF_UNIT_SET

ROOT = Path(__file__).resolve().parents[1]
VIETNAMESE = "webapp/store/vietnamese.py"
WORKFLOW = "webapp/store/workflow.py"
NTM = "webapp/store/ntm.py"
# Same words, another meaning: the reviewer's button «Trả lại để bổ sung» is the action, not the status.
OTHER_MEANINGS = {("webapp/web/templates/review/review.html", '_("Trả lại để bổ sung")')}


def python_sources() -> dict[str, ast.Module]:
    return {str(path.relative_to(ROOT)): ast.parse(path.read_text(encoding="utf-8"))
            for folder in ("webapp", "certificates") for path in sorted((ROOT / folder).rglob("*.py"))}


def templates() -> dict[str, str]:
    return {str(path.relative_to(ROOT)): path.read_text(encoding="utf-8")
            for folder in ("webapp", "certificates") for path in sorted((ROOT / folder).rglob("*.html"))}


def strings(tree: ast.Module) -> list[str]:
    """Every string literal of a module, f-string parts included, docstrings left out."""
    docstrings = {id(node.body[0].value) for node in ast.walk(tree)
                  if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef))
                  and node.body and isinstance(node.body[0], ast.Expr) and isinstance(node.body[0].value, ast.Constant)}
    return [node.value for node in ast.walk(tree)
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docstrings]


def where(found: dict[str, int]) -> list[str]:
    return sorted(path for path, count in found.items() if count)


def test_one_nfc_one_vietnam_time_zone_and_one_short_date_format() -> None:
    sources = python_sources()
    defined = {path: sum(isinstance(n, ast.FunctionDef) and n.name == "nfc" for n in ast.walk(tree))
               for path, tree in sources.items()}
    assert where(defined) == [VIETNAMESE] and defined[VIETNAMESE] == 1
    assert where({path: strings(tree).count("NFC") for path, tree in sources.items()}) == [VIETNAMESE]
    assert where({path: strings(tree).count("%d/%m/%Y") for path, tree in sources.items()}) == [VIETNAMESE]
    utc7 = re.compile(r"timedelta\(\s*hours\s*=\s*7\b")
    found = {path: len(utc7.findall((ROOT / path).read_text(encoding="utf-8"))) for path in sources}
    assert where(found) == [VIETNAMESE]
    for path, text in templates().items():
        assert "%d/%m/%Y" not in text, f"{path} formats a date itself: use the vndate filter"


@pytest.mark.parametrize("names", [workflow.STATUS_NAMES, workflow.REVIEW_NAMES], ids=["assessment", "review"])
def test_each_status_is_worded_once(names: dict[str, str]) -> None:
    """A status's name is written only in workflow.py; pages, documents and exports look it up there."""
    for name in names.values():
        found = {path: sum(text == name or f"«{name}»" in text for text in strings(tree))
                 for path, tree in python_sources().items()}
        assert where(found) == [WORKFLOW], name
        quoted = re.compile(rf"""["']{re.escape(name)}["']|«{re.escape(name)}»""")
        for path, text in templates().items():
            kept = [m.group(0) for m in quoted.finditer(text) if (path, f"_({m.group(0)})") not in OTHER_MEANINGS]
            assert not kept, f"{path} writes the status «{name}» itself"


def test_old_wordings_of_the_review_statuses_are_gone() -> None:
    """«Cần làm rõ» and a bare «Điều chỉnh» were the officer's names for the reviewer's statuses."""
    for path, tree in python_sources().items():
        assert not {"Cần làm rõ", "Điều chỉnh"} & set(strings(tree)), path


def test_one_ntm_set_per_unit_set() -> None:
    """Which NTM criteria set applies to a unit set is said in store/ntm.py only."""
    for ntm_set in NTM_SET_OF_UNIT_SET.values():
        found = {path: strings(tree).count(ntm_set) for path, tree in python_sources().items()}
        assert where(found) == [NTM], ntm_set
        assert not [path for path, text in templates().items() if ntm_set in text], ntm_set
