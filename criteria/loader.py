"""Load a criteria set from YAML: parse, validate the schema, check consistency.

Every error names the file, the line and the key path, e.g.
``criteria/qd06-2019.yaml:212 criteria[7].items[1].rule.bands[2]: overlap …``.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

from pydantic import ValidationError

from .checks import check_set
from .errors import CriteriaInvalid, Problem
from .schema import RULE_KINDS, CriteriaSet
from .yamlsource import PathKey, YamlSource, read_yaml


def load_file(path: Path | str, display_name: str | None = None) -> CriteriaSet:
    """Read and fully validate the criteria set in ``path``."""
    return load_source(read_yaml(path, display_name=display_name))


def load_text(text: str, name: str = "<text>") -> CriteriaSet:
    """Validate a criteria set given as YAML text (``name`` is used in messages)."""
    return load_source(read_yaml(name, text=text))


def load_source(source: YamlSource) -> CriteriaSet:
    if source.data is None:
        raise CriteriaInvalid([source.problem((), "the file is empty; a criteria set must be a mapping of keys")])
    if not isinstance(source.data, dict):
        raise CriteriaInvalid([source.problem((), "a criteria set must be a mapping of keys")])
    try:
        cset = CriteriaSet.model_validate(source.data)
    except ValidationError as exc:
        raise CriteriaInvalid(schema_problems(source, exc)) from None
    findings = check_set(cset)
    if findings:
        problems = [source.problem(path, message) for path, message in findings]
        raise CriteriaInvalid(sorted(problems, key=lambda p: p.line or 0))
    return cset


def schema_problems(source: YamlSource, exc: ValidationError, kinds: tuple[str, ...] = RULE_KINDS,
                    what: str = "rule kind") -> list[Problem]:
    """pydantic's errors as located problems; ``kinds`` are the tags of the file's unions."""
    problems = []
    for error in exc.errors(include_url=False):
        loc = error["loc"]
        path = _data_path(source.data, tuple(p for p in loc if p != "[key]"), kinds)
        if error["type"] == "union_tag_invalid":
            path += ("kind",)
        message = (f"invalid input id {path[-1]!r}: use lowercase letters, digits and _ (e.g. births_on_time)"
                   if "[key]" in loc else _message(error, path, kinds, what))
        problems.append(source.problem(path, message))
    problems.sort(key=lambda p: (p.line or 0, p.path))
    return problems


def _data_path(data: Any, loc: tuple[Any, ...], kinds: tuple[str, ...]) -> PathKey:
    """Follow pydantic's ``loc`` through the data, dropping union tags it inserts."""
    path: list[str | int] = []
    cursor = data
    for part in loc:
        if isinstance(cursor, dict) and part in cursor:
            cursor = cursor[part]
            path.append(part)
        elif isinstance(cursor, list) and isinstance(part, int) and part < len(cursor):
            cursor = cursor[part]
            path.append(part)
        elif isinstance(cursor, dict) and part in kinds and cursor.get("kind") == part:
            continue
        else:
            path.append(part)
            cursor = None
    return tuple(path)


def _message(error: dict[str, Any], path: PathKey, kinds: tuple[str, ...], what: str) -> str:
    kind = error["type"]
    key = path[-1] if path else ""
    if kind == "extra_forbidden":
        return f"unknown key {key!r}"
    if kind == "missing":
        return f"missing required key {key!r}"
    if kind == "union_tag_invalid":
        return f"unknown {what} {error['input'].get('kind')!r}; expected one of: {', '.join(kinds)}"
    if kind == "union_tag_not_found":
        return f"missing required key 'kind'; expected one of: {', '.join(kinds)}"
    if kind == "literal_error":
        return f"{error['msg']}, got {error['input']!r}"
    if "input" in error and not isinstance(error["input"], (dict, list)):
        return f"{error['msg']} (got {error['input']!r})"
    return error["msg"]
